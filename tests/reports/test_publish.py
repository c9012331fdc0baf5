"""Published warnings (发布预警) and the scheduled daily/weekly/monthly reports."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings as django_settings

from notifications.models import Notification
from reports import services
from reports.models import MetricTarget, QualityWarning, StoredReport
from reports.tasks import publish
from tests.conftest import make_user

from .conftest import DAY, at, order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org")]

MORNING_AFTER = at(DAY + dt.timedelta(days=1), 7)


@pytest.fixture
def managers(org):
    return make_user("mgr_city", "manager"), make_user(
        "mgr_d1", "manager", district="D1"
    )


@pytest.fixture
def only_broadband_target():
    MetricTarget.objects.exclude(metric="repair_on_time_rate_broadband").update(
        active=False
    )


def broadband_repairs(n, late, area="P1"):
    for i in range(n):
        order(
            package_area=area,
            deadline=at(DAY, 18),
            completed_at=at(DAY, 19 if i < late else 17),
        )


def test_the_default_targets_are_the_seed_figures():
    targets = {
        t.metric: (t.direction, str(t.value)) for t in MetricTarget.objects.all()
    }
    assert targets["repair_on_time_rate_broadband"] == ("min", "0.9699")
    # the broadband figures of the seeds apply to the broadband metrics
    assert targets["repeat_fault_rate_broadband_vip"] == ("max", "0.0742")
    assert targets["repeat_fault_rate_broadband_ordinary"] == ("max", "0.0815")
    assert targets["remote_resolution_rate_broadband"] == ("min", "0.7500")
    for all_products in (
        "repeat_fault_rate_vip",
        "repeat_fault_rate_ordinary",
        "remote_resolution_rate",
    ):
        assert all_products not in targets


def test_the_75_percent_target_judges_the_broadband_rate_not_all_products(managers):
    # 20 broadband repairs, 14 remote (70 %: below 75 %); 20 fixed-phone
    # repairs all remote: all products 85 %, which no target judges
    for i in range(20):
        order(
            completed_at=at(DAY, 10),
            resolution="remote" if i < 14 else "onsite",
            technician=None,
        )
        order(
            completed_at=at(DAY, 10),
            product="fixed_phone",
            resolution="remote",
            technician=None,
        )
    result = services.report_publish("day", now=MORNING_AFTER)
    missed = {w.metric for w in result.warnings if w.district is None}
    assert "remote_resolution_rate_broadband" in missed
    assert "remote_resolution_rate" not in missed


def test_a_missed_target_is_published_once_to_the_managers_responsible(
    managers, only_broadband_target
):
    broadband_repairs(20, late=2)  # 90 % in D1, and so city-wide
    result = services.report_publish("day", now=MORNING_AFTER)
    warnings = {(w.district.code if w.district else None): w for w in result.warnings}
    assert set(warnings) == {None, "D1"}
    city = warnings[None]
    assert (city.metric, city.value, city.sample) == (
        "repair_on_time_rate_broadband",
        Decimal("0.9"),
        20,
    )
    notices = Notification.objects.filter(topic="reports_warning")
    assert sorted(notices.values_list("recipient", "subject_id")) == sorted(
        [("mgr_city", city.pk), ("mgr_d1", warnings["D1"].pk)]
    )
    body = notices.get(recipient="mgr_city").body
    assert "宽带障碍修复及时率为90.00%" in body and "96.99%" in body
    # the morning job runs again (a retry, a second beat): nothing more
    again = services.report_publish("day", now=MORNING_AFTER + dt.timedelta(hours=1))
    assert again.warnings == []
    assert QualityWarning.objects.count() == 2 and notices.count() == 2


def test_too_small_a_sample_publishes_nothing(managers, only_broadband_target):
    broadband_repairs(19, late=10)
    assert services.report_publish("day", now=MORNING_AFTER).warnings == []


def test_a_maximum_target_warns_above_it(managers):
    MetricTarget.objects.exclude(metric="repeat_fault_rate_broadband_vip").update(
        active=False
    )
    MetricTarget.objects.filter(metric="repeat_fault_rate_broadband_vip").update(
        min_sample=4
    )
    for repeat in (True, False, False, False):
        order(
            level="diamond", is_repeat_fault=repeat, package_area="P3", technician="T3"
        )
    warnings = services.report_publish("day", now=MORNING_AFTER).warnings
    assert {(w.district.code if w.district else None) for w in warnings} == {None, "D2"}
    assert all(w.value == Decimal("0.25") for w in warnings)
    # nobody manages D2 alone: its warning goes to the city-wide manager
    d2 = next(w for w in warnings if w.district)
    assert d2.recipients == ["mgr_city"]


def test_the_daily_report_is_stored_and_announced_once(managers, only_broadband_target):
    broadband_repairs(3, late=1)
    order(package_area="P3", technician="T3", completed_at=at(DAY, 10))
    result = services.report_publish("day", now=MORNING_AFTER)
    stored = {(r.district.code if r.district else None): r for r in result.reports}
    assert set(stored) == {None, "D1"}  # the city, and D1 which has its manager
    city = stored[None]
    assert (city.period, city.start, city.end) == ("day", DAY, DAY)
    assert city.summary["totals"]["orders_completed"] == 4
    assert stored["D1"].summary["totals"]["orders_completed"] == 3
    book = openpyxl.load_workbook(io.BytesIO(bytes(city.xlsx)))
    assert book.sheetnames == [
        "按区局",
        "按区域组",
        "按装维工程师",
        "按外包公司",
        "上期按区局",
        "说明",
    ]
    ready = Notification.objects.filter(topic="reports_ready")
    assert sorted(ready.values_list("recipient", flat=True)) == ["mgr_city", "mgr_d1"]
    assert "竣工4单" in ready.get(recipient="mgr_city").body
    services.report_publish("day", now=MORNING_AFTER + dt.timedelta(hours=2))
    assert StoredReport.objects.count() == 2 and ready.count() == 2


def test_weekly_and_monthly_reports_cover_the_period_just_ended(managers):
    monday = at(dt.date(2026, 12, 7), 7, 10)
    with time_machine.travel(monday, tick=False):
        counts = publish.apply(kwargs={"period": "week"}).get()
        assert (counts["start"], counts["reports"]) == ("2026-11-30", 2)
        counts = publish.apply(kwargs={"period": "month"}).get()
        assert counts["start"] == "2026-11-01"
    month = StoredReport.objects.get(period="month", district__isnull=True)
    assert (month.start, month.end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_the_beat_runs_the_rollup_nightly_and_the_reports_each_morning():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    rollup = schedule["reports.rollup"]
    assert rollup["task"] == "reports.rollup"
    assert isinstance(rollup["schedule"], crontab)
    assert rollup["options"]["expires"] <= 24 * 3600
    kinds = {
        entry["kwargs"]["period"]: entry["schedule"]
        for entry in schedule.values()
        if entry["task"] == "reports.publish"
    }
    assert set(kinds) == {"day", "week", "month"}
    assert kinds["week"].day_of_week == {1}
    assert kinds["month"].day_of_month == {1}
