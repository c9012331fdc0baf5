"""The rolling-dispatch engine (滚动派单): one pass over the pending orders."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from dispatch_center.db import advisory_lock
from org.models import Area, RegionGroup, Technician
from workorders import rules as wo_rules
from workorders.models import DispatchFlag, EventKind, Status, WorkOrder
from workorders.selectors import service_policy
from workorders.services import Change, event_record, work_orders_transition

from .. import rules, selectors
from .candidates import _reasons
from .messages import _dispatch_messages

log = logging.getLogger("dispatch")


@dataclass
class RunResult:
    skipped: bool = False
    assigned: list[tuple[str, str]] = field(
        default_factory=list
    )  # (order number, technician)
    no_candidate: list[tuple[str, str]] = field(
        default_factory=list
    )  # (order number, why)
    lost_races: int = 0

    def as_dict(self) -> dict:
        return {
            "skipped": self.skipped,
            "assigned": [{"order": o, "technician": t} for o, t in self.assigned],
            "no_candidate": [{"order": o, "reason": r} for o, r in self.no_candidate],
            "lost_races": self.lost_races,
        }


def auto_dispatch_run(
    *, now: datetime | None = None, by=None, district_id: int | None = None
) -> RunResult:
    """One pass of rolling dispatch over all pending orders (滚动派单), or
    over one district's areas only (``district_id``: a district-scoped
    dispatcher's "run now").

    1. Only one pass at a time (advisory lock); an overlapping pass returns
       at once with ``skipped``.
    2. Areas are taken most urgent first. An order can only go to its own
       group or its area's support and emergency staff, so areas are
       independent. Per area, in one transaction: lock the area's
       technicians (id order), claim its pending orders with ``SKIP LOCKED``
       (an order a dispatcher is assigning right now is left to them), and
       assign in queue order — VIP and same-day first, then deadline, then
       entry time — each to the best-ranked eligible technician, updating
       capacity and workload as it goes.
    3. An order left only because everyone able to take it is full gets room
       when orders placed earlier in the pass can move to their next choice
       (``rules.make_room``), so the pass assigns every order that can be
       assigned, not just those the queue order reaches first.
    4. Orders nobody can take are flagged 无人可派 with the reasons, once.
    """
    now = now or timezone.now()
    result = RunResult()
    with advisory_lock("dispatch.auto_dispatch") as acquired:
        if not acquired:
            result.skipped = True
            return result
        policy = selectors.dispatch_policy()
        ctx = _Pass(
            now=now,
            by=by,
            policy=policy,
            hours=selectors.work_hours_table(),
            weights=selectors.weights_of(policy),
            working=rules.in_working_hours(
                wo_rules.local(now), policy.workday_start, policy.workday_end
            ),
            first_response_minutes=service_policy().first_response_minutes,
            result=result,
        )
        pending = WorkOrder.objects.filter(
            status=Status.PENDING,
            group__area__auto_dispatch_enabled=True,
            fault_hold=False,
        )
        if district_id is not None:
            pending = pending.filter(group__area__district_id=district_id)
        urgent_first = (
            pending.values("group__area_id")
            .annotate(rank=Min("queue_rank"), due=Min("deadline"))
            .order_by("rank", "due", "group__area_id")
        )
        for row in urgent_first:
            _dispatch_area(row["group__area_id"], ctx)
    log.info(
        "auto-dispatch: %s assigned, %s without candidate, %s lost races",
        len(result.assigned),
        len(result.no_candidate),
        result.lost_races,
    )
    return result


@dataclass
class _Pass:
    """What every area of one pass shares."""

    now: datetime
    by: object
    policy: object
    hours: dict
    weights: rules.Weights
    working: bool
    first_response_minutes: int
    result: RunResult


def _area_technicians_locked(area_id: int) -> dict[int, Technician]:
    """The area's technicians, locked in id order until the transaction ends.

    Concurrent dispatchers (who lock the one technician they assign to) and
    engine runs queue up on the same rows in the same order, so nobody
    deadlocks and no capacity count read after the lock can be overtaken.
    """
    return {
        t.pk: t
        for t in Technician.objects.filter(group__area_id=area_id)
        .select_related("home_package_area")
        .select_for_update(of=("self",))
        .order_by("id")
    }


def _dispatch_area(area_id: int, ctx: _Pass) -> None:
    with transaction.atomic():
        technicians = _area_technicians_locked(area_id)
        orders = list(
            WorkOrder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                group_id__in=RegionGroup.objects.filter(area_id=area_id).values("id"),
                status=Status.PENDING,
                # held by a network fault (SPEC §13): never auto-dispatched
                fault_hold=False,
            )
            .select_related("package_area", "customer")
            .order_by("queue_rank", "deadline", "accepted_at", "id")
        )
        if not orders:
            return
        plan = _AreaPlan(
            ctx,
            selectors.technician_facts(
                list(technicians.values()),
                now=ctx.now,
                policy=ctx.policy,
                hours=ctx.hours,
            ),
            orders,
            selectors.excluded_technicians([o.pk for o in orders]),
        )
        plan.assign_in_queue_order()
        plan.make_room()
        changes = [
            _assignment(order, technicians[plan.placed[order.pk].id], plan, ctx)
            for order in orders
            if order.pk in plan.placed
        ]
        won = work_orders_transition(changes, by=ctx.by, now=ctx.now)
        ctx.result.lost_races += len(changes) - len(won)
        if won:
            _dispatch_messages([c.order for c in won], now=ctx.now, by=ctx.by)
        ctx.result.assigned.extend(
            (c.order.number, c.order.technician.code) for c in won
        )
        _flag_no_candidate(
            [
                (order, rules.no_candidate_reason(plan.refused[order.pk]))
                for order in orders
                if order.pk not in plan.placed
            ],
            now=ctx.now,
            by=ctx.by,
            result=ctx.result,
        )


class _AreaPlan:
    """One area's assignment, worked out in memory before anything is written."""

    def __init__(self, ctx: _Pass, techs: dict[int, rules.Tech], orders, excluded):
        self.ctx = ctx
        own: dict[int, list[rules.Tech]] = defaultdict(list)
        staff: list[rules.Tech] = []
        for t in techs.values():
            (staff if t.role in selectors.AREA_STAFF_ROLES else own[t.group_id]).append(
                t
            )
        self.orders = orders
        #: per order: its group's technicians and the area's staff, less those
        #: who handed this order back (提前升级)
        self.pool = {
            o.pk: [t for t in (*own[o.group_id], *staff) if t.id not in excluded[o.pk]]
            for o in orders
        }
        self.facts = {
            o.pk: selectors.order_facts(o, ctx.hours, ctx.policy) for o in orders
        }
        self.placed: dict[int, rules.Tech] = {}
        self.ranked: dict[int, list[rules.Ranked]] = {}  # at the greedy choice
        self.refused: dict[int, dict[str, str]] = {}  # orders nobody took, why
        self.moved: set[int] = set()  # placed or re-placed to make room
        self._able: dict[int, list[rules.Ranked]] = {}
        self._able_techs: dict[int, list[rules.Tech]] = {}

    def _rank(self, order_id: int, *, ignore_capacity: bool = False):
        return rules.rank(
            self.pool[order_id],
            self.facts[order_id],
            self.ctx.weights,
            working_hours=self.ctx.working,
            ignore_capacity=ignore_capacity,
        )

    def _take(self, order_id: int, tech: rules.Tech) -> None:
        self.placed[order_id] = tech
        tech.open_orders += 1
        tech.workload_hours += self.facts[order_id].work_hours

    def _release(self, order_id: int) -> None:
        tech = self.placed.pop(order_id)
        tech.open_orders -= 1
        tech.workload_hours -= self.facts[order_id].work_hours

    def assign_in_queue_order(self) -> None:
        for order in self.orders:
            ranked, refused = self._rank(order.pk)
            if ranked:
                self.ranked[order.pk] = ranked
                self._take(order.pk, ranked[0].tech)
            else:
                self.refused[order.pk] = refused

    def able(self, order_id: int) -> list[rules.Tech]:
        """Who could take the order if they had room, best first."""
        techs = self._able_techs.get(order_id)
        if techs is None:
            ranked, _ = self._rank(order_id, ignore_capacity=True)
            self._able[order_id] = ranked
            techs = self._able_techs[order_id] = [r.tech for r in ranked]
        return techs

    def make_room(self) -> None:
        dead: set[int] = set()
        for order_id in list(self.refused):  # queue order
            if not self.able(order_id):
                continue  # nobody skilled and on duty: no room to make
            moves = rules.make_room(order_id, self.able, self.placed, dead=dead)
            if moves is None:
                continue
            for moved_id, tech in moves:
                if moved_id in self.placed:
                    self._release(moved_id)
                self._take(moved_id, tech)
                self.moved.add(moved_id)
            del self.refused[order_id]
            dead.clear()  # paths changed: what was hopeless may not be now

    def decision(self, order_id: int) -> tuple[dict, list[rules.Ranked]]:
        """The reasons (派单理由) of an order's technician, and the next two."""
        tech = self.placed[order_id]
        if order_id not in self.moved:
            ranked = self.ranked[order_id]
            return _reasons(ranked[0], rank_position=1, by_engine=True), ranked[1:3]
        self.able(order_id)
        ranked = self._able[order_id]
        position = next(i for i, r in enumerate(ranked, 1) if r.tech is tech)
        reasons = _reasons(ranked[position - 1], rank_position=position, by_engine=True)
        reasons["made_room"] = True  # the better-placed were full: 调剂
        return reasons, [r for r in ranked if r.tech is not tech][:2]


def _assignment(order: WorkOrder, technician: Technician, plan: _AreaPlan, ctx: _Pass):
    reasons, runner_up = plan.decision(order.pk)
    return Change(
        order,
        Status.DISPATCHED,
        reason="自动派单",
        fields={
            "technician": technician,
            "dispatched_at": ctx.now,
            "first_response_due": ctx.now
            + timedelta(minutes=ctx.first_response_minutes),
            "first_contact_at": None,
            "dispatch_flag": "",
            "dispatch_flag_reason": "",
        },
        event_kind=EventKind.DISPATCH,
        data={
            "technician": technician.code,
            "technician_name": technician.name,
            "previous_technician": None,
            "reasons": reasons,
            "runner_up": [
                {"technician": r.tech.code, "score": str(r.score)} for r in runner_up
            ],
        },
    )


def _flag_no_candidate(stuck, *, now, by, result) -> None:
    """Flag 无人可派 once per reason: the timeline gets a line only on change."""
    for order, why in stuck:
        result.no_candidate.append((order.number, why))
        changed = (
            WorkOrder.objects.filter(pk=order.pk, status=Status.PENDING)
            .exclude(
                dispatch_flag=DispatchFlag.NO_CANDIDATE, dispatch_flag_reason=why[:255]
            )
            .update(
                dispatch_flag=DispatchFlag.NO_CANDIDATE,
                dispatch_flag_reason=why[:255],
                updated_at=now,
            )
        )
        if changed:
            event_record(order, kind=EventKind.NO_CANDIDATE, by=by, now=now, reason=why)


def area_auto_dispatch_set(area: Area, *, enabled: bool, by) -> Area:
    """Switch the engine on or off for one area (recorded in the area's history)."""
    if area.auto_dispatch_enabled != enabled:
        area.auto_dispatch_enabled = enabled
        area._history_user = by
        area.save(update_fields=["auto_dispatch_enabled"])
    return area
