"""Pure pay rules (SPEC §9): no ORM, no clock, no settings. Values in, values out.

Monthly pay of a technician::

    total = post_wage + piece_wage + rewards - penalties

**Piece wage on the work beyond the base workload.** The technician's counted
orders of the month (completed on site, completion time in the local month)
are taken in completion order (ties by order id). Each order occupies its
standard hours on a running total: order *i* covers the interval
``[before, before + hours)``. The base workload ``[0, base)`` is paid by the
post wage; only the part of an order beyond it earns piece pay:

    paid_hours = max(0, before + hours - max(before, base))
    amount     = rate × paid_hours / hours

so an order entirely inside the base pays nothing, an order entirely beyond
it pays its full rate, and the order straddling the base line pays pro rata
for the hours beyond it (base 10 h, 9 h done, a 2 h order: 1 h beyond, half
its rate). An order with 0 standard hours has no extent: it pays its full
rate when the base is already filled (``before >= base``), else nothing.

**The rate of an order** stacks its coefficients by multiplication::

    rate = unit_price × difficulty × same_day × after_hours × grade

``same_day`` is the same-day coefficient for a 当日装/当日修 order (when the
policy asks, only if it was completed within its commitment deadline), else
1; ``after_hours`` is the after-hours coefficient when the arrival or the
completion fell outside the working hours (local time), else 1; ``grade``
is the technician's quality-grade coefficient for the month.

**Rounding.** Every amount above is an exact ``Decimal`` (the pro-rata
division of the one straddling order is carried at 28 significant digits).
The piece wage of a line is the exact sum of its orders' amounts, rounded
once to the fen, ROUND_HALF_UP (``money``). Post wage, rewards and penalties
are amounts in fen already, so the line total is exact; run and vendor
totals are sums of line amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")


def money(value: Decimal) -> Decimal:
    """Round to the fen, half up (0.005 → 0.01)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


# --- months ---------------------------------------------------------------------


def parse_month(month: str) -> date:
    """``YYYY-MM`` → the first day of that month; ``ValueError`` otherwise."""
    parts = month.split("-") if isinstance(month, str) else []
    if (
        len(parts) != 2
        or len(parts[0]) != 4
        or len(parts[1]) != 2
        or not all(p.isascii() and p.isdigit() for p in parts)
    ):
        raise ValueError("month must be YYYY-MM")
    year, mon = int(parts[0]), int(parts[1])
    if not 1 <= mon <= 12 or year < 2000:
        raise ValueError("month must be YYYY-MM (from 2000-01)")
    return date(year, mon, 1)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) in local time."""
    first = parse_month(month)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return (
        datetime.combine(first, time.min, tzinfo=LOCAL_TZ),
        datetime.combine(nxt, time.min, tzinfo=LOCAL_TZ),
    )


def month_of(at: datetime) -> str:
    return f"{at.astimezone(LOCAL_TZ):%Y-%m}"


# --- order coefficients --------------------------------------------------------------


def outside_hours(at: datetime | None, start: time, end: time) -> bool:
    """``at`` (local time of day) is before ``start`` or at/after ``end``."""
    if at is None:
        return False
    local = at.astimezone(LOCAL_TZ).time()
    return local < start or local >= end


def is_after_hours(
    *, arrived_at: datetime | None, completed_at: datetime, start: time, end: time
) -> bool:
    """延时服务: the arrival or the completion fell outside the working hours."""
    return outside_hours(arrived_at, start, end) or outside_hours(
        completed_at, start, end
    )


def earns_same_day(
    *,
    is_same_day: bool,
    completed_at: datetime,
    commitment_deadline: datetime | None,
    on_time_only: bool,
) -> bool:
    """A 当日装/当日修 order earns the same-day coefficient (差异化单价);
    with ``on_time_only`` only if completed by its commitment deadline."""
    if not is_same_day:
        return False
    if not on_time_only or commitment_deadline is None:
        return True
    return completed_at <= commitment_deadline


@dataclass(frozen=True)
class OrderRate:
    """The coefficients of one order and their product (its full rate)."""

    unit_price: Decimal
    difficulty: Decimal
    same_day: Decimal
    after_hours: Decimal
    grade: Decimal

    @property
    def rate(self) -> Decimal:
        return (
            self.unit_price
            * self.difficulty
            * self.same_day
            * self.after_hours
            * self.grade
        )


def order_rate(
    *,
    unit_price: Decimal,
    difficulty: Decimal,
    same_day: bool,
    after_hours: bool,
    same_day_coefficient: Decimal,
    after_hours_coefficient: Decimal,
    grade_coefficient: Decimal,
) -> OrderRate:
    return OrderRate(
        unit_price=unit_price,
        difficulty=difficulty,
        same_day=same_day_coefficient if same_day else ONE,
        after_hours=after_hours_coefficient if after_hours else ONE,
        grade=grade_coefficient,
    )


# --- the base workload ------------------------------------------------------------------


def paid_hours(*, before: Decimal, hours: Decimal, base: Decimal) -> Decimal:
    """Hours of ``[before, before + hours)`` beyond ``base``."""
    return max(ZERO, before + hours - max(before, base))


def order_amount(
    *, rate: Decimal, before: Decimal, hours: Decimal, base: Decimal
) -> tuple[Decimal, Decimal]:
    """(paid hours, exact amount) of one order; see the module docstring."""
    if hours <= 0:
        return ZERO, (rate if before >= base else ZERO)
    paid = paid_hours(before=before, hours=hours, base=base)
    if paid == 0:
        return ZERO, ZERO
    if paid == hours:
        return paid, rate
    return paid, rate * paid / hours


@dataclass
class PieceCalculator:
    """One technician's month, fed order by order in completion order.

    Constant state (running totals only), so a whole month of orders can be
    streamed through it.
    """

    base: Decimal
    worked: Decimal = ZERO
    paid: Decimal = ZERO
    piece_exact: Decimal = ZERO
    orders: int = 0
    paid_orders: int = 0

    def add(self, hours: Decimal, rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """Count one order; returns (hours before it, its paid hours, its amount)."""
        before = self.worked
        paid, amount = order_amount(
            rate=rate, before=before, hours=hours, base=self.base
        )
        self.worked = before + hours
        self.paid += paid
        self.piece_exact += amount
        self.orders += 1
        if amount > 0:
            self.paid_orders += 1
        return before, paid, amount

    @property
    def piece_wage(self) -> Decimal:
        return money(self.piece_exact)


# --- quality grade ------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityStats:
    """A technician's month: callbacks, repeat faults, responsible complaints."""

    callbacks: int = 0
    satisfied: int = 0
    repairs: int = 0
    repeat_faults: int = 0
    complaints: int = 0

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return ratio(self.satisfied, self.callbacks)

    @property
    def repeat_rate(self) -> Decimal | None:
        return ratio(self.repeat_faults, self.repairs)


def ratio(part: int, whole: int) -> Decimal | None:
    """``part / whole`` to 4 places for display; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class GradeRule:
    code: str
    coefficient: Decimal
    min_satisfaction: Decimal | None = None
    max_repeat_rate: Decimal | None = None
    max_complaints: int | None = None

    def admits(self, stats: QualityStats) -> bool:
        """All thresholds hold, compared exactly (no rounded rates):
        satisfied / callbacks >= min, repeat faults / repairs <= max,
        complaints <= max. Nothing to measure passes a rate threshold."""
        if (
            self.min_satisfaction is not None
            and stats.callbacks
            and Decimal(stats.satisfied) < self.min_satisfaction * stats.callbacks
        ):
            return False
        if (
            self.max_repeat_rate is not None
            and stats.repairs
            and Decimal(stats.repeat_faults) > self.max_repeat_rate * stats.repairs
        ):
            return False
        return self.max_complaints is None or stats.complaints <= self.max_complaints


NO_GRADE = GradeRule(code="-", coefficient=ONE)


def quality_grade(stats: QualityStats, grades: Sequence[GradeRule]) -> GradeRule:
    """The first grade (best first) that admits ``stats``; else the last one."""
    for grade in grades:
        if grade.admits(stats):
            return grade
    return grades[-1] if grades else NO_GRADE


# --- lines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayBasis:
    """Post wage and base workload: the technician's own, else the level's."""

    post_wage: Decimal
    base_hours: Decimal


def pay_basis(
    *,
    level: PayBasis | None,
    own_post_wage: Decimal | None = None,
    own_base_hours: Decimal | None = None,
) -> PayBasis:
    level = level or PayBasis(ZERO, ZERO)
    return PayBasis(
        post_wage=level.post_wage if own_post_wage is None else own_post_wage,
        base_hours=level.base_hours if own_base_hours is None else own_base_hours,
    )


def line_total(
    *, post_wage: Decimal, piece_wage: Decimal, rewards: Decimal, penalties: Decimal
) -> Decimal:
    return money(post_wage + piece_wage + rewards - penalties)


#: Fields of a line compared between two versions of a month.
DIFF_FIELDS = (
    "post_wage",
    "base_hours",
    "worked_hours",
    "paid_hours",
    "orders",
    "piece_wage",
    "rewards",
    "penalties",
    "total",
    "grade",
)


def line_changes(
    new: dict | None, old: dict | None, fields: Sequence[str] = DIFF_FIELDS
) -> dict[str, tuple]:
    """Field → (new, old, delta) for the fields that differ; a missing line
    counts as zeros (delta None for non-numbers)."""
    changes = {}
    for name in fields:
        a = new.get(name) if new else None
        b = old.get(name) if old else None
        if a == b:
            continue
        if isinstance(a, (Decimal, int)) or isinstance(b, (Decimal, int)):
            delta = (a or 0) - (b or 0)
        else:
            delta = None
        changes[name] = (a, b, delta)
    return changes
