"""The periodic complaint sweep (``complaints.scan``, every minute).

Three kinds of due work, each selected through a partial index so a pass
costs in proportion to what is due, not to the open complaints:

1. open steps past their due time (``ComplaintStep.next_check_at``): level 1
   warns the step's owner, level 2 escalates to the quality supervisors,
   level 3 to the managers (offsets from the policy, like work orders);
2. the back office's supervision (督办) 3 hours after submission, if the
   customer has not been answered (``Complaint.supervise_at``);
3. penalty tickets still unpublished at their one-week report limit;
4. the 24-hour public commitment (``Complaint.commitment_check_at``):
   watched like a step — a warning before it, an escalation at the breach,
   each once — until the customer is answered.

A pass takes the PostgreSQL advisory lock ``complaints.scan`` (overlapping
runs never work in parallel), then works in bounded batches, each its own
transaction, claiming rows with ``FOR UPDATE SKIP LOCKED`` and a
compare-and-set on the row's own progress (alert level, supervision time,
warned flag). Every side effect is unique in the database (timeline
checkpoints per complaint, outbox dedupe keys), so a duplicate beat or a
redelivered task changes nothing more.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from functools import cached_property

from django.db import transaction
from django.db.models import F

from dispatch_center.db import advisory_lock
from dispatch_center.roles import Role
from notifications.services import Message, notifications_enqueue

from .. import rules
from ..models import (
    Complaint,
    ComplaintEvent,
    ComplaintStep,
    EventKind,
    PenaltyStatus,
    PenaltyTicket,
    Step,
)
from ..selectors import (
    Staff,
    complaint_policy,
    due_commitments,
    due_penalty_reports,
    due_steps,
    due_supervisions,
)
from .common import Texts, label, local_text, staff_messages, step_owners
from .supervision import supervise_parts

log = logging.getLogger("complaints")

LOCK_NAME = "complaints.scan"
BATCH = 500
MAX_BATCHES = 20


class _Context:
    """Loaded once per pass, and only when something is due."""

    @cached_property
    def limits(self) -> rules.Limits:
        return complaint_policy().limits()

    @cached_property
    def staff(self) -> Staff:
        return Staff.load()

    @cached_property
    def texts(self) -> Texts:
        return Texts.load()


def complaints_scan(
    *, now: datetime, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> dict[str, int]:
    """Process everything due at ``now``; returns counts for the log."""
    counts: Counter[str] = Counter()
    with advisory_lock(LOCK_NAME) as acquired:
        if not acquired:
            counts["skipped_locked"] += 1
            return dict(counts)
        context = _Context()
        jobs = (
            _steps_batch,
            _supervisions_batch,
            _penalty_reports_batch,
            _commitments_batch,
        )
        for job in jobs:
            for _ in range(max_batches):
                with transaction.atomic():
                    taken = job(now=now, batch=batch, context=context, counts=counts)
                if taken < batch:
                    break
    return dict(counts)


# --- overdue steps ---------------------------------------------------------------


def _steps_batch(*, now, batch, context: _Context, counts: Counter) -> int:
    steps = list(
        due_steps(now)
        .select_related("complaint__sub_category", "owner")
        .select_for_update(skip_locked=True, of=("self",))[:batch]
    )
    if not steps:
        return 0
    offsets = context.limits.escalation_offsets
    events: list[ComplaintEvent] = []
    messages: list[Message] = []
    reached: dict[int, int] = {}
    for step in steps:
        levels = rules.alert_levels_due(step.due_at, step.alert_level, offsets, now)
        top = max(levels, default=step.alert_level)
        claimed = ComplaintStep.objects.filter(
            pk=step.pk, alert_level=step.alert_level, done_at__isnull=True
        ).update(
            alert_level=top,
            next_check_at=rules.next_alert_at(step.due_at, top, offsets),
        )
        if not claimed:
            counts["lost_race"] += 1  # done or alerted meanwhile
            continue
        for level in levels:
            event, sent = _step_alert(step, level, now=now, context=context)
            events.append(event)
            messages.extend(sent)
            counts["warnings" if level == 1 else "escalations"] += 1
        if levels:
            complaint_id = step.complaint_id
            reached[complaint_id] = max(reached.get(complaint_id, 0), top)
    ComplaintEvent.objects.bulk_create(events, ignore_conflicts=True)
    for complaint_id, level in reached.items():
        Complaint.objects.filter(pk=complaint_id, escalation_level__lt=level).update(
            escalation_level=level
        )
    notifications_enqueue(messages, now=now)
    counts["notifications"] += len(messages)
    return len(steps)


def _step_alert(step: ComplaintStep, level: int, *, now, context: _Context):
    """Level 1: the owner is warned; 2: the supervisors; 3+: the managers."""
    complaint = step.complaint
    staff, texts = context.staff, context.texts
    step_name = label(Step, step.step)
    due = local_text(step.due_at)
    owners = step_owners(step, complaint, staff)
    if level == 1:
        topic, kind = "complaint_overdue", EventKind.WARNING
        people = owners
        reason = f"“{step_name}”环节超过时限{due}，提醒责任人"
        body = texts.render(topic, number=complaint.number, step=step_name, due=due)
    else:
        topic, kind = "complaint_escalation", EventKind.ESCALATION
        role = Role.SUPERVISOR if level == 2 else Role.MANAGER
        people = [
            *(owners if level == 2 else []),
            *staff.of_role(role, complaint.district_id),
        ]
        reason = f"“{step_name}”环节超过时限{due}，升至{level}级"
        body = texts.render(
            topic,
            number=complaint.number,
            step=step_name,
            due=due,
            level=level,
            owner=step.owner_name or "-",
        )
    messages = staff_messages(
        complaint,
        people,
        topic=topic,
        body=body,
        key=f"complaint-step:{step.pk}:alert:{level}",
    )
    event = ComplaintEvent(
        complaint=complaint,
        at=now,
        kind=kind,
        actor_name="系统",
        from_step=step.step,
        to_step=step.step,
        reason=reason,
        checkpoint=f"step:{step.pk}:{level}",
        data={
            "step": step.step,
            "level": level,
            "due_at": rules.local_of(step.due_at).isoformat(),
            "recipients": [m.recipient for m in messages],
        },
    )
    return event, messages


# --- supervision at 3 h --------------------------------------------------------------


def _supervisions_batch(*, now, batch, context: _Context, counts: Counter) -> int:
    due = list(
        due_supervisions(now)
        .select_related("sub_category")
        .select_for_update(skip_locked=True, of=("self",))[:batch]
    )
    if not due:
        return 0
    open_steps = {
        s.complaint_id: s
        for s in ComplaintStep.objects.filter(
            complaint__in=due, done_at__isnull=True
        ).select_related("owner")
    }
    hours = context.limits.supervise_after.total_seconds() / 3600
    events: list[ComplaintEvent] = []
    messages: list[Message] = []
    for complaint in due:
        claimed = Complaint.objects.filter(
            pk=complaint.pk, supervise_at=complaint.supervise_at
        ).update(supervise_at=None, supervision_count=F("supervision_count") + 1)
        step = open_steps.get(complaint.pk)
        if not claimed or step is None:
            continue
        complaint.supervision_count += 1
        event, sent = supervise_parts(
            complaint,
            step,
            context.staff,
            note=f"提交{hours:g}小时仍未答复用户，请加快处理",
            key=f"complaint:{complaint.pk}:supervise:auto",
            now=now,
            texts=context.texts,
            checkpoint="supervise:auto",
        )
        events.append(event)
        messages.extend(sent)
        counts["supervisions"] += 1
    ComplaintEvent.objects.bulk_create(events, ignore_conflicts=True)
    notifications_enqueue(messages, now=now)
    counts["notifications"] += len(messages)
    return len(due)


# --- penalty report limit ----------------------------------------------------------------


def _penalty_reports_batch(*, now, batch, context: _Context, counts: Counter) -> int:
    due = list(
        due_penalty_reports(now)
        .select_related("complaint", "technician", "user")
        .select_for_update(skip_locked=True, of=("self",))[:batch]
    )
    if not due:
        return 0
    events: list[ComplaintEvent] = []
    messages: list[Message] = []
    for ticket in due:
        claimed = PenaltyTicket.objects.filter(
            pk=ticket.pk, status=PenaltyStatus.DRAFT, report_warned=False
        ).update(report_warned=True)
        if not claimed:
            continue
        complaint = ticket.complaint
        due_text = local_text(ticket.report_due)
        body = context.texts.render(
            "penalty_report_late",
            number=complaint.number,
            target=ticket.target,
            amount=ticket.amount,
            due=due_text,
        )
        sent = staff_messages(
            complaint,
            context.staff.of_role(Role.MANAGER, complaint.district_id),
            topic="penalty_report_late",
            body=body,
            key=f"penalty:{ticket.pk}:report-late",
        )
        events.append(
            ComplaintEvent(
                complaint=complaint,
                at=now,
                kind=EventKind.PENALTY,
                actor_name="系统",
                reason=f"处罚单（{ticket.target} {ticket.amount}元）未在{due_text}前上报",
                checkpoint=f"penalty:{ticket.pk}:late",
                data={"penalty": ticket.pk, "recipients": [m.recipient for m in sent]},
            )
        )
        messages.extend(sent)
        counts["penalty_reports_late"] += 1
    ComplaintEvent.objects.bulk_create(events, ignore_conflicts=True)
    notifications_enqueue(messages, now=now)
    counts["notifications"] += len(messages)
    return len(due)


# --- the 24-hour public commitment ----------------------------------------------------------


def _commitments_batch(*, now, batch, context: _Context, counts: Counter) -> int:
    """Warn before, escalate at the breach of the public commitment, once each.

    The warning goes to the current step's owners; the breach to them, the
    quality supervisors and the managers of the complaint's district.
    """
    due = list(
        due_commitments(now)
        .select_related("sub_category")
        .select_for_update(skip_locked=True, of=("self",))[:batch]
    )
    if not due:
        return 0
    limits = context.limits
    open_steps = {
        s.complaint_id: s
        for s in ComplaintStep.objects.filter(
            complaint__in=due, done_at__isnull=True
        ).select_related("owner")
    }
    events: list[ComplaintEvent] = []
    messages: list[Message] = []
    for complaint in due:
        alerts = rules.commitment_alerts_due(
            complaint.commitment_due,
            limits.commitment_warn,
            complaint.commitment_alert,
            now,
        )
        top = max(alerts, default=complaint.commitment_alert)
        claimed = Complaint.objects.filter(
            pk=complaint.pk,
            commitment_alert=complaint.commitment_alert,
            answered_at__isnull=True,
        ).update(
            commitment_alert=top,
            commitment_check_at=rules.commitment_next_check(
                complaint.commitment_due, limits.commitment_warn, top
            ),
        )
        step = open_steps.get(complaint.pk)
        if not claimed or step is None:
            continue
        for level in alerts:
            event, sent = _commitment_alert(
                complaint, step, level, now=now, context=context
            )
            events.append(event)
            messages.extend(sent)
            counts[
                "commitment_warnings"
                if level == rules.COMMITMENT_WARNED
                else "commitment_breaches"
            ] += 1
    ComplaintEvent.objects.bulk_create(events, ignore_conflicts=True)
    notifications_enqueue(messages, now=now)
    counts["notifications"] += len(messages)
    return len(due)


def _commitment_alert(complaint, step, level: int, *, now, context: _Context):
    staff, texts = context.staff, context.texts
    owners = step_owners(step, complaint, staff)
    values = {
        "number": complaint.number,
        "due": local_text(complaint.commitment_due),
        "hours": f"{context.limits.commitment.total_seconds() / 3600:g}",
        "step": label(Step, step.step),
        "owner": step.owner_name or "-",
    }
    if level == rules.COMMITMENT_WARNED:
        topic, kind = "complaint_commitment_warning", EventKind.WARNING
        people = owners
        reason = f"对外承诺时限{values['due']}将到，尚未答复用户，提醒责任人"
    else:
        topic, kind = "complaint_commitment_breach", EventKind.ESCALATION
        people = [
            *owners,
            *staff.of_role(Role.SUPERVISOR, complaint.district_id),
            *staff.of_role(Role.MANAGER, complaint.district_id),
        ]
        reason = f"超过对外承诺时限{values['due']}仍未答复用户，升级至质量监察和管理层"
    messages = staff_messages(
        complaint,
        people,
        topic=topic,
        body=texts.render(topic, **values),
        key=f"complaint:{complaint.pk}:commitment:{level}",
    )
    event = ComplaintEvent(
        complaint=complaint,
        at=now,
        kind=kind,
        actor_name="系统",
        from_step=step.step,
        to_step=step.step,
        reason=reason,
        checkpoint=f"commitment:{level}",
        data={
            "commitment_due": rules.local_of(complaint.commitment_due).isoformat(),
            "level": level,
            "recipients": [m.recipient for m in messages],
        },
    )
    return event, messages
