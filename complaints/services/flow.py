"""The complaint flow: the steps with their owners and time limits,
responsibility determination and closing.

Every step change goes through ``_advance``: check the flow
(``rules.next_step``), compare-and-set the complaint's status, close the open
step and open the next one with its owner and due time, and record the
change in the complaint timeline (and the linked order's) — one transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import Forbidden, InvalidInput, InvalidTransition
from dispatch_center.roles import Role, has_role
from notifications.services import notifications_enqueue, render
from org.models import District
from sla.services import CAUSE_CALLBACK, sla_escalate

from .. import rules
from ..models import (
    Complaint,
    ComplaintStep,
    EventKind,
    Outcome,
    Step,
)
from ..selectors import Staff
from .common import (
    BACK_OFFICE_ROLES,
    TEXTS,
    complaint_event_record,
    label,
    local_text,
    policy_limits,
    staff_messages,
    step_owners,
)
from .penalties import PenaltyIn, penalty_create, penalty_publish, penalty_target


def _owner(step: str, complaint: Complaint, by) -> tuple[str, object, str]:
    """(role, user, unit) answering for ``step``."""
    if step == Step.FRONT_DESK:
        return Role.HOTLINE_AGENT, by, "前台"
    if step == Step.REVIEW:
        routed_higher = complaint.escalated or complaint.is_repeat
        return (Role.MANAGER if routed_higher else Role.SUPERVISOR), None, "后台复核"
    if step == Step.CITY:
        name = complaint.district.name if complaint.district_id else ""
        return Role.SUPERVISOR, None, f"{name}服务质量监察"
    if step in (Step.DEPARTMENT, Step.RETURN):
        return Role.SUPERVISOR, None, complaint.department
    if step == Step.CALLBACK:
        return Role.SUPERVISOR, None, "后台回访"
    return Role.MANAGER, None, "服务质量监察部"


def open_step(
    complaint: Complaint,
    step: str,
    *,
    due: datetime,
    by,
    now: datetime,
    limits: rules.Limits,
) -> ComplaintStep:
    role, owner, unit = _owner(step, complaint, by)
    return ComplaintStep.objects.create(
        complaint=complaint,
        step=step,
        owner_role=role,
        owner=owner,
        owner_name=unit[:100],
        started_at=now,
        due_at=due,
        next_check_at=rules.next_alert_at(due, 0, limits.escalation_offsets),
    )


def _advance(
    complaint: Complaint,
    action: str,
    *,
    by,
    now: datetime,
    reason: str,
    note: str = "",
    fields: dict | None = None,
    kind: str = EventKind.STEP,
    data: dict | None = None,
) -> Complaint:
    """Move a complaint one step (see the module docstring).

    1. ``rules.next_step`` refuses an illegal action (409 ``invalid_transition``).
    2. Compare-and-set ``UPDATE … WHERE status = <status we read>``: when two
       people act at once exactly one wins, the other gets a 409.
    3. Close the open step (who, when, what) and open the next one with its
       owner and due time; its owners are told.
    4. Timeline lines (the complaint's, and the linked order's).
    """
    src = complaint.status
    dst = rules.next_step(src, action)
    _, limits = policy_limits()
    values = dict(fields or {})
    values["status"] = dst
    values["updated_at"] = now
    due = None
    if dst == rules.CLOSED:
        values.update(
            current_step_due=None,
            closed_at=now,
            supervise_at=None,
            commitment_check_at=None,
        )
    else:
        anchors = rules.Anchors(
            received_at=complaint.received_at,
            started_at=now,
            city_received_at=values.get("city_received_at", complaint.city_received_at),
        )
        due = values["current_step_due"] = rules.step_due(dst, anchors, limits)
    with transaction.atomic():
        changed = Complaint.objects.filter(pk=complaint.pk, status=src).update(**values)
        if not changed:
            current = (
                Complaint.objects.filter(pk=complaint.pk)
                .values_list("status", flat=True)
                .first()
            )
            raise InvalidTransition(
                gettext(
                    "投诉 %(number)s 已在“%(current)s”环节，不再是“%(was)s”，"
                    "请刷新后重试。"
                )
                % {
                    "number": complaint.number,
                    "current": rules.step_label(current),
                    "was": rules.step_label(src),
                }
            )
        for attr, value in values.items():
            setattr(complaint, attr, value)
        ComplaintStep.objects.filter(complaint=complaint, done_at__isnull=True).update(
            done_at=now, done_by=by, action=action, note=note, next_check_at=None
        )
        step = None
        if due is not None:
            step = open_step(complaint, dst, due=due, by=by, now=now, limits=limits)
        complaint_event_record(
            complaint,
            kind=kind,
            by=by,
            now=now,
            reason=reason + (f"：{note}" if note else ""),
            from_step=src,
            to_step=dst,
            data={
                "action": action,
                **({"due": step.due_at.isoformat()} if step else {}),
                **(data or {}),
            },
        )
        if step is not None:
            _tell_owners(complaint, step, now=now, note=note)
    return complaint


def _tell_owners(complaint: Complaint, step: ComplaintStep, *, now, note="") -> None:
    body = render(
        "complaint_step",
        TEXTS["complaint_step"],
        number=complaint.number,
        sub_category=complaint.sub_category.name,
        step=label(Step, step.step),
        due=local_text(step.due_at),
        note=note,
    )
    people = step_owners(step, complaint, Staff.load())
    notifications_enqueue(
        staff_messages(
            complaint,
            people,
            topic="complaint_step",
            body=body,
            key=f"complaint-step:{step.pk}",
        ),
        now=now,
    )


def complaint_submit(
    complaint: Complaint, *, by, note: str = "", now: datetime | None = None
) -> Complaint:
    """前台提交 → back-office review; the 3-hour supervision is scheduled."""
    now = now or timezone.now()
    _, limits = policy_limits()
    return _advance(
        complaint,
        rules.SUBMIT,
        by=by,
        now=now,
        reason="前台提交投诉",
        note=note,
        fields={"submitted_at": now, "supervise_at": now + limits.supervise_after},
    )


def complaint_dispatch_to_city(
    complaint: Complaint,
    *,
    district: str | None,
    by,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """后台复核并派往责任地市 (default: the linked order's district)."""
    now = now or timezone.now()
    rules.next_step(complaint.status, rules.DISPATCH_TO_CITY)
    if district:
        target = District.objects.filter(code=district).first()
        if target is None:
            raise InvalidInput(
                "district", gettext("未知的区局：%(code)s。") % {"code": district}
            )
    elif complaint.work_order_id:
        target = complaint.work_order.district
    else:
        raise InvalidInput("district", gettext("请指定责任地市/区局。"))
    return _advance(
        complaint,
        rules.DISPATCH_TO_CITY,
        by=by,
        now=now,
        reason=f"派往{target.name}",
        note=note,
        fields={"district": target, "city_received_at": now},
        data={"district": target.code},
    )


def complaint_assign_department(
    complaint: Complaint,
    *,
    department: str,
    by,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """地市确认并派给责任部门."""
    now = now or timezone.now()
    if not department.strip():
        raise InvalidInput("department", gettext("请填写责任部门。"))
    department = department.strip()[:100]
    return _advance(
        complaint,
        rules.ASSIGN_DEPARTMENT,
        by=by,
        now=now,
        reason=f"派给责任部门{department}",
        note=note,
        fields={"department": department},
        data={"department": department},
    )


def complaint_answer_customer(
    complaint: Complaint,
    *,
    answer: str,
    by,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """责任部门答复用户 (the 24-hour public commitment is met by this answer)."""
    now = now or timezone.now()
    if not answer.strip():
        raise InvalidInput("answer", gettext("请填写答复用户的内容。"))
    late = now > complaint.commitment_due
    return _advance(
        complaint,
        rules.ANSWER_CUSTOMER,
        by=by,
        now=now,
        reason="已答复用户" + ("（超过对外承诺时限）" if late else ""),
        note=note,
        fields={
            "answer": answer,
            "answered_at": now,
            "supervise_at": None,
            "commitment_check_at": None,  # answered: the commitment is settled
        },
        data={"commitment_met": not late},
    )


def complaint_return_ticket(
    complaint: Complaint,
    *,
    wrong_dispatch: bool = False,
    by,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """返单, or with ``wrong_dispatch`` send the ticket back one step.

    The department returns a wrongly dispatched ticket to the city, the city
    returns one sent to the wrong city to the back office (派单正确否 N).
    """
    now = now or timezone.now()
    if not wrong_dispatch:
        return _advance(
            complaint,
            rules.RETURN_TICKET,
            by=by,
            now=now,
            reason="返单",
            note=note,
            fields={"returned_at": now},
        )
    src = complaint.status
    rules.next_step(src, rules.WRONG_DISPATCH)
    if src == Step.DEPARTMENT:
        fields, wrong = {"department": ""}, complaint.department
    else:
        fields = {"district": None, "city_received_at": None}
        wrong = complaint.district.name if complaint.district_id else ""
    return _advance(
        complaint,
        rules.WRONG_DISPATCH,
        by=by,
        now=now,
        reason=f"派单错误，{wrong}退回上一环节",
        note=note,
        fields=fields,
        kind=EventKind.WRONG_DISPATCH,
        data={"wrong": wrong},
    )


def complaint_callback_customer(
    complaint: Complaint,
    *,
    satisfied: bool,
    by,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """回访用户 → responsibility determination.

    A dissatisfied customer is recorded, the managers determining the
    responsibility see it, and a linked order is escalated (不满意升级).
    """
    now = now or timezone.now()
    with transaction.atomic():
        _advance(
            complaint,
            rules.CALLBACK_CUSTOMER,
            by=by,
            now=now,
            reason="回访用户：" + ("满意" if satisfied else "不满意"),
            note=note,
            fields={"callback_satisfied": satisfied, "callback_note": note},
            kind=EventKind.CALLBACK,
            data={"satisfied": satisfied},
        )
        if not satisfied and complaint.work_order_id:
            sla_escalate(
                complaint.work_order,
                reason=f"投诉{complaint.number}回访不满意",
                by=by,
                key=f"complaint:{complaint.number}",
                cause=CAUSE_CALLBACK,
                now=now,
            )
    return complaint


def complaint_determine(
    complaint: Complaint,
    *,
    outcome: str,
    note: str = "",
    penalty: PenaltyIn | None = None,
    by,
    now: datetime | None = None,
) -> Complaint:
    """责任认定 and close. Human cause → a penalty ticket (处罚单).

    1. Check the step (409) and the input (400) before writing: a human
       cause needs a penalty, any other outcome takes none; the person is a
       known technician code or username.
    2. Record the outcome and close the complaint.
    3. Open the ticket as a draft due within a week of the complaint (the
       report limit), or publish it at once (``publish``).
    """
    now = now or timezone.now()
    rules.next_step(complaint.status, rules.DETERMINE)
    if outcome not in Outcome.values:
        raise InvalidInput(
            "outcome", gettext("未知的认定结果：%(code)s。") % {"code": outcome}
        )
    if outcome == Outcome.HUMAN and penalty is None:
        raise InvalidInput("penalty", gettext("人为原因须开处罚单。"))
    if outcome != Outcome.HUMAN and penalty is not None:
        raise InvalidInput("penalty", gettext("只有人为原因才开处罚单。"))
    target = penalty_target(penalty) if penalty else None
    with transaction.atomic():
        _advance(
            complaint,
            rules.DETERMINE,
            by=by,
            now=now,
            reason=f"责任认定：{label(Outcome, outcome)}",
            note=note,
            fields={
                "outcome": outcome,
                "outcome_note": note,
                "determined_at": now,
                "determined_by": by,
            },
            kind=EventKind.DETERMINATION,
            data={"outcome": outcome},
        )
        if penalty is not None:
            ticket = penalty_create(complaint, penalty, target, by=by, now=now)
            if penalty.publish:
                penalty_publish(ticket, by=by, now=now)
    return complaint


def complaint_close(
    complaint: Complaint,
    *,
    answer: str,
    outcome: str = "",
    by,
    now: datetime | None = None,
) -> Complaint:
    """Close at once with a direct answer to the customer (直接答复用户).

    At the front desk (an invalid complaint, default outcome ``invalid``) or
    at the back-office review (answered on the spot, default ``no_fault``).
    A human cause always goes through the determination (penalty ticket).
    """
    now = now or timezone.now()
    src = complaint.status
    rules.next_step(src, rules.CLOSE)
    if src == Step.REVIEW and not has_role(by, *BACK_OFFICE_ROLES):
        raise Forbidden(gettext("后台复核环节只能由后台结案。"))
    if not answer.strip():
        raise InvalidInput("answer", gettext("请填写答复用户的内容。"))
    outcome = outcome or (
        Outcome.INVALID if src == Step.FRONT_DESK else Outcome.NO_FAULT
    )
    if outcome not in Outcome.values or outcome == Outcome.HUMAN:
        raise InvalidInput(
            "outcome", gettext("人为原因须经责任认定开处罚单，不能直接结案。")
        )
    return _advance(
        complaint,
        rules.CLOSE,
        by=by,
        now=now,
        reason=f"直接答复用户并结案（{label(Outcome, outcome)}）",
        note=answer,
        fields={
            "answer": answer,
            "answered_at": now,
            "outcome": outcome,
            "determined_at": now,
            "determined_by": by,
        },
        kind=EventKind.CLOSE,
        data={"outcome": outcome},
    )
