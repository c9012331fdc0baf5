"""Penalty tickets (处罚单): creation at the determination, publication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import InvalidInput, InvalidTransition
from dispatch_center.roles import Role
from notifications.services import notifications_enqueue, render
from org.models import Technician

from .. import rules
from ..models import (
    EventKind,
    PenaltyStatus,
    PenaltyTicket,
)
from ..selectors import Staff, complaint_policy
from .common import (
    TEXTS,
    complaint_event_record,
    local_text,
    staff_messages,
)


@dataclass
class PenaltyIn:
    amount: Decimal
    reason: str
    technician: str = ""
    user: str = ""
    department: str = ""
    month: str = ""
    publish: bool = False


def penalty_target(penalty: PenaltyIn) -> tuple[Technician | None, object | None]:
    """The person penalised (a technician code or a username), checked before
    anything is written; a department alone is a valid target too."""
    technician = user = None
    if penalty.technician:
        technician = Technician.objects.filter(code=penalty.technician).first()
        if technician is None:
            raise InvalidInput(
                "penalty",
                gettext("未知的装维工程师：%(code)s。") % {"code": penalty.technician},
            )
    if penalty.user:
        user = (
            get_user_model()
            .objects.filter(username=penalty.user, is_active=True)
            .first()
        )
        if user is None:
            raise InvalidInput(
                "penalty", gettext("未知的人员：%(name)s。") % {"name": penalty.user}
            )
    if technician and user:
        raise InvalidInput("penalty", gettext("处罚对象只能是一名工程师或一名人员。"))
    if not (technician or user or penalty.department.strip()):
        raise InvalidInput(
            "penalty", gettext("请指定处罚对象：一名工程师、一名人员或一个部门。")
        )
    if penalty.amount <= 0:
        raise InvalidInput("penalty", gettext("处罚金额须大于 0。"))
    if penalty.month and not rules.month_valid(penalty.month):
        raise InvalidInput("penalty", gettext("月份格式须为 YYYY-MM，如 2026-11。"))
    return technician, user


def penalty_create(complaint, penalty: PenaltyIn, target, *, by, now) -> PenaltyTicket:
    policy = complaint_policy()
    technician, user = target
    ticket = PenaltyTicket(
        complaint=complaint,
        technician=technician,
        user=user,
        department=penalty.department.strip()[:100],
        amount=penalty.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        reason=penalty.reason,
        month=penalty.month or rules.month_of(now),
        report_due=complaint.received_at + policy.limits().determination,
        created_by=by,
        created_at=now,
    )
    ticket._history_user = by
    ticket.save(force_insert=True)
    complaint_event_record(
        complaint,
        kind=EventKind.PENALTY,
        by=by,
        now=now,
        reason=f"开处罚单：{ticket.target} {ticket.amount}元（{ticket.month}）",
        data={"penalty": ticket.pk, "amount": str(ticket.amount)},
    )
    return ticket


def penalty_publish(
    ticket: PenaltyTicket, *, by, now: datetime | None = None
) -> PenaltyTicket:
    """公布/上报 a penalty: payroll counts it from now; managers are told.

    Published after its report limit (one week from the complaint) it is
    marked late (``reported_late``) and the notice says so.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            PenaltyTicket.objects.select_for_update(of=("self",))
            .select_related("complaint", "technician", "user")
            .get(pk=ticket.pk)
        )
        if locked.status != PenaltyStatus.DRAFT:
            raise InvalidTransition(
                gettext("处罚单 #%(id)s 已是“%(status)s”。")
                % {"id": locked.pk, "status": locked.get_status_display()}
            )
        locked.status = PenaltyStatus.PUBLISHED
        locked.reported_at = now
        locked.reported_late = now > locked.report_due
        locked.published_by = by
        locked._history_user = by
        locked.save()
        complaint = locked.complaint
        late = (
            f"（逾期上报，时限{local_text(locked.report_due)}）"
            if locked.reported_late
            else ""
        )
        complaint_event_record(
            complaint,
            kind=EventKind.PENALTY,
            by=by,
            now=now,
            reason=f"公布处罚单：{locked.target} {locked.amount}元{late}",
            data={"penalty": locked.pk, "late": locked.reported_late},
        )
        body = render(
            "penalty_published",
            TEXTS["penalty_published"],
            number=complaint.number,
            target=locked.target,
            amount=locked.amount,
            reason=locked.reason,
            late=late,
        )
        managers = Staff.load().of_role(Role.MANAGER, complaint.district_id)
        notifications_enqueue(
            staff_messages(
                complaint,
                managers,
                topic="penalty_published",
                body=body,
                key=f"penalty:{locked.pk}:published",
            ),
            now=now,
        )
    for attr in ("status", "reported_at", "reported_late", "published_by"):
        setattr(ticket, attr, getattr(locked, attr))
    return ticket
