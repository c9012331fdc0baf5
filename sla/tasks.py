import logging

from celery import shared_task
from django.utils import timezone

from .scan import BATCH, MAX_BATCHES, sla_scan

log = logging.getLogger("sla")


@shared_task(name="sla.scan", ignore_result=True)
def scan(batch: int = BATCH, max_batches: int = MAX_BATCHES) -> dict:
    """Warnings, first-response misses and escalations due now (every minute).

    At most ``batch × max_batches`` orders per run; a larger backlog is
    worked off by the following runs (their due times are already past).
    """
    counts = sla_scan(now=timezone.now(), batch=batch, max_batches=max_batches)
    if counts:
        log.info("sla scan: %s", counts)
    return counts
