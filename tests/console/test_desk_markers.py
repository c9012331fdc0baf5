"""The desk's change markers, compiled once per process: every shape of the
technicians panel (search, state filter, desk filters, later pages) and the
district scoping of the side and counts markers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from org.models import RegionGroup, Technician
from tests.conftest import make_user
from tests.console.test_desk_poll_etags import (
    COUNTS,
    FRIDAY_10,
    QUEUE,
    SIDE,
    TECHS,
    dispatch_to,
    etag_of,
    many_orders,
    new_order,
    polled,
    tech_user,
)
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(org):
    client = Client()
    client.force_login(make_user("disp1", "dispatcher"))
    return client


@pytest.fixture
def scoped(org):
    client = Client()
    client.force_login(make_user("disp_d1", "dispatcher", district="D1"))
    return client


def shown(response):
    return re.findall(r'data-technician="([^"]+)"', response.content.decode())


def crew(n):
    group = RegionGroup.objects.get(code="G1")
    for i in range(n):
        Technician.objects.create(
            code=f"X{i:02d}", name=f"测试{i:02d}", phone="13800000100", group=group
        )


# --- the technicians panel -----------------------------------------------------------


def test_a_searched_technician_going_off_duty_changes_the_etag(desk):
    url = f"{TECHS}?tq=T2"
    etag = etag_of(desk, url)
    assert polled(desk, etag, url).status_code == 304
    Technician.objects.filter(code="T2").update(status="leave")
    response = polled(desk, etag, url)
    assert response.status_code == 200 and shown(response) == ["T2"]


def test_a_search_for_a_like_wildcard_matches_it_literally(desk):
    assert shown(desk.get(f"{TECHS}?tq=%25")) == []
    assert shown(desk.get(f"{TECHS}?tq=_")) == []


def test_a_dispatch_under_a_state_filter_changes_the_etag(desk):
    url = f"{TECHS}?tstate=on_duty"
    etag = etag_of(desk, url)
    assert polled(desk, etag, url).status_code == 304
    dispatch_to(new_order(), "T1")
    assert polled(desk, etag, url).status_code == 200


def test_a_technician_outside_the_desk_group_filter_keeps_the_etag(desk):
    g1 = RegionGroup.objects.get(code="G1")
    url = f"{TECHS}?group={g1.pk}"
    etag = etag_of(desk, url)
    Technician.objects.filter(code="T3").update(status="leave")  # group G2
    assert polled(desk, etag, url).status_code == 304
    Technician.objects.filter(code="T1").update(status="leave")
    assert polled(desk, etag, url).status_code == 200


def test_a_new_technician_on_a_later_page_changes_the_count_and_the_etag(desk):
    crew(30)  # 33 technicians: T1-T3 and X00-X29 on two pages
    etag = etag_of(desk)
    assert "共 33 人" in desk.get(TECHS).content.decode()
    Technician.objects.create(
        code="X99", name="新人", phone="1", group=RegionGroup.objects.get(code="G1")
    )
    response = polled(desk, etag)
    assert response.status_code == 200
    assert "共 34 人" in response.content.decode()
    assert "X99" not in shown(response)


def test_a_dispatch_to_a_technician_on_a_short_later_page_changes_its_etag(desk):
    crew(25)  # the second page shows 8 technicians
    url = f"{TECHS}?tpage=2"
    on_page = shown(desk.get(url))
    assert len(on_page) == 8
    etag = etag_of(desk, url)
    assert polled(desk, etag, url).status_code == 304
    Technician.objects.filter(code=on_page[0]).update(max_open_orders=3)
    assert polled(desk, etag, url).status_code == 200


def test_a_scoped_dispatcher_ignores_another_district_under_a_state_filter(scoped):
    url = f"{TECHS}?tstate=on_duty"
    etag = etag_of(scoped, url)
    dispatch_to(new_order(package_area="P3"), "T3")  # district D2
    assert polled(scoped, etag, url).status_code == 304
    dispatch_to(new_order(phone="13900000009"), "T1")
    assert polled(scoped, etag, url).status_code == 200


# --- the side and counts markers of a district ----------------------------------------


def test_a_stuck_order_in_another_district_keeps_a_scoped_side_and_counts(scoped):
    side, counts = etag_of(scoped, SIDE), etag_of(scoped, COUNTS)
    elsewhere = new_order(package_area="P3")
    WorkOrder.objects.filter(pk=elsewhere.pk).update(dispatch_flag="no_candidate")
    assert polled(scoped, side, SIDE).status_code == 304
    assert polled(scoped, counts, COUNTS).status_code == 304
    here = new_order(phone="13900000009")
    WorkOrder.objects.filter(pk=here.pk).update(dispatch_flag="no_candidate")
    assert polled(scoped, side, SIDE).status_code == 200
    response = polled(scoped, counts, COUNTS)
    assert response.status_code == 200 and 'data-stuck="1"' in response.content.decode()


def test_an_approval_in_another_district_keeps_the_scoped_counts(scoped):
    from sla.services import approval_request

    etag = etag_of(scoped, COUNTS)
    elsewhere = dispatch_to(new_order(package_area="P3"), "T3")
    approval_request(elsewhere, kind="suspend", reason="customer", by=tech_user("T3"))
    assert polled(scoped, etag, COUNTS).status_code == 304
    here = dispatch_to(new_order(phone="13900000009"), "T1")
    approval_request(here, kind="suspend", reason="customer", by=tech_user("T1"))
    response = polled(scoped, etag, COUNTS)
    assert response.status_code == 200
    assert 'data-approvals="1"' in response.content.decode()


def test_an_unchanged_side_or_counts_poll_reads_its_marker_in_one_statement(desk):
    side, counts = etag_of(desk, SIDE), etag_of(desk, COUNTS)
    for url, etag in [(SIDE, side), (COUNTS, counts)]:
        with CaptureQueriesContext(connection) as captured:
            assert polled(desk, etag, url).status_code == 304
        # the session and the user aside, one statement
        ours = [q for q in captured.captured_queries if "sla_slaevent" in q["sql"]]
        assert len(ours) == 1
        assert "workorders_workorder" in ours[0]["sql"]


# --- the queue of a district during the CRM's burst -----------------------------------


def test_a_new_order_past_a_capped_district_queue_page_keeps_its_304(scoped, clock):
    # more open orders in the district than the count shows (1,000): the
    # header says "more than 1,000" whatever arrives, and the page is the same
    many_orders(1001)
    etag = etag_of(scoped, QUEUE)
    clock.shift(dt.timedelta(seconds=3))
    new_order(phone="13900000009")
    elsewhere = new_order(phone="13900000010", package_area="P3")
    assert polled(scoped, etag, QUEUE).status_code == 304
    assert elsewhere.number not in scoped.get(f"{QUEUE}?page=21").content.decode()


def test_a_new_order_in_an_uncapped_district_queue_shows_its_new_count(scoped, clock):
    # the exact count is shown in the queue's header only: it stays in the ETag
    new_order()
    etag = etag_of(scoped, QUEUE)
    clock.shift(dt.timedelta(seconds=3))
    new_order(phone="13900000009")
    response = polled(scoped, etag, QUEUE)
    assert response.status_code == 200
    assert "共 2 单" in response.content.decode()


@pytest.mark.parametrize("sort", [None, "customer", "-deadline"])
@pytest.mark.parametrize(
    "wanted",
    [
        {},
        {"district": "D2"},
        {"group": "G1", "same_day": True},
        {"kind": "repair"},
        {"status": "pending", "flag": "no_candidate"},
        {"vip": True},
    ],
)
@pytest.mark.parametrize("district", [None, "D1"])
def test_the_queue_slice_lists_what_the_orm_lists(org, district, wanted, sort):
    from console.desk_rules import queue_sort
    from console.desk_selectors import queue_slice
    from console.selectors import OPEN, _filtered
    from org.models import District
    from workorders.selectors import orders_visible_to

    user = make_user("disp_q", "dispatcher", district=district)
    for i, area in enumerate(["P1", "P2", "P3", "P4", "P1", "P3"]):
        new_order(phone=f"1390000{i:04d}", package_area=area)
    WorkOrder.objects.filter(number__endswith="3").update(kind="repair")
    WorkOrder.objects.filter(package_area__code="P3").update(
        dispatch_flag="no_candidate"
    )
    ids = {
        "D2": District.objects.get(code="D2").pk,
        "G1": RegionGroup.objects.get(code="G1").pk,
    }
    filters = {
        k: str(ids.get(v, v)) if k in ("district", "group") else v
        for k, v in wanted.items()
    }
    expected = list(
        _filtered(orders_visible_to(user).filter(status__in=OPEN), filters)
        .order_by(*queue_sort(sort)[1])
        .values_list("id", flat=True)
    )
    found = queue_slice(user, filters, page=1, sort=sort)
    assert [pk for pk, _at in found.pairs] == expected
    assert found.total == len(expected)
