"""The audit of claims: approve, reject, revoke an exemption, recheck after
a complaint."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
)
from workorders.models import (
    EventKind,
    WorkOrder,
)
from workorders.services import event_record

from .. import facts, rules
from ..liability import vendor_month_liability_refresh
from ..models import Claim, ClaimStatus
from .common import _claim_status, _move, compensation_policy

# --- audit -----------------------------------------------------------------------------


def claim_approve(
    claim: Claim, *, by, note: str = "", now: datetime | None = None
) -> Claim:
    now = now or timezone.now()
    with transaction.atomic():
        return _move(
            claim,
            (ClaimStatus.PENDING_REVIEW,),
            {
                "status": ClaimStatus.APPROVED,
                "reviewed_by": by,
                "reviewed_at": now,
                "review_note": note[:255],
            },
            by=by,
            now=now,
            reason=f"补偿审核通过 {note}".strip(),
        )


def claims_approve(
    claim_ids: list[int], *, by, now: datetime | None = None
) -> list[Claim]:
    """Approve a batch from the console; all or nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        claims = list(
            Claim.objects.select_related("work_order").filter(pk__in=claim_ids)
        )
        missing = set(claim_ids) - {c.pk for c in claims}
        if missing:
            raise InvalidInput(
                "ids",
                gettext("未知的补偿单：%(ids)s。")
                % {"ids": gettext("、").join(str(pk) for pk in sorted(missing))},
            )
        return [claim_approve(c, by=by, now=now) for c in claims]


def claim_reject(
    claim: Claim, *, by, reason: str, now: datetime | None = None
) -> Claim:
    now = now or timezone.now()
    if not reason.strip():
        raise InvalidInput("reason", gettext("请填写驳回原因。"))
    with transaction.atomic():
        _move(
            claim,
            (ClaimStatus.PENDING_REVIEW, ClaimStatus.APPROVED),
            {
                "status": ClaimStatus.REJECTED,
                "reviewed_by": by,
                "reviewed_at": now,
                "review_note": reason[:255],
            },
            by=by,
            now=now,
            reason=f"补偿驳回：{reason}",
        )
        vendor_month_liability_refresh(
            claim.vendor_id, claim.completed_at, by=by, now=now
        )
    return claim


def claim_revoke_exemption(
    claim: Claim,
    *,
    by,
    reason: str,
    now: datetime | None = None,
    only_without_evidence: bool = False,
) -> Claim:
    """The exemption falls: the claim is due again (pending review).

    By hand (``revoke-exemption``) any exemption but the rural scope rule can
    be revoked; after a complaint only one without evidence (seed 002 §三(三)1:
    without a recording the customer's account prevails).
    """
    now = now or timezone.now()
    if claim.status != ClaimStatus.EXEMPT:
        raise InvalidTransition(
            gettext("补偿单 #%(id)s 的状态为“%(status)s”，不是免责，无需撤销。")
            % {"id": claim.pk, "status": _claim_status(claim.status)}
        )
    if claim.exemption == rules.RURAL:
        raise Conflict(gettext("农村区域不在慢必赔适用范围内，其免责不能撤销。"))
    if only_without_evidence and claim.evidence:
        raise Conflict(
            gettext("免责有佐证（%(evidence)s），不自动撤销。")
            % {"evidence": claim.evidence}
        )
    with transaction.atomic():
        _move(
            claim,
            (ClaimStatus.EXEMPT,),
            {"status": ClaimStatus.PENDING_REVIEW, "exemption_revoked_at": now},
            by=by,
            now=now,
            reason=f"撤销免责({claim.get_exemption_display()})：{reason}",
        )
        vendor_month_liability_refresh(
            claim.vendor_id, claim.completed_at, by=by, now=now
        )
    return claim


def compensation_recheck_after_complaint(
    order: WorkOrder, *, by, now: datetime
) -> Claim | None:
    """A complaint about an order: unproven exemptions fall, whenever filed.

    1. Record the complaint on the order (``EventKind.COMPLAINT``): a claim
       created later (the order is still open) is assessed with it, so an
       exemption without evidence is never granted.
    2. A claim already there, exempt or awaiting review, is assessed again
       with the complaint: an exemption without evidence is revoked, and
       suspended time excused without evidence is no longer taken out of the
       lateness (the amount grows). Audited or paid claims are left alone.
    """
    event_record(
        order,
        kind=EventKind.COMPLAINT,
        by=by,
        now=now,
        reason="客户投诉：无佐证的免责以客户意见为准",
    )
    claim = Claim.objects.select_related("work_order").filter(work_order=order).first()
    if claim is None or claim.status not in (
        ClaimStatus.EXEMPT,
        ClaimStatus.PENDING_REVIEW,
    ):
        return claim
    found = facts.assess(order, compensation_policy())
    if found is None or found.exemption:
        return claim  # a rural order, or an exemption with evidence: it stands
    if claim.status == ClaimStatus.EXEMPT:
        fields = {"status": ClaimStatus.PENDING_REVIEW, "exemption_revoked_at": now}
        reason = (
            f"撤销免责({claim.get_exemption_display()})："
            "客户投诉，免责无佐证，以客户意见为准"
        )
    elif (found.days_late, found.amount) != (claim.days_late, claim.amount):
        fields, reason = {}, "客户投诉，无佐证的挂起不再免责"
    else:
        return claim
    fields.update(
        days_late=found.days_late,
        amount=found.amount,
        excused_seconds=int(found.excused.total_seconds()),
    )
    with transaction.atomic():
        _move(
            claim,
            (claim.status,),
            fields,
            by=by,
            now=now,
            reason=f"{reason}，超时{found.days_late}天，应补{found.amount}元",
        )
        vendor_month_liability_refresh(
            claim.vendor_id, claim.completed_at, by=by, now=now
        )
    return claim
