"""The facts a 慢必赔 claim is assessed on: suspensions, complaints, the rule.

Read-only helpers of ``services`` (kept apart to keep that module short).
"""

from __future__ import annotations

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
    approvals = list(
        Approval.objects.filter(
            order=order, kind=ApprovalKind.SUSPEND, status=ApprovalStatus.APPROVED
        )
        .order_by("decided_at", "pk")
        .values_list("decided_at", "reason", "evidence")
    )
    if not approvals:
        return []
    resumes = list(
        WorkOrderEvent.objects.filter(order=order, kind=EventKind.RESUME)
        .order_by("at", "pk")
        .values_list("at", flat=True)
    )
    pauses = []
    for start, reason, evidence in approvals:
        end = next((at for at in resumes if at >= start), order.completed_at)
        pauses.append(rules.Pause(start, end, reason, evidence))
    return pauses


def complained(order: WorkOrder) -> bool:
    """Whether the customer has complained about this order (at any time)."""
    return WorkOrderEvent.objects.filter(order=order, kind=EventKind.COMPLAINT).exists()


def assess(order: WorkOrder, policy: CompensationPolicy) -> rules.Assessment | None:
    return rules.assess(
        kind=rules.claim_kind(order.kind),
        deadline=order.commitment_deadline or order.deadline,
        completed_at=order.completed_at,
        policy=policy.amounts(),
        area_type=order.group.area.area_type,
        pauses=pauses(order),
        completion_cause=order.delay_cause,
        completion_evidence=order.completion_evidence,
        complained=complained(order),
    )
