"""What the customer does on their own page (SPEC §14), one flow per button.

The page (``console.views.customer``) is public by an unguessable token; it
calls only these. Each composes lower services:

- confirm the appointment: a line in the order timeline;
- choose another slot: a customer-confirmed reschedule request
  (``sla.services.approval_request``, approved as any other; the slot is
  checked at request and again under its lock at approval);
- the fault is back: a repeat-fault repair (``work_order_create``, once per
  order: replays return the first);
- a restored network fault is not fixed for them: the linked repair closed by
  the restoration is reopened (``workorders.fault_holds.
  work_order_reopen_after_fault``, the flow behind ``POST
  /api/v1/work-orders/{id}/reopen/``; compare-and-set, so twice reopens once);
- the on-site evaluation: the order's callback (``callback_record`` with
  channel ``page``; the agents' queue skips the order, a dissatisfied one
  escalates as any callback).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext

from dispatch.slot_selectors import slot_loads
from dispatch_center.errors import InvalidInput, InvalidTransition
from sla.models import ApprovalKind
from sla.services import approval_request
from workorders import rules as wo_rules
from workorders.fault_holds import work_order_reopen_after_fault
from workorders.models import (
    DelayCause,
    EventKind,
    Kind,
    Resolution,
    Source,
    Status,
    WorkOrder,
)
from workorders.services import CustomerIn, OrderIn, event_record, work_order_create

from ..models import Callback, CallbackChannel
from .callbacks import CallbackIn, callback_record

CONFIRMABLE = (Status.ACCEPTED, Status.APPOINTED, Status.DISPATCHED, Status.PENDING)


def customer_confirm(order: WorkOrder, *, now: datetime | None = None) -> None:
    """The customer confirms the appointment they were given."""
    now = now or timezone.now()
    if order.appointment_start is None or order.status not in CONFIRMABLE:
        raise InvalidTransition(gettext("这张工单现在没有可确认的预约。"))
    event_record(
        order,
        kind=EventKind.NOTE,
        by=None,
        now=now,
        reason="客户在自助页面确认预约",
        data={
            "customer_confirmed": wo_rules.local(order.appointment_start).isoformat()
        },
    )


def customer_rebook(order: WorkOrder, *, start: datetime, now: datetime | None = None):
    """The customer chooses another slot: a reschedule request to approve."""
    now = now or timezone.now()
    day = wo_rules.local(start).date()
    load = next(
        (
            x
            for x in slot_loads(
                group_id=order.group_id, product=order.product, day=day, now=now
            )
            if x.slot.start == start
        ),
        None,
    )
    if load is None:
        raise InvalidInput("slot", gettext("请选择页面上列出的预约时段。"))
    return approval_request(
        order,
        kind=ApprovalKind.RESCHEDULE,
        reason=DelayCause.CUSTOMER,
        note="客户在自助页面选择了新的预约时段",
        appointment_start=load.slot.start,
        appointment_end=load.slot.end,
        customer_confirmed=True,
        by=None,
        now=now,
        by_customer=True,
    )


def customer_fault_back(
    order: WorkOrder, *, now: datetime | None = None
) -> tuple[WorkOrder, bool]:
    """The fault is back after completion: a repair of the same line, marked a
    repeat fault by the intake's own rule; once per order (a replay answers
    the first repair)."""
    if order.status not in (Status.COMPLETED, Status.CLOSED):
        raise InvalidTransition(gettext("工单完成后才能报告故障复发。"))
    customer = order.customer
    return work_order_create(
        data=OrderIn(
            source=Source.SELF_SERVICE,
            kind=Kind.REPAIR,
            product=order.product,
            customer=CustomerIn(
                name=customer.name,
                phone=customer.phone,
                account=customer.account,
                level=customer.level,
                segment=customer.segment,
            ),
            address=order.address,
            package_area=order.package_area.code,
            lat=order.lat,
            lng=order.lng,
            description=f"客户在自助页面报告故障复发（原工单{order.number}）",
        ),
        by=None,
        idempotency_key=f"customer-fault-back:{order.pk}",
        now=now,
    )


def customer_fault_not_fixed(
    order: WorkOrder, *, now: datetime | None = None
) -> WorkOrder:
    """A repair closed by its network fault's restoration is not fixed for
    this customer: reopened as an individual repair by main's reopen flow."""
    now = now or timezone.now()
    return work_order_reopen_after_fault(
        order,
        note=gettext("客户在自助页面反馈：网络故障恢复后仍未修好。"),
        by=None,
        now=now,
    )


def is_fault_restored_repair(order: WorkOrder) -> bool:
    """Closed by its network fault's restoration (the page offers "not fixed")."""
    return (
        order.status == Status.COMPLETED
        and order.resolution == Resolution.NETWORK_FAULT
    )


def customer_evaluate(
    order: WorkOrder, *, data: CallbackIn, now: datetime | None = None
) -> Callback:
    """The on-site evaluation: counts as the order's callback (once)."""
    return callback_record(
        order, data=data, by=None, now=now, channel=CallbackChannel.PAGE
    )
