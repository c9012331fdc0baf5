"""Reads for ``/healthz/jobs`` and ``/metrics``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min

from notifications.models import Notification, OutboxStatus
from workorders.models import WorkOrder
from workorders.rules import OPEN_STATES

from . import rules
from .models import JobRun

BACKLOG_STATES = [OutboxStatus.QUEUED, OutboxStatus.SENDING]


@dataclass
class JobState:
    row: JobRun
    overdue: bool


def job_states(now: datetime) -> list[JobState]:
    return [
        JobState(
            row=row,
            overdue=rules.is_overdue(
                last_success=row.last_success_at,
                watched_since=row.created_at,
                overdue_after=row.overdue_after_seconds,
                now=now,
            ),
        )
        for row in JobRun.objects.all()
    ]


def outbox_counts() -> dict:
    """Undelivered messages (with the oldest one's due time) and dead letters."""
    backlog = Notification.objects.filter(status__in=BACKLOG_STATES).aggregate(
        n=Count("id"), oldest=Min("next_attempt_at")
    )
    dead = Notification.objects.filter(status=OutboxStatus.DEAD).count()
    return {"backlog": backlog["n"], "oldest_due": backlog["oldest"], "dead": dead}


def open_orders_by_state() -> dict[str, int]:
    counts = dict.fromkeys(sorted(OPEN_STATES), 0)
    rows = (
        WorkOrder.objects.filter(status__in=OPEN_STATES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update(dict(rows))
    return counts


def sla_breaches_open(now: datetime) -> int:
    """Open orders past their internal deadline (``sla_deadline``)."""
    return WorkOrder.objects.filter(
        status__in=OPEN_STATES, sla_deadline__lt=now
    ).count()
