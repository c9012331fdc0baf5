"""The only writes of the monitoring app: job rows and their run records.

Each record is one ``UPDATE … SET x = x + 1``: several workers may finish
runs of one task at the same moment, and none of their counts is lost.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import rules
from .models import JobRun


def beat_jobs() -> dict[str, int]:
    """Task name → default seconds until overdue, for every beat entry."""
    schedules: dict[str, list] = {}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        schedules.setdefault(entry["task"], []).append(entry["schedule"])
    return {
        name: rules.default_overdue_after(found) for name, found in schedules.items()
    }


def jobs_ensure(*, now: datetime | None = None) -> None:
    """Make the row of every beat job that has none yet (watched from now)."""
    now = now or timezone.now()
    wanted = beat_jobs()
    have = set(JobRun.objects.filter(name__in=wanted).values_list("name", flat=True))
    missing = [
        JobRun(name=name, overdue_after_seconds=after, created_at=now)
        for name, after in wanted.items()
        if name not in have
    ]
    if missing:
        JobRun.objects.bulk_create(missing, ignore_conflicts=True)


def _update(name: str, now: datetime, **values) -> None:
    if JobRun.objects.filter(name=name).update(**values):
        return
    try:
        with transaction.atomic():
            JobRun.objects.create(
                name=name,
                overdue_after_seconds=beat_jobs().get(name),
                created_at=now,
            )
    except IntegrityError:  # another worker made it first
        pass
    JobRun.objects.filter(name=name).update(**values)


def job_sent(name: str, *, now: datetime | None = None) -> None:
    """The beat published a run of ``name``."""
    now = now or timezone.now()
    _update(name, now, last_sent_at=now)


def job_started(name: str, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    _update(name, now, last_started_at=now)


def job_succeeded(name: str, *, duration: float, now: datetime | None = None) -> None:
    now = now or timezone.now()
    _update(
        name,
        now,
        last_success_at=now,
        last_duration_seconds=duration,
        runs=F("runs") + 1,
        duration_total_seconds=F("duration_total_seconds") + duration,
    )


def job_failed(
    name: str, *, duration: float, error: str, now: datetime | None = None
) -> None:
    now = now or timezone.now()
    _update(
        name,
        now,
        last_failure_at=now,
        last_error=error[:2000],
        last_duration_seconds=duration,
        runs=F("runs") + 1,
        failures=F("failures") + 1,
        duration_total_seconds=F("duration_total_seconds") + duration,
    )
