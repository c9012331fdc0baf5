"""Daily rollups: idempotent, equal to the raw figures, today stays live."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command

from dispatch.models import RotaEntry
from org.models import Technician
from reports import rules, selectors, services
from reports.models import DailyRollup, Level, ReportPolicy, RollupDay, RollupMonth
from reports.tasks import rollup
from tests.conftest import local_time

from .conftest import (
    DAY,
    NOW,
    approval,
    at,
    callback,
    claim,
    complaint,
    day_report,
    order,
    sla_event,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org", "clock")]
D = dt.timedelta


def rollup_rows():
    fields = [f.attname for f in DailyRollup._meta.concrete_fields if f.attname != "id"]
    return sorted(DailyRollup.objects.values_list(*fields))


def busy_week():
    """A mixed week of records over every source, in all three districts' areas."""
    week = [DAY + D(i) for i in range(4)]  # Mon..Thu; "now" is Friday
    for i, day in enumerate(week):
        for area, tech in (("P1", "T1"), ("P2", "T2"), ("P3", "T3"), ("P4", None)):
            late = order(
                package_area=area,
                technician=tech,
                accepted_at=at(day, 8 + i),
                deadline=at(day, 12),
                is_same_day=True,
                completed_at=at(day, 13 + i),
                dispatched_at=at(day, 8 + i, 5),
                first_response_due=at(day, 8 + i, 35),
                first_contact_at=at(day, 8 + i, 20 + 10 * i),
                arrived_at=at(day, 12, 30),
            )
            done = order(
                package_area=area,
                technician=tech,
                kind="install",
                accepted_at=at(day, 9),
                appointment_end=at(day, 14),
                arrived_at=at(day, 13 + i % 2 * 2),
                completed_at=at(day, 15),
                is_repeat_fault=False,
            )
            order(package_area=area, technician=tech, accepted_at=at(day, 10))
            order(
                package_area=area,
                technician=None,
                accepted_at=at(day, 11),
                completed_at=at(day, 11, 30),
                resolution="remote",
                is_repeat_fault=i % 2 == 0,
                level="gold" if i % 3 else "ordinary",
            )
            claim(late, "10.00")
            callback(done, when=at(day, 20), satisfied=i != 1, contact=3 + i % 3)
            sla_event(late, "urge", when=at(day, 12, 10))
            sla_event(late, "escalation", when=at(day, 12, 20))
            approval(done, "reschedule", when=at(day, 9, 30))
        complaint(district="D2", when=at(day, 16))
        complaint(wo=late, when=at(day, 17), category="product_quality")
    RotaEntry.objects.create(
        technician=Technician.objects.get(code="T3"), date=DAY + D(2), kind="rest"
    )
    return week


def test_rolling_a_day_up_twice_gives_the_same_rows():
    busy_week()
    first = services.rollup_day(DAY)
    rows = rollup_rows()
    second = services.rollup_day(DAY)
    assert rows == rollup_rows()
    assert first.rows == second.rows == len(rows) > 0
    assert RollupDay.objects.get(day=DAY).rows == len(rows)


def test_each_day_is_kept_at_three_grains_that_add_up():
    busy_week()
    services.rollup_day(DAY)
    for level in (Level.DISTRICT, Level.GROUP, Level.TECHNICIAN):
        total = rules.sum_counters(
            DailyRollup.objects.filter(day=DAY, level=level).values()
        )
        assert total["received"] == 16 and total["completed"] == 12, level
    districts = DailyRollup.objects.filter(day=DAY, level=Level.DISTRICT)
    assert sorted(districts.values_list("group_id", "technician_id", "vendor_id")) == [
        (0, 0, 0),
        (0, 0, 0),
    ]


@pytest.mark.parametrize("period", rules.PERIODS)
def test_the_report_from_rollups_equals_the_report_from_raw_rows(manager, period):
    busy_week()
    ReportPolicy.objects.update(live_gap_days=31)  # every day from the raw rows
    # a month from the raw rows is ~50 days of queries: two groupings suffice
    groupings = rules.GROUPINGS if period != "month" else ("district", "technician")
    raw = {
        by: day_report(manager, DAY + D(2), by=by, period=period) for by in groupings
    }
    assert all(r["live_days"] and not r["missing_days"] for r in raw.values())
    services.rollup_range(dt.date(2026, 10, 1), NOW.date() - D(1))
    for by in groupings:
        rolled = day_report(manager, DAY + D(2), by=by, period=period)
        # only today is still computed from the raw rows
        today = [NOW.date().isoformat()]
        assert rolled["live_days"] == ([] if period == "day" else today)
        for report in (raw[by], rolled):
            report.pop("live_days")
            report.pop("missing_days")
        assert rolled == raw[by], by
        assert rolled["totals"]["orders_received"] > 0


def test_after_the_rollup_past_days_are_read_from_rollups_only(
    manager, django_assert_num_queries
):
    busy_week()
    services.rollup_range(DAY - D(1), DAY + D(3))
    period = rules.period_of("day", DAY)
    # the cache's stamp of the rollups, then markers, sums, names (x2: this
    # period and the previous one); no raw table
    with django_assert_num_queries(7) as captured:
        report = selectors.quality_report(period, rules.TECHNICIAN, today=NOW.date())
    tables = {
        table
        for q in captured.captured_queries
        for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', q["sql"])
    }
    assert tables == {
        "reports_reportpolicy",
        "reports_rollupday",
        "reports_rollupmonth",
        "reports_dailyrollup",
        "org_technician",
    }
    assert report.current.live_days == []
    # the same closed period again: only the stamp, from the process's cache
    with django_assert_num_queries(2):
        selectors.quality_report(period, rules.TECHNICIAN, today=NOW.date())


def test_today_stays_live_and_is_never_rolled_up(manager, clock):
    busy_week()
    services.rollup_range(DAY, DAY + D(3))
    before = day_report(manager, NOW.date(), period="week")["totals"]
    order(accepted_at=NOW - D(hours=1))
    after = day_report(manager, NOW.date(), period="week")
    assert after["totals"]["orders_received"] == before["orders_received"] + 1
    assert after["live_days"] == [NOW.date().isoformat()]
    with pytest.raises(ValueError):
        services.rollup_day(NOW.date())


def test_yesterday_before_the_nightly_job_is_computed_live(manager):
    order(accepted_at=at(NOW.date() - D(1), 10))
    report = day_report(manager, NOW.date() - D(1))
    assert report["totals"]["orders_received"] == 1
    assert report["live_days"] == [(NOW.date() - D(1)).isoformat()]


def test_old_days_never_rolled_up_are_reported_missing(manager):
    ReportPolicy.objects.update(live_gap_days=2)
    order(accepted_at=at(DAY - D(20), 10))
    report = day_report(manager, DAY - D(20), period="month")
    assert report["missing_days"][0] == "2026-10-01"
    assert "2026-10-27" in report["missing_days"]
    assert report["totals"]["orders_received"] == 0
    call_command("reports_backfill", "2026-10-27", "2026-10-27", stdout=StringIO())
    assert day_report(manager, DAY - D(20))["totals"]["orders_received"] == 1


def test_a_change_after_the_rollup_is_taken_in_by_the_next_nightly_run(manager):
    wo = order(accepted_at=at(NOW.date() - D(2), 10))
    rollup.apply()
    assert day_report(manager, NOW.date() - D(2))["totals"]["orders_cancelled"] == 0
    wo.status = "cancelled"
    wo.save(update_fields=["status"])
    assert day_report(manager, NOW.date() - D(2))["totals"]["orders_cancelled"] == 0
    rollup.apply()
    assert day_report(manager, NOW.date() - D(2))["totals"]["orders_cancelled"] == 1


def test_the_nightly_run_fills_days_never_rolled_up_since_the_first_order():
    order(accepted_at=at(DAY - D(30), 10))
    counts = rollup.apply(kwargs={"days": 3}).get()
    yesterday = NOW.date() - D(1)
    assert counts["recomputed"] == 3
    assert services.missing_days(DAY - D(30), yesterday) == []
    assert counts["days"] == (yesterday - (DAY - D(30))).days + 1
    # nothing is left to fill: the next night recomputes the window only
    assert rollup.apply(kwargs={"days": 3}).get()["filled"] == 0


def test_backfill_command_rolls_up_a_range_and_refuses_today():
    busy_week()
    out = StringIO()
    call_command("reports_backfill", "2026-11-16", "2026-11-19", stdout=out)
    assert "4 days" in out.getvalue()
    assert RollupDay.objects.count() == 4
    with pytest.raises(Exception, match="not over yet"):
        call_command("reports_backfill", "2026-11-19", NOW.date().isoformat())
    out = StringIO()
    call_command("reports_backfill", "--missing-only", stdout=out)
    assert (
        RollupDay.objects.filter(day=DAY - D(1)).exists() is False
    )  # no orders before


def test_boundaries_in_asia_shanghai(manager):
    # completed one second before midnight and at midnight, local time
    order(completed_at=local_time(2026, 11, 30, 23, 59, 59), accepted_at=at(DAY))
    order(completed_at=local_time(2026, 12, 1, 0, 0, 0), accepted_at=at(DAY))
    with_clock = NOW + D(days=20)
    import time_machine

    with time_machine.travel(with_clock, tick=False):
        services.rollup_range(dt.date(2026, 11, 29), dt.date(2026, 12, 2))
        for when, expected in [
            (("day", dt.date(2026, 11, 30)), 1),
            (("day", dt.date(2026, 12, 1)), 1),
            (("month", dt.date(2026, 11, 30)), 1),
            (("month", dt.date(2026, 12, 1)), 1),
            (("week", dt.date(2026, 11, 30)), 1),  # Mon 30 Nov .. Sun 6 Dec: both
        ]:
            kind, day = when
            got = day_report(manager, day, period=kind)["totals"]["orders_completed"]
            assert got == (2 if kind == "week" else expected), when


def test_the_rollup_table_has_a_column_for_every_counter():
    columns = {f.name for f in DailyRollup._meta.concrete_fields}
    assert set(rules.COUNTERS) <= columns
    dims = {
        "id",
        "level",
        "day",
        "district_id",
        "group_id",
        "technician_id",
        "vendor_id",
    }
    assert columns - set(rules.COUNTERS) == dims


def test_a_complete_month_is_also_kept_at_the_month_grain(manager):
    october = [dt.date(2026, 10, d) for d in (5, 6, 30)]
    for day in october:
        order(accepted_at=at(day, 9), completed_at=at(day, 10))
        order(accepted_at=at(day, 9), technician="T2", completed_at=at(day, 12))
    services.rollup_range(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert RollupMonth.objects.filter(month=dt.date(2026, 10, 1)).exists()
    month = DailyRollup.objects.filter(
        level=Level.TECHNICIAN_MONTH, day=dt.date(2026, 10, 1)
    )
    assert sorted(month.values_list("technician_id", "completed")) == sorted(
        [
            (Technician.objects.get(code="T1").pk, 3),
            (Technician.objects.get(code="T2").pk, 3),
            # the rota rows of the month's Mondays, for every technician
            (Technician.objects.get(code="T3").pk, 0),
        ]
    )
    from_month = day_report(
        manager, dt.date(2026, 10, 1), by="technician", period="month"
    )
    # re-rolling a day of the month drops the month grain until it is rebuilt
    services.rollup_day(dt.date(2026, 10, 6))
    assert not RollupMonth.objects.exists()
    from_days = day_report(
        manager, dt.date(2026, 10, 1), by="technician", period="month"
    )
    assert from_days == from_month
    services.rollup_months(dt.date(2026, 10, 6), dt.date(2026, 10, 6))
    assert RollupMonth.objects.count() == 1


def test_the_current_month_has_no_month_grain():
    order(accepted_at=at(DAY, 9), completed_at=at(DAY, 10))
    services.rollup_range(dt.date(2026, 11, 1), NOW.date() - D(1))
    assert not RollupMonth.objects.exists()
    assert services.rollup_month(dt.date(2026, 11, 1)) is None
