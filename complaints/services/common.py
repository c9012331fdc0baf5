"""Shared pieces of the complaint services: wording, notices, timeline."""

from __future__ import annotations

import secrets
from datetime import datetime

from dispatch_center.roles import Role
from notifications.models import MessageTemplate
from notifications.services import Message
from notifications.services import staff_messages as notifications_staff_messages
from workorders.models import EventKind as OrderEventKind
from workorders.services import event_record, timeline_record

from .. import rules
from ..models import (
    Complaint,
    ComplaintEvent,
    ComplaintPolicy,
    ComplaintStep,
)
from ..selectors import Person, Staff, complaint_policy

CAUSE_COMPLAINT = "complaint"

#: Wording of the staff notices; admin-editable ``MessageTemplate`` rows with
#: these topics (created by a data migration) win over the defaults.
TEXTS = {
    "complaint_routed": "【升级投诉】{channel}投诉{number}（{category}·{sub_category}）{flags}，已转管理层复核。客户{customer_name} {phone}。",
    "complaint_step": "【投诉待处理】投诉{number}（{sub_category}）已到“{step}”环节，请于{due}前处理。{note}",
    "complaint_overdue": "【投诉超时】投诉{number}“{step}”环节已超过时限{due}，请立即处理。",
    "complaint_escalation": "【投诉{level}级升级】投诉{number}“{step}”环节超过时限{due}未处理，责任单位：{owner}。",
    "complaint_commitment_warning": "【投诉承诺预警】投诉{number}须在{due}前答复用户(对外承诺{hours}小时)，当前环节“{step}”，请抓紧处理。",
    "complaint_commitment_breach": "【投诉承诺超时】投诉{number}已超过对外承诺时限{due}仍未答复用户，当前环节“{step}”，责任单位：{owner}。",
    "complaint_supervise": "【督办】投诉{number}当前环节“{step}”（时限{due}）：{note}",
    "penalty_published": "【处罚公布】投诉{number}认定为人为原因：处罚{target}{amount}元，{reason}{late}",
    "penalty_report_late": "【处罚上报逾期】投诉{number}的处罚单（{target}{amount}元）未在{due}前公布上报，请尽快处理。",
}

BACK_OFFICE_ROLES = (Role.SUPERVISOR, Role.MANAGER)


class _Keep(dict):
    def __missing__(self, key):
        return "{" + key + "}"


class Texts:
    """The notice wording (admin edits over ``TEXTS``), read in one query."""

    def __init__(self, texts: dict[str, str]):
        self._texts = {**TEXTS, **texts}

    @classmethod
    def load(cls) -> Texts:
        rows = MessageTemplate.objects.filter(topic__in=TEXTS).values_list(
            "topic", "text"
        )
        return cls(dict(rows))

    def render(self, topic: str, **values) -> str:
        return self._texts[topic].format_map(_Keep(values))


def local_text(at: datetime | None) -> str:
    return f"{rules.local_of(at):%m-%d %H:%M}" if at else "-"


def label(choices, value) -> str:
    return str(dict(choices.choices).get(value, value))


def new_number(at: datetime) -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"TS{rules.local_of(at):%y%m%d}{tail}"


def policy_limits() -> tuple[ComplaintPolicy, rules.Limits]:
    policy = complaint_policy()
    return policy, policy.limits()


# --- timeline ----------------------------------------------------------------


def complaint_event_record(
    complaint: Complaint,
    *,
    kind: str,
    by,
    now: datetime,
    reason: str = "",
    from_step: str = "",
    to_step: str = "",
    data: dict | None = None,
    order_note: bool = True,
) -> ComplaintEvent:
    """A line in the complaint timeline and, when linked, in the order's.

    The order's line is a note (``EventKind.NOTE``) whose data names the
    complaint, so the order timeline shows the complaint's progress.
    """
    event = timeline_record(
        ComplaintEvent,
        complaint=complaint,
        kind=kind,
        by=by,
        now=now,
        from_step=from_step,
        to_step=to_step,
        reason=reason,
        data=data,
    )
    if order_note and complaint.work_order_id:
        event_record(
            complaint.work_order,
            kind=OrderEventKind.NOTE,
            by=by,
            now=now,
            reason=f"投诉{complaint.number}：{reason}",
            data={
                "complaint": complaint.number,
                "event": kind,
                **({"step": to_step} if to_step else {}),
                **(data or {}),
            },
        )
    return event


def staff_messages(
    complaint: Complaint,
    people: list[Person],
    *,
    topic: str,
    body: str,
    key: str,
) -> list[Message]:
    """One staff message per person, unique per ``key`` and user."""
    return notifications_staff_messages(
        people,
        topic=topic,
        body=body,
        key=key,
        subject_type="complaint",
        subject_id=complaint.pk,
    )


def step_owners(
    step: ComplaintStep, complaint: Complaint, staff: Staff
) -> list[Person]:
    """Who answers for a step: its user, else its role in the complaint's
    district; the department's own handlers too while the ticket is with the
    responsible department (answer and return)."""
    if step.owner_id is not None:
        return [Person(step.owner_id, step.owner.get_username())]
    people = staff.of_role(step.owner_role, complaint.district_id)
    if step.step in (rules.DEPARTMENT, rules.RETURN) and complaint.department:
        people = [
            *staff.of_department(complaint.department, complaint.district_id),
            *people,
        ]
    return people
