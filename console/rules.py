"""Pure presentation rules of the console: no ORM, no clock, no settings.

Values in, values out; the selectors pass ``now`` and the policy numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

OK = "ok"
WARNING = "warning"
OVERDUE = "overdue"
PAUSED = "paused"


def sla_tone(
    *,
    now: datetime,
    accepted_at: datetime,
    sla_deadline: datetime,
    warn_percent_used: int,
    warn_minutes_before: int,
    suspended: bool = False,
) -> str:
    """The colour of an order's countdown: ok, warning, overdue (or paused).

    Warning from the first configured warning point on (the share of the
    time limit used, or the minutes before the deadline, whichever comes
    first), the same points the SLA scan warns at; overdue past the internal
    deadline; paused while suspended (the internal clock stops).
    """
    if suspended:
        return PAUSED
    if now >= sla_deadline:
        return OVERDUE
    warn = warn_at(
        accepted_at=accepted_at,
        sla_deadline=sla_deadline,
        warn_percent_used=warn_percent_used,
        warn_minutes_before=warn_minutes_before,
    )
    if warn is not None and now >= warn:
        return WARNING
    return OK


def warn_at(
    *,
    accepted_at: datetime,
    sla_deadline: datetime,
    warn_percent_used: int,
    warn_minutes_before: int,
) -> datetime | None:
    """The instant an order's countdown turns to warning (the earlier of the
    configured warning points), or None when no point is configured. The
    browser recolours the countdown from it (``data-warn-at``)."""
    points = []
    if warn_percent_used:
        points.append(
            accepted_at + (sla_deadline - accepted_at) * (warn_percent_used / 100)
        )
    if warn_minutes_before:
        points.append(sla_deadline - timedelta(minutes=warn_minutes_before))
    return min(points) if points else None


def minutes_left(now: datetime, deadline: datetime) -> int:
    """Whole minutes until ``deadline``; negative once it has passed."""
    seconds = (deadline - now).total_seconds()
    return int(seconds // 60) if seconds >= 0 else -int(-seconds // 60)


def week_start(day) -> object:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def customer_page_open(
    *,
    now: datetime,
    completed_at: datetime | None,
    cancelled_at: datetime | None,
    days: int,
) -> bool:
    """The customer's link works until ``days`` after completion (or cancel)."""
    ended = completed_at or cancelled_at
    return ended is None or now <= ended + timedelta(days=days)


def rate_window_key(now: datetime) -> int:
    """The minute a request falls in, for the customer page's rate limit."""
    return int(now.timestamp() // 60)
