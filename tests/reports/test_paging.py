"""The quality report's JSON in pages (the xlsx whole); closed periods cached."""

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.models import Technician
from reports import services

from .conftest import DAY, QUALITY, at, day_report, order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org", "clock")]


@pytest.fixture
def data():
    for area, tech in (("P1", "T1"), ("P2", "T2"), ("P3", "T3")):
        order(package_area=area, technician=tech, completed_at=at(DAY, 11))
        order(package_area=area, technician=tech, completed_at=at(DAY, 12))
        # the day before: the previous period of a day report
        order(
            package_area=area,
            technician=tech,
            accepted_at=at(DAY - dt.timedelta(days=1), 9),
            completed_at=at(DAY - dt.timedelta(days=1), 11),
        )


def _rolled(first, last):
    services.rollup_range(first, last)


def test_rows_come_in_pages_with_the_totals_of_the_whole_period(manager, data):
    whole = day_report(manager, by="technician")
    assert [r["key"] for r in whole["rows"]] == ["T1", "T2", "T3"]
    first = day_report(manager, by="technician", page_size=2)
    second = day_report(manager, by="technician", page_size=2, page=2)
    assert (first["count"], first["page"], first["pages"]) == (3, 1, 2)
    assert [r["key"] for r in first["rows"]] == ["T1", "T2"]
    assert [r["key"] for r in second["rows"]] == ["T3"]
    # the previous period's rows: those of this page's keys only
    assert [r["key"] for r in second["previous"]["rows"]] == ["T3"]
    assert second["rows"][0] == whole["rows"][2]
    for page in (first, second):
        assert page["totals"] == whole["totals"]
        assert page["totals"]["orders_completed"] == 6
        assert page["previous"]["totals"] == whole["previous"]["totals"]


def test_the_default_page_is_50_rows_and_at_most_500(manager, data):
    report = day_report(manager, by="technician")
    assert (report["count"], report["page"], report["pages"]) == (3, 1, 1)
    params = {"period": "day", "date": DAY.isoformat(), "by": "technician"}
    too_big = manager.get(QUALITY, {**params, "page_size": 501})
    assert too_big.status_code == 400 and "page_size" in too_big.json()
    assert manager.get(QUALITY, {**params, "page_size": 500}).status_code == 200
    beyond = manager.get(QUALITY, {**params, "page_size": 2, "page": 3})
    assert beyond.status_code == 400 and "page" in beyond.json()
    assert manager.get(QUALITY, {**params, "page": 0}).status_code == 400


def test_the_xlsx_holds_every_row_whatever_the_page(manager, data):
    params = {"period": "day", "date": DAY.isoformat(), "by": "technician"}
    response = manager.get(QUALITY, {**params, "format": "xlsx", "page_size": 1})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    keys = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert {"T1", "T2", "T3"} <= set(keys)


def _rollup_reads(client, **params) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        report = day_report(client, by="technician", **params)
    return report, sum("reports_dailyrollup" in q["sql"] for q in queries)


def test_a_closed_rolled_up_period_is_computed_once(manager, data):
    _rolled(DAY - dt.timedelta(days=1), DAY)
    report, reads = _rollup_reads(manager)
    assert reads > 0 and report["totals"]["orders_completed"] == 6
    again, reads_again = _rollup_reads(manager, page=2, page_size=2)
    assert reads_again == 0  # from the process's cache
    assert again["totals"] == report["totals"]
    assert [r["key"] for r in again["rows"]] == ["T3"]


def test_a_day_rolled_up_again_is_read_again(manager, data, clock):
    _rolled(DAY - dt.timedelta(days=1), DAY)
    assert day_report(manager, by="technician")["totals"]["orders_completed"] == 6
    # a late record comes in and the nightly job rolls the day up again
    order(package_area="P1", technician="T1", completed_at=at(DAY, 15))
    assert day_report(manager, by="technician")["totals"]["orders_completed"] == 6
    clock.shift(dt.timedelta(minutes=30))
    _rolled(DAY, DAY)
    assert day_report(manager, by="technician")["totals"]["orders_completed"] == 7


def test_a_period_not_closed_or_not_rolled_up_is_not_cached(manager, data):
    # not rolled up: computed from the records each time
    assert day_report(manager, by="technician")["totals"]["orders_completed"] == 6
    order(package_area="P1", technician="T1", completed_at=at(DAY, 15))
    assert day_report(manager, by="technician")["totals"]["orders_completed"] == 7
    # today is never cached
    today = dt.date(2026, 11, 20)
    order(package_area="P2", technician="T2", completed_at=at(today, 9))
    assert day_report(manager, day=today, by="technician")["count"] == 1
    order(package_area="P3", technician="T3", completed_at=at(today, 9, 30))
    assert day_report(manager, day=today, by="technician")["count"] == 2
    assert Technician.objects.count() >= 3
