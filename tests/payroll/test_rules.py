"""Pure pay rules: table-driven, no database."""

from datetime import datetime, time
from decimal import Decimal as D

import pytest

from payroll import rules
from payroll.rules import LOCAL_TZ, GradeRule, PieceCalculator, QualityStats


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


# --- the base workload -------------------------------------------------------


def feed(base, orders):
    """Feed (hours, rate) pairs; return the calculator and each order's result."""
    calc = PieceCalculator(base=D(base))
    results = [calc.add(D(hours), D(rate)) for hours, rate in orders]
    return calc, results


@pytest.mark.parametrize(
    ("case", "base", "orders", "paid", "amounts", "piece_wage"),
    [
        # exactly at base: the base is filled, nothing beyond it
        ("at base", "10", [("5", "30"), ("5", "30")], ["0", "0"], ["0", "0"], "0.00"),
        (
            "one order over",
            "10",
            [("5", "30"), ("5", "30"), ("2", "30")],
            ["0", "0", "2"],
            ["0", "0", "30"],
            "30.00",
        ),
        # 9 h done, a 2 h order: 1 h beyond the base, half its rate
        (
            "straddling",
            "10",
            [("5", "30"), ("4", "30"), ("2", "30")],
            ["0", "0", "1"],
            ["0", "0", "15"],
            "15.00",
        ),
        (
            "straddling, then beyond",
            "10",
            [("9", "30"), ("2", "30"), ("1", "20")],
            ["0", "1", "1"],
            ["0", "15", "20"],
            "35.00",
        ),
        # one order larger than the whole base: 2 of its 12 hours beyond
        ("bigger than base", "10", [("12", "30")], ["2"], ["5"], "5.00"),
        # pro rata with a non-terminating share: 20 × 1/3, rounded at the line
        (
            "a third beyond",
            "10",
            [("9.5", "20"), ("1.5", "20")],
            ["0", "1"],
            [None, None],
            "13.33",
        ),
        ("no base", "0", [("1", "30"), ("2", "20")], ["1", "2"], ["30", "20"], "50.00"),
        ("no orders", "10", [], [], [], "0.00"),
        # a 0-hour order pays its rate only once the base is filled
        (
            "zero hours before and after the base",
            "2",
            [("0", "10"), ("2", "30"), ("0", "10")],
            ["0", "0", "0"],
            ["0", "0", "10"],
            "10.00",
        ),
        (
            "exactly one order of base",
            "2",
            [("2", "30"), ("2", "30")],
            ["0", "2"],
            ["0", "30"],
            "30.00",
        ),
    ],
)
def test_base_workload_fills_first(case, base, orders, paid, amounts, piece_wage):
    calc, results = feed(base, orders)
    assert [r[1] for r in results] == [D(p) for p in paid], case
    for (_before, _paid, amount), expected in zip(results, amounts, strict=True):
        if expected is not None:
            assert amount == D(expected), case
    assert calc.piece_wage == D(piece_wage), case
    assert calc.worked == sum((D(h) for h, _ in orders), D(0))
    assert calc.orders == len(orders)


def test_hours_before_each_order_are_the_running_total():
    _calc, results = feed("10", [("5", "30"), ("4", "30"), ("2", "30")])
    assert [r[0] for r in results] == [D("0"), D("5"), D("9")]


def test_paid_orders_counts_orders_earning_something():
    calc, _ = feed("10", [("5", "30"), ("4", "30"), ("2", "30"), ("1", "30")])
    assert (calc.paid_orders, calc.paid) == (2, D("2"))


def test_line_rounds_the_exact_sum_once():
    # three straddles of a third each would round to 3 × 3.33 = 9.99 if
    # rounded per order; the exact sum is 10.00
    calc = PieceCalculator(base=D("0"))
    calc.piece_exact = D(10) / 3 * 3
    assert calc.piece_wage == D("10.00")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("0.0049", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01")],
)
def test_money_rounds_half_up_to_the_fen(value, expected):
    assert rules.money(D(value)) == D(expected)


# --- coefficients ----------------------------------------------------------------

RATE = {
    "unit_price": D("30.00"),
    "difficulty": D("1.10"),
    "same_day_coefficient": D("1.20"),
    "after_hours_coefficient": D("1.30"),
}


@pytest.mark.parametrize(
    ("same_day", "after_hours", "grade", "rate"),
    [
        (False, False, "1.00", "33.0000"),  # 30 × 1.1
        (True, False, "1.00", "39.6000"),  # × 1.2
        (False, True, "1.00", "42.9000"),  # × 1.3
        (True, True, "1.00", "51.4800"),  # × 1.2 × 1.3
        (True, True, "1.10", "56.6280"),  # grade A
        (True, True, "0.80", "41.1840"),  # grade D
        (False, False, "0.00", "0"),
    ],
)
def test_coefficients_stack_by_multiplication(same_day, after_hours, grade, rate):
    result = rules.order_rate(
        same_day=same_day, after_hours=after_hours, grade_coefficient=D(grade), **RATE
    )
    assert result.rate == D(rate)
    assert result.same_day == (D("1.20") if same_day else D(1))
    assert result.after_hours == (D("1.30") if after_hours else D(1))


WORKDAY = {"start": time(8, 0), "end": time(18, 0)}


@pytest.mark.parametrize(
    ("arrived", "completed", "expected"),
    [
        (local(2026, 11, 20, 10, 0), local(2026, 11, 20, 17, 59, 59), False),
        (local(2026, 11, 20, 17, 0), local(2026, 11, 20, 18, 0), True),
        (local(2026, 11, 20, 18, 30), local(2026, 11, 20, 19, 0), True),
        (local(2026, 11, 20, 7, 50), local(2026, 11, 20, 9, 0), True),
        (local(2026, 11, 20, 8, 0), local(2026, 11, 20, 9, 0), False),
        (None, local(2026, 11, 20, 23, 0), True),
        (None, local(2026, 11, 20, 12, 0), False),
        # 10:00 UTC is 18:00 in Shanghai
        (None, datetime.fromisoformat("2026-11-20T10:00:00+00:00"), True),
        (None, datetime.fromisoformat("2026-11-20T09:59:00+00:00"), False),
    ],
)
def test_after_hours_is_local_time_outside_the_working_hours(
    arrived, completed, expected
):
    assert (
        rules.is_after_hours(arrived_at=arrived, completed_at=completed, **WORKDAY)
        is expected
    )


DEADLINE = local(2026, 11, 20, 23, 59, 59)


@pytest.mark.parametrize(
    ("is_same_day", "completed", "deadline", "on_time_only", "expected"),
    [
        (False, local(2026, 11, 20, 12), DEADLINE, True, False),
        (True, local(2026, 11, 20, 23, 59, 59), DEADLINE, True, True),
        (True, local(2026, 11, 21, 0, 0), DEADLINE, True, False),
        (True, local(2026, 11, 21, 0, 0), DEADLINE, False, True),
        (True, local(2026, 11, 21, 0, 0), None, True, True),
    ],
)
def test_same_day_coefficient_needs_the_promise_kept(
    is_same_day, completed, deadline, on_time_only, expected
):
    assert (
        rules.earns_same_day(
            is_same_day=is_same_day,
            completed_at=completed,
            commitment_deadline=deadline,
            on_time_only=on_time_only,
        )
        is expected
    )


# --- quality grade ------------------------------------------------------------------

GRADES = [
    GradeRule("A", D("1.10"), D("0.98"), D("0.02"), 0),
    GradeRule("B", D("1.00"), D("0.95"), D("0.05"), 1),
    GradeRule("C", D("0.90"), D("0.90"), D("0.10"), 2),
    GradeRule("D", D("0.80")),
]


@pytest.mark.parametrize(
    ("stats", "grade"),
    [
        (QualityStats(), "A"),  # nothing to measure, no complaints
        (QualityStats(callbacks=100, satisfied=98), "A"),  # exactly 98 %
        (QualityStats(callbacks=50, satisfied=49), "A"),  # 0.98 exactly
        (QualityStats(callbacks=100, satisfied=97), "B"),
        (QualityStats(callbacks=100, satisfied=95), "B"),
        (QualityStats(callbacks=100, satisfied=94), "C"),
        (QualityStats(callbacks=100, satisfied=90), "C"),
        (QualityStats(callbacks=10000, satisfied=8999), "D"),  # 89.99 %
        (QualityStats(callbacks=3, satisfied=2), "D"),  # 66.7 %
        (QualityStats(repairs=100, repeat_faults=2), "A"),  # exactly 2 %
        (QualityStats(repairs=100, repeat_faults=3), "B"),
        (QualityStats(repairs=20, repeat_faults=1), "B"),  # exactly 5 %
        (QualityStats(repairs=10, repeat_faults=1), "C"),  # exactly 10 %
        (QualityStats(repairs=9, repeat_faults=1), "D"),  # 11.1 %
        (QualityStats(complaints=1), "B"),
        (QualityStats(complaints=2), "C"),
        (QualityStats(complaints=3), "D"),
        # the worst criterion decides
        (QualityStats(callbacks=100, satisfied=100, complaints=2), "C"),
        (QualityStats(callbacks=100, satisfied=96, repairs=100, repeat_faults=1), "B"),
    ],
)
def test_quality_grade_boundaries(stats, grade):
    assert rules.quality_grade(stats, GRADES).code == grade


def test_without_grades_the_coefficient_is_one():
    assert rules.quality_grade(QualityStats(complaints=5), []).coefficient == D(1)


def test_when_no_grade_admits_the_last_one_applies():
    strict = [
        GradeRule("A", D("1.1"), max_complaints=0),
        GradeRule("B", D("1"), max_complaints=0),
    ]
    assert rules.quality_grade(QualityStats(complaints=1), strict).code == "B"


def test_rates_for_display():
    stats = QualityStats(callbacks=3, satisfied=2, repairs=0)
    assert (stats.satisfaction_rate, stats.repeat_rate) == (D("0.6667"), None)


# --- months, basis, totals, diff ----------------------------------------------------------


@pytest.mark.parametrize(
    "month",
    [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-11",
        "abcd-ef",
        "",
        "２０２６-11",
        "2026-11-01",
        "1999-12",
    ],
)
def test_bad_months_are_refused(month):
    with pytest.raises(ValueError):
        rules.month_bounds(month)


def test_month_bounds_are_local_midnights():
    assert rules.month_bounds("2026-12") == (local(2026, 12, 1), local(2027, 1, 1))
    assert (
        rules.month_of(datetime.fromisoformat("2026-11-30T16:00:00+00:00")) == "2026-12"
    )


@pytest.mark.parametrize(
    ("own_wage", "own_hours", "expected"),
    [
        (None, None, ("3000.00", "120")),
        (D("3500.00"), None, ("3500.00", "120")),
        (None, D("80"), ("3000.00", "80")),
        (D("0.00"), D("0"), ("0.00", "0")),
    ],
)
def test_own_post_wage_and_base_override_the_level(own_wage, own_hours, expected):
    basis = rules.pay_basis(
        level=rules.PayBasis(D("3000.00"), D("120")),
        own_post_wage=own_wage,
        own_base_hours=own_hours,
    )
    assert (basis.post_wage, basis.base_hours) == tuple(D(v) for v in expected)


def test_total_is_post_plus_piece_plus_rewards_minus_penalties():
    assert rules.line_total(
        post_wage=D("3000.00"),
        piece_wage=D("123.45"),
        rewards=D("100.00"),
        penalties=D("50.50"),
    ) == D("3172.95")


def test_line_changes_lists_only_differences_with_deltas():
    old = {"total": D("100.00"), "grade": "A", "orders": 3, "rewards": D("0.00")}
    new = {"total": D("120.50"), "grade": "B", "orders": 3, "rewards": D("0.00")}
    assert rules.line_changes(new, old, ["total", "grade", "orders", "rewards"]) == {
        "total": (D("120.50"), D("100.00"), D("20.50")),
        "grade": ("B", "A", None),
    }
    assert rules.line_changes(None, old, ["total"]) == {
        "total": (None, D("100.00"), D("-100.00"))
    }
