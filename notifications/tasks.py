import logging

from celery import shared_task
from django.utils import timezone

from .services import outbox_deliver_due

log = logging.getLogger("notifications")


@shared_task(name="notifications.send_outbox", ignore_result=True)
def send_outbox(batch: int = 200) -> dict:
    """Deliver due outbox messages; runs every minute and after each enqueue."""
    counts = outbox_deliver_due(now=timezone.now(), batch=batch)
    if any(counts.values()):
        log.info("outbox: %s", counts)
    return counts
