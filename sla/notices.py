"""Wording of the SLA control's staff notices, and the outbox messages.

The texts are admin-editable ``notifications.MessageTemplate`` rows (created
by a data migration); the defaults below apply when a row is missing. They
are loaded once per scan run, not once per message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from notifications.models import MessageTemplate
from notifications.services import Message, staff_messages
from org.models import Product
from workorders import rules
from workorders.models import Kind, Status, WorkOrder

from .selectors import Person

DEFAULT_TEXTS = {
    "sla_warning": "【超时预警】工单{number}（{kind}·{product}）{point}，内部时限{deadline}，请尽快处理。",
    "sla_first_response": "【首次响应超时】工单{number}派单后{minutes}分钟内未联系客户（工程师{technician}），请督促。",
    "sla_escalation": "【{level}级升级】工单{number}（{kind}·{product}）：{reason}。内部时限{deadline}，当前状态{status}。",
    "sla_urge": "【催单】工单{number}客户第{count}次催单。{note}",
    "approval_requested": "【待审核】工单{number}申请{kind}，原因：{reason}。{note}",
    "approval_decided": "【审核结果】工单{number}的{kind}申请{result}。{note}",
}


class _Keep(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def local_text(at: datetime | None) -> str:
    return f"{rules.local(at):%m-%d %H:%M}" if at else "-"


class Notices:
    def __init__(self, texts: dict[str, str]):
        self._texts = {**DEFAULT_TEXTS, **texts}

    @classmethod
    def load(cls) -> Notices:
        return cls(
            dict(
                MessageTemplate.objects.filter(topic__in=DEFAULT_TEXTS).values_list(
                    "topic", "text"
                )
            )
        )

    _labels = {
        "kind": dict(Kind.choices),
        "product": dict(Product.choices),
        "status": dict(Status.choices),
    }

    def render(self, topic: str, order: WorkOrder, **values) -> str:
        labels = self._labels  # get_FOO_display() is slow in a batch of 1,000
        base = {
            "number": order.number,
            "kind": str(labels["kind"].get(order.kind, order.kind)),
            "product": str(labels["product"].get(order.product, order.product)),
            "status": str(labels["status"].get(order.status, order.status)),
            "deadline": local_text(order.sla_deadline),
        }
        return self._texts[topic].format_map(_Keep({**base, **values}))

    @staticmethod
    def staff(
        order: WorkOrder,
        *,
        topic: str,
        body: str,
        people: Iterable[Person],
        key: str,
        not_before: datetime | None = None,
    ) -> list[Message]:
        """One staff message per person (each user once), deduplicated by
        ``key`` + user in the outbox: a retried or duplicated call is a no-op."""
        return staff_messages(
            people,
            topic=topic,
            body=body,
            key=key,
            subject_type="work_order",
            subject_id=order.pk,
            not_before=not_before,
        )


def usernames(messages: list[Message]) -> list[str]:
    return [m.recipient for m in messages]
