"""Pure rules for work orders: transitions, 当日装/当日修 scope and deadlines.

No ORM, no clock, no settings: values in, values out. Services load the policy
rows and pass them in as a ``DeadlinePolicy``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, gettext_lazy

from dispatch_center.errors import InvalidTransition

from .workcalendar import WorkingCalendar

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
        raise InvalidTransition(
            gettext("工单状态为“%(src)s”，不能变为“%(dst)s”。")
            % {"src": status_label(src), "dst": status_label(dst)}
        )


#: The states' names as users read them (the same words as ``models.Status``).
STATUS_LABELS = {
    PENDING: gettext_lazy("待派"),
    DISPATCHED: gettext_lazy("已派"),
    ACCEPTED: gettext_lazy("已接单"),
    APPOINTED: gettext_lazy("已预约"),
    ON_SITE: gettext_lazy("处理中"),
    SUSPENDED: gettext_lazy("挂起"),
    COMPLETED: gettext_lazy("已竣工"),
    CLOSED: gettext_lazy("已归档"),
    CANCELLED: gettext_lazy("已撤单"),
}


def status_label(status: str | None) -> str:
    """A state's name in the user's language (an unknown code stays as it is)."""
    return str(STATUS_LABELS.get(status, status or "—"))


# --- deadlines --------------------------------------------------------------

VIP_LEVELS = frozenset({"diamond", "gold", "silver"})


@dataclass(frozen=True)
class StandardLimit:
    """One row of the 全业务服务标准 table; ``None`` matches anything."""

    kind: str
    product: str | None
    vip: bool | None
    hours: int
    #: "natural" hours, or "working" hours of the working calendar
    counting: str = "natural"


NATURAL = "natural"
WORKING = "working"


@dataclass(frozen=True)
class DeadlinePolicy:
    cutoff: time  # 16:00: entered before it → same day
    same_day_products: frozenset[str]
    same_day_segments: frozenset[str]
    mandatory_area_types: frozenset[str]
    repair_after_cutoff_hours: int  # 24 natural hours
    late_install_counts_as_same_day: bool
    standard_limits: tuple[StandardLimit, ...]
    #: for standard limits counted in working hours (None: weekday rule, 08-18)
    calendar: WorkingCalendar | None = None


@dataclass(frozen=True)
class Intake:
    is_same_day: bool
    deadline: datetime
    basis: str  # why this deadline, for the timeline
    #: the deadline moves to the end of the appointment agreed at first contact
    follows_appointment: bool = False
    #: an in-scope install entered at or after the cutoff: its appointment
    #: must start on a later local day (seed 002: 次日以后)
    appointment_next_day: bool = False


def local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(LOCAL_TZ)


def whole_seconds(dt: datetime) -> datetime:
    """``dt`` at whole seconds: how completion times are recorded.

    "The same day" is the local day at whole seconds (SPEC §5): a completion
    reported at 23:59:59.5 is recorded 23:59:59, on time for the 23:59:59
    deadline, and so the same in deadlines, claims, payroll and reports.
    """
    return dt.replace(microsecond=0)


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
    return standard_limit(kind, product, level, limits).hours


def standard_limit(
    kind: str, product: str, level: str, limits: tuple[StandardLimit, ...]
) -> StandardLimit:
    """The most specific matching row (product and VIP both count)."""
    vip = level in VIP_LEVELS
    best: tuple[int, StandardLimit] | None = None
    for row in limits:
        if row.kind != kind:
            continue
        if row.product is not None and row.product != product:
            continue
        if row.vip is not None and row.vip != vip:
            continue
        specificity = (row.product is not None) + (row.vip is not None)
        if best is None or specificity > best[0]:
            best = (specificity, row)
    if best is None:
        raise LookupError(f"no standard limit for {kind}/{product}/{level}")
    return best[1]


def standard_limit_end(
    start: datetime, limit: StandardLimit, calendar: WorkingCalendar | None
) -> tuple[datetime, str]:
    """When a standard limit that starts at ``start`` ends, and its label.

    Natural hours run round the clock; working hours only inside the working
    windows of working days (调休 make-up days count, holidays do not).
    """
    if limit.counting == WORKING:
        end = (calendar or WorkingCalendar()).add_working_hours(start, limit.hours)
        return end, f"{limit.hours}工作小时"
    return start + timedelta(hours=limit.hours), f"{limit.hours}小时"


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
    limit = standard_limit(kind, product, level, policy.standard_limits)
    limit_end, limit_text = standard_limit_end(accepted_at, limit, policy.calendar)
    if in_scope:  # an install entered at or after the cutoff
        counts = policy.late_install_counts_as_same_day
        if appointment_end is not None:
            return Intake(
                counts,
                appointment_end,
                f"当日装: {cutoff_text}后录入，按预约时间完成",
                appointment_next_day=True,
            )
        return Intake(
            counts,
            limit_end,
            f"当日装: {cutoff_text}后录入，待预约(暂按标准时限{limit_text})",
            follows_appointment=True,
            appointment_next_day=True,
        )
    if appointment_end is not None and appointment_end > accepted_at:
        return Intake(False, appointment_end, "按客户预约时间完成")
    return Intake(False, limit_end, f"标准时限{limit_text}")


def next_day_appointment_required(
    *, kind: str, in_scope: bool, accepted_at: datetime, cutoff: time
) -> bool:
    """An in-scope install entered at or after the cutoff is booked for a
    later local day (seed 002: 16:00后受理的，与客户预约次日以后上门)."""
    return kind == "install" and in_scope and local(accepted_at).time() >= cutoff


def appointment_problem(
    *,
    accepted_at: datetime,
    start: datetime,
    end: datetime,
    next_day_only: bool,
    cutoff: time,
) -> tuple[str, str] | None:
    """Why an appointment cannot be agreed, as ``(field, message)``, or None;
    the message in the active language.

    1. It ends after it starts.
    2. It starts no earlier than the entry time: one before it would make a
       deadline in the past.
    3. After the cutoff, an in-scope install starts on a later local day
       than its entry (次日以后).
    """
    if end <= start:
        return "appointment_end", gettext("预约结束时间须晚于开始时间。")
    if start < accepted_at:
        return "appointment_start", gettext("预约开始时间不能早于录入时间。")
    if next_day_only and local(start).date() <= local(accepted_at).date():
        return (
            "appointment_start",
            gettext("%(cutoff)s后受理的当日装，须预约次日以后上门。")
            % {"cutoff": f"{cutoff:%H:%M}"},
        )
    return None


def is_repeat_fault(
    *,
    kind: str,
    accepted_at: datetime,
    previous_repair_completed_at: datetime | None,
    window_days: int,
) -> bool:
    """重复障碍: a repair within ``window_days`` of the same customer's previous
    repair of the same product (counted from that repair's completion)."""
    if kind != "repair" or previous_repair_completed_at is None or window_days <= 0:
        return False
    elapsed = accepted_at - previous_repair_completed_at
    return timedelta(0) <= elapsed <= timedelta(days=window_days)


# --- the internal SLA clock (过程管控) -----------------------------------------
#
# An order's SLA bookkeeping: ``sla_deadline`` is the customer-facing
# ``deadline`` plus the time spent in approved suspensions; every checkpoint
# (warnings, first response, escalation levels) is measured against it. The
# checkpoints not yet processed give ``sla_next_check_at``, the one indexed
# time the periodic scan selects on; it is recomputed with every change.

#: ``sla_warnings_sent`` bits: which warning points have been processed.
WARN_PERCENT_USED = 1
WARN_MINUTES_BEFORE = 2

CP_WARNING = "warning"
CP_FIRST_RESPONSE = "first_response"
CP_ESCALATION = "escalation"

#: Why an escalation level was reached.
ESCALATE_TIMEOUT = "timeout"
ESCALATE_REPEAT_FAULT = "repeat_fault"


@dataclass(frozen=True)
class SlaPolicy:
    """The checkpoint policy; 0 disables a warning point."""

    warn_percent_used: int = 80
    warn_minutes_before: int = 60
    #: level n fires this long after the internal deadline (levels 1, 2, 3)
    escalation_offsets: tuple[timedelta, ...] = (
        timedelta(0),
        timedelta(hours=2),
        timedelta(hours=8),
    )

    @property
    def max_level(self) -> int:
        return len(self.escalation_offsets)


@dataclass(frozen=True)
class SlaState:
    """What the checkpoints of one order depend on (copied from the row)."""

    status: str
    accepted_at: datetime
    deadline: datetime
    sla_deadline: datetime
    dispatched_at: datetime | None = None
    first_response_due: datetime | None = None
    first_contact_at: datetime | None = None
    first_response_missed: bool = False
    warnings_sent: int = 0
    escalation_level: int = 0
    #: the highest level the time ladder itself has fired (urges, callbacks
    #: and manual escalations raise ``escalation_level`` only)
    ladder_level: int = 0
    is_repeat_fault: bool = False


@dataclass(frozen=True)
class Checkpoint:
    """One thing that becomes due at ``at``.

    ``code`` is unique per order and kind (the key of its side effects):
    a warning point is tied to the internal deadline it warns about, a
    first-response miss to its dispatch, an escalation to its level.
    """

    kind: str
    code: str
    at: datetime
    level: int = 0  # warning bit or escalation level
    cause: str = ""


def _stamp(at: datetime) -> str:
    return str(int(at.timestamp()))


def sla_checkpoints(state: SlaState, policy: SlaPolicy) -> list[Checkpoint]:
    """Every checkpoint not yet processed, earliest first.

    None while the clock is stopped (suspended) or the order is done.
    1. Warnings (超时预警) when ``warn_percent_used`` % of the time from entry
       to the deadline is used, and ``warn_minutes_before`` before it.
    2. First response (首次响应): due ``first_response_due`` after dispatch
       unless the customer was contacted.
    3. Escalation level n at the internal deadline + the n-th offset, for
       the levels the time ladder has not fired yet: the ladder climbs by time
       alone, whatever urges, callbacks or people did to the shown level, and
       each level fires once. A repeat fault (重障升级) reaches level 1 at
       once, at entry.
    """
    if state.status not in OPEN_STATES or state.status == SUSPENDED:
        return []
    points: list[Checkpoint] = []
    deadline = state.sla_deadline
    budget = state.deadline - state.accepted_at
    if policy.warn_percent_used and not state.warnings_sent & WARN_PERCENT_USED:
        left = budget * (100 - policy.warn_percent_used) / 100
        points.append(
            Checkpoint(
                CP_WARNING,
                f"percent:{_stamp(deadline)}",
                deadline - max(left, timedelta(0)),
                WARN_PERCENT_USED,
            )
        )
    if policy.warn_minutes_before and not state.warnings_sent & WARN_MINUTES_BEFORE:
        points.append(
            Checkpoint(
                CP_WARNING,
                f"before:{_stamp(deadline)}",
                deadline - timedelta(minutes=policy.warn_minutes_before),
                WARN_MINUTES_BEFORE,
            )
        )
    if (
        state.status in ASSIGNED_STATES
        and state.first_response_due is not None
        and state.first_contact_at is None
        and not state.first_response_missed
    ):
        dispatched = state.dispatched_at or state.first_response_due
        points.append(
            Checkpoint(CP_FIRST_RESPONSE, _stamp(dispatched), state.first_response_due)
        )
    for level, offset in enumerate(policy.escalation_offsets, start=1):
        if state.ladder_level >= level:
            continue
        at, cause = deadline + offset, ESCALATE_TIMEOUT
        if level == 1 and state.is_repeat_fault and state.accepted_at < at:
            at, cause = state.accepted_at, ESCALATE_REPEAT_FAULT
        points.append(Checkpoint(CP_ESCALATION, str(level), at, level, cause))
    return sorted(points, key=lambda p: (p.at, p.kind, p.level))


def sla_next_check(state: SlaState, policy: SlaPolicy) -> datetime | None:
    """The earliest pending checkpoint (``sla_next_check_at``), None when none."""
    points = sla_checkpoints(state, policy)
    return points[0].at if points else None


def sla_due(state: SlaState, policy: SlaPolicy, now: datetime) -> list[Checkpoint]:
    return [p for p in sla_checkpoints(state, policy) if p.at <= now]


def warning_is_stale(state: SlaState, now: datetime) -> bool:
    """A warning found only after its deadline passed is not sent (the
    escalation says more); its point is just marked processed."""
    return now >= state.sla_deadline


def sla_mark_processed(state: SlaState, points: list[Checkpoint]) -> SlaState:
    """The state once ``points`` are processed (flags set, levels raised)."""
    warnings = state.warnings_sent
    missed = state.first_response_missed
    level, ladder = state.escalation_level, state.ladder_level
    for p in points:
        if p.kind == CP_WARNING:
            warnings |= p.level
        elif p.kind == CP_FIRST_RESPONSE:
            missed = True
        elif p.kind == CP_ESCALATION:
            level, ladder = max(level, p.level), max(ladder, p.level)
    return replace(
        state,
        warnings_sent=warnings,
        first_response_missed=missed,
        escalation_level=level,
        ladder_level=ladder,
    )


@dataclass(frozen=True)
class Resumed:
    paused: timedelta
    sla_deadline: datetime
    first_response_due: datetime | None


def resume_times(
    *,
    suspended_at: datetime,
    now: datetime,
    sla_deadline: datetime,
    first_response_due: datetime | None,
    first_contact_at: datetime | None,
) -> Resumed:
    """Leave an approved suspension: the paused time is added to the internal
    deadline, and to a first-response due time that was still running.

    The customer-facing ``deadline``, the entry and completion times (the
    compensation clock) are never touched.
    """
    paused = max(now - suspended_at, timedelta(0))
    due = first_response_due
    if due is not None and first_contact_at is None and due > suspended_at:
        due = due + paused
    return Resumed(paused, sla_deadline + paused, due)


def notice_is_urgent(*, is_same_day: bool, customer_level: str) -> bool:
    """Escalations of same-day or VIP orders are never held to working hours."""
    return is_same_day or customer_level in VIP_LEVELS
