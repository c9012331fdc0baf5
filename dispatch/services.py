"""Rolling dispatch (滚动派单): manual and automatic assignment, re-dispatch,
technician positions and the rest rota."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.db import advisory_lock
from dispatch_center.errors import (
    AlreadyAssigned,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotACandidate,
)
from dispatch_center.roles import Role, roles_of
from notifications.models import Channel
from notifications.services import (
    Message,
    notifications_enqueue,
    render,
    with_customer_link,
)
from org.models import Area, RegionGroup, Technician
from org.selectors import user_district_id
from workorders import rules as wo_rules
from workorders.models import (
    DispatchFlag,
    EventKind,
    Status,
    WorkOrder,
    WorkOrderEvent,
    customer_url,
)
from workorders.selectors import service_policy
from workorders.services import (
    Change,
    actor_name,
    event_record,
    work_order_dispatch,
    work_order_transition,
    work_orders_transition,
)

from . import rules, selectors
from .models import RedispatchRequest, RotaEntry, RotaKind

log = logging.getLogger("dispatch")

KIND_LABEL = {"install": "新装", "move": "移机", "repair": "修障"}
DISPATCH_SMS = (
    "【中国电信】您的{kind}工单{number}已由装维工程师{name}（电话{phone}）负责，"
    "工程师将尽快与您联系。服务监督：{supervision}"
)


# --- candidates -------------------------------------------------------------------


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


def _dispatch_messages(orders: list[WorkOrder], *, now: datetime, by) -> None:
    """SMS to each customer: technician, phone, supervision channel; in the timeline."""
    policy = selectors.dispatch_policy()
    messages = []
    for order in orders:
        tech = order.technician
        body = render(
            "dispatch_sms",
            DISPATCH_SMS,
            kind=KIND_LABEL.get(order.kind, ""),
            number=order.number,
            name=tech.name,
            phone=tech.phone,
            supervision=policy.supervision_channel,
            link=customer_url(order) or "",
        )
        body = with_customer_link(body, customer_url(order))
        messages.append(
            Message(
                channel=Channel.SMS,
                recipient=order.customer.phone,
                topic="dispatch_sms",
                body=body,
                dedupe_key=f"dispatch-sms:{order.pk}:{tech.code}:{now.isoformat()}",
                subject_type="work_order",
                subject_id=order.pk,
            )
        )
    notifications_enqueue(messages, now=now)
    WorkOrderEvent.objects.bulk_create(
        [
            WorkOrderEvent(
                order=order,
                at=now,
                kind=EventKind.NOTIFY,
                actor=by,
                actor_name=actor_name(by),
                reason="派单短信",
                data={"channel": "sms", "recipient": m.recipient, "body": m.body},
            )
            for order, m in zip(orders, messages, strict=True)
        ]
    )


# --- manual dispatch ------------------------------------------------------------------


def order_dispatch(
    order: WorkOrder,
    *,
    technician: Technician,
    by,
    reason: str = "",
    override: bool = False,
    now: datetime | None = None,
) -> WorkOrder:
    """A dispatcher assigns or reassigns (改派) an order, with the reasons recorded.

    1. Only a pending order can be assigned and a dispatched, accepted or
       appointed one reassigned (``InvalidTransition``); not to the
       technician who has it (``AlreadyAssigned``).
    2. A reassignment, and any override, needs a ``reason`` (400).
    3. The technician must be in the order's candidate pool, exactly as the
       engine's (``rules.manual_refusals``): never another district, anyone
       not on duty today (rest, leave, off), the one who handed it back, no
       skill, at capacity. Another group of the district, or after working
       hours someone who did not opt in, only with ``override`` (调剂):
       otherwise ``NotACandidate`` naming why.
    4. Assign with compare-and-set on status and technician (a concurrent
       reassignment makes this one lose with ``InvalidTransition``); the
       timeline keeps the rank and score, the reason, and what was overridden.
       SMS to the customer in the same transaction.
    """
    now = now or timezone.now()
    reason = reason.strip()
    if order.status not in REASSIGNABLE and order.status != Status.PENDING:
        raise InvalidTransition(
            gettext("工单状态为%(status)s，不能派单。")
            % {"status": Status(order.status).label}
        )
    if order.technician_id == technician.pk:
        raise AlreadyAssigned(
            gettext("工单 %(number)s 已派给 %(name)s（%(code)s）。")
            % {"number": order.number, "name": technician.name, "code": technician.code}
        )
    reassign = order.status in REASSIGNABLE
    if reassign and not reason:
        raise InvalidInput("reason", gettext("改派请填写原因。"))
    if override and not reason:
        raise InvalidInput("reason", gettext("超出候选范围调剂派单请填写原因。"))
    refusals = _manual_refusals(order, technician, by=by, now=now)
    hard = [r for r in refusals if not r.overridable]
    if hard:
        raise NotACandidate(hard[0].detail, reason=hard[0].reason, overridable=False)
    if refusals and not override:
        raise NotACandidate(
            gettext("；").join(r.detail for r in refusals)
            + gettext("（如需调剂请选择超范围派单并填写原因）"),
            reason=refusals[0].reason,
            overridable=True,
        )
    found = order_candidates(order, now=now)
    position = next(
        (i for i, r in enumerate(found.ranked, 1) if r.tech.id == technician.pk), None
    )
    if position is not None:
        reasons = _reasons(
            found.ranked[position - 1], rank_position=position, by_engine=False
        )
    else:
        reasons = {
            "decided_by": "dispatcher",
            "rank": None,
            "not_ranked_because": gettext("；").join(r.detail for r in refusals),
        }
    if refusals:  # 调剂: borrowed from outside the pool, on purpose
        reasons["override"] = True
        reasons["outside_pool"] = [r.reason for r in refusals]
    with transaction.atomic():
        work_order_dispatch(
            order, technician=technician, by=by, now=now, reasons=reasons, note=reason
        )
        _dispatch_messages([order], now=now, by=by)
    return order


#: States a dispatcher reassigns from (改派); a reason is then required.
REASSIGNABLE = (Status.DISPATCHED, Status.ACCEPTED, Status.APPOINTED)


def _manual_refusals(
    order: WorkOrder, technician: Technician, *, by, now: datetime
) -> list[rules.Refusal]:
    """Why ``technician`` is outside ``order``'s candidate pool right now."""
    policy = selectors.dispatch_policy()
    hours = selectors.work_hours_table()
    tech = Technician.objects.select_related("group__area", "home_package_area").get(
        pk=technician.pk
    )
    facts = selectors.technician_facts([tech], now=now, policy=policy, hours=hours)
    order_area_id = RegionGroup.objects.values_list("area_id", flat=True).get(
        pk=order.group_id
    )
    district_id = tech.group.area.district_id
    scoped = user_district_id(by)
    in_pool = tech.group_id == order.group_id or (
        tech.role in selectors.AREA_STAFF_ROLES and tech.group.area_id == order_area_id
    )
    return rules.manual_refusals(
        facts[tech.pk],
        selectors.order_facts(order, hours, policy),
        working_hours=rules.in_working_hours(
            wo_rules.local(now), policy.workday_start, policy.workday_end
        ),
        in_pool=in_pool,
        same_district=district_id == order.district_id
        and (scoped is None or scoped == district_id),
        handed_back=tech.pk in selectors.excluded_technicians([order.pk])[order.pk],
    )


# --- re-dispatch -------------------------------------------------------------------------


def order_request_redispatch(
    order: WorkOrder, *, by, note: str, now: datetime | None = None
) -> WorkOrder:
    """提前升级/申请调度: the technician hands the order back with the reason.

    The order returns to the queue flagged for the dispatcher; the engine
    may reassign it, but never to the technician who handed it back.
    """
    now = now or timezone.now()
    if not note.strip():
        raise InvalidInput("note", gettext("请填写申请改派的原因。"))
    roles = roles_of(by)
    technician = order.technician
    if technician is None or order.status not in (
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.APPOINTED,
    ):
        raise InvalidTransition(
            gettext("工单状态为“%(status)s”，不能申请改派。")
            % {"status": wo_rules.status_label(order.status)}
        )
    if not roles & {Role.DISPATCHER, Role.SUPERVISOR}:
        mine = getattr(by, "technician", None)
        if mine is None or mine.pk != technician.pk:
            raise Forbidden(gettext("只能对派给自己的工单申请改派。"))
    with transaction.atomic():
        RedispatchRequest.objects.create(
            order=order, technician=technician, note=note[:500], at=now
        )
        work_order_transition(
            order,
            Status.PENDING,
            by=by,
            now=now,
            reason=note,
            fields={
                "technician": None,
                "dispatch_flag": DispatchFlag.REDISPATCH_REQUESTED,
                "dispatch_flag_reason": note[:255],
                "first_response_due": None,
            },
            event_kind=EventKind.REDISPATCH,
            data={"technician": technician.code},
        )
        _notify_dispatchers(
            order,
            topic="redispatch",
            now=now,
            body=f"工单{order.number}由{technician.name}申请改派：{note}",
        )
    return order


def _notify_dispatchers(
    order: WorkOrder, *, topic: str, body: str, now: datetime
) -> None:
    users = get_user_model().objects.filter(
        Q(staff_profile__isnull=True)
        | Q(staff_profile__district__isnull=True)
        | Q(staff_profile__district_id=order.district_id),
        groups__name=Role.DISPATCHER,
        is_active=True,
    )
    notifications_enqueue(
        [
            Message(
                channel=Channel.STAFF,
                recipient=u.username,
                recipient_user_id=u.pk,
                topic=topic,
                body=body,
                dedupe_key=f"{topic}:{order.pk}:{u.pk}:{now.isoformat()}",
                subject_type="work_order",
                subject_id=order.pk,
            )
            for u in users
        ],
        now=now,
    )


# --- the engine ---------------------------------------------------------------------------


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


# --- positions and rota -------------------------------------------------------------------


def technician_position_update(
    technician: Technician, *, lat: float, lng: float, now: datetime | None = None
) -> Technician:
    now = now or timezone.now()
    Technician.objects.filter(pk=technician.pk).update(
        last_lat=lat, last_lng=lng, last_position_at=now
    )
    technician.last_lat, technician.last_lng, technician.last_position_at = (
        lat,
        lng,
        now,
    )
    return technician


def rota_generate_week(
    group: RegionGroup, week_start: date, *, by, now: datetime | None = None
) -> list[str]:
    """(Re)generate a group's rest days for the week; leave and off days stay.

    Any group shape gets a rota: empty, larger than seven, someone on leave
    all week (no rest day for them). Rest avoids days on which a technician
    holds open orders where the spread allows. Returns the violations left
    (no rest day, a crowded day, a rest day with open orders), for the desk.
    """
    now = now or timezone.now()
    if week_start.weekday() != 0:
        raise InvalidInput("week_start", gettext("请选择周一作为一周的开始。"))
    technicians = list(group.technicians.order_by("code"))
    days = rules.week_days(week_start)
    with transaction.atomic():
        RotaEntry.objects.filter(
            technician__in=technicians,
            date__range=(days[0], days[-1]),
            kind=RotaKind.REST,
        ).delete()
        unavailable: dict[str, set[date]] = defaultdict(set)
        for code, day in RotaEntry.objects.filter(
            technician__in=technicians, date__range=(days[0], days[-1])
        ).values_list("technician__code", "date"):
            unavailable[code].add(day)
        plan = rules.rota_generate(
            [t.code for t in technicians],
            week_start,
            unavailable,
            offset=week_start.isocalendar().week,
            busy=selectors.busy_days(
                technicians, week_start, today=selectors.local_today(now)
            ),
        )
        by_code = {t.code: t for t in technicians}
        RotaEntry.objects.bulk_create(
            [
                RotaEntry(
                    technician=by_code[code],
                    date=day,
                    kind=RotaKind.REST,
                    note="系统排班",
                    created_by=by,
                )
                for code, day in plan.items()
            ]
        )
    return rota_violations(group, week_start, now=now)


def rota_violations(
    group: RegionGroup, week_start: date, *, now: datetime | None = None
) -> list[str]:
    technicians = list(group.technicians.order_by("code"))
    entries = selectors.rota_week(technicians, week_start)
    busy = selectors.busy_days(
        technicians, week_start, today=selectors.local_today(now or timezone.now())
    )
    return rules.rota_violations(
        [t.code for t in technicians], week_start, entries, busy
    )


def rota_set(
    technician: Technician, day: date, *, kind: str | None, note: str = "", by
) -> RotaEntry | None:
    """Set (or with ``kind=None`` clear) one technician's day."""
    with transaction.atomic():
        if kind is None:
            RotaEntry.objects.filter(technician=technician, date=day).delete()
            return None
        if kind not in RotaKind.values:
            raise InvalidInput(
                "kind",
                gettext("轮休类型须为以下之一：%(kinds)s。")
                % {
                    "kinds": gettext("、").join(str(label) for label in RotaKind.labels)
                },
            )
        entry, _ = RotaEntry.objects.update_or_create(
            technician=technician,
            date=day,
            defaults={"kind": kind, "note": note, "created_by": by},
        )
        return entry
