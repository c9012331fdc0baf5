"""The order timeline (events) and the CRM status callbacks."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from notifications.models import Channel
from notifications.services import Message, notifications_enqueue

from ..models import WorkOrder, WorkOrderEvent

SYSTEM_ACTOR = "系统"


def actor_name(user) -> str:
    if user is None:
        return SYSTEM_ACTOR
    return user.get_full_name() or user.get_username()


def event_record(
    order: WorkOrder,
    *,
    kind: str,
    by,
    now: datetime,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
) -> WorkOrderEvent:
    """Append a line to the order's timeline."""
    return WorkOrderEvent.objects.create(
        order=order,
        at=now,
        kind=kind,
        actor=by,
        actor_name=actor_name(by),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def _crm_callbacks(
    changed: list[tuple[WorkOrder, WorkOrderEvent]], now: datetime
) -> None:
    """Queue a signed status callback to the CRM for each CRM order that moved."""
    url = settings.CRM_CALLBACK_URL
    if not url:
        return
    notifications_enqueue(
        [
            Message(
                channel=Channel.CRM_CALLBACK,
                recipient=url,
                topic="crm_status",
                body=f"{order.crm_order_id} {event.from_status}->{event.to_status}",
                dedupe_key=f"crm:{event.pk}",
                payload={
                    "crm_order_id": order.crm_order_id,
                    "number": order.number,
                    "status": event.to_status,
                    "previous_status": event.from_status,
                    "at": now.isoformat(),
                    "technician": order.technician.code
                    if order.technician_id
                    else None,
                },
                subject_type="work_order",
                subject_id=order.pk,
            )
            for order, event in changed
            if order.crm_order_id
        ],
        now=now,
    )
