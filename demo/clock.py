"""Small pure time and distance helpers of the order planner."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta

from workorders.rules import LOCAL_TZ


def _at(day: date, hour: int, minute: float = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ) + timedelta(
        minutes=minute
    )


def _minutes(value: float) -> timedelta:
    return timedelta(seconds=round(value * 60))


def _working(
    t: datetime, rng: random.Random, start: int = 8, end: int = 20
) -> datetime:
    """``t`` when it falls in [start, end) local hours, else shortly after the next start."""
    if start <= t.hour < end:
        return t
    day = t.date() if t.hour < start else t.date() + timedelta(days=1)
    return _at(day, start, rng.uniform(2, 40))


def _round_to(t: datetime, minutes: int) -> datetime:
    m = (t.minute // minutes) * minutes
    return t.replace(minute=m, second=0, microsecond=0)


def _km(lat1, lng1, lat2, lng2) -> float | None:
    if None in (lat1, lng1, lat2, lng2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(6371 * 2 * math.asin(math.sqrt(a)), 2)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None
