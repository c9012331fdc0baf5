"""Pure rules of rolling dispatch (滚动派单): filters, ranking, queue, rota.

No ORM, no clock: the services load rows into these small value objects.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils.translation import gettext

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


@dataclass(frozen=True)
class Weights:
    owner_bonus: Decimal
    per_km: Decimal
    per_hour: Decimal
    #: distance assumed when a position is unknown, so "unknown" is never "here"
    unknown_km: Decimal = Decimal("20")


@dataclass
class Tech:
    """What the ranking needs to know about one technician right now."""

    id: int
    code: str
    name: str
    group_id: int
    role: str
    skills: frozenset[str]
    home_package_area_id: int | None
    position: tuple[float, float] | None  # last known, fresh enough; else home
    capacity: int
    open_orders: int
    workload_hours: Decimal
    after_hours: bool
    on_duty: bool  # status on duty and no rota entry today
    unavailable_reason: str = ""
    #: ``resting`` | ``on_leave`` | ``off_duty`` when not on duty
    unavailable_code: str = ""


@dataclass(frozen=True)
class OrderFacts:
    id: int
    group_id: int
    package_area_id: int
    product: str
    position: tuple[float, float] | None
    work_hours: Decimal


@dataclass(frozen=True)
class Ranked:
    tech: Tech
    score: Decimal
    reasons: dict = field(compare=False)


def in_working_hours(local_now: datetime, start: time, end: time) -> bool:
    return start <= local_now.time() < end


def refusal(
    tech: Tech, order: OrderFacts, *, working_hours: bool, ignore_capacity=False
) -> str | None:
    """Why ``tech`` cannot take ``order`` now (hard filters), or None."""
    if not tech.on_duty:
        return tech.unavailable_reason or "不在岗"
    if order.product not in tech.skills:
        return "无该产品技能"
    if not ignore_capacity and tech.open_orders >= tech.capacity:
        return f"在途工单已满({tech.open_orders}/{tech.capacity})"
    if not working_hours and not tech.after_hours:
        return "非工作时间且未选择延时服务"
    return None


@dataclass(frozen=True)
class Refusal:
    """Why a dispatcher may not pick a technician by hand, and whether an
    override (调剂, with a reason) may still send the order there."""

    reason: str
    detail: str
    overridable: bool


def manual_refusals(
    tech: Tech,
    order: OrderFacts,
    *,
    working_hours: bool,
    in_pool: bool,
    same_district: bool,
    handed_back: bool,
) -> list[Refusal]:
    """Everything that keeps ``tech`` out of ``order``'s candidate pool.

    Hard refusals first (no override helps): another district, not on duty
    today (rest, leave, off), handed this order back (提前升级), no skill for
    the product, at capacity. Then the pool's soft edges, which a dispatcher
    may cross with an override and a reason: another region group of the
    district (not the area's support or emergency staff), and after working
    hours a technician who did not opt in to after-hours work.
    """
    code = tech.code
    hard: list[Refusal] = []
    if not same_district:
        hard.append(
            Refusal(
                "other_district",
                gettext("%(code)s 属于其他区局，不能跨区局派单") % {"code": code},
                False,
            )
        )
    if not tech.on_duty:
        why = tech.unavailable_reason or gettext("不在岗")
        hard.append(
            Refusal(
                tech.unavailable_code or "off_duty",
                gettext("%(code)s 今日%(why)s，不能派单") % {"code": code, "why": why},
                False,
            )
        )
    if handed_back:
        hard.append(
            Refusal(
                "handed_back",
                gettext("%(code)s 已申请改派此单，不再派回") % {"code": code},
                False,
            )
        )
    if order.product not in tech.skills:
        hard.append(
            Refusal(
                "no_skill",
                gettext("%(code)s 没有该产品的技能") % {"code": code},
                False,
            )
        )
    if tech.open_orders >= tech.capacity:
        hard.append(
            Refusal(
                "at_capacity",
                gettext("%(code)s 在途工单已满(%(open)s/%(max)s)")
                % {"code": code, "open": tech.open_orders, "max": tech.capacity},
                False,
            )
        )
    soft: list[Refusal] = []
    if not in_pool:
        soft.append(
            Refusal(
                "other_group",
                gettext("%(code)s 不属于本单的区域组，也不是片区支撑/应急人员")
                % {"code": code},
                True,
            )
        )
    if not working_hours and not tech.after_hours:
        soft.append(
            Refusal(
                "after_hours",
                gettext("%(code)s 未选择延时服务，非工作时间不派单") % {"code": code},
                True,
            )
        )
    return hard + soft


def score(tech: Tech, order: OrderFacts, weights: Weights) -> Ranked:
    """Owner first (客户/包区优先), then nearest (就近), then least loaded (均衡)."""
    owner = tech.home_package_area_id == order.package_area_id
    distance = (
        haversine_km(*tech.position, *order.position)
        if tech.position and order.position
        else None
    )
    km = (
        Decimal(str(round(distance, 2))) if distance is not None else weights.unknown_km
    )
    total = (
        (weights.owner_bonus if owner else Decimal("0"))
        - weights.per_km * km
        - weights.per_hour * tech.workload_hours
    )
    reasons = {
        "package_area_owner": owner,
        "distance_km": float(km) if distance is not None else None,
        "workload_hours": float(tech.workload_hours),
        "open_orders": tech.open_orders,
        "capacity": tech.capacity,
        "role": tech.role,
        "same_group": tech.group_id == order.group_id,
    }
    return Ranked(tech, total.quantize(Decimal("0.01")), reasons)


def rank(
    techs: list[Tech],
    order: OrderFacts,
    weights: Weights,
    *,
    working_hours: bool,
    ignore_capacity: bool = False,
) -> tuple[list[Ranked], dict[str, str]]:
    """Eligible technicians best first, and why each other one was left out.

    Ties break towards the group's own technicians before support/emergency
    staff, then by code, so the same inputs always give the same answer.
    ``ignore_capacity`` ranks the full ones too (for ``make_room``).
    """
    ranked, refused = [], {}
    for tech in techs:
        why = refusal(
            tech, order, working_hours=working_hours, ignore_capacity=ignore_capacity
        )
        if why:
            refused[tech.code] = why
        else:
            ranked.append(score(tech, order, weights))
    ranked.sort(
        key=lambda r: (-r.score, r.tech.group_id != order.group_id, r.tech.code)
    )
    return ranked, refused


def make_room(
    order_id: int,
    choices: Callable[[int], list[Tech]],
    placed: dict[int, Tech],
    *,
    dead: set[int],
) -> list[tuple[int, Tech]] | None:
    """Moves that let ``order_id`` in when everyone who could take it is full.

    Greedy assignment in queue order can fill the only technicians able to
    take a later order (a scarce skill, the area's shared support staff) with
    earlier orders that had other options. This looks for an augmenting path
    (Kuhn's algorithm over technician capacity): the order takes a full
    technician T, one of T's orders *placed in this pass* moves to its next
    choice, and so on until someone with room takes the last one. Earlier
    orders stay assigned, each to someone able to take it; nothing placed
    before this pass moves.

    ``choices(order)``: the technicians able to take it ignoring capacity,
    best first; ``placed``: order -> technician in this pass (updated by the
    caller with the moves); ``dead``: technicians from whom no path leads to
    free room, shared by the caller across calls while nothing moves (so a
    backlog that truly exceeds capacity costs one sweep, not one per order).
    Returns the moves ``[(order, technician), ...]`` (the asked order last),
    or None.
    """
    held: dict[int, list[int]] = {}
    for other, tech in placed.items():
        held.setdefault(tech.id, []).append(other)
    seen: set[int] = set()

    def search(current: int, depth: int) -> list[tuple[int, Tech]] | None:
        if depth > 50:  # far beyond any real chain; keeps recursion bounded
            return None
        for tech in choices(current):
            if tech.id in seen or tech.id in dead:
                continue
            seen.add(tech.id)
            if tech.open_orders < tech.capacity:
                return [(current, tech)]
            for other in held.get(tech.id, ()):
                if other == current:
                    continue
                path = search(other, depth + 1)
                if path is not None:
                    return [*path, (current, tech)]
        return None

    moves = search(order_id, 0)
    if moves is None:
        dead |= seen
    return moves


def queue_key(
    queue_rank: int, deadline: datetime, accepted_at: datetime, order_id: int
):
    """VIP and same-day first, then the earliest deadline, then entry time."""
    return (queue_rank, deadline, accepted_at, order_id)


def no_candidate_reason(refused: dict[str, str]) -> str:
    """One line for the dispatcher: the commonest reasons nobody qualified."""
    if not refused:
        return "本组无可派工程师"
    counts = Counter(refused.values())
    return "；".join(f"{why}×{n}" for why, n in counts.most_common(3))


# --- rest rota (轮休) ---------------------------------------------------------


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=i) for i in range(7)]


def rota_generate(
    technicians: list[str],
    week_start: date,
    unavailable: dict[str, set[date]],
    *,
    offset: int = 0,
    busy: dict[str, set[date]] | None = None,
) -> dict[str, date]:
    """One rest day per technician for the week, spread evenly over the days.

    1. Days already lost to leave count as absences on that day.
    2. Technicians are taken in order and each given the day with the fewest
       absences so far; among those, a day on which they hold no open order
       (``busy``: appointments, deadlines); then the next day in a rotation
       that ``offset`` shifts week to week, so nobody always rests on Monday.
    3. Someone already absent on some day (leave) still gets a rest day, on a
       different day; someone absent all week gets none (nothing to rest from).
    A group of up to 7 thus has at most one technician resting a day.
    """
    days = week_days(week_start)
    busy = busy or {}
    absent = Counter(d for codes in unavailable.values() for d in codes if d in days)
    plan: dict[str, date] = {}
    for i, code in enumerate(technicians):
        own = unavailable.get(code, set())
        choices = [d for d in days if d not in own]
        if not choices:
            continue
        start = (offset + i) % 7
        order = {d: (k - start) % 7 for k, d in enumerate(days)}
        mine = busy.get(code, set())
        best = min(choices, key=lambda d: (absent[d], d in mine, order[d]))
        plan[code] = best
        absent[best] += 1
    return plan


def rota_violations(
    technicians: list[str],
    week_start: date,
    entries: dict[str, dict[date, str]],
    busy: dict[str, set[date]] | None = None,
) -> list[str]:
    """Warnings for a group's week: nobody without rest, no crowded day, no
    rest day on which the technician holds open orders.

    A technician absent (leave, off) the whole week needs no rest day.
    """
    days = week_days(week_start)
    busy = busy or {}
    problems = []
    for code in technicians:
        mine = entries.get(code, {})
        if all(mine.get(d) in ("leave", "off") for d in days):
            continue
        if not any(mine.get(d) == "rest" for d in days):
            problems.append(f"{code} 本周没有轮休日")
    allowed = max(1, math.ceil(len(technicians) / 7))
    for d in days:
        resting = sorted(c for c in technicians if entries.get(c, {}).get(d) == "rest")
        if len(resting) > allowed:
            problems.append(
                f"{d:%m-%d} 轮休{len(resting)}人({', '.join(resting)})，超过{allowed}人"
            )
    for code in technicians:
        for d in days:
            if entries.get(code, {}).get(d) == "rest" and d in busy.get(code, ()):
                problems.append(f"{code} {d:%m-%d} 轮休，但当天有未完成的工单")
    return problems
