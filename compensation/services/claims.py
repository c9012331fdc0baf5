"""Claims on completion: one order (报竣后主动补偿), many at once (a fault's
restoration), and a claim assessed again when a reopened order completes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from workorders.models import (
    DelayCause,
    EventKind,
    WorkOrder,
    WorkOrderEvent,
)
from workorders.services import actor_name, event_record, work_order_complete

from .. import facts, rules
from ..liability import vendor_month_liability_refresh
from ..models import Claim, ClaimStatus, LiableParty
from .common import _claim_event_data, _hours_text, _move, compensation_policy

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
