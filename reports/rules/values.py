"""Metric values from summed counters, targets, and values for people.

Pure: no ORM, no clock, no settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from .counters import CENT
from .metrics import COUNT, HOURS, METRICS, MONEY, RATE, Metric
from .periods import DAY


def rate(numerator: int, denominator: int) -> float | None:
    """A share in [0, 1] rounded to 4 places, or None when nothing was measured."""
    if not denominator:
        return None
    return round(numerator / denominator, 4)


def money(amount: Decimal) -> str:
    return str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def hours(amount: Decimal) -> float:
    return float(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def metric_value(metric: Metric, counters: Mapping, *, period_kind: str):
    if metric.key == "rest_compliance_rate" and period_kind == DAY:
        return None  # a week's rest cannot be judged on one day
    if metric.kind == RATE:
        return rate(counters[metric.num], counters[metric.den])
    if metric.kind == MONEY:
        return money(counters[metric.num])
    if metric.kind == HOURS:
        return hours(counters[metric.num])
    return int(counters[metric.num])


_PLAN = tuple((m.key, m.kind, m.num, m.den) for m in METRICS)


def metrics_of(counters: Mapping, *, period_kind: str) -> dict:
    """Every metric (``METRICS`` order) from summed counters.

    The same as ``metric_value`` for each metric, unrolled: a monthly report
    by technician computes this for ~10,000 rows.
    """
    out = {}
    for key, kind, num, den in _PLAN:
        if kind is RATE:
            d = counters[den]
            out[key] = round(counters[num] / d, 4) if d else None
        elif kind is COUNT:
            out[key] = counters[num]
        elif kind is MONEY:
            out[key] = str(counters[num].quantize(CENT, rounding=ROUND_HALF_UP))
        else:
            out[key] = float(counters[num].quantize(CENT, rounding=ROUND_HALF_UP))
    if period_kind == DAY:
        out["rest_compliance_rate"] = None
    return out


def sample_of(metric: Metric, counters: Mapping) -> int | None:
    """How many records a rate was measured on (None for counts)."""
    return int(counters[metric.den]) if metric.den else None


# --- targets (发布预警) --------------------------------------------------------------

MINIMUM = "min"
MAXIMUM = "max"


def breaches(value, target: Decimal, direction: str) -> bool:
    """True when ``value`` misses ``target``: below a minimum, above a maximum."""
    if value is None:
        return False
    number = Decimal(str(value))
    if direction == MINIMUM:
        return number < target
    if direction == MAXIMUM:
        return number > target
    raise ValueError(f"direction must be {MINIMUM} or {MAXIMUM}")


def formatted(metric: Metric, value) -> str:
    """A value for people: rates as percentages with two places."""
    if value is None:
        return "-"
    if metric.kind == RATE:
        return f"{Decimal(str(value)) * 100:.2f}%"
    return str(value)
