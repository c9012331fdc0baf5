"""The desk's other polled panels under load (issue 18): the side panels answer
``304`` to an unchanged poll, and the technicians panel reads the facts of
its page only."""

from __future__ import annotations

import datetime as dt
import re
from html import escape

import pytest
import time_machine
from django.test import Client

from org.models import RegionGroup, Technician
from tests.conftest import local_time, make_user
from workorders import services as wo_services
from workorders.models import WorkOrder

FRIDAY_10 = local_time(2026, 11, 20, 10, 0)
SIDE = "/console/dispatch/side/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY_10, tick=False) as traveller:
        yield traveller


def new_order(*, phone="13912345678", package_area="P1", accepted_at=None):
    data = wo_services.OrderIn(
        source="crm",
        kind="install",
        product="ftth_broadband",
        customer=wo_services.CustomerIn(name="王女士", phone=phone),
        address="通灌北路 1 号",
        package_area=package_area,
        same_day_requested=True,
        accepted_at=accepted_at or local_time(2026, 11, 20, 9, 0),
    )
    order, _ = wo_services.work_order_create(data=data, by=None)
    return order


def dispatch_to(order, code):
    from dispatch.services import order_dispatch

    order_dispatch(order, technician=Technician.objects.get(code=code), by=None)
    order.refresh_from_db()
    return order


@pytest.fixture
def desk(org):
    client = Client()
    client.force_login(make_user("disp1", "dispatcher"))
    return client


def poll(client, etag):
    return client.get(SIDE, HTTP_IF_NONE_MATCH=etag)


# --- the side panels' ETag and 304 ------------------------------------------------------


def test_unchanged_side_poll_is_answered_304(desk):
    new_order()
    first = desk.get(SIDE)
    etag = first["ETag"]
    assert first.status_code == 200
    assert f'data-etag="{escape(etag)}"' in first.content.decode()
    again = poll(desk, etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag


def test_a_new_request_for_approval_refreshes_the_side_panels(desk, org):
    from sla.services import approval_request

    order = dispatch_to(new_order(), "T1")
    etag = desk.get(SIDE)["ETag"]
    # the clock stands still: the orders' marker cannot tell, the approvals can
    approval_request(
        order,
        kind="suspend",
        reason="customer",
        by=Technician.objects.get(code="T1").user,
    )
    polled = poll(desk, etag)
    assert polled.status_code == 200 and order.number in polled.content.decode()


def test_a_decided_request_refreshes_the_side_panels(desk, org):
    from sla.services import approval_reject, approval_request

    order = dispatch_to(new_order(), "T1")
    approval = approval_request(
        order,
        kind="suspend",
        reason="customer",
        by=Technician.objects.get(code="T1").user,
    )
    etag = desk.get(SIDE)["ETag"]
    approval_reject(approval, note="客户在家", by=make_user("sup1", "supervisor"))
    polled = poll(desk, etag)
    assert polled.status_code == 200
    assert "没有待审核的挂起/改约申请。" in polled.content.decode()


def test_a_new_escalation_refreshes_the_feed(desk, org):
    from sla.scan import sla_scan

    late = new_order(accepted_at=local_time(2026, 11, 19, 9, 0))
    etag = desk.get(SIDE)["ETag"]
    sla_scan(now=FRIDAY_10)
    polled = poll(desk, etag)
    assert polled.status_code == 200
    assert late.number in polled.content.decode() and "升级" in polled.content.decode()


def test_a_newly_stuck_order_refreshes_the_side_panels(desk, clock):
    order = new_order()
    etag = desk.get(SIDE)["ETag"]
    clock.shift(dt.timedelta(seconds=2))
    WorkOrder.objects.filter(pk=order.pk).update(
        dispatch_flag="no_candidate",
        dispatch_flag_reason="全组轮休",
        updated_at=FRIDAY_10 + dt.timedelta(seconds=2),
    )
    polled = poll(desk, etag)
    assert polled.status_code == 200 and "全组轮休" in polled.content.decode()


def test_a_waiting_message_is_shown_even_when_nothing_changed(desk, org):
    from sla.services import approval_request

    order = dispatch_to(new_order(), "T1")
    approval = approval_request(
        order,
        kind="suspend",
        reason="customer",
        by=Technician.objects.get(code="T1").user,
    )
    etag = desk.get(SIDE)["ETag"]
    # a rejection without a note is refused: nothing changes, a message waits
    refused = desk.post(
        f"/console/dispatch/approvals/{approval.pk}/reject/", {"note": ""}
    )
    assert refused.status_code == 302
    polled = poll(desk, etag)
    assert polled.status_code == 200 and polled["ETag"] == etag
    assert "驳回须填写审核意见" in polled.content.decode()
    assert poll(desk, etag).status_code == 304  # shown once


def test_unchanged_side_poll_reads_no_panel(desk, django_assert_max_num_queries):
    new_order()
    etag = desk.get(SIDE)["ETag"]
    # the session, the user, their roles and district, then four index probes
    with django_assert_max_num_queries(8) as captured:
        assert poll(desk, etag).status_code == 304
    sql = " ".join(q["sql"].upper() for q in captured.captured_queries)
    assert "JOIN SLA" not in sql and "ORG_REGIONGROUP" not in sql


def test_side_etag_differs_per_user(desk, org):
    new_order()
    etag = desk.get(SIDE)["ETag"]
    other = Client()
    other.force_login(make_user("disp2", "dispatcher"))
    assert poll(other, etag).status_code == 200


# --- the technicians panel: the facts of one page ------------------------------------------


@pytest.fixture
def many_technicians(org):
    group = RegionGroup.objects.get(code="G1")
    for i in range(45):
        Technician.objects.create(
            code=f"X{i:02d}", name=f"测试{i:02d}", phone="13800000100", group=group
        )


def test_technicians_panel_reads_facts_for_its_twenty_only(desk, many_technicians):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        html = desk.get("/console/dispatch/technicians/?tpage=2").content.decode()
    assert html.count("data-technician=") == 20 and "共 48 人" in html
    facts = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "dispatch_rotaentry"' in q["sql"] and "IN (" in q["sql"]
    ]  # (the ETag's marker reads the rota in a subquery of its page)
    assert len(facts) == 1
    in_list = re.search(r"technician_id\" IN \(([^)]*)\)", facts[0]).group(1)
    assert len(in_list.split(",")) == 20


def test_technicians_on_a_later_page_show_their_own_orders(desk, many_technicians):
    Technician.objects.filter(code="X44").update(skills=["ftth_broadband"])
    dispatch_to(new_order(), "X44")
    html = desk.get("/console/dispatch/technicians/?tpage=3").content.decode()
    row = html.split('data-technician="X44"')[1].split("</tr>")[0]
    assert "1/8" in row


def test_a_state_filter_still_looks_at_every_technician(desk, many_technicians):
    Technician.objects.filter(code="X44").update(status="leave")
    html = desk.get("/console/dispatch/technicians/?tstate=off_duty").content.decode()
    assert re.findall(r'data-technician="([^"]+)"', html) == ["X44"]


# --- a poll validates its filters without loading every choice -----------------------------


@pytest.fixture
def desk_d1(org):
    client = Client()
    client.force_login(make_user("disp_d1", "dispatcher", district="D1"))
    return client


def test_an_unfiltered_poll_reads_no_district_area_or_group(desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    new_order()
    for url in ("/console/dispatch/queue/", SIDE, "/console/dispatch/technicians/"):
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(url).status_code == 200
        sql = " ".join(q["sql"] for q in captured.captured_queries)
        assert 'FROM "org_regiongroup"' not in sql, url
        assert 'FROM "org_area"' not in sql and 'FROM "org_district"' not in sql, url


def test_a_polled_group_filter_still_filters(desk):
    from org.models import PackageArea

    mine = new_order(phone="13900000001", package_area="P1")
    other = new_order(phone="13900000002", package_area="P3")
    group = PackageArea.objects.get(code="P3").group_id
    html = desk.get(f"/console/dispatch/queue/?group={group}").content.decode()
    assert other.number in html and mine.number not in html


def test_a_polled_filter_outside_the_scope_is_dropped(desk_d1):
    from org.models import District, PackageArea

    mine = new_order(phone="13900000001", package_area="P1")
    other = new_order(phone="13900000002", package_area="P3")
    d2 = District.objects.get(code="D2").pk
    group = PackageArea.objects.get(code="P3").group_id
    for query in (f"district={d2}", f"group={group}"):
        html = desk_d1.get(f"/console/dispatch/queue/?{query}").content.decode()
        assert mine.number in html and other.number not in html, query


# --- the hotline lookup at ten million orders kept ------------------------------------------


def test_hotline_lookup_by_phone_finds_orders_through_the_customer(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mine = new_order(phone="13900000001")
    other = new_order(phone="13900000002")
    agent = Client()
    agent.force_login(make_user("agent1", "hotline_agent"))
    with CaptureQueriesContext(connection) as captured:
        html = agent.get("/console/hotline/?q=13900000001").content.decode()
    assert mine.number in html and other.number not in html
    across_the_join = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "workorders_workorder"."id"')
        and '"workorders_customer"."phone" =' in q["sql"]
    ]
    assert across_the_join == []


def test_hotline_lookup_of_an_unknown_phone_finds_nothing(org):
    new_order(phone="13900000001")
    agent = Client()
    agent.force_login(make_user("agent1", "hotline_agent"))
    response = agent.get("/console/hotline/?q=13911111111")
    assert response.status_code == 200
    assert "13900000001" not in response.content.decode()


def test_hotline_lookup_by_order_number_or_crm_id_shows_the_customer(org):
    order = new_order(phone="13900000001")
    WorkOrder.objects.filter(pk=order.pk).update(crm_order_id="CRM-778")
    agent = Client()
    agent.force_login(make_user("agent1", "hotline_agent"))
    for query in (order.number, "CRM-778"):
        html = agent.get(f"/console/hotline/?q={query}").content.decode()
        assert order.number in html and "13900000001" in html, query
