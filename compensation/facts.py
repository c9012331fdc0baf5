"""The facts a 慢必赔 claim is assessed on: suspensions, complaints, the rule.

Read-only helpers of ``services`` (kept apart to keep that module short).
"""

from __future__ import annotations

from collections import defaultdict

from sla.models import Approval, ApprovalKind, ApprovalStatus
from workorders.models import EventKind, WorkOrder, WorkOrderEvent

from . import rules
from .models import CompensationPolicy


def pauses(order: WorkOrder) -> list[rules.Pause]:
    """The order's approved suspensions, each with its reason and evidence.

    A suspension starts when its request is approved (``decided_at``) and
    ends at the next resume in the timeline (an order cannot complete while
    suspended, so every suspension of a completed order has ended).
    """
    return pauses_many([order])[order.pk]


def pauses_many(orders: list[WorkOrder]) -> dict[int, list[rules.Pause]]:
    """``pauses`` of many orders in two statements a chunk, by order id."""
    approvals: dict[int, list] = defaultdict(list)
    resumes: dict[int, list] = defaultdict(list)
    for ids in _chunks([o.pk for o in orders]):
        for order_id, *row in (
            Approval.objects.filter(
                order_id__in=ids,
                kind=ApprovalKind.SUSPEND,
                status=ApprovalStatus.APPROVED,
            )
            .order_by("order_id", "decided_at", "pk")
            .values_list("order_id", "decided_at", "reason", "evidence")
        ):
            approvals[order_id].append(row)
        suspended = [pk for pk in ids if pk in approvals]
        if suspended:
            for order_id, at in (
                WorkOrderEvent.objects.filter(
                    order_id__in=suspended, kind=EventKind.RESUME
                )
                .order_by("order_id", "at", "pk")
                .values_list("order_id", "at")
            ):
                resumes[order_id].append(at)
    return {
        order.pk: [
            rules.Pause(
                start,
                next(
                    (at for at in resumes[order.pk] if at >= start), order.completed_at
                ),
                reason,
                evidence,
            )
            for start, reason, evidence in approvals.get(order.pk, [])
        ]
        for order in orders
    }


def complained(order: WorkOrder) -> bool:
    """Whether the customer has complained about this order (at any time)."""
    return order.pk in complained_many([order])


def complained_many(orders: list[WorkOrder]) -> set[int]:
    """The ids of those orders whose customer has complained about them."""
    found: set[int] = set()
    for ids in _chunks([o.pk for o in orders]):
        found.update(
            WorkOrderEvent.objects.filter(order_id__in=ids, kind=EventKind.COMPLAINT)
            .values_list("order_id", flat=True)
            .distinct()
        )
    return found


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def assess(
    order: WorkOrder,
    policy: CompensationPolicy,
    *,
    order_pauses: list[rules.Pause] | None = None,
    order_complained: bool | None = None,
) -> rules.Assessment | None:
    """The rule on the order's facts; a caller assessing many orders passes the
    facts it read in bulk (``pauses_many``, ``complained_many``)."""
    if order_pauses is None:
        order_pauses = pauses(order)
    if order_complained is None:
        order_complained = complained(order)
    return rules.assess(
        kind=rules.claim_kind(order.kind),
        deadline=order.commitment_deadline or order.deadline,
        completed_at=order.completed_at,
        policy=policy.amounts(),
        area_type=order.group.area.area_type,
        pauses=order_pauses,
        completion_cause=order.delay_cause,
        completion_evidence=order.completion_evidence,
        complained=order_complained,
    )
