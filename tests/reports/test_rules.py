"""Pure rules of the reports: periods in local days, rates, targets (no database)."""

import datetime as dt
from decimal import Decimal

import pytest

from reports import rules
from tests.conftest import local_time

D = dt.date


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("day", D(2026, 11, 16), D(2026, 11, 16), D(2026, 11, 16)),
        ("week", D(2026, 11, 16), D(2026, 11, 16), D(2026, 11, 22)),  # Monday
        ("week", D(2026, 11, 22), D(2026, 11, 16), D(2026, 11, 22)),  # Sunday
        ("week", D(2026, 12, 31), D(2026, 12, 28), D(2027, 1, 3)),  # across years
        ("month", D(2026, 11, 30), D(2026, 11, 1), D(2026, 11, 30)),
        ("month", D(2026, 12, 15), D(2026, 12, 1), D(2026, 12, 31)),
        ("month", D(2028, 2, 10), D(2028, 2, 1), D(2028, 2, 29)),  # leap year
    ],
)
def test_a_period_is_the_day_iso_week_or_calendar_month(kind, day, start, end):
    period = rules.period_of(kind, day)
    assert (period.start, period.end) == (start, end)


def test_period_bounds_are_local_midnights():
    start, end = rules.period_of("month", D(2026, 11, 5)).bounds()
    assert start == local_time(2026, 11, 1)
    assert end == local_time(2026, 12, 1)
    assert start.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    ("kind", "day", "previous_start"),
    [
        ("day", D(2026, 11, 1), D(2026, 10, 31)),
        ("week", D(2026, 11, 18), D(2026, 11, 9)),
        ("month", D(2026, 1, 20), D(2025, 12, 1)),
        ("month", D(2026, 3, 31), D(2026, 2, 1)),
    ],
)
def test_the_previous_period(kind, day, previous_start):
    assert rules.previous_period(rules.period_of(kind, day)).start == previous_start


def test_twelve_months_end_with_the_given_one():
    months = rules.last_periods(rules.period_of("month", D(2026, 11, 5)), 12)
    assert [m.start for m in (months[0], months[-1])] == [
        D(2025, 12, 1),
        D(2026, 11, 1),
    ]
    assert len({m.start for m in months}) == 12


def test_the_last_complete_period_ended_before_today():
    assert rules.last_complete_period("day", D(2026, 11, 17)).start == D(2026, 11, 16)
    assert rules.last_complete_period("week", D(2026, 11, 16)).start == D(2026, 11, 9)
    assert rules.last_complete_period("month", D(2026, 12, 1)).start == D(2026, 11, 1)


def test_an_instant_belongs_to_its_local_day():
    assert rules.local_day(local_time(2026, 11, 30, 23, 59, 59)) == D(2026, 11, 30)
    assert rules.local_day(local_time(2026, 12, 1, 0, 0, 0)) == D(2026, 12, 1)
    # 16:30 UTC is 00:30 the next day in Shanghai
    utc = dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)
    assert rules.local_day(utc) == D(2026, 12, 1)


@pytest.mark.parametrize(
    "text", ["2026-13-01", "2026-1-1", "yesterday", "", "1999-12-31"]
)
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        rules.parse_date(text)


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [(1, 2, 0.5), (2, 3, 0.6667), (0, 5, 0.0), (5, 5, 1.0), (0, 0, None)],
)
def test_rates_are_fractions_or_null_when_nothing_was_measured(num, den, expected):
    assert rules.rate(num, den) == expected


def test_metrics_come_from_summed_counters_not_averaged_rates():
    day1 = {**rules.empty_counters(), "repair_done": 1, "repair_on_time": 1}
    day2 = {**rules.empty_counters(), "repair_done": 3, "repair_on_time": 0}
    total = rules.sum_counters([day1, day2])
    assert rules.metrics_of(total, period_kind="week")["repair_on_time_rate"] == 0.25


def test_every_contract_metric_is_there_and_money_is_a_string():
    metrics = rules.metrics_of(
        {**rules.empty_counters(), "compensation_amount": Decimal("30")},
        period_kind="month",
    )
    for key in (
        "orders_received orders_completed same_day_install_rate same_day_repair_rate "
        "repair_on_time_rate install_kept_rate repeat_fault_rate first_response_rate "
        "remote_resolution_rate satisfaction_rate complaints urges escalations "
        "compensation_count compensation_amount"
    ).split():
        assert key in metrics and key in rules.CONTRACT_KEYS
    assert metrics["compensation_amount"] == "30.00"
    assert metrics["repair_on_time_rate"] is None


def test_rest_compliance_is_not_judged_on_one_day():
    counters = {**rules.empty_counters(), "rota_weeks": 2, "rota_weeks_rested": 1}
    assert rules.metrics_of(counters, period_kind="day")["rest_compliance_rate"] is None
    assert rules.metrics_of(counters, period_kind="week")["rest_compliance_rate"] == 0.5


@pytest.mark.parametrize(
    ("value", "target", "direction", "missed"),
    [
        (0.9698, "0.9699", "min", True),
        (0.9699, "0.9699", "min", False),
        (0.0743, "0.0742", "max", True),
        (0.0742, "0.0742", "max", False),
        (None, "0.9699", "min", False),
    ],
)
def test_a_target_is_missed_below_a_minimum_or_above_a_maximum(
    value, target, direction, missed
):
    assert rules.breaches(value, Decimal(target), direction) is missed


def test_vendor_dimension_tells_own_staff_from_no_technician():
    assert rules.vendor_dim(None, None) == rules.NONE
    assert rules.vendor_dim(7, None) == rules.OWN_STAFF
    assert rules.vendor_dim(7, 3) == 3


def test_values_for_people():
    on_time = rules.METRICS_BY_KEY["repair_on_time_rate"]
    assert rules.formatted(on_time, 0.9699) == "96.99%"
    assert rules.formatted(on_time, None) == "-"
