import logging

from celery import shared_task
from django.utils import timezone

from .services import claims_pay_limit_scan

log = logging.getLogger("compensation")


@shared_task(name="compensation.scan", ignore_result=True)
def scan() -> dict:
    """Warn on claims nearing or past the 7-day pay limit; every 10 minutes."""
    counts = claims_pay_limit_scan(now=timezone.now())
    if any(counts.values()):
        log.info("compensation pay-limit warnings: %s", counts)
    return counts
