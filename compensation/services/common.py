"""What the 慢必赔 services share: the policy, the payment failure, the
compare-and-set status move of a claim and its texts."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils.translation import gettext

from dispatch_center.errors import (
    DomainError,
    InvalidTransition,
)
from dispatch_center.history import history_record
from workorders.models import (
    EventKind,
)
from workorders.services import event_record

from ..models import Claim, ClaimStatus, CompensationPolicy

log = logging.getLogger("compensation")

PAID_SMS = (
    "【中国电信】很抱歉您的{kind}工单{number}未能按承诺时限完成，"
    "按“慢必赔”承诺已为您的账户充值{amount}元，请查收。"
)
OPEN = (ClaimStatus.PENDING_REVIEW, ClaimStatus.APPROVED)


class PaymentFailed(DomainError):
    """The recharge gateway did not confirm; the claim stays approved (retry is safe)."""

    code = "payment_failed"
    status_code = 503


def compensation_policy() -> CompensationPolicy:
    return CompensationPolicy.objects.order_by("pk").first() or CompensationPolicy()


def _hours_text(excused: timedelta) -> str:
    hours = excused.total_seconds() / 3600
    return f"{hours:.1f}".rstrip("0").rstrip(".")


def _claim_event_data(claim: Claim) -> dict:
    return {
        "claim": claim.pk,
        "amount": str(claim.amount),
        "days_late": claim.days_late,
        "exemption": claim.exemption or None,
        "excused_seconds": claim.excused_seconds,
    }


def _claim_status(status: str | None) -> str:
    return str(ClaimStatus(status).label) if status in ClaimStatus.values else "—"


def _move(
    claim: Claim, src: tuple[str, ...], fields: dict, *, by, now, reason: str
) -> Claim:
    """Compare-and-set on the claim status; the loser of a race gets a 409."""
    changed = Claim.objects.filter(pk=claim.pk, status__in=src).update(**fields)
    if not changed:
        current = (
            Claim.objects.filter(pk=claim.pk).values_list("status", flat=True).first()
        )
        raise InvalidTransition(
            gettext("补偿单 #%(id)s 的状态已是“%(status)s”，请刷新后重试。")
            % {"id": claim.pk, "status": _claim_status(current)}
        )
    for attr, value in fields.items():
        setattr(claim, attr, value)
    history_record(claim, by=by, at=now, reason=reason)
    event_record(
        claim.work_order,
        kind=EventKind.COMPENSATION,
        by=by,
        now=now,
        reason=reason,
        data={"claim": claim.pk, "status": claim.status},
    )
    return claim
