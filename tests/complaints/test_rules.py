"""Pure complaint rules: the flow, step due times, alerts, repeat window."""

import datetime as dt

import pytest

from complaints import rules
from dispatch_center.errors import InvalidTransition
from tests.conftest import local_time

CALL = local_time(2026, 11, 16, 10, 0)
LIMITS = rules.Limits()


def anchors(started_at=CALL, city_received_at=None):
    return rules.Anchors(
        received_at=CALL, started_at=started_at, city_received_at=city_received_at
    )


@pytest.mark.parametrize(
    ("step", "started_at", "city", "due"),
    [
        # 前台: 5 min after the call, whenever the step was opened
        (rules.FRONT_DESK, CALL, None, local_time(2026, 11, 16, 10, 5)),
        # 后台复核派单 / 地市派部门: 30 min from the step's start
        (
            rules.REVIEW,
            local_time(2026, 11, 16, 10, 3),
            None,
            local_time(2026, 11, 16, 10, 33),
        ),
        (
            rules.CITY,
            local_time(2026, 11, 16, 10, 20),
            None,
            local_time(2026, 11, 16, 10, 50),
        ),
        # 答复 20 h and 返单 20 h from the city's receipt, not the step's start
        (
            rules.DEPARTMENT,
            local_time(2026, 11, 16, 10, 45),
            local_time(2026, 11, 16, 10, 20),
            local_time(2026, 11, 17, 6, 20),
        ),
        (
            rules.RETURN,
            local_time(2026, 11, 17, 5, 0),
            local_time(2026, 11, 16, 10, 20),
            local_time(2026, 11, 17, 6, 20),
        ),
        (
            rules.CALLBACK,
            local_time(2026, 11, 17, 9, 0),
            None,
            local_time(2026, 11, 18, 9, 0),
        ),
        # 责任认定 (and the penalty report): within a week of the complaint
        (
            rules.DETERMINATION,
            local_time(2026, 11, 18, 9, 0),
            None,
            local_time(2026, 11, 23, 10, 0),
        ),
    ],
)
def test_step_due(step, started_at, city, due):
    assert rules.step_due(step, anchors(started_at, city), LIMITS) == due


def test_limits_are_taken_from_the_policy_values():
    limits = rules.Limits(front_desk=dt.timedelta(minutes=10))
    assert rules.step_due(rules.FRONT_DESK, anchors(), limits) == local_time(
        2026, 11, 16, 10, 10
    )


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (rules.FRONT_DESK, rules.SUBMIT, rules.REVIEW),
        (rules.REVIEW, rules.DISPATCH_TO_CITY, rules.CITY),
        (rules.CITY, rules.ASSIGN_DEPARTMENT, rules.DEPARTMENT),
        (rules.DEPARTMENT, rules.ANSWER_CUSTOMER, rules.RETURN),
        (rules.RETURN, rules.RETURN_TICKET, rules.CALLBACK),
        (rules.DEPARTMENT, rules.WRONG_DISPATCH, rules.CITY),
        (rules.CITY, rules.WRONG_DISPATCH, rules.REVIEW),
        (rules.CALLBACK, rules.CALLBACK_CUSTOMER, rules.DETERMINATION),
        (rules.DETERMINATION, rules.DETERMINE, rules.CLOSED),
        (rules.FRONT_DESK, rules.CLOSE, rules.CLOSED),
        (rules.REVIEW, rules.CLOSE, rules.CLOSED),
        (rules.CITY, rules.SUPERVISE, rules.CITY),
    ],
)
def test_legal_steps(status, action, target):
    assert rules.next_step(status, action) == target


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (rules.FRONT_DESK, rules.ANSWER_CUSTOMER),
        (rules.DEPARTMENT, rules.RETURN_TICKET),  # answer the customer first
        (rules.RETURN, rules.WRONG_DISPATCH),
        (rules.REVIEW, rules.WRONG_DISPATCH),
        (rules.CITY, rules.CLOSE),
        (rules.CALLBACK, rules.DETERMINE),
        (rules.CLOSED, rules.SUBMIT),
        (rules.FRONT_DESK, rules.SUPERVISE),  # not submitted yet
        (rules.CLOSED, rules.SUPERVISE),
    ],
)
def test_illegal_steps(status, action):
    with pytest.raises(InvalidTransition):
        rules.next_step(status, action)


OFFSETS = (dt.timedelta(0), dt.timedelta(hours=2), dt.timedelta(hours=8))
DUE = local_time(2026, 11, 16, 10, 5)


@pytest.mark.parametrize(
    ("fired", "now", "levels", "next_at"),
    [
        (0, DUE - dt.timedelta(seconds=1), [], DUE),
        (0, DUE, [1], DUE),
        (1, DUE + dt.timedelta(hours=2), [2], DUE + dt.timedelta(hours=2)),
        (0, DUE + dt.timedelta(hours=9), [1, 2, 3], DUE),  # a scan that was down
        (3, DUE + dt.timedelta(days=9), [], None),
    ],
)
def test_alert_levels(fired, now, levels, next_at):
    assert rules.alert_levels_due(DUE, fired, OFFSETS, now) == levels
    assert rules.next_alert_at(DUE, fired, OFFSETS) == next_at


@pytest.mark.parametrize(
    ("previous", "repeat"),
    [
        (None, False),
        (CALL - dt.timedelta(days=30), True),  # exactly 30 days: a repeat
        (CALL - dt.timedelta(days=30, seconds=1), False),  # 30 days + 1 s: not
        (CALL - dt.timedelta(days=1), True),
        (CALL, True),
    ],
)
def test_repeat_window_edges(previous, repeat):
    assert rules.is_repeat(CALL, previous, 30) is repeat


def test_repeat_rule_can_be_switched_off():
    assert rules.is_repeat(CALL, CALL - dt.timedelta(days=1), 0) is False


@pytest.mark.parametrize(
    ("channel", "escalated"),
    [
        ("gm_96133", True),
        ("over_level", True),
        ("media", True),
        ("hotline_10000", False),
        ("online", False),
        ("business_hall", False),
    ],
)
def test_escalating_channels(channel, escalated):
    assert rules.is_escalated(channel) is escalated


@pytest.mark.parametrize(
    ("kind", "days"), [("install", 30), ("move", 30), ("repair", 3)]
)
def test_callback_window(kind, days):
    assert rules.callback_window(kind, 30, 3) == dt.timedelta(days=days)


def test_scores():
    assert rules.scores_valid(1, 5, 3)
    assert not rules.scores_valid(0, 3)
    assert not rules.scores_valid(6)
    assert not rules.scores_valid(True)  # a bool is not a score


def test_week_bounds_need_a_monday():
    start, end = rules.week_bounds(dt.date(2026, 11, 16))
    assert (start, end) == (local_time(2026, 11, 16), local_time(2026, 11, 23))
    with pytest.raises(ValueError):
        rules.week_bounds(dt.date(2026, 11, 17))


@pytest.mark.parametrize(
    ("month", "valid"),
    [
        ("2026-11", True),
        ("2026-13", False),
        ("26-11", False),
        ("2026-1", False),
        ("x", False),
    ],
)
def test_month_valid(month, valid):
    assert rules.month_valid(month) is valid


def test_month_of_is_local():
    assert (
        rules.month_of(local_time(2026, 12, 1, 0, 30)) == "2026-12"
    )  # 11-30 16:30 UTC


def test_weeks_at_the_ends_of_the_calendar_are_refused():
    with pytest.raises(ValueError):
        rules.previous_week(dt.date(1, 1, 1))
    with pytest.raises(ValueError):
        rules.week_bounds(dt.date(9999, 12, 27))
