"""Timelines (the order's and every other ``TimelineEvent``) and the CRM
status callbacks."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from dispatch_center.inserts import PARENT_ID, InsertPlan, Linked

from ..messages import crm_callbacks_enqueue
from ..models import WorkOrder, WorkOrderEvent

SYSTEM_ACTOR = "系统"


def actor_name(user) -> str:
    if user is None:
        return SYSTEM_ACTOR
    return user.get_full_name() or user.get_username()


def timeline_row(model, *, by, now: datetime, data: dict | None = None, **fields):
    """A line of a timeline (a ``TimelineEvent`` model), not saved yet: when,
    who (the user and their name as it is now) and the details; ``fields``
    name the subject and what happened (kind, reason, from/to ...)."""
    return model(at=now, actor=by, actor_name=actor_name(by), data=data or {}, **fields)


def timeline_record(model, *, by, now: datetime, data: dict | None = None, **fields):
    """Append a line to a timeline (``timeline_row``, saved)."""
    row = timeline_row(model, by=by, now=now, data=data, **fields)
    row.save(force_insert=True)
    return row


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
    return timeline_record(
        WorkOrderEvent,
        order=order,
        kind=kind,
        by=by,
        now=now,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )


@cache
def _event_plan() -> InsertPlan:
    return InsertPlan(WorkOrderEvent)


def event_linked(
    *,
    kind: str,
    by,
    now: datetime,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
) -> Linked:
    """The first line of a new order's timeline, to insert with the order
    (``dispatch_center.inserts.insert_linked``): the row ``event_record``
    would write."""
    return Linked(
        _event_plan(),
        {
            "at": now,
            "actor_id": by.pk if by is not None else None,
            "actor_name": actor_name(by),
            "data": data or {},
            "order_id": PARENT_ID,
            "kind": kind,
            "from_status": from_status,
            "to_status": to_status,
            "reason": reason,
        },
    )


def _crm_callbacks(
    changed: list[tuple[WorkOrder, WorkOrderEvent]], now: datetime
) -> None:
    """Queue a signed status callback to the CRM for each CRM order that moved."""
    crm_callbacks_enqueue(
        (
            (
                order,
                f"{order.crm_order_id} {event.from_status}->{event.to_status}",
                f"crm:{event.pk}",
                {
                    "status": event.to_status,
                    "previous_status": event.from_status,
                    "at": now.isoformat(),
                    "technician": order.technician.code
                    if order.technician_id
                    else None,
                },
            )
            for order, event in changed
            if order.crm_order_id
        ),
        now=now,
    )
