"""Appointments: the booking check, first contact and the confirmation SMS."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import InvalidInput
from notifications.services import notifications_enqueue, render, with_customer_link

from .. import rules
from ..messages import customer_sms
from ..models import EventKind, Status, WorkOrder, customer_url
from ..selectors import service_policy
from .events import event_record
from .lifecycle import _ensure_may_work_on
from .transitions import work_order_transition


def _check_appointment(
    accepted_at: datetime, start: datetime, end: datetime, next_day_only: bool
) -> None:
    problem = rules.appointment_problem(
        accepted_at=accepted_at,
        start=start,
        end=end,
        next_day_only=next_day_only,
        cutoff=service_policy().deadline.cutoff,
    )
    if problem:
        raise InvalidInput(*problem)


def work_order_appointment_check(
    order: WorkOrder, *, start: datetime, end: datetime
) -> None:
    """``InvalidInput`` naming the field when ``order`` cannot be booked for
    ``start``–``end`` (``rules.appointment_problem``): at first contact and
    for every reschedule."""
    policy = service_policy().deadline
    area = order.group.area
    in_scope = rules.same_day_scope(
        kind=order.kind,
        product=order.product,
        segment=order.customer.segment,
        area_type=area.area_type,
        area_same_day_enabled=area.same_day_enabled,
        same_day_requested=order.same_day_requested,
        policy=policy,
    )
    next_day_only = rules.next_day_appointment_required(
        kind=order.kind,
        in_scope=in_scope,
        accepted_at=order.accepted_at,
        cutoff=policy.cutoff,
    )
    _check_appointment(order.accepted_at, start, end, next_day_only)


def work_order_contact(
    order: WorkOrder,
    *,
    appointment_start: datetime,
    appointment_end: datetime,
    by,
    now: datetime | None = None,
) -> WorkOrder:
    """First contact with the customer and the agreed appointment (→ appointed)."""
    now = now or timezone.now()
    _ensure_may_work_on(order, by)
    if appointment_end <= appointment_start:
        raise InvalidInput("appointment_end", gettext("预约结束时间须晚于开始时间。"))
    if appointment_end <= now:
        raise InvalidInput("appointment_end", gettext("预约结束时间须晚于当前时间。"))
    work_order_appointment_check(order, start=appointment_start, end=appointment_end)
    fields = {
        "appointment_start": appointment_start,
        "appointment_end": appointment_end,
        "first_contact_at": order.first_contact_at or now,
    }
    if order.deadline_follows_appointment:
        # a late 当日装: the agreed appointment is the promise (to the customer
        # and for 慢必赔 when the policy counts it), set once at first contact
        fields["deadline"] = appointment_end
        fields["commitment_deadline"] = appointment_end
        fields["deadline_follows_appointment"] = False
    with transaction.atomic():
        work_order_transition(
            order,
            Status.APPOINTED,
            by=by,
            now=now,
            reason="首次联系并预约",
            fields=fields,
            data={
                "appointment_start": appointment_start.isoformat(),
                "appointment_end": appointment_end.isoformat(),
            },
        )
        appointment_sms(order, by=by, now=now)
    return order


APPOINTMENT_SMS = (
    "【中国电信】您的工单{number}已预约{start}至{end}上门，"
    "装维工程师{name}（电话{phone}）。如需改约请联系工程师或拨打10000。"
)


def appointment_sms(order: WorkOrder, *, by, now: datetime) -> None:
    """Confirm the appointment to the customer by SMS, once per appointment."""
    start, end = (
        rules.local(order.appointment_start),
        rules.local(order.appointment_end),
    )
    technician = order.technician
    body = render(
        "appointment_sms",
        APPOINTMENT_SMS,
        number=order.number,
        start=f"{start:%m-%d %H:%M}",
        end=f"{end:%H:%M}" if start.date() == end.date() else f"{end:%m-%d %H:%M}",
        name=technician.name if technician else "",
        phone=technician.phone if technician else "",
        link=customer_url(order) or "",
    )
    body = with_customer_link(body, customer_url(order))
    notifications_enqueue(
        [
            customer_sms(
                order,
                topic="appointment_sms",
                body=body,
                dedupe_key=f"appointment-sms:{order.pk}:{start.isoformat()}:{end.isoformat()}",
            )
        ],
        now=now,
    )
    event_record(
        order,
        kind=EventKind.NOTIFY,
        by=by,
        now=now,
        reason="预约确认短信",
        data={"channel": "sms", "recipient": order.customer.phone, "body": body},
    )
