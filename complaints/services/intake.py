"""Intake (前台受理): a new complaint with its flags, routing and re-checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from compensation.services import compensation_recheck_after_complaint
from dispatch_center.errors import InvalidInput
from dispatch_center.roles import Role
from notifications.services import notifications_enqueue, render
from sla.services import sla_escalate
from workorders.models import Customer, WorkOrder
from workorders.selectors import orders_visible_to

from .. import rules
from ..models import (
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    ComplaintSubCategory,
    EventKind,
    Step,
)
from ..selectors import Staff, previous_complaint_at
from .common import (
    CAUSE_COMPLAINT,
    TEXTS,
    complaint_event_record,
    label,
    new_number,
    policy_limits,
    staff_messages,
)
from .flow import open_step


@dataclass
class ComplaintIn:
    channel: str
    phone: str
    customer_name: str
    category: str
    sub_category: str
    description: str = ""
    work_order: int | None = None
    received_at: datetime | None = None


def complaint_create(
    *, data: ComplaintIn, by, now: datetime | None = None
) -> Complaint:
    """Open a complaint at the front desk (前台受理).

    1. Check everything before writing, each failure a 400 naming its field:
       channel, category, sub-item (known, active, of that category), the
       linked order (one the user may see), the call time (not in the future).
    2. The customer: the linked order's, else the first matched by phone.
    3. Flags: repeat (same customer within the policy's window, inclusive),
       escalated (over-level, media, 96133).
    4. Insert the complaint, its front-desk step (due 5 min after the call)
       and the timeline lines in one transaction.
    5. Escalated or repeat: routed higher — managers review it and are told,
       and a linked order is escalated (``sla_escalate``).
    6. A linked order's compensation is re-checked: an exemption without
       evidence falls (``compensation_recheck_after_complaint``).
    """
    now = now or timezone.now()
    received_at = data.received_at or now
    if data.channel not in Channel.values:
        raise InvalidInput(
            "channel", gettext("未知的投诉渠道：%(code)s。") % {"code": data.channel}
        )
    if data.category not in ComplaintCategory.values:
        raise InvalidInput(
            "category", gettext("未知的质量网：%(code)s。") % {"code": data.category}
        )
    sub = ComplaintSubCategory.objects.filter(
        code=data.sub_category, active=True
    ).first()
    if sub is None:
        raise InvalidInput(
            "sub_category",
            gettext("未知的投诉子项：%(code)s。") % {"code": data.sub_category},
        )
    if sub.category != data.category:
        raise InvalidInput(
            "sub_category",
            gettext("子项 %(code)s 属于“%(owner)s”，不属于“%(category)s”。")
            % {
                "code": sub.code,
                "owner": label(ComplaintCategory, sub.category),
                "category": label(ComplaintCategory, data.category),
            },
        )
    order = None
    if data.work_order is not None:
        visible = orders_visible_to(by) if by is not None else WorkOrder.objects
        order = visible.select_related("customer").filter(pk=data.work_order).first()
        if order is None:
            raise InvalidInput(
                "work_order", gettext("未知的工单：%(id)s。") % {"id": data.work_order}
            )
    if received_at > now:
        raise InvalidInput("received_at", gettext("受理时间不能晚于当前时间。"))
    policy, limits = policy_limits()
    customer = (
        order.customer
        if order is not None
        else Customer.objects.filter(phone=data.phone).order_by("id").first()
    )
    previous = previous_complaint_at(
        customer_id=customer.pk if customer else None,
        phone=data.phone,
        before=received_at,
    )
    repeat = rules.is_repeat(received_at, previous, policy.repeat_window_days)
    escalated = rules.is_escalated(data.channel, frozenset(policy.escalating_channels))
    due = rules.step_due(
        Step.FRONT_DESK,
        rules.Anchors(received_at=received_at, started_at=now),
        limits,
    )
    with transaction.atomic():
        complaint = Complaint.objects.create(
            number=new_number(received_at),
            channel=data.channel,
            phone=data.phone,
            customer_name=data.customer_name,
            customer=customer,
            work_order=order,
            category=data.category,
            sub_category=sub,
            description=data.description,
            status=ComplaintStatus.FRONT_DESK,
            current_step_due=due,
            received_at=received_at,
            commitment_due=received_at + limits.commitment,
            commitment_check_at=rules.commitment_next_check(
                received_at + limits.commitment, limits.commitment_warn, 0
            ),
            is_repeat=repeat,
            escalated=escalated,
            district_id=order.district_id if order else None,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        open_step(complaint, Step.FRONT_DESK, due=due, by=by, now=now, limits=limits)
        flags = [
            name for on, name in ((repeat, "重复投诉"), (escalated, "升级投诉")) if on
        ]
        complaint_event_record(
            complaint,
            kind=EventKind.CREATED,
            by=by,
            now=now,
            reason=f"受理{label(Channel, data.channel)}投诉"
            + (f"（{'、'.join(flags)}）" if flags else ""),
            to_step=Step.FRONT_DESK,
            data={
                "channel": data.channel,
                "sub_category": sub.code,
                "due": due.isoformat(),
                **({"repeat": True} if repeat else {}),
                **({"escalated": True} if escalated else {}),
            },
        )
        if repeat or escalated:
            _route_higher(complaint, flags, by=by, now=now)
        if order is not None:
            compensation_recheck_after_complaint(order, by=by, now=now)
    return complaint


def _route_higher(complaint: Complaint, flags: list[str], *, by, now) -> None:
    """Repeat/escalated complaints: managers review them; the order escalates."""
    body = render(
        "complaint_routed",
        TEXTS["complaint_routed"],
        channel=label(Channel, complaint.channel),
        number=complaint.number,
        category=label(ComplaintCategory, complaint.category),
        sub_category=complaint.sub_category.name,
        flags="、".join(flags),
        customer_name=complaint.customer_name,
        phone=complaint.phone,
    )
    managers = Staff.load().of_role(Role.MANAGER, complaint.district_id)
    messages = staff_messages(
        complaint,
        managers,
        topic="complaint_routed",
        body=body,
        key=f"complaint:{complaint.pk}:routed",
    )
    complaint_event_record(
        complaint,
        kind=EventKind.ROUTED,
        by=by,
        now=now,
        reason=f"{'、'.join(flags)}，转管理层复核",
        data={"recipients": [m.recipient for m in messages]},
        order_note=False,
    )
    notifications_enqueue(messages, now=now)
    if complaint.work_order_id:
        sla_escalate(
            complaint.work_order,
            reason=f"{'、'.join(flags)}{complaint.number}",
            by=by,
            key=complaint.number,
            cause=CAUSE_COMPLAINT,
            now=now,
        )
