"""A page of the quality report from SQL equals the page of the whole report.

``reports.paged`` reads the page's keys, the count and the totals from SQL;
the whole report (``selectors.quality_report`` + ``report_payload``) sums
every key in Python. Every page of every grouping, at every page size, must
give the same rows and totals, whether the days are rolled up (day or month
grain), computed live or both.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.models import Technician
from reports import paged, rules, selectors, services
from reports.models import DailyRollup
from workorders.models import WorkOrder

from .conftest import DAY, at, callback, claim, day_report, order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org", "clock")]

TODAY = dt.date(2026, 11, 20)
PREVIOUS = DAY - dt.timedelta(days=1)


def _technician(code: str, *, like: str = "T3") -> Technician:
    tech = Technician.objects.get(code=like)
    tech.pk = tech.id = tech.user = None
    tech.code, tech.name = code, f"工程师{code}"
    tech.phone = f"1390000{sum(map(ord, code)):04d}"
    tech.save()
    return tech


@pytest.fixture
def world():
    # codes whose order differs between a linguistic and the code point
    # collation ("B2" < "a1" by code point, "a1" < "B2" in en_US)
    for code in ("a1", "B2", "T10"):
        _technician(code)
    for tech, area in (("T1", "P1"), ("T2", "P2"), ("T3", "P3"), ("a1", "P3")):
        order(package_area=area, technician=tech, completed_at=at(DAY, 11))
        order(
            package_area=area,
            technician=tech,
            accepted_at=at(PREVIOUS, 9),
            completed_at=at(PREVIOUS, 11),
        )
    done = order(package_area="P1", technician="B2", completed_at=at(DAY, 15))
    claim(done, amount="12.35")
    callback(done, satisfied=False)
    # only in the previous period: T10
    order(
        package_area="P4",
        technician="T10",
        accepted_at=at(PREVIOUS, 8),
        completed_at=at(PREVIOUS, 10),
    )
    # no technician (the "none" row, last), an order in the month before
    order(package_area="P4", technician=None, kind="install", product="itv_hd")
    order(
        package_area="P2",
        technician="T2",
        accepted_at=at(dt.date(2026, 10, 30), 9),
        completed_at=at(dt.date(2026, 10, 31), 9),
    )


def _whole(period, by, **kwargs) -> dict:
    return selectors.report_payload(selectors.quality_report(period, by, **kwargs))


def _pages(period, by, size, **kwargs) -> list[dict]:
    first = paged.report_page(period, by, page=1, page_size=size, **kwargs)
    return [first] + [
        paged.report_page(period, by, page=n, page_size=size, **kwargs)
        for n in range(2, first["pages"] + 1)
    ]


def _same_as_whole(period, by, **kwargs):
    whole = _whole(period, by, today=TODAY, **kwargs)
    assert whole["rows"], "the case must have rows"
    for size in (1, 2, 3, 500):
        pages = _pages(period, by, size, today=TODAY, **kwargs)
        assert [p["page"] for p in pages] == list(range(1, len(pages) + 1))
        assert len(pages) == -(-whole["count"] // size)
        assert [r for p in pages for r in p["rows"]] == whole["rows"]
        for p in pages:
            assert p["count"] == whole["count"]
            assert p["totals"] == whole["totals"]
            assert p["previous"]["totals"] == whole["previous"]["totals"]
            assert (p["start"], p["end"], p["live_days"], p["missing_days"]) == (
                whole["start"],
                whole["end"],
                whole["live_days"],
                whole["missing_days"],
            )
            keys = {r["key"] for r in p["rows"]}
            if len(pages) > 1:  # the previous rows of this page's keys
                expected = [r for r in whole["previous"]["rows"] if r["key"] in keys]
            else:  # one page: every previous row, keys gone since included
                expected = whole["previous"]["rows"]
            assert p["previous"]["rows"] == expected
    return whole


@pytest.mark.parametrize("by", rules.GROUPINGS)
def test_every_page_of_a_live_day_is_the_page_of_the_whole_report(world, by):
    _same_as_whole(rules.period_of(rules.DAY, DAY), by)


@pytest.mark.parametrize("by", rules.GROUPINGS)
def test_every_page_of_a_rolled_up_day_is_the_page_of_the_whole_report(world, by):
    services.rollup_range(PREVIOUS - dt.timedelta(days=1), DAY)
    whole = _same_as_whole(rules.period_of(rules.DAY, DAY), by)
    if by == rules.TECHNICIAN:
        # code point order, the "none" row last; a Monday's rota left out
        assert [r["key"] for r in whole["rows"]] == ["B2", "T1", "T2", "T3", "a1", ""]


@pytest.mark.parametrize("by", rules.GROUPINGS)
def test_a_month_at_the_month_grain_pages_like_the_whole_report(world, by):
    services.rollup_range(dt.date(2026, 10, 1), dt.date(2026, 11, 19))
    october = rules.period_of(rules.MONTH, dt.date(2026, 10, 1))
    if by in selectors.MONTH_LEVEL_OF:  # read at the month grain
        level = selectors.MONTH_LEVEL_OF[by]
        assert DailyRollup.objects.filter(level=level, day=october.start).exists()
    whole = _same_as_whole(october, by)
    if by == rules.TECHNICIAN:  # the rest rota makes every technician a row
        assert whole["count"] == Technician.objects.count()
    # November: rolled up up to yesterday, today live
    _same_as_whole(rules.period_of(rules.MONTH, TODAY), by)


def test_a_week_with_live_and_rolled_up_days_pages_like_the_whole_report(world):
    services.rollup_range(PREVIOUS, DAY)
    order(package_area="P3", technician="T10", completed_at=at(TODAY, 8))
    week = rules.period_of(rules.WEEK, DAY)
    whole = _same_as_whole(week, rules.TECHNICIAN)
    assert whole["live_days"] == [
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ]
    assert "T10" in [r["key"] for r in whole["rows"]]  # from the live day only


def test_a_district_scoped_page_counts_that_district_only(world):
    services.rollup_range(PREVIOUS, DAY)
    d1 = WorkOrder.objects.filter(package_area__code="P1").first().district_id
    whole = _same_as_whole(
        rules.period_of(rules.DAY, DAY), "technician", district_id=d1
    )
    assert [r["key"] for r in whole["rows"]] == ["B2", "T1", "T2"]


def test_a_technician_deleted_since_keeps_their_row_in_code_order(world):
    gone = _technician("C7")
    gone_id = gone.id
    wo = order(package_area="P2", technician="C7", completed_at=at(DAY, 9))
    services.rollup_range(PREVIOUS, DAY)
    wo.delete()
    gone.delete()
    whole = _same_as_whole(rules.period_of(rules.DAY, DAY), rules.TECHNICIAN)
    assert whole["rows"][0]["key"] == f"#{gone_id}"


def test_a_page_of_the_api_reads_its_rows_only(manager, world):
    services.rollup_range(PREVIOUS, DAY)
    with CaptureQueriesContext(connection) as queries:
        page = day_report(manager, by="technician", page=3, page_size=2)
    assert [r["key"] for r in page["rows"]] == ["a1", ""]
    assert (page["count"], page["pages"]) == (6, 3)
    assert page["totals"]["orders_completed"] == 5
    assert page["totals"]["compensation_amount"] == "12.35"
    # the page's sums ask for the page's keys only
    sums = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and " IN (" in q["sql"]]
    assert len(sums) == 2  # this period and the previous one
