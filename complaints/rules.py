"""Pure rules of the complaint flow (seed 001, the 96133 flow; SPEC §7–8).

No ORM, no clock, no settings: values in, values out. Services load the
``ComplaintPolicy`` row and pass it in as ``Limits``.

The flow, one open step at a time (each with an owner and a due time)::

    front_desk ─submit→ review ─dispatch-to-city→ city ─assign-department→
    department ─answer-customer→ return ─return-ticket→ callback
    ─callback-customer→ determination ─determine-responsibility→ closed

- ``close`` ends the flow at the front desk or the back-office review: an
  invalid complaint, or one answered on the spot (直接答复用户).
- ``return-ticket`` with ``wrong_dispatch`` sends a ticket back one step:
  the responsible department back to the city (派单不正确), the city back to
  the back office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, gettext_lazy

from dispatch_center.errors import InvalidTransition

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Steps (also the complaint's status while the step is open).
FRONT_DESK = "front_desk"
REVIEW = "review"
CITY = "city"
DEPARTMENT = "department"
RETURN = "return"
CALLBACK = "callback"
DETERMINATION = "determination"
CLOSED = "closed"

STEPS = (FRONT_DESK, REVIEW, CITY, DEPARTMENT, RETURN, CALLBACK, DETERMINATION)

# Actions (the URL names of ``POST /complaints/{id}/<action>/``).
SUBMIT = "submit"
DISPATCH_TO_CITY = "dispatch-to-city"
ASSIGN_DEPARTMENT = "assign-department"
ANSWER_CUSTOMER = "answer-customer"
RETURN_TICKET = "return-ticket"
WRONG_DISPATCH = "wrong-dispatch"  # return-ticket with wrong_dispatch=true
CALLBACK_CUSTOMER = "callback-customer"
DETERMINE = "determine-responsibility"
CLOSE = "close"
SUPERVISE = "supervise"

#: (action, from step) → next step.
FLOW: dict[tuple[str, str], str] = {
    (SUBMIT, FRONT_DESK): REVIEW,
    (DISPATCH_TO_CITY, REVIEW): CITY,
    (ASSIGN_DEPARTMENT, CITY): DEPARTMENT,
    (ANSWER_CUSTOMER, DEPARTMENT): RETURN,
    (RETURN_TICKET, RETURN): CALLBACK,
    (WRONG_DISPATCH, CITY): REVIEW,
    (WRONG_DISPATCH, DEPARTMENT): CITY,
    (CALLBACK_CUSTOMER, CALLBACK): DETERMINATION,
    (DETERMINE, DETERMINATION): CLOSED,
    (CLOSE, FRONT_DESK): CLOSED,
    (CLOSE, REVIEW): CLOSED,
}

#: Steps in which the back office may supervise (督办): submitted, not yet done.
SUPERVISABLE = frozenset({REVIEW, CITY, DEPARTMENT, RETURN, CALLBACK})


#: Steps and actions as users read them (steps: the same words as
#: ``models.ComplaintStatus``).
STEP_LABELS = {
    FRONT_DESK: gettext_lazy("待提交"),
    REVIEW: gettext_lazy("后台复核"),
    CITY: gettext_lazy("地市处理"),
    DEPARTMENT: gettext_lazy("责任部门处理"),
    RETURN: gettext_lazy("待返单"),
    CALLBACK: gettext_lazy("待回访"),
    DETERMINATION: gettext_lazy("待责任认定"),
    CLOSED: gettext_lazy("已结案"),
}
ACTION_LABELS = {
    SUBMIT: gettext_lazy("提交"),
    DISPATCH_TO_CITY: gettext_lazy("派往地市"),
    ASSIGN_DEPARTMENT: gettext_lazy("指派责任部门"),
    ANSWER_CUSTOMER: gettext_lazy("答复用户"),
    RETURN_TICKET: gettext_lazy("返单"),
    WRONG_DISPATCH: gettext_lazy("以派单不正确退回"),
    CALLBACK_CUSTOMER: gettext_lazy("回访用户"),
    DETERMINE: gettext_lazy("责任认定"),
    CLOSE: gettext_lazy("结案"),
    SUPERVISE: gettext_lazy("督办"),
}


def step_label(step: str | None) -> str:
    return str(STEP_LABELS.get(step, step or "—"))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def next_step(status: str, action: str) -> str:
    """The step after ``action`` in ``status``; ``InvalidTransition`` if illegal."""
    if action == SUPERVISE:
        if status not in SUPERVISABLE:
            raise InvalidTransition(
                gettext("投诉处于“%(step)s”环节，不能督办。")
                % {"step": step_label(status)}
            )
        return status
    target = FLOW.get((action, status))
    if target is None:
        raise InvalidTransition(
            gettext("投诉处于“%(step)s”环节，不能%(action)s。")
            % {"step": step_label(status), "action": action_label(action)}
        )
    return target


# --- time limits -------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The time limits of seed 001 (defaults in ``ComplaintPolicy``)."""

    front_desk: timedelta = timedelta(minutes=5)
    review: timedelta = timedelta(minutes=30)
    city: timedelta = timedelta(minutes=30)
    answer: timedelta = timedelta(hours=20)
    return_: timedelta = timedelta(hours=20)
    callback: timedelta = timedelta(hours=24)
    determination: timedelta = timedelta(days=7)
    supervise_after: timedelta = timedelta(hours=3)
    commitment: timedelta = timedelta(hours=24)
    commitment_warn: timedelta = timedelta(hours=2)
    #: level n fires at due + offsets[n-1]; level 1 warns the step owner
    escalation_offsets: tuple[timedelta, ...] = (
        timedelta(0),
        timedelta(hours=2),
        timedelta(hours=8),
    )


@dataclass(frozen=True)
class Anchors:
    """The times the limits count from."""

    received_at: datetime  # the call (用户挂机)
    started_at: datetime  # this step began
    city_received_at: datetime | None = None  # the city took the ticket


def step_due(step: str, anchors: Anchors, limits: Limits) -> datetime:
    """When ``step`` must be done.

    1. Front desk: 5 min after the call (挂机后到提交投诉).
    2. Back-office review and dispatch, city assignment: 30 min from the
       step's start (a ticket sent back by a wrong dispatch gets 30 min again).
    3. Department answer (20 h) and ticket return (20 h) count from the
       city's receipt (从地市后台接单时间): a wrong internal dispatch does
       not stop the customer's clock.
    4. Callback: from the return; responsibility determination (and any
       penalty report) within a week of the complaint.
    """
    if step == FRONT_DESK:
        return anchors.received_at + limits.front_desk
    if step in (REVIEW, CITY):
        limit = limits.review if step == REVIEW else limits.city
        return anchors.started_at + limit
    if step in (DEPARTMENT, RETURN):
        base = anchors.city_received_at or anchors.started_at
        return base + (limits.answer if step == DEPARTMENT else limits.return_)
    if step == CALLBACK:
        return anchors.started_at + limits.callback
    if step == DETERMINATION:
        return anchors.received_at + limits.determination
    raise ValueError(f"no time limit for step {step!r}")


def alert_levels_due(
    due_at: datetime, fired: int, offsets: tuple[timedelta, ...], now: datetime
) -> list[int]:
    """Alert levels (1-based) past due at ``now`` and not yet fired."""
    return [
        level
        for level, offset in enumerate(offsets, start=1)
        if level > fired and due_at + offset <= now
    ]


def next_alert_at(
    due_at: datetime, fired: int, offsets: tuple[timedelta, ...]
) -> datetime | None:
    """When the next unfired alert level falls due; None after the last."""
    if fired >= len(offsets):
        return None
    return due_at + offsets[fired]


# --- the public commitment (对外承诺, 24 h from the call) -------------------------

COMMITMENT_WARNED = 1
COMMITMENT_BREACHED = 2


def commitment_alerts_due(
    due: datetime, warn: timedelta, alerted: int, now: datetime
) -> list[int]:
    """Alerts of the public commitment due at ``now`` and not yet sent.

    A warning ``warn`` before ``due`` (none when ``warn`` is 0), an
    escalation at the breach; each once. A warning found only after the
    breach is not sent: the escalation says more.
    """
    if alerted >= COMMITMENT_BREACHED:
        return []
    if now >= due:
        return [COMMITMENT_BREACHED]
    if warn and alerted < COMMITMENT_WARNED and now >= due - warn:
        return [COMMITMENT_WARNED]
    return []


def commitment_next_check(
    due: datetime, warn: timedelta, alerted: int
) -> datetime | None:
    """When the commitment must next be looked at (None: nothing left)."""
    if alerted >= COMMITMENT_BREACHED:
        return None
    if warn and alerted < COMMITMENT_WARNED:
        return due - warn
    return due


# --- flags -------------------------------------------------------------------

ESCALATING_CHANNELS = frozenset({"gm_96133", "over_level", "media"})


def is_repeat(
    received_at: datetime, previous_received_at: datetime | None, window_days: int
) -> bool:
    """Same customer complained within ``window_days`` before (inclusive edge).

    Exactly 30 days is a repeat; 30 days and one second is not. A window of
    0 switches the rule off.
    """
    if previous_received_at is None or window_days <= 0:
        return False
    gap = received_at - previous_received_at
    return timedelta(0) <= gap <= timedelta(days=window_days)


def is_escalated(channel: str, channels: frozenset[str] = ESCALATING_CHANNELS) -> bool:
    """Over-level, media and 96133 complaints are routed higher."""
    return channel in channels


# --- callbacks and reports -------------------------------------------------------

INSTALL_KINDS = frozenset({"install", "move"})


def callback_window(kind: str, install_days: int, repair_days: int) -> timedelta:
    """How long after completion an order is due for its callback (回访)."""
    return timedelta(days=install_days if kind in INSTALL_KINDS else repair_days)


def scores_valid(*scores: int) -> bool:
    """Each score an integer 1–5 (a bool is not a score)."""
    return all(
        isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 5 for s in scores
    )


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) local; ``ValueError`` unless a Monday."""
    if monday.weekday() != 0:
        raise ValueError("week must be a Monday")
    if not 1970 <= monday.year <= 9998:
        # before 1901 the zone database gives Shanghai its local mean time
        raise ValueError("week out of range")
    start = datetime.combine(monday, time.min, tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=7)


def previous_week(monday: date) -> date:
    """The Monday before; ``ValueError`` at the start of the calendar."""
    try:
        return monday - timedelta(days=7)
    except OverflowError:
        raise ValueError("week out of range") from None


def local_of(at: datetime) -> datetime:
    return at.astimezone(LOCAL_TZ)


def month_of(at: datetime) -> str:
    """``YYYY-MM`` of the local calendar month of ``at``."""
    return f"{at.astimezone(LOCAL_TZ):%Y-%m}"


def month_valid(month: str) -> bool:
    parts = month.split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        return False
    year, mon = parts
    return len(year) == 4 and len(mon) == 2 and 1 <= int(mon) <= 12


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
