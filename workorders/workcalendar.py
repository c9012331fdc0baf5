"""The working calendar: working days and working-hour arithmetic (pure).

Working days follow the State Council holiday calendar, including the make-up
working days (调休) on weekends, through the ``chinesecalendar`` package. That
package only knows the years up to its release and raises
``NotImplementedError`` for later ones: there the weekday rule (Monday to
Friday) applies. Local overrides (admin table ``CalendarOverride``) win over
both, so the centre can enter next year's official calendar as soon as it is
published, before a new package release.

No ORM, no clock, no settings: services load the overrides and the working
window and pass them in as a ``WorkingCalendar``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

#: A safety stop for the day-by-day walks below (a misconfigured calendar
#: with no working day at all must not loop forever): ten years of days.
_MAX_DAYS = 3660


@lru_cache(maxsize=64)
def official_year_known(year: int) -> bool:
    """Whether the installed ``chinesecalendar`` has the official calendar of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def official_is_workday(day: date) -> bool | None:
    """The official answer for ``day``, or ``None`` when the year is unknown."""
    if not official_year_known(day.year):
        return None
    return chinese_calendar.is_workday(day)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days plus the daily working window (default 08:00–18:00)."""

    day_start: time = time(8, 0)
    day_end: time = time(18, 0)
    #: date → True (working day) / False (day off); wins over everything
    overrides: Mapping[date, bool] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self):
        if self.day_end <= self.day_start:
            raise ValueError("the working day must end after it starts")

    def is_working_day(self, day: date) -> bool:
        """1. an override, 2. the official calendar, 3. Monday to Friday."""
        if day in self.overrides:
            return self.overrides[day]
        official = official_is_workday(day)
        if official is not None:
            return official
        return day.weekday() < 5

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.day_start, tzinfo=LOCAL_TZ),
            datetime.combine(day, self.day_end, tzinfo=LOCAL_TZ),
        )

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` if it is inside working time, else the start of the next window."""
        here = _local(at)
        day = here.date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                start, end = self._window(day)
                if here < start:
                    return start
                if here < end:
                    return here
            day += timedelta(days=1)
            here = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
        raise ValueError("no working day within ten years: check the overrides")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` of working time after ``start``.

        1. Move to the first working moment at or after ``start``.
        2. Consume whole or partial working windows day by day until the
           remaining time fits in one; the result lies inside that window
           (a limit that ends exactly at the close of a window ends there,
           not at the opening of the next working day).
        """
        remaining = timedelta(hours=hours)
        if remaining <= timedelta(0):
            return start
        here = self.next_working_moment(start)
        for _ in range(_MAX_DAYS):
            _, end = self._window(here.date())
            available = end - here
            if remaining <= available:
                return here + remaining
            remaining -= available
            here = self.next_working_moment(end)
        raise ValueError("no working day within ten years: check the overrides")

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working time between two moments, in hours (0 when ``end <= start``)."""
        if end <= start:
            return 0.0
        total = timedelta(0)
        here = self.next_working_moment(start)
        while here < end:
            _, close = self._window(here.date())
            total += min(close, end) - here
            here = self.next_working_moment(close)
        return total.total_seconds() / 3600


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.astimezone(LOCAL_TZ)
