import logging

from celery import shared_task
from django.utils import timezone

from . import rules
from .services import report_publish, rollup_nightly

log = logging.getLogger("reports")


@shared_task(name="reports.rollup", ignore_result=True)
def rollup(days: int | None = None) -> dict:
    """Nightly: recompute the daily aggregates of the last days (idempotent)."""
    counts = rollup_nightly(now=timezone.now(), days=days)
    log.info("reports rollup: %s", counts)
    return counts


@shared_task(name="reports.publish", ignore_result=True)
def publish(period: str = rules.DAY) -> dict:
    """Each morning / Monday / the 1st: store and announce the report of the
    period just ended, and publish its warnings (idempotent per period)."""
    result = report_publish(period, now=timezone.now())
    counts = {
        "period": period,
        "start": result.period.start.isoformat(),
        "rolled_up": result.rolled_up,
        "reports": len(result.reports),
        "warnings": len(result.warnings),
    }
    log.info("reports publish: %s", counts)
    return counts
