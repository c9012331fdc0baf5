"""慢必赔: claims on completion, audit, idempotent payout, exemptions, warnings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from dispatch_center.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
)
from dispatch_center.history import history_record
from notifications.models import Channel
from notifications.services import (
    Message,
    notifications_enqueue,
    render,
    with_customer_link,
)
from workorders.models import (
    DelayCause,
    EventKind,
    WorkOrder,
    WorkOrderEvent,
    customer_url,
)
from workorders.services import actor_name, event_record, work_order_complete

from . import facts, rules
from .liability import vendor_month_liability_refresh
from .models import Claim, ClaimStatus, CompensationPolicy, LiableParty

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


# --- creation on completion ---------------------------------------------------------


def order_complete(
    order: WorkOrder,
    *,
    resolution: str,
    by,
    delay_cause: str = "",
    evidence: str = "",
    note: str = "",
    now: datetime | None = None,
) -> WorkOrder:
    """Report completion and, in the same transaction, open its claim if late.

    Composes ``work_order_complete``, ``claim_create_for`` and, for a
    same-day order of an outsourced technician, the vendor's month
    (``vendor_month_liability_refresh``): every such completion moves the
    vendor's late share.
    """
    now = now or timezone.now()
    with transaction.atomic():
        work_order_complete(
            order,
            resolution=resolution,
            delay_cause=delay_cause,
            evidence=evidence,
            note=note,
            by=by,
            now=now,
        )
        claim_create_for(order, by=by, now=now)
        if order.is_same_day and order.technician_id:
            vendor_month_liability_refresh(
                order.technician.vendor_id, order.completed_at, by=by, now=now
            )
    return order


def _hours_text(excused: timedelta) -> str:
    hours = excused.total_seconds() / 3600
    return f"{hours:.1f}".rstrip("0").rstrip(".")


def claim_create_for(order: WorkOrder, *, by=None, now: datetime) -> Claim | None:
    """报竣后主动补偿: the claim of a same-day order completed late.

    1. Not a same-day order, or completed in time: nothing.
    2. ``rules.assess`` from the commitment deadline (entry time based:
       suspensions and reschedules do not move it), the completion, the
       approved suspensions and whether the customer has complained: the
       exempt suspended time comes out of the lateness; what remains is due
       unless the completion's own cause is exempt.
    3. Exempt → an ``exempt`` claim with its evidence, kept for audit and
       revocation; else ``pending_review`` for the remaining days.
    4. Liable party: acceptance mistakes → the accepting staff; otherwise the
       branch, until the vendor's month shows it bears a part
       (``vendor_month_liability_refresh``).
    One claim per order (a unique constraint); a second call returns it,
    reassessed when the order has completed again since (a repair reopened
    after its network fault's restoration, ``_claim_reassess``).
    """
    if not order.is_same_day or order.completed_at is None:
        return None
    existing = Claim.objects.filter(work_order=order).first()
    if existing:
        return _claim_reassess(existing, order, by=by, now=now)
    built = _claim_build(order, compensation_policy(), now)
    if built is None:
        return None
    claim, reason = built
    claim.save(force_insert=True)
    event_record(
        order,
        kind=EventKind.COMPENSATION,
        by=by,
        now=now,
        reason=reason,
        data=_claim_event_data(claim),
    )
    return claim


def claims_create_bulk(
    orders: list[WorkOrder], *, by=None, now: datetime
) -> list[Claim]:
    """``claim_create_for`` for many orders just completed (a fault's restoration).

    The same rule (``facts.assess``) per order, with the policy and the
    existing claims read once, and the claims and their timeline lines
    inserted in bulk. Orders need ``group__area``, ``customer`` and
    ``technician`` loaded.
    """
    late = [o for o in orders if o.is_same_day and o.completed_at is not None]
    if not late:
        return []
    policy = compensation_policy()
    existing = set(
        Claim.objects.filter(work_order_id__in=[o.pk for o in late]).values_list(
            "work_order_id", flat=True
        )
    )
    fresh = [o for o in late if o.pk not in existing]
    # the facts of every order in a few statements, not two per order
    order_pauses = facts.pauses_many(fresh)
    complained = facts.complained_many(fresh)
    built = [
        one
        for order in fresh
        if (
            one := _claim_build(
                order,
                policy,
                now,
                order_pauses=order_pauses[order.pk],
                order_complained=order.pk in complained,
            )
        )
        is not None
    ]
    claims = Claim.objects.bulk_create([c for c, _r in built], batch_size=1000)
    WorkOrderEvent.objects.bulk_create(
        [
            WorkOrderEvent(
                order=claim.work_order,
                at=now,
                kind=EventKind.COMPENSATION,
                actor=by,
                actor_name=actor_name(by),
                reason=reason,
                data=_claim_event_data(claim),
            )
            for claim, (_c, reason) in zip(claims, built, strict=True)
        ],
        batch_size=1000,
    )
    return claims


def _claim_reassess(claim: Claim, order: WorkOrder, *, by, now: datetime) -> Claim:
    """The claim of an order completed again after a reopen (SPEC §13: a repair
    closed by its fault's restoration whose problem remained).

    Still undecided (awaiting review, or exempt) → assessed again on the new
    completion: more days late, a larger amount, the new completion's cause.
    Audited, paid or rejected → it stands (finance has acted on it).
    """
    undecided = (ClaimStatus.PENDING_REVIEW, ClaimStatus.EXEMPT)
    if claim.completed_at == order.completed_at or claim.status not in undecided:
        return claim
    built = _claim_build(order, compensation_policy(), now)
    if built is None:
        return claim
    fresh, reason = built
    fields = {
        name: getattr(fresh, name)
        for name in (
            "status",
            "completed_at",
            "days_late",
            "amount",
            "exemption",
            "evidence",
            "excused_seconds",
            "delay_cause",
            "liable_party",
            "vendor_id",
            "technician_id",
            "pay_by",
        )
    }
    with transaction.atomic():
        return _move(
            claim, undecided, fields, by=by, now=now, reason=f"重开后再次竣工，{reason}"
        )


def _claim_event_data(claim: Claim) -> dict:
    return {
        "claim": claim.pk,
        "amount": str(claim.amount),
        "days_late": claim.days_late,
        "exemption": claim.exemption or None,
        "excused_seconds": claim.excused_seconds,
    }


def _claim_build(
    order: WorkOrder, policy, now, **known_facts
) -> tuple[Claim, str] | None:
    """The unsaved claim of a late same-day order and its timeline text, or None.

    ``known_facts``: ``order_pauses`` / ``order_complained`` read in bulk.
    """
    found = facts.assess(order, policy, **known_facts)
    if found is None:
        return None
    technician = order.technician
    liable = (
        LiableParty.ACCEPTANCE_STAFF
        if order.delay_cause == DelayCause.ACCEPTANCE_ERROR
        else LiableParty.BRANCH
    )
    claim = Claim(
        work_order=order,
        kind=rules.claim_kind(order.kind),
        status=ClaimStatus.EXEMPT if found.exemption else ClaimStatus.PENDING_REVIEW,
        deadline=order.commitment_deadline or order.deadline,
        completed_at=order.completed_at,
        days_late=found.days_late,
        amount=found.amount,
        exemption=found.exemption,
        evidence=found.evidence,
        excused_seconds=int(found.excused.total_seconds()),
        delay_cause=order.delay_cause,
        liable_party=liable,
        vendor_id=technician.vendor_id if technician else None,
        technician=technician,
        accepted_by_id=order.created_by_id,
        district_id=order.district_id,
        phone=order.customer.phone,
        account=order.customer.account,
        pay_by=order.completed_at + timedelta(days=policy.pay_within_days),
        created_at=now,
    )
    days, amount = found.days_late, found.amount
    if found.exemption:
        reason = (
            f"慢必赔免责({claim.get_exemption_display()})：超时{days}天，应补{amount}元"
        )
    elif found.excused:
        reason = (
            f"慢必赔：扣除免责挂起{_hours_text(found.excused)}小时后"
            f"超时{days}天，补偿{amount}元，待审核"
        )
    else:
        reason = f"慢必赔：超时{days}天，补偿{amount}元，待审核"
    return claim, reason


# --- audit -----------------------------------------------------------------------------


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
