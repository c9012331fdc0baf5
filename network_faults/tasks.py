import logging

from celery import shared_task
from django.utils import timezone

from .services import faults_detect, held_orders_release_stale

log = logging.getLogger("network_faults")


@shared_task(name="network_faults.detect", ignore_result=True)
def detect(package_area_id: int | None = None, product: str | None = None) -> list:
    """Open suspected faults where repairs cluster (every minute; intake nudges
    it for one cluster). Idempotent: a cluster opens one fault."""
    opened = faults_detect(
        now=timezone.now(), package_area_id=package_area_id, product=product
    )
    if opened:
        log.info("network faults detected: %s", [f.number for f in opened])
    if package_area_id is None:
        released = held_orders_release_stale()
        if released:
            log.info("released %s repairs held by ended faults", released)
    return [f.number for f in opened]
