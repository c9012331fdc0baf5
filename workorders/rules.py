"""Pure rules for work orders: transitions, 当日装/当日修 scope and deadlines.

No ORM, no clock, no settings: values in, values out. Services load the policy
rows and pass them in as a ``DeadlinePolicy``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dispatch_center.errors import InvalidTransition

#: The operator's zone. "The same day" is always the local calendar day here.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

PENDING = "pending"
DISPATCHED = "dispatched"
ACCEPTED = "accepted"
APPOINTED = "appointed"
ON_SITE = "on_site"
SUSPENDED = "suspended"
COMPLETED = "completed"
CLOSED = "closed"
CANCELLED = "cancelled"

#: States in which the order still needs work (the SLA clock runs).
OPEN_STATES = frozenset({PENDING, DISPATCHED, ACCEPTED, APPOINTED, ON_SITE, SUSPENDED})
#: States with a technician assigned and working.
ASSIGNED_STATES = frozenset({DISPATCHED, ACCEPTED, APPOINTED, ON_SITE})

#: The lifecycle of SPEC §3. Re-dispatch (reassign) is dispatched→dispatched etc.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({DISPATCHED, COMPLETED, CANCELLED}),
    DISPATCHED: frozenset(
        {DISPATCHED, ACCEPTED, PENDING, SUSPENDED, COMPLETED, CANCELLED}
    ),
    ACCEPTED: frozenset(
        {DISPATCHED, APPOINTED, PENDING, SUSPENDED, COMPLETED, CANCELLED}
    ),
    APPOINTED: frozenset(
        {DISPATCHED, ON_SITE, PENDING, SUSPENDED, COMPLETED, CANCELLED}
    ),
    ON_SITE: frozenset({COMPLETED, SUSPENDED, CANCELLED}),
    SUSPENDED: frozenset({DISPATCHED, ACCEPTED, APPOINTED, ON_SITE, CANCELLED}),
    COMPLETED: frozenset({CLOSED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
}


def check_transition(src: str, dst: str) -> None:
    """Raise ``InvalidTransition`` unless the lifecycle allows ``src → dst``."""
    if dst not in TRANSITIONS.get(src, frozenset()):
        raise InvalidTransition(f"cannot go from {src} to {dst}")


# --- deadlines --------------------------------------------------------------

VIP_LEVELS = frozenset({"diamond", "gold", "silver"})


@dataclass(frozen=True)
class StandardLimit:
    """One row of the 全业务服务标准 table; ``None`` matches anything."""

    kind: str
    product: str | None
    vip: bool | None
    hours: int


@dataclass(frozen=True)
class DeadlinePolicy:
    cutoff: time  # 16:00: entered before it → same day
    same_day_products: frozenset[str]
    same_day_segments: frozenset[str]
    mandatory_area_types: frozenset[str]
    repair_after_cutoff_hours: int  # 24 natural hours
    late_install_counts_as_same_day: bool
    standard_limits: tuple[StandardLimit, ...]


@dataclass(frozen=True)
class Intake:
    is_same_day: bool
    deadline: datetime
    basis: str  # why this deadline, for the timeline
    #: the deadline moves to the end of the appointment agreed at first contact
    follows_appointment: bool = False


def local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(LOCAL_TZ)


def end_of_local_day(dt: datetime) -> datetime:
    """23:59:59 of ``dt``'s local calendar day, aware."""
    day = local(dt).date()
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TZ)


def same_day_scope(
    *,
    kind: str,
    product: str,
    segment: str,
    area_type: str,
    area_same_day_enabled: bool,
    same_day_requested: bool,
    policy: DeadlinePolicy,
) -> bool:
    """Whether the order falls under the 当日装/当日修 commitment at all.

    Installs and repairs of the listed products for public customers, in an
    area where the commitment is on (mandatory in urban core and county town,
    a per-area switch elsewhere), when the customer wants same-day service.
    Moves are not in scope.
    """
    return (
        kind in ("install", "repair")
        and product in policy.same_day_products
        and segment in policy.same_day_segments
        and (area_type in policy.mandatory_area_types or area_same_day_enabled)
        and same_day_requested
    )


def standard_limit_hours(
    kind: str, product: str, level: str, limits: tuple[StandardLimit, ...]
) -> int:
    """The most specific matching row wins (product and VIP both count)."""
    vip = level in VIP_LEVELS
    best: tuple[int, int] | None = None
    for row in limits:
        if row.kind != kind:
            continue
        if row.product is not None and row.product != product:
            continue
        if row.vip is not None and row.vip != vip:
            continue
        specificity = (row.product is not None) + (row.vip is not None)
        if best is None or specificity > best[0]:
            best = (specificity, row.hours)
    if best is None:
        raise LookupError(f"no standard limit for {kind}/{product}/{level}")
    return best[1]


def intake_deadline(
    *,
    kind: str,
    product: str,
    level: str,
    segment: str,
    area_type: str,
    area_same_day_enabled: bool,
    same_day_requested: bool,
    accepted_at: datetime,
    appointment_end: datetime | None,
    policy: DeadlinePolicy,
) -> Intake:
    """Compute ``is_same_day`` and the deadline of a new order (SPEC §5).

    1. In 当日装/当日修 scope and entered before the cutoff (local time):
       complete by 23:59:59 of the entry day.
    2. A same-day-scope repair entered at or after the cutoff: within
       ``repair_after_cutoff_hours`` natural hours of entry (still 当日修).
    3. A same-day-scope install entered at or after the cutoff: by the end of
       the agreed appointment (or the standard limit when none yet); it is a
       same-day order only if the policy counts missed appointments.
    4. Otherwise: the agreed appointment when there is one, else the
       standard-limit table by kind, product and customer level.
    """
    in_scope = same_day_scope(
        kind=kind,
        product=product,
        segment=segment,
        area_type=area_type,
        area_same_day_enabled=area_same_day_enabled,
        same_day_requested=same_day_requested,
        policy=policy,
    )
    entered = local(accepted_at)
    before_cutoff = entered.time() < policy.cutoff
    cutoff_text = policy.cutoff.strftime("%H:%M")
    if in_scope and before_cutoff:
        label = "当日装" if kind == "install" else "当日修"
        return Intake(
            True,
            end_of_local_day(accepted_at),
            f"{label}: {cutoff_text}前录入，当日23:59:59前完成",
        )
    if in_scope and kind == "repair":
        hours = policy.repair_after_cutoff_hours
        return Intake(
            True,
            accepted_at + timedelta(hours=hours),
            f"当日修: {cutoff_text}后录入，{hours}小时内修复",
        )
    hours = standard_limit_hours(kind, product, level, policy.standard_limits)
    if in_scope:  # an install entered at or after the cutoff
        counts = policy.late_install_counts_as_same_day
        if appointment_end is not None:
            return Intake(
                counts, appointment_end, f"当日装: {cutoff_text}后录入，按预约时间完成"
            )
        return Intake(
            counts,
            accepted_at + timedelta(hours=hours),
            f"当日装: {cutoff_text}后录入，待预约(暂按标准时限{hours}小时)",
            follows_appointment=True,
        )
    if appointment_end is not None and appointment_end > accepted_at:
        return Intake(False, appointment_end, "按客户预约时间完成")
    return Intake(False, accepted_at + timedelta(hours=hours), f"标准时限{hours}小时")
