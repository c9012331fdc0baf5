"""Prometheus metrics: where each figure comes from.

* Request latency by view: a histogram observed by ``LatencyMiddleware`` in
  each web process. Under gunicorn's several workers, prometheus-client's
  multiprocess mode sums them: ``gunicorn.conf.py`` sets
  ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory per start) and marks dead
  workers. Without it (runserver, tests) the process's own histogram is served.
* Everything else is computed from the database at scrape time, so it is the
  same whichever web worker answers and covers every Celery worker container:
  task runs, failures and durations by task (``monitoring.JobRun``, written
  by the Celery signals), open orders by state, open SLA breaches, the
  outbox backlog and dead letters, the last dispatch pass's time.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    SummaryMetricFamily,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from . import selectors

DISPATCH_TASK = "dispatch.auto_dispatch"

REQUEST_LATENCY = Histogram(
    "dispatch_http_request_duration_seconds",
    "Time to answer a request, by view",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,  # served by scrape(), from this process or all of them
)


# Read once, like prometheus-client itself decides at import whether values go
# to files: a later change of the environment must not switch the collector.
_MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class LatencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # unmatched paths share one label: a scan of random URLs must not
        # grow the series without bound
        view = (match.view_name or match._func_path) if match else "unmatched"
        REQUEST_LATENCY.labels(view=view, method=request.method).observe(
            time.perf_counter() - start
        )
        return response


class DatabaseCollector:
    """Figures read from the database when Prometheus scrapes."""

    def __init__(self, now: datetime):
        self.now = now

    def collect(self):
        states = selectors.job_states(self.now)
        runs = CounterMetricFamily(
            "dispatch_task_runs", "Task runs by task", labels=["task"]
        )
        failures = CounterMetricFamily(
            "dispatch_task_failures", "Task runs that raised, by task", labels=["task"]
        )
        duration = SummaryMetricFamily(
            "dispatch_task_duration_seconds", "Task run time by task", labels=["task"]
        )
        last = GaugeMetricFamily(
            "dispatch_task_last_success_timestamp_seconds",
            "When the task last succeeded (Unix time)",
            labels=["task"],
        )
        overdue = GaugeMetricFamily(
            "dispatch_job_overdue",
            "1 when a beat job has not succeeded within its limit",
            labels=["task"],
        )
        dispatch_pass = GaugeMetricFamily(
            "dispatch_pass_seconds", "Time of the last rolling-dispatch pass"
        )
        for state in states:
            row = state.row
            runs.add_metric([row.name], row.runs)
            failures.add_metric([row.name], row.failures)
            duration.add_metric([row.name], row.runs, row.duration_total_seconds)
            if row.last_success_at:
                last.add_metric([row.name], row.last_success_at.timestamp())
            if row.overdue_after_seconds is not None:
                overdue.add_metric([row.name], int(state.overdue))
            if row.name == DISPATCH_TASK and row.last_duration_seconds is not None:
                dispatch_pass.add_metric([], row.last_duration_seconds)
        yield from (runs, failures, duration, last, overdue, dispatch_pass)

        orders = GaugeMetricFamily(
            "dispatch_open_orders", "Open work orders by state", labels=["state"]
        )
        for state, n in selectors.open_orders_by_state().items():
            orders.add_metric([state], n)
        yield orders
        yield GaugeMetricFamily(
            "dispatch_sla_breaches_open",
            "Open orders past their internal deadline",
            value=selectors.sla_breaches_open(self.now),
        )
        outbox = selectors.outbox_counts()
        yield GaugeMetricFamily(
            "dispatch_outbox_backlog",
            "Messages waiting in the outbox",
            value=outbox["backlog"],
        )
        yield GaugeMetricFamily(
            "dispatch_outbox_dead", "Dead letters in the outbox", value=outbox["dead"]
        )


def scrape(*, now: datetime) -> tuple[bytes, str]:
    registry = CollectorRegistry()
    if _MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(DatabaseCollector(now))
    return generate_latest(registry), CONTENT_TYPE_LATEST
