"""gunicorn settings, read from the working directory by every start:
``scripts/run.sh``, the Docker image and compose file, and ``bench/intake.py``.
Command-line flags given there override these.

Workers: CPUs + 1 sync workers (``WEB_CONCURRENCY`` overrides). On the 2-CPU
machines here, 16 concurrent CRM clients got ~295 orders/s with 2 or 3
workers, 245/s with 6, and less with threaded workers (bench/RESULTS.md):
a create is CPU-bound, so more processes than CPUs only add switching, and one
spare covers the moments a worker waits on PostgreSQL.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 60
# No ~/.gunicorn/gunicorn.ctl: nothing here uses the control interface.
control_socket_disable = True

# Prometheus (monitoring/metrics.py): each worker writes its request latencies
# to files in one fresh directory; /metrics sums them, and forgets a dead
# worker's live gauges. An empty PROMETHEUS_MULTIPROC_DIR is made per start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dispatch-prom-")


def on_starting(server):
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):  # a previous start's figures
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
