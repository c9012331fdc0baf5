"""SLA control services: urges, escalations, suspend/reschedule approvals.

The periodic sweep is in ``sla.scan``. Every service here runs in one
transaction with the order's row locked (``work_order_lock``), records its
side effect once (``SlaEvent`` unique per order, kind and checkpoint; outbox
messages unique per dedupe key) and puts a line in the order's timeline.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch import slot_services
from dispatch_center.errors import Conflict, Forbidden, InvalidInput, InvalidTransition
from notifications.services import notifications_enqueue
from workorders import rules
from workorders.models import DelayCause, EventKind, WorkOrder
from workorders.selectors import PolicySnapshot, service_policy
from workorders.services import event_record, work_order_appointment_check
from workorders.sla_services import (
    RESCHEDULABLE,
    SUSPENDABLE,
    work_order_check_worker,
    work_order_escalate,
    work_order_lock,
    work_order_reschedule,
    work_order_resume,
    work_order_suspend,
    work_order_urge,
)

from .models import Approval, ApprovalKind, ApprovalStatus, SlaEvent, SlaEventKind
from .notices import Notices, usernames
from .selectors import Person, Recipients

CAUSE_URGE = "urge"
CAUSE_MANUAL = "manual"
CAUSE_CALLBACK = "callback"


def warning_not_before(
    order: WorkOrder, now: datetime, policy: PolicySnapshot | None = None
) -> datetime | None:
    """Hold a pre-breach warning of a non-urgent order to working time.

    Only warnings may wait (SPEC §5): escalations are announced the moment
    they fire, day or night, weekend or holiday. Same-day and VIP orders are
    always urgent, and a warning is never held past the internal deadline it
    warns about (then it goes at once).
    """
    policy = policy or service_policy()
    urgent = rules.notice_is_urgent(
        is_same_day=order.is_same_day, customer_level=order.customer.level
    )
    if urgent or not policy.hold_non_urgent_notices:
        return None
    start = policy.calendar.next_working_moment(now)
    return start if now < start < order.sla_deadline else None


# --- escalation --------------------------------------------------------------


def sla_escalate(
    order: WorkOrder,
    *,
    reason: str,
    by,
    key: str,
    cause: str = CAUSE_MANUAL,
    level: int | None = None,
    now: datetime | None = None,
) -> int:
    """Open an escalation (升级) on ``order``; returns its escalation level.

    Called by the 2nd urge, by a dissatisfied callback (不满意工单升级) and by
    hand. Idempotent per (``cause``, ``key``): a retried call does nothing.

    1. Lock the order; if this (cause, key) was already escalated, stop.
    2. Raise the level to ``level`` (default: one above the current, at most
       the highest configured level) with compare-and-set; a level never
       goes down, and an order already there stays where it is.
    3. Record it once (``SlaEvent``), in the timeline, and tell the contacts
       of the resulting level at once (escalations never wait).
    """
    now = now or timezone.now()
    checkpoint = f"{cause}:{key}"[:64]
    with transaction.atomic():
        locked = work_order_lock(order.pk)
        if SlaEvent.objects.filter(
            order=locked, kind=SlaEventKind.ESCALATION, checkpoint=checkpoint
        ).exists():
            return locked.escalation_level
        max_level = service_policy().sla.max_level
        current = locked.escalation_level
        target = min(level or current + 1, max_level)
        recipients = Recipients.load()
        notices = Notices.load()
        raised = target > current and work_order_escalate(
            locked,
            level=target,
            by=by,
            now=now,
            reason=f"{reason}，升至{target}级",
            data={"cause": cause, "key": key},
        )
        reached = locked.escalation_level
        if not raised:
            event_record(
                locked,
                kind=EventKind.ESCALATION,
                by=by,
                now=now,
                reason=f"{reason}（已在{reached}级）",
                data={"level": reached, "cause": cause, "key": key, "raised": False},
            )
        body = notices.render("sla_escalation", locked, level=reached, reason=reason)
        messages = Notices.staff(
            locked,
            topic="sla_escalation",
            body=body,
            people=recipients.escalation(locked, reached),
            key=f"sla:{locked.pk}:escalation:{checkpoint}",
        )
        SlaEvent.objects.create(
            order=locked,
            kind=SlaEventKind.ESCALATION,
            checkpoint=checkpoint,
            level=reached,
            cause=cause,
            due_at=now,
            at=now,
            recipients=usernames(messages),
            data={"reason": reason, "raised": bool(raised)},
        )
        notifications_enqueue(messages, now=now)
    order.escalation_level = reached
    order.sla_next_check_at = locked.sla_next_check_at
    return reached


# --- urges -------------------------------------------------------------------


def work_order_urge_record(
    order: WorkOrder, *, note: str = "", by, now: datetime | None = None
) -> WorkOrder:
    """Record a customer's chase (催单) on an open order.

    1. Count it on the order (locked) and in the timeline.
    2. Tell the technician and the dispatchers (once per urge number): every
       urge, the later ones included, notifies the dispatchers again.
    3. The ``urges_to_escalate``-th urge (default the 2nd) escalates the
       order once, to at least level 1 (``sla_escalate``, cause "urge").
       Later urges never climb: the ladder climbs by time alone (SPEC §5).
    """
    now = now or timezone.now()
    policy = service_policy()
    with transaction.atomic():
        number = work_order_urge(order, by=by, now=now, note=note)
        locked = work_order_lock(order.pk)
        recipients = Recipients.load()
        body = Notices.load().render("sla_urge", locked, count=number, note=note or "")
        messages = Notices.staff(
            locked,
            topic="sla_urge",
            body=body,
            people=[
                *recipients.technician(locked),
                *recipients.dispatchers(locked),
            ],
            key=f"sla:{locked.pk}:urge:{number}",
        )
        SlaEvent.objects.create(
            order=locked,
            kind=SlaEventKind.URGE,
            checkpoint=str(number),
            level=locked.escalation_level,
            cause=CAUSE_URGE,
            at=now,
            recipients=usernames(messages),
            data={"note": note},
        )
        notifications_enqueue(messages, now=now)
        threshold = policy.urges_to_escalate
        if threshold and number == threshold:
            sla_escalate(
                locked,
                reason=f"客户第{number}次催单，自动升级",
                by=by,
                key=str(number),
                cause=CAUSE_URGE,
                level=max(locked.escalation_level, 1),
                now=now,
            )
    order.refresh_from_db()
    return order


# --- suspend / reschedule approvals ------------------------------------------


def _not_now(kind: str, status: str) -> str:
    return gettext("工单状态为“%(status)s”，不能申请%(kind)s。") % {
        "status": rules.status_label(status),
        "kind": ApprovalKind(kind).label,
    }


def approval_request(
    order: WorkOrder,
    *,
    kind: str,
    reason: str,
    evidence: str = "",
    note: str = "",
    appointment_start: datetime | None = None,
    appointment_end: datetime | None = None,
    customer_confirmed: bool = False,
    by,
    now: datetime | None = None,
    by_customer: bool = False,
) -> Approval:
    """Ask a supervisor to approve a suspension (挂起) or a reschedule (改约).

    ``by_customer``: the customer chose a new slot on their own page (SPEC
    §14): no staff user asks, and the request is customer-confirmed by nature.

    1. Only the assigned technician, a dispatcher or a supervisor may ask.
    2. Check everything before writing: a reschedule needs the customer's
       confirmation and a future appointment; the order must be in a state
       that allows it (else ``InvalidTransition``).
    3. One pending request per order (``Conflict`` ``approval_pending``),
       recorded in the timeline; the supervisors are told.
    """
    now = now or timezone.now()
    if not by_customer:
        work_order_check_worker(order, by)
    if reason not in DelayCause.values:
        raise InvalidInput(
            "reason", gettext("未知的原因：%(code)s。") % {"code": reason}
        )
    if kind == ApprovalKind.RESCHEDULE:
        if not customer_confirmed:
            raise InvalidInput("customer_confirmed", gettext("改约须经客户确认。"))
        if appointment_start is None or appointment_end is None:
            raise InvalidInput("appointment_end", gettext("须填写新的预约时间。"))
        if appointment_end <= appointment_start:
            raise InvalidInput(
                "appointment_end", gettext("预约结束时间须晚于开始时间。")
            )
        if appointment_end <= now:
            raise InvalidInput(
                "appointment_end", gettext("预约结束时间须晚于当前时间。")
            )
        work_order_appointment_check(
            order, start=appointment_start, end=appointment_end
        )
        today = rules.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if appointment_start < today:
            raise InvalidInput(
                "appointment_start", gettext("预约开始时间不能早于今天。")
            )
        # a reschedule is a booking made ahead: a slot with room (SPEC §14);
        # checked again under the slot's lock when it is approved
        slot_services.slot_check(
            group_id=order.group_id,
            kind=order.kind,
            product=order.product,
            start=appointment_start,
            now=now,
            exclude_order_id=order.pk,
        )
        allowed = RESCHEDULABLE
    elif kind == ApprovalKind.SUSPEND:
        appointment_start = appointment_end = None
        allowed = SUSPENDABLE
    else:
        raise InvalidInput(
            "kind", gettext("未知的申请类型：%(code)s。") % {"code": kind}
        )
    if order.status not in allowed:
        raise InvalidTransition(_not_now(kind, order.status))
    with transaction.atomic():
        locked = work_order_lock(order.pk)
        if locked.status not in allowed:
            raise InvalidTransition(_not_now(kind, locked.status))
        pending = Approval.objects.filter(
            order=locked, status=ApprovalStatus.PENDING
        ).first()
        if pending is not None:
            raise Conflict(
                gettext("工单 %(number)s 已有待审核的%(kind)s申请（#%(id)s）。")
                % {
                    "number": locked.number,
                    "kind": pending.get_kind_display(),
                    "id": pending.pk,
                },
                code="approval_pending",
            )
        approval = Approval(
            order=locked,
            kind=kind,
            reason=reason,
            evidence=evidence,
            note=note,
            appointment_start=appointment_start,
            appointment_end=appointment_end,
            customer_confirmed=customer_confirmed,
            requested_by=by,
            requested_at=now,
        )
        approval._history_user = by
        try:
            with transaction.atomic():
                approval.save(force_insert=True)
        except IntegrityError:  # a concurrent request won the unique constraint
            raise Conflict(
                gettext("工单 %(number)s 已有待审核的申请。")
                % {"number": locked.number},
                code="approval_pending",
            ) from None
        kind_text, reason_text = (
            approval.get_kind_display(),
            approval.get_reason_display(),
        )
        event_record(
            locked,
            kind=EventKind.APPROVAL,
            by=by,
            now=now,
            reason=f"申请{kind_text}: {reason_text}" + (f"，{note}" if note else ""),
            data=_approval_data(approval, "requested"),
        )
        recipients = Recipients.load()
        deciders = recipients.supervisors(locked) or recipients.dispatchers(locked)
        body = Notices.load().render(
            "approval_requested",
            locked,
            kind=kind_text,
            reason=reason_text,
            note=note,
        )
        notifications_enqueue(
            Notices.staff(
                locked,
                topic="approval_requested",
                body=body,
                people=deciders,
                key=f"approval:{approval.pk}:requested",
            ),
            now=now,
        )
    return approval


def approval_approve(
    approval: Approval, *, note: str = "", by, now: datetime | None = None
) -> Approval:
    """Approve: an approved suspension suspends the order (the internal clock
    stops); an approved reschedule sets the new appointment and deadline."""
    return _decide(approval, approve=True, note=note, by=by, now=now)


def approval_reject(
    approval: Approval, *, note: str, by, now: datetime | None = None
) -> Approval:
    """Reject with a note (required): the order is left as it is."""
    if not note.strip():
        raise InvalidInput("note", gettext("驳回须填写审核意见。"))
    return _decide(approval, approve=False, note=note, by=by, now=now)


def _decide(
    approval: Approval, *, approve: bool, note: str, by, now: datetime | None
) -> Approval:
    """1. Lock the request; only a pending one can be decided, and not by
    the person who asked. 2. Apply it to the order (locked). 3. Record the
    decision (history), the timeline line, and tell the requester."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Approval.objects.select_for_update().get(pk=approval.pk)
        if locked.status != ApprovalStatus.PENDING:
            raise InvalidTransition(
                gettext("申请 #%(id)s 的状态为“%(status)s”，不能再审核。")
                % {"id": locked.pk, "status": locked.get_status_display()}
            )
        if by is not None and locked.requested_by_id == by.pk:
            raise Forbidden(gettext("不能审核自己的申请。"))
        order = work_order_lock(locked.order_id)
        if approve:
            data = _approval_data(locked, "approved")
            if locked.kind == ApprovalKind.SUSPEND:
                work_order_suspend(
                    order,
                    by=by,
                    now=now,
                    reason=f"挂起审核通过: {locked.get_reason_display()}",
                    data=data,
                )
            else:
                slot_services.slot_reserve(
                    group_id=order.group_id,
                    kind=order.kind,
                    product=order.product,
                    start=locked.appointment_start,
                    now=now,
                    exclude_order_id=order.pk,
                )
                work_order_reschedule(
                    order,
                    appointment_start=locked.appointment_start,
                    appointment_end=locked.appointment_end,
                    by=by,
                    now=now,
                    reason=f"改约审核通过: {locked.get_reason_display()}",
                    data=data,
                )
        locked.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        locked.decided_by = by
        locked.decided_at = now
        locked.decision_note = note
        locked._history_user = by
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "decision_note"]
        )
        result = "已批准" if approve else "已驳回"
        event_record(
            order,
            kind=EventKind.APPROVAL,
            by=by,
            now=now,
            reason=f"{locked.get_kind_display()}审核{result}"
            + (f": {note}" if note else ""),
            data=_approval_data(locked, locked.status),
        )
        requester = locked.requested_by
        if requester is not None:
            body = Notices.load().render(
                "approval_decided",
                order,
                kind=locked.get_kind_display(),
                result=result,
                note=note,
            )
            notifications_enqueue(
                Notices.staff(
                    order,
                    topic="approval_decided",
                    body=body,
                    people=[Person(requester.pk, requester.get_username())],
                    key=f"approval:{locked.pk}:decided",
                ),
                now=now,
            )
    return locked


def _approval_data(approval: Approval, action: str) -> dict:
    data = {
        "approval": approval.pk,
        "approval_kind": approval.kind,
        "action": action,
        "reason": approval.reason,
        "evidence": approval.evidence,
    }
    if approval.kind == ApprovalKind.RESCHEDULE:
        data["appointment_start"] = rules.local(approval.appointment_start).isoformat()
        data["appointment_end"] = rules.local(approval.appointment_end).isoformat()
        data["customer_confirmed"] = approval.customer_confirmed
    return data


def work_order_resume_suspended(
    order: WorkOrder, *, by, now: datetime | None = None
) -> WorkOrder:
    """Leave an approved suspension (解除挂起): back to the state before it,
    with the paused time added to the internal deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = work_order_lock(order.pk)
        work_order_resume(locked, by=by, now=now)
    order.refresh_from_db()
    return order
