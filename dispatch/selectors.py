"""Read side of rolling dispatch: policy, work hours, technicians as ranking facts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q

from org.models import Technician, TechnicianRole, TechnicianStatus
from workorders import rules as wo_rules
from workorders.models import Status, WorkOrder

from . import rules
from .models import (
    DispatchPolicy,
    RedispatchRequest,
    RotaEntry,
    RotaKind,
    WorkHourStandard,
)

#: Orders that occupy a technician (count against ``max_open_orders``).
OCCUPYING = sorted(wo_rules.ASSIGNED_STATES | {wo_rules.SUSPENDED})


def dispatch_policy() -> DispatchPolicy:
    return DispatchPolicy.objects.order_by("pk").first() or DispatchPolicy()


def weights_of(policy: DispatchPolicy) -> rules.Weights:
    return rules.Weights(
        owner_bonus=policy.owner_bonus,
        per_km=policy.distance_penalty_per_km,
        per_hour=policy.workload_penalty_per_hour,
        unknown_km=policy.unknown_distance_km,
    )


def work_hours_table() -> dict[tuple[str, str], Decimal]:
    return {(w.kind, w.product): w.hours for w in WorkHourStandard.objects.all()}


def local_today(now: datetime) -> date:
    return wo_rules.local(now).date()


def local_midnight(now: datetime) -> datetime:
    """The start of ``now``'s local day (today's completions count from it)."""
    return datetime.combine(
        local_today(now), datetime.min.time(), tzinfo=wo_rules.LOCAL_TZ
    )


#: A technician's status or today's rota entry as a refusal code.
UNAVAILABLE_CODES = {
    TechnicianStatus.RESTING: "resting",
    TechnicianStatus.LEAVE: "on_leave",
    RotaKind.REST: "resting",
    RotaKind.LEAVE: "on_leave",
    RotaKind.OFF: "off_duty",
}

#: Who may take any order of their area, not only their own group's.
AREA_STAFF_ROLES = (TechnicianRole.SUPPORT, TechnicianRole.EMERGENCY)


def candidate_pool_filter(group_ids, area_ids) -> Q:
    """The group's own technicians plus the areas' support and emergency staff."""
    return Q(group_id__in=group_ids) | Q(
        role__in=AREA_STAFF_ROLES, group__area_id__in=area_ids
    )


def technician_facts(
    technicians: list[Technician],
    *,
    now: datetime,
    policy: DispatchPolicy,
    hours: dict[tuple[str, str], Decimal],
) -> dict[int, rules.Tech]:
    """Ranking facts for ``technicians`` (four queries whatever their number).

    Workload today (工时池) is the standard hours of what they hold open plus
    what they completed today. Both are read through indexes that lead with
    the technician (``wo_technician_status``, ``wo_technician_completed``), so
    the cost follows their open and today's orders, not the table.
    """
    ids = [t.pk for t in technicians]
    today = local_today(now)
    rota = dict(
        RotaEntry.objects.filter(technician_id__in=ids, date=today).values_list(
            "technician_id", "kind"
        )
    )
    open_counts: dict[int, int] = defaultdict(int)
    workload: dict[int, Decimal] = defaultdict(Decimal)
    held = list(
        WorkOrder.objects.filter(technician_id__in=ids, status__in=OCCUPYING)
        .values("technician_id", "kind", "product")
        .annotate(n=Count("id"))
    )
    done_today = (
        WorkOrder.objects.filter(
            technician_id__in=ids,
            completed_at__gte=local_midnight(now),
            status__in=[Status.COMPLETED, Status.CLOSED],
        )
        .values("technician_id", "kind", "product")
        .annotate(n=Count("id"))
    )
    for row in held:
        open_counts[row["technician_id"]] += row["n"]
    for row in (*held, *done_today):
        tid = row["technician_id"]
        per_order = hours.get((row["kind"], row["product"]), policy.default_work_hours)
        workload[tid] += per_order * row["n"]
    fresh_after = now - timedelta(minutes=policy.position_fresh_minutes)
    facts = {}
    for t in technicians:
        if (
            t.last_lat is not None
            and t.last_position_at
            and t.last_position_at >= fresh_after
        ):
            position = (t.last_lat, t.last_lng)
        elif t.home_package_area_id and t.home_package_area.lat is not None:
            position = (t.home_package_area.lat, t.home_package_area.lng)
        else:
            position = None
        unavailable = code = ""
        if t.status != TechnicianStatus.ON_DUTY:
            unavailable = t.get_status_display()
            code = UNAVAILABLE_CODES.get(t.status, "off_duty")
        elif t.pk in rota:
            unavailable = RotaKind(rota[t.pk]).label
            code = UNAVAILABLE_CODES.get(rota[t.pk], "off_duty")
        facts[t.pk] = rules.Tech(
            id=t.pk,
            code=t.code,
            name=t.name,
            group_id=t.group_id,
            role=t.role,
            skills=frozenset(t.skills),
            home_package_area_id=t.home_package_area_id,
            position=position,
            capacity=t.max_open_orders,
            open_orders=open_counts[t.pk],
            workload_hours=workload[t.pk],
            after_hours=t.after_hours,
            on_duty=not unavailable,
            unavailable_reason=str(unavailable),
            unavailable_code=code,
        )
    return facts


def order_facts(order: WorkOrder, hours, policy: DispatchPolicy) -> rules.OrderFacts:
    if order.lat is not None and order.lng is not None:
        position = (order.lat, order.lng)
    elif order.package_area.lat is not None:
        position = (order.package_area.lat, order.package_area.lng)
    else:
        position = None
    return rules.OrderFacts(
        id=order.pk,
        group_id=order.group_id,
        package_area_id=order.package_area_id,
        product=order.product,
        position=position,
        work_hours=hours.get((order.kind, order.product), policy.default_work_hours),
    )


def excluded_technicians(order_ids) -> dict[int, set[int]]:
    """Technicians who handed each order back (提前升级) never get it again."""
    excluded: dict[int, set[int]] = defaultdict(set)
    for order_id, tech_id in RedispatchRequest.objects.filter(
        order_id__in=order_ids
    ).values_list("order_id", "technician_id"):
        excluded[order_id].add(tech_id)
    return excluded


def rota_week(
    technicians: list[Technician], week_start: date
) -> dict[str, dict[date, str]]:
    days = rules.week_days(week_start)
    entries: dict[str, dict[date, str]] = defaultdict(dict)
    for code, day, kind in RotaEntry.objects.filter(
        technician__in=technicians, date__range=(days[0], days[-1])
    ).values_list("technician__code", "date", "kind"):
        entries[code][day] = kind
    return entries


def busy_days(
    technicians: list[Technician], week_start: date, *, today: date
) -> dict[str, set[date]]:
    """Days of the week on which each technician holds an open order: its
    appointment's day (or, without one, its deadline's day), and today for
    anything they hold now."""
    days = set(rules.week_days(week_start))
    busy: dict[str, set[date]] = defaultdict(set)
    for code, start, deadline in WorkOrder.objects.filter(
        technician__in=technicians, status__in=OCCUPYING
    ).values_list("technician__code", "appointment_start", "deadline"):
        if today in days:
            busy[code].add(today)
        when = start or deadline
        if when is not None:
            day = wo_rules.local(when).date()
            if day in days:
                busy[code].add(day)
    return busy
