import logging

from celery import shared_task

from .services import auto_dispatch_run

log = logging.getLogger("dispatch")


@shared_task(name="dispatch.auto_dispatch", ignore_result=True)
def auto_dispatch() -> dict:
    """Rolling dispatch of pending orders; every minute. Overlapping runs skip."""
    result = auto_dispatch_run()
    return {
        "skipped": result.skipped,
        "assigned": len(result.assigned),
        "no_candidate": len(result.no_candidate),
        "lost_races": result.lost_races,
    }
