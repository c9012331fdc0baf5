"""Celery signal handlers: every task run records itself (``services``).

A record must never fail a task: errors are logged and dropped. The beat
process records what it publishes (``last_sent_at``), which is how the beat
container's health check knows the schedule still ticks.
"""

import logging
import time

from celery import signals

from . import services

log = logging.getLogger("monitoring")

_started: dict[str, float] = {}  # task id → monotonic start, in this process
_in_beat = False


def _safely(record, *args, **kwargs) -> None:
    try:
        record(*args, **kwargs)
    except Exception:  # noqa: BLE001 - monitoring must never break a task
        log.exception("could not record a task run")


def _elapsed(task_id: str | None) -> float:
    start = _started.pop(task_id, None)
    return 0.0 if start is None else time.monotonic() - start


@signals.task_prerun.connect
def _task_prerun(sender=None, task_id=None, **_):
    _started[task_id] = time.monotonic()
    _safely(services.job_started, sender.name)


@signals.task_success.connect
def _task_success(sender=None, **_):
    task_id = getattr(getattr(sender, "request", None), "id", None)
    _safely(services.job_succeeded, sender.name, duration=_elapsed(task_id))


@signals.task_failure.connect
def _task_failure(sender=None, task_id=None, exception=None, **_):
    error = f"{exception.__class__.__name__}: {exception}"
    _safely(services.job_failed, sender.name, duration=_elapsed(task_id), error=error)


@signals.task_postrun.connect
def _task_postrun(task_id=None, **_):
    _started.pop(task_id, None)  # a retried or revoked run has no success


@signals.beat_init.connect
@signals.beat_embedded_init.connect
def _beat_init(**_):
    global _in_beat
    _in_beat = True


@signals.before_task_publish.connect
def _before_publish(sender=None, **_):
    # Only the beat's own publications (a web request's nudge is not the beat).
    if _in_beat:
        _safely(services.job_sent, sender)
