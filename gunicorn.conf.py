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
