"""Report periods (SPEC §10): local calendar days, ISO weeks, calendar months.

Pure: no ORM, no clock, no settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

DAY = "day"
WEEK = "week"
MONTH = "month"
PERIODS = (DAY, WEEK, MONTH)
PERIOD_LABELS = {DAY: _("日报"), WEEK: _("周报"), MONTH: _("月报")}

#: Dates the reports accept (the zone database is only reliable in this range,
#: and nothing of the business is older).
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    """A report period: local calendar days ``start`` … ``end`` (both inclusive)."""

    kind: str
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [
            self.start + timedelta(days=i)
            for i in range((self.end - self.start).days + 1)
        ]

    @property
    def label(self) -> str:
        if self.kind == DAY:
            return f"{self.start:%Y-%m-%d}"
        if self.kind == WEEK:
            return f"{self.start:%Y-%m-%d}~{self.end:%m-%d}"
        return f"{self.start:%Y-%m}"

    def bounds(self) -> tuple[datetime, datetime]:
        """``[start 00:00, day after end 00:00)`` in Asia/Shanghai, aware."""
        return day_bounds(self.start)[0], day_bounds(self.end)[1]


def period_of(kind: str, day: date) -> Period:
    """The day, the ISO week (Monday–Sunday) or the calendar month holding ``day``."""
    if kind == DAY:
        return Period(DAY, day, day)
    if kind == WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(WEEK, monday, monday + timedelta(days=6))
    if kind == MONTH:
        first = day.replace(day=1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return Period(MONTH, first, following - timedelta(days=1))
    raise ValueError(f"period must be one of {', '.join(PERIODS)}")


def previous_period(period: Period) -> Period:
    return period_of(period.kind, period.start - timedelta(days=1))


def next_period(period: Period) -> Period:
    return period_of(period.kind, period.end + timedelta(days=1))


def last_periods(period: Period, count: int) -> list[Period]:
    """``count`` consecutive periods ending with ``period``, oldest first."""
    periods = [period]
    while len(periods) < count:
        periods.append(previous_period(periods[-1]))
    return periods[::-1]


def last_complete_period(kind: str, today: date) -> Period:
    """The latest period of ``kind`` that ended before ``today``."""
    return previous_period(period_of(kind, today))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """``[00:00, next 00:00)`` of a local calendar day, aware."""
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)
    following = datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
    return start, following


def local_day(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.astimezone(LOCAL_TZ).date()


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` within [FIRST_DATE, LAST_DATE]; ``ValueError`` otherwise."""
    if len(text) != 10 or not text.isascii():
        raise ValueError("date must be YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("date must be YYYY-MM-DD") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"date must be between {FIRST_DATE} and {LAST_DATE}")
    return day
