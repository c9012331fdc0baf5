"""Messages of dispatch: the customer's SMS and the dispatchers' notices."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q

from dispatch_center.roles import Role
from notifications.models import Channel
from notifications.services import (
    Message,
    notifications_enqueue,
    render,
    with_customer_link,
)
from workorders.messages import customer_sms
from workorders.models import EventKind, WorkOrder, WorkOrderEvent, customer_url
from workorders.services import timeline_row

from .. import selectors

KIND_LABEL = {"install": "新装", "move": "移机", "repair": "修障"}
DISPATCH_SMS = (
    "【中国电信】您的{kind}工单{number}已由装维工程师{name}（电话{phone}）负责，"
    "工程师将尽快与您联系。服务监督：{supervision}"
)


def _dispatch_messages(orders: list[WorkOrder], *, now: datetime, by) -> None:
    """SMS to each customer: technician, phone, supervision channel; in the timeline."""
    policy = selectors.dispatch_policy()
    messages = []
    for order in orders:
        tech = order.technician
        body = render(
            "dispatch_sms",
            DISPATCH_SMS,
            kind=KIND_LABEL.get(order.kind, ""),
            number=order.number,
            name=tech.name,
            phone=tech.phone,
            supervision=policy.supervision_channel,
            link=customer_url(order) or "",
        )
        body = with_customer_link(body, customer_url(order))
        messages.append(
            customer_sms(
                order,
                topic="dispatch_sms",
                body=body,
                dedupe_key=f"dispatch-sms:{order.pk}:{tech.code}:{now.isoformat()}",
            )
        )
    notifications_enqueue(messages, now=now)
    WorkOrderEvent.objects.bulk_create(
        [
            timeline_row(
                WorkOrderEvent,
                order=order,
                kind=EventKind.NOTIFY,
                by=by,
                now=now,
                reason="派单短信",
                data={"channel": "sms", "recipient": m.recipient, "body": m.body},
            )
            for order, m in zip(orders, messages, strict=True)
        ]
    )


def _notify_dispatchers(
    order: WorkOrder, *, topic: str, body: str, now: datetime
) -> None:
    users = get_user_model().objects.filter(
        Q(staff_profile__isnull=True)
        | Q(staff_profile__district__isnull=True)
        | Q(staff_profile__district_id=order.district_id),
        groups__name=Role.DISPATCHER,
        is_active=True,
    )
    notifications_enqueue(
        [
            Message(
                channel=Channel.STAFF,
                recipient=u.username,
                recipient_user_id=u.pk,
                topic=topic,
                body=body,
                dedupe_key=f"{topic}:{order.pk}:{u.pk}:{now.isoformat()}",
                subject_type="work_order",
                subject_id=order.pk,
            )
            for u in users
        ],
        now=now,
    )
