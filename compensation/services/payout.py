"""Idempotent payout (one claim or in bulk) and the 7-day pay-limit scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from dispatch_center.errors import (
    DomainError,
    InvalidTransition,
)
from notifications.models import Channel
from notifications.services import (
    Message,
    notifications_enqueue,
    render,
    with_customer_link,
)
from workorders.models import (
    EventKind,
    customer_url,
)
from workorders.services import event_record

from .. import rules
from ..models import Claim, ClaimStatus
from .common import (
    OPEN,
    PAID_SMS,
    PaymentFailed,
    _claim_status,
    _move,
    compensation_policy,
    log,
)

# --- payout ------------------------------------------------------------------------------


def recharge_gateway():
    return import_string(settings.RECHARGE_GATEWAY)()


def claim_pay(claim_id: int, *, by, now: datetime | None = None) -> Claim:
    """后台充值, exactly once.

    1. Lock the claim row: concurrent ``pay`` calls queue here; whoever comes
       second finds it paid and returns it unchanged (idempotent).
    2. Call the gateway with the claim's own idempotency key: a retry after a
       timeout (the recharge may have happened) can never charge twice.
    3. Mark paid and queue the customer's SMS in the same transaction; if the
       gateway fails the claim stays approved and the call can be retried.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("work_order")
            .get(pk=claim_id)
        )
        if claim.status == ClaimStatus.PAID:
            return claim
        if claim.status != ClaimStatus.APPROVED:
            raise InvalidTransition(
                gettext("补偿单 #%(id)s 的状态为“%(status)s”，须先审核通过才能充值。")
                % {"id": claim.pk, "status": _claim_status(claim.status)}
            )
        try:
            reference = recharge_gateway().recharge(
                key=claim.payment_key,
                phone=claim.phone,
                account=claim.account,
                amount=claim.amount,
                claim_id=claim.pk,
            )
        except Exception as exc:  # noqa: BLE001 - any gateway failure leaves it approved
            log.warning("recharge for claim %s failed: %s", claim.pk, exc)
            raise PaymentFailed(gettext("充值未确认，可稍后重试。")) from exc
        _move(
            claim,
            (ClaimStatus.APPROVED,),
            {
                "status": ClaimStatus.PAID,
                "paid_at": now,
                "paid_by": by,
                "payment_ref": str(reference)[:100],
            },
            by=by,
            now=now,
            reason=f"后台充值{claim.amount}元",
        )
        order = claim.work_order
        notifications_enqueue(
            [
                Message(
                    channel=Channel.SMS,
                    recipient=claim.phone,
                    topic="compensation_sms",
                    body=with_customer_link(
                        render(
                            "compensation_sms",
                            PAID_SMS,
                            kind="当日装"
                            if claim.kind == rules.SAME_DAY_INSTALL
                            else "当日修",
                            number=order.number,
                            amount=claim.amount,
                            link=customer_url(order) or "",
                        ),
                        customer_url(order),
                    ),
                    dedupe_key=f"claim-paid:{claim.pk}",
                    subject_type="work_order",
                    subject_id=order.pk,
                )
            ],
            now=now,
        )
    return claim


@dataclass
class BulkPayment:
    paid: list[Claim]
    already: list[Claim]
    failed: dict[int, str]


def claims_pay(claim_ids: list[int], *, by, now: datetime | None = None) -> BulkPayment:
    """后台充值 of a batch of approved claims, each through ``claim_pay``.

    Each claim is paid in its own transaction (a recharge is an outside
    call: one failing claim must not undo the others), and ``claim_pay``'s
    row lock and idempotency key keep it to once per claim even when the
    batch is submitted twice or overlaps another one. A claim paid before
    (by this batch's twin, or earlier) is listed in ``already``; one not
    approved, or whose recharge failed, in ``failed`` with the reason.
    """
    now = now or timezone.now()
    result = BulkPayment(paid=[], already=[], failed={})
    ids = sorted(set(claim_ids))
    # Only for the report: a twin paying between this read and the row lock
    # is reported as ours; the payment itself still happens once.
    paid_before = set(
        Claim.objects.filter(pk__in=ids, status=ClaimStatus.PAID).values_list(
            "pk", flat=True
        )
    )
    for claim_id in ids:
        try:
            claim = claim_pay(claim_id, by=by, now=now)
        except DomainError as exc:
            result.failed[claim_id] = exc.detail
            continue
        (result.already if claim_id in paid_before else result.paid).append(claim)
    return result


# --- the pay-limit scan -------------------------------------------------------------------


def claims_pay_limit_scan(*, now: datetime, batch: int = 500) -> dict[str, int]:
    """Warn finance about unpaid claims near (level 1) or past (level 2) ``pay_by``.

    Only unpaid claims due for a warning are read (partial index on
    ``pay_by``); each level is set by compare-and-set and its notice has a
    unique key, so running twice or on two workers warns once.
    """
    policy = compensation_policy()
    counts = {"nearing": 0, "overdue": 0}
    soon = now + timedelta(days=policy.warn_days_before)
    for level, limit, label in ((2, now, "overdue"), (1, soon, "nearing")):
        due = list(
            Claim.objects.filter(
                status__in=OPEN, pay_by__lte=limit, pay_warning_level__lt=level
            )
            .select_related("work_order")
            .order_by("pay_by")[:batch]
        )
        for claim in due:
            if not Claim.objects.filter(
                pk=claim.pk, pay_warning_level__lt=level
            ).update(pay_warning_level=level):
                continue
            counts[label] += 1
            text = "已超过" if level == 2 else "即将到达"
            _notify_finance(
                claim,
                now=now,
                level=level,
                body=f"慢必赔补偿{claim.amount}元(工单{claim.work_order.number}){text}7天补偿时限"
                f"({timezone.localtime(claim.pay_by):%m-%d %H:%M})，请尽快审核充值",
            )
    return counts


def _notify_finance(claim: Claim, *, now: datetime, level: int, body: str) -> None:
    users = get_user_model().objects.filter(groups__name="finance", is_active=True)
    notifications_enqueue(
        [
            Message(
                channel=Channel.STAFF,
                recipient=u.username,
                recipient_user_id=u.pk,
                topic="compensation_pay_limit",
                body=body,
                dedupe_key=f"claim-limit:{claim.pk}:{level}:{u.pk}",
                subject_type="work_order",
                subject_id=claim.work_order_id,
            )
            for u in users
        ],
        now=now,
    )
    event_record(
        claim.work_order, kind=EventKind.COMPENSATION, by=None, now=now, reason=body
    )
