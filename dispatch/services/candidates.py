"""Candidates for one order, ranked with their reasons (派单理由)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from org.models import RegionGroup, Technician
from workorders import rules as wo_rules
from workorders.models import WorkOrder

from .. import rules, selectors


@dataclass
class Candidates:
    ranked: list[rules.Ranked]
    refused: dict[str, str]


def _pool(group: RegionGroup) -> list[Technician]:
    return list(
        Technician.objects.filter(
            selectors.candidate_pool_filter([group.pk], [group.area_id])
        ).select_related("home_package_area")
    )


def order_candidates(order: WorkOrder, *, now: datetime | None = None) -> Candidates:
    """Ranked technicians for ``order`` with their reasons (派单理由)."""
    now = now or timezone.now()
    policy = selectors.dispatch_policy()
    hours = selectors.work_hours_table()
    group = RegionGroup.objects.get(pk=order.group_id)
    facts = selectors.technician_facts(
        _pool(group), now=now, policy=policy, hours=hours
    )
    excluded = selectors.excluded_technicians([order.pk])[order.pk]
    pool = [
        t
        for t in facts.values()
        if t.id not in excluded and t.id != order.technician_id
    ]
    working = rules.in_working_hours(
        wo_rules.local(now), policy.workday_start, policy.workday_end
    )
    ranked, refused = rules.rank(
        pool,
        selectors.order_facts(order, hours, policy),
        selectors.weights_of(policy),
        working_hours=working,
    )
    for t in facts.values():
        if t.id in excluded:
            refused[t.code] = "已申请改派此单"
    return Candidates(ranked, refused)


def _reasons(
    ranked: rules.Ranked, *, rank_position: int | None, by_engine: bool
) -> dict:
    return {
        **ranked.reasons,
        "score": str(ranked.score),
        "rank": rank_position,
        "decided_by": "engine" if by_engine else "dispatcher",
    }
