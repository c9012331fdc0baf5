"""Pure rules of job liveness: no ORM, no clock."""

from __future__ import annotations

from datetime import datetime, timedelta

DAY = 24 * 3600
# When a crontab job is late: its period plus two hours' slack.
CRON_SLACK = 2 * 3600


def default_overdue_after(schedules: list[object]) -> int:
    """Seconds without a success after which a beat job is overdue.

    ``schedules`` are the job's beat entries (one task may have several, e.g.
    ``reports.publish`` daily, weekly and monthly): the shortest period
    counts. An interval of ``s`` seconds: three missed runs, ``3 s`` (60 s →
    180 s, the issue's "``sla.scan`` with no success for 3 minutes"). A
    crontab: a day, a week or a month (by which fields it restricts) plus
    two hours.
    """
    periods = []
    for schedule in schedules:
        if isinstance(schedule, int | float):
            periods.append(int(schedule) * 3)
            continue
        run_every = getattr(schedule, "run_every", None)
        if run_every is not None and not hasattr(schedule, "_orig_day_of_week"):
            periods.append(int(run_every.total_seconds()) * 3)
            continue
        if getattr(schedule, "_orig_day_of_month", "*") != "*":
            periods.append(31 * DAY + CRON_SLACK)
        elif getattr(schedule, "_orig_day_of_week", "*") != "*":
            periods.append(7 * DAY + CRON_SLACK)
        else:
            periods.append(DAY + CRON_SLACK)
    return min(periods) if periods else DAY + CRON_SLACK


def is_overdue(
    *,
    last_success: datetime | None,
    watched_since: datetime,
    overdue_after: int | None,
    now: datetime,
) -> bool:
    """True once ``overdue_after`` seconds have passed without a success.

    A job never seen succeeding counts from when it was first watched (the
    row's creation), so a beat that never starts is noticed too. Exactly
    ``overdue_after`` seconds is overdue ("no success for 3 minutes").
    """
    if overdue_after is None:
        return False
    since = last_success or watched_since
    return now - since >= timedelta(seconds=overdue_after)
