"""Table-driven tests of the SLA clock and the working calendar (no database)."""

import datetime as dt

import pytest

from workorders import rules
from workorders.rules import SlaPolicy, SlaState, StandardLimit
from workorders.workcalendar import WorkingCalendar, official_year_known

SH = rules.LOCAL_TZ
CAL = WorkingCalendar()  # 08:00-18:00, State Council calendar, no overrides
POLICY = SlaPolicy()  # 80 %, 60 min before; levels at +0 h, +2 h, +8 h


def at(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SH)


# --- working calendar: 调休 and holidays ----------------------------------------


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (dt.date(2026, 9, 30), True, "Wednesday before National Day"),
        (dt.date(2026, 10, 1), False, "National Day"),
        (dt.date(2026, 10, 5), False, "a Monday inside the Golden Week"),
        (dt.date(2026, 10, 10), True, "make-up Saturday (调休上班)"),
        (dt.date(2026, 9, 20), True, "make-up Sunday (调休上班)"),
        (dt.date(2026, 10, 11), False, "an ordinary Sunday"),
        (dt.date(2027, 1, 4), True, "2027 unknown to the package: weekday rule"),
        (dt.date(2027, 1, 9), False, "2027 unknown to the package: Saturday"),
    ],
)
def test_working_days(day, working, why):
    assert CAL.is_working_day(day) is working, why


def test_the_package_knows_2026_but_not_2027():
    assert official_year_known(2026) and not official_year_known(2027)


@pytest.mark.parametrize(
    ("start", "hours", "end", "why"),
    [
        (at(2026, 11, 20, 10), 4, at(2026, 11, 20, 14), "inside one day"),
        (at(2026, 11, 20, 16), 4, at(2026, 11, 23, 10), "Friday → Monday"),
        (at(2026, 11, 20, 19), 1, at(2026, 11, 23, 9), "after hours starts Monday"),
        (at(2026, 11, 20, 6), 2, at(2026, 11, 20, 10), "before hours starts at 08"),
        (at(2026, 11, 20, 8), 10, at(2026, 11, 20, 18), "ends at the close"),
        # Golden Week: Sep 30 8 h, Oct 1-7 off, Oct 8 10 h, Oct 9 6 h
        (at(2026, 9, 30, 10), 24, at(2026, 10, 9, 14), "across National Day"),
        # Oct 9 8 h, Sat Oct 10 is a make-up working day 10 h, Mon Oct 12 6 h
        (at(2026, 10, 9, 10), 24, at(2026, 10, 12, 14), "make-up Saturday counts"),
        # Sat Sep 19 off, make-up Sun Sep 20 10 h, Mon Sep 21 2 h
        (at(2026, 9, 19, 12), 12, at(2026, 9, 21, 10), "make-up Sunday counts"),
    ],
)
def test_add_working_hours(start, hours, end, why):
    assert CAL.add_working_hours(start, hours) == end, why


def test_unknown_year_falls_back_to_weekdays_and_overrides():
    # given: 2027 is not in chinesecalendar 1.11; the centre entered New Year
    start = at(2026, 12, 31, 10)  # Thursday, 8 working hours left
    new_year = WorkingCalendar(overrides={dt.date(2027, 1, 1): False})
    # then: without the override Friday 2027-01-01 is a working day
    assert CAL.add_working_hours(start, 24) == at(2027, 1, 4, 14)
    # with it, the limit runs over the weekend to Tuesday
    assert new_year.add_working_hours(start, 24) == at(2027, 1, 5, 14)


def test_an_override_can_make_a_sunday_a_working_day():
    sunday = dt.date(2027, 1, 10)
    cal = WorkingCalendar(overrides={sunday: True})
    assert cal.is_working_day(sunday) and not CAL.is_working_day(sunday)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 20, 9, 30), at(2026, 11, 20, 9, 30)),
        (at(2026, 11, 20, 18, 0), at(2026, 11, 23, 8, 0)),
        (at(2026, 9, 30, 20, 0), at(2026, 10, 8, 8, 0)),
        (at(2026, 10, 9, 23, 0), at(2026, 10, 10, 8, 0)),
    ],
)
def test_next_working_moment(moment, expected):
    assert CAL.next_working_moment(moment) == expected


def test_working_hours_between():
    assert CAL.working_hours_between(at(2026, 9, 30, 10), at(2026, 10, 9, 14)) == 24


def test_standard_limits_counted_in_working_hours():
    natural = StandardLimit("install", None, None, 24)
    working = StandardLimit("install", None, None, 24, rules.WORKING)
    start = at(2026, 9, 30, 10)
    assert rules.standard_limit_end(start, natural, CAL)[0] == at(2026, 10, 1, 10)
    assert rules.standard_limit_end(start, working, CAL) == (
        at(2026, 10, 9, 14),
        "24工作小时",
    )


# --- the internal deadline: suspension arithmetic -------------------------------


@pytest.mark.parametrize(
    ("suspended", "resumed", "deadline", "new_deadline", "paused"),
    [
        # a same-day repair suspended late evening, resumed after midnight
        (
            at(2026, 11, 20, 22, 0),
            at(2026, 11, 21, 1, 30),
            at(2026, 11, 20, 23, 59, 59),
            at(2026, 11, 21, 3, 29, 59),
            dt.timedelta(hours=3, minutes=30),
        ),
        # suspended after the deadline already passed: still shifted by the pause
        (
            at(2026, 11, 21, 9),
            at(2026, 11, 21, 10),
            at(2026, 11, 21, 8),
            at(2026, 11, 21, 9),
            dt.timedelta(hours=1),
        ),
        # suspended over the Golden Week: natural time, holidays included
        (
            at(2026, 9, 30, 17),
            at(2026, 10, 8, 9),
            at(2026, 10, 1, 12),
            at(2026, 10, 9, 4),
            dt.timedelta(days=7, hours=16),
        ),
        # resumed at the same instant: nothing changes
        (
            at(2026, 11, 20, 9),
            at(2026, 11, 20, 9),
            at(2026, 11, 20, 12),
            at(2026, 11, 20, 12),
            dt.timedelta(0),
        ),
    ],
)
def test_resume_adds_the_paused_time_to_the_internal_deadline(
    suspended, resumed, deadline, new_deadline, paused
):
    result = rules.resume_times(
        suspended_at=suspended,
        now=resumed,
        sla_deadline=deadline,
        first_response_due=None,
        first_contact_at=None,
    )
    assert (result.paused, result.sla_deadline) == (paused, new_deadline)


@pytest.mark.parametrize(
    ("due", "contacted", "expected_due"),
    [
        (at(2026, 11, 20, 10, 30), None, at(2026, 11, 20, 11, 30)),  # still running
        (at(2026, 11, 20, 9, 50), None, at(2026, 11, 20, 9, 50)),  # already missed
        (at(2026, 11, 20, 10, 30), at(2026, 11, 20, 9, 55), at(2026, 11, 20, 10, 30)),
    ],
)
def test_resume_moves_a_running_first_response_due(due, contacted, expected_due):
    result = rules.resume_times(
        suspended_at=at(2026, 11, 20, 10),
        now=at(2026, 11, 20, 11),
        sla_deadline=at(2026, 11, 20, 23, 59, 59),
        first_response_due=due,
        first_contact_at=contacted,
    )
    assert result.first_response_due == expected_due


# --- checkpoints ------------------------------------------------------------------


def state(**kw):
    values = {
        "status": rules.DISPATCHED,
        "accepted_at": at(2026, 11, 20, 10),
        "deadline": at(2026, 11, 20, 20),
        "sla_deadline": at(2026, 11, 20, 20),
        "dispatched_at": at(2026, 11, 20, 10, 5),
        "first_response_due": at(2026, 11, 20, 10, 35),
    }
    values.update(kw)
    return SlaState(**values)


def kinds(points):
    return [(p.kind, p.level, p.at) for p in points]


def test_checkpoints_of_a_fresh_dispatched_order():
    # 10 h from entry to deadline: 80 % at 18:00, 60 min before at 19:00
    assert kinds(rules.sla_checkpoints(state(), POLICY)) == [
        ("first_response", 0, at(2026, 11, 20, 10, 35)),
        ("warning", rules.WARN_PERCENT_USED, at(2026, 11, 20, 18)),
        ("warning", rules.WARN_MINUTES_BEFORE, at(2026, 11, 20, 19)),
        ("escalation", 1, at(2026, 11, 20, 20)),
        ("escalation", 2, at(2026, 11, 20, 22)),
        ("escalation", 3, at(2026, 11, 21, 4)),
    ]


@pytest.mark.parametrize(
    ("changes", "next_check", "why"),
    [
        ({}, at(2026, 11, 20, 10, 35), "first response first"),
        (
            {"first_contact_at": at(2026, 11, 20, 10, 20)},
            at(2026, 11, 20, 18),
            "contacted: next is the 80 % warning",
        ),
        (
            {"first_response_missed": True, "warnings_sent": 3},
            at(2026, 11, 20, 20),
            "both warnings done: level 1 at the deadline",
        ),
        (
            {"first_response_missed": True, "warnings_sent": 3, "ladder_level": 2},
            at(2026, 11, 21, 4),
            "level 2 fired: level 3 eight hours after",
        ),
        (
            {"first_response_missed": True, "warnings_sent": 3, "ladder_level": 3},
            None,
            "nothing left",
        ),
        (
            {"first_response_missed": True, "warnings_sent": 3, "escalation_level": 3},
            at(2026, 11, 20, 20),
            "urged or escalated by hand to 3: the ladder still fires level 1",
        ),
        ({"status": rules.SUSPENDED}, None, "the clock is stopped"),
        ({"status": rules.COMPLETED}, None, "done"),
        ({"status": rules.CANCELLED}, None, "done"),
        (
            {"status": rules.PENDING, "first_response_due": None},
            at(2026, 11, 20, 18),
            "pending: warnings run, no first response yet",
        ),
        (
            {"is_repeat_fault": True},
            at(2026, 11, 20, 10),
            "a repeat fault escalates at entry",
        ),
        (
            {
                "sla_deadline": at(2026, 11, 20, 23),
                "first_contact_at": at(2026, 11, 20, 10, 20),
            },
            at(2026, 11, 20, 21),
            "3 h of suspension moved the internal deadline and its warnings",
        ),
    ],
)
def test_next_check(changes, next_check, why):
    assert rules.sla_next_check(state(**changes), POLICY) == next_check, why


def test_warning_points_can_be_switched_off_and_offsets_configured():
    policy = SlaPolicy(
        warn_percent_used=0,
        warn_minutes_before=30,
        escalation_offsets=(dt.timedelta(minutes=10),),
    )
    points = rules.sla_checkpoints(
        state(first_contact_at=at(2026, 11, 20, 10, 1)), policy
    )
    assert kinds(points) == [
        ("warning", rules.WARN_MINUTES_BEFORE, at(2026, 11, 20, 19, 30)),
        ("escalation", 1, at(2026, 11, 20, 20, 10)),
    ]


def test_due_checkpoints_and_marking_them_processed():
    s = state(first_contact_at=at(2026, 11, 20, 10, 20))
    due = rules.sla_due(s, POLICY, at(2026, 11, 20, 22, 30))
    assert [(p.kind, p.level) for p in due] == [
        ("warning", 1),
        ("warning", 2),
        ("escalation", 1),
        ("escalation", 2),
    ]
    after = rules.sla_mark_processed(s, due)
    assert (after.warnings_sent, after.escalation_level) == (3, 2)
    assert rules.sla_next_check(after, POLICY) == at(2026, 11, 21, 4)
    assert rules.warning_is_stale(s, at(2026, 11, 20, 22, 30))


def test_checkpoint_codes_tie_warnings_to_their_deadline_and_misses_to_their_dispatch():
    a = {p.kind + str(p.level): p.code for p in rules.sla_checkpoints(state(), POLICY)}
    moved = state(sla_deadline=at(2026, 11, 21, 20), dispatched_at=at(2026, 11, 20, 11))
    b = {p.kind + str(p.level): p.code for p in rules.sla_checkpoints(moved, POLICY)}
    assert (
        a["warning1"] != b["warning1"] and a["first_response0"] != b["first_response0"]
    )
    assert a["escalation1"] == b["escalation1"] == "1"  # a level fires once per order


@pytest.mark.parametrize(
    ("kind", "previous", "window", "expected"),
    [
        ("repair", at(2026, 10, 21, 10), 30, True),  # exactly 30 days
        ("repair", at(2026, 10, 21, 9, 59), 30, False),  # a minute more
        ("repair", None, 30, False),  # no previous repair
        ("install", at(2026, 11, 19), 30, False),  # only repairs
        ("repair", at(2026, 11, 19), 0, False),  # switched off
    ],
)
def test_repeat_fault_window(kind, previous, window, expected):
    assert (
        rules.is_repeat_fault(
            kind=kind,
            accepted_at=at(2026, 11, 20, 10),
            previous_repair_completed_at=previous,
            window_days=window,
        )
        is expected
    )


@pytest.mark.parametrize(
    ("same_day", "level", "urgent"),
    [(True, "ordinary", True), (False, "gold", True), (False, "ordinary", False)],
)
def test_urgent_notices(same_day, level, urgent):
    assert rules.notice_is_urgent(is_same_day=same_day, customer_level=level) is urgent
