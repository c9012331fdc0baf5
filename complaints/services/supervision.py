"""Supervision (督办): by hand, and the 3-hour one of the scan."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import InvalidTransition
from dispatch_center.roles import Role
from notifications.services import Message, notifications_enqueue
from workorders.services import actor_name

from .. import rules
from ..models import (
    Complaint,
    ComplaintEvent,
    ComplaintStep,
    EventKind,
    Step,
)
from ..selectors import Staff
from .common import (
    Texts,
    label,
    local_text,
    staff_messages,
    step_owners,
)


def complaint_supervise(
    complaint: Complaint, *, note: str, by, now: datetime | None = None
) -> Complaint:
    """督办 by hand: the current step's owners are chased; counted.

    A supervision by hand replaces the scheduled 3-hour one.
    """
    now = now or timezone.now()
    rules.next_step(complaint.status, rules.SUPERVISE)
    with transaction.atomic():
        changed = Complaint.objects.filter(
            pk=complaint.pk, status=complaint.status
        ).update(
            supervision_count=F("supervision_count") + 1,
            supervise_at=None,
            updated_at=now,
        )
        if not changed:
            raise InvalidTransition(
                gettext("投诉 %(number)s 已进入下一环节，请刷新后重试。")
                % {"number": complaint.number}
            )
        complaint.refresh_from_db()
        step = ComplaintStep.objects.select_related("owner").get(
            complaint=complaint, done_at__isnull=True
        )
        event, messages = supervise_parts(
            complaint,
            step,
            Staff.load(),
            note=note or "请加快处理",
            key=f"complaint:{complaint.pk}:supervise:{complaint.supervision_count}",
            now=now,
            texts=Texts.load(),
            by=by,
        )
        event.save()
        notifications_enqueue(messages, now=now)
    return complaint


def supervise_parts(
    complaint: Complaint,
    step: ComplaintStep,
    staff: Staff,
    *,
    note: str,
    key: str,
    now: datetime,
    texts: Texts,
    by=None,
    checkpoint: str = "",
) -> tuple[ComplaintEvent, list[Message]]:
    """The timeline line and the notices of one supervision (unsaved)."""
    body = texts.render(
        "complaint_supervise",
        number=complaint.number,
        step=label(Step, step.step),
        due=local_text(step.due_at),
        note=note,
    )
    people = [
        *step_owners(step, complaint, staff),
        *staff.of_role(Role.SUPERVISOR, complaint.district_id),
    ]
    messages = staff_messages(
        complaint, people, topic="complaint_supervise", body=body, key=key
    )
    event = ComplaintEvent(
        complaint=complaint,
        at=now,
        kind=EventKind.SUPERVISE,
        actor=by,
        actor_name=actor_name(by),
        from_step=step.step,
        to_step=step.step,
        reason=f"督办：{note}",
        checkpoint=checkpoint,
        data={
            "step": step.step,
            "count": complaint.supervision_count,
            "recipients": [m.recipient for m in messages],
        },
    )
    return event, messages
