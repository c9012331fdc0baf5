import logging

from celery import shared_task
from django.utils import timezone

from .services.scan import BATCH, MAX_BATCHES, complaints_scan

log = logging.getLogger("complaints")


@shared_task(name="complaints.scan", ignore_result=True)
def scan(batch: int = BATCH, max_batches: int = MAX_BATCHES) -> dict:
    """Complaint step time limits and the 3-hour supervision (every minute).

    At most ``batch × max_batches`` rows of each kind per run; a larger
    backlog is worked off by the following runs (their due times are past).
    """
    counts = complaints_scan(now=timezone.now(), batch=batch, max_batches=max_batches)
    if counts:
        log.info("complaints scan: %s", counts)
    return counts
