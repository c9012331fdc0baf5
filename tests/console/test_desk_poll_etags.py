"""Issue 18: the technicians panel answers ``304`` to an unchanged poll, and
every writer of what it shows moves its ETag; the queue's and side panels'
ETags hold no minute (the browser keeps the countdowns current)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from html import escape

import pytest
import time_machine
from django.test import Client

from org.models import Technician
from tests.conftest import local_time, make_user
from workorders import services as wo_services
from workorders.models import WorkOrder

FRIDAY_10 = local_time(2026, 11, 20, 10, 0)
TECHS = "/console/dispatch/technicians/"
SIDE = "/console/dispatch/side/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY_10, tick=False) as traveller:
        yield traveller


def new_order(*, phone="13912345678", package_area="P1"):
    data = wo_services.OrderIn(
        source="crm",
        kind="install",
        product="ftth_broadband",
        customer=wo_services.CustomerIn(name="王女士", phone=phone),
        address="通灌北路 1 号",
        package_area=package_area,
        same_day_requested=True,
        accepted_at=local_time(2026, 11, 20, 9, 0),
    )
    order, _ = wo_services.work_order_create(data=data, by=None)
    return order


def dispatch_to(order, code, reason=""):
    from dispatch.services import order_dispatch

    order_dispatch(
        order, technician=Technician.objects.get(code=code), by=None, reason=reason
    )
    order.refresh_from_db()
    return order


def tech_user(code):
    technician = Technician.objects.get(code=code)
    if technician.user is None:
        technician.user = make_user(f"u_{code}", "technician")
        technician.save()
    return technician.user


@pytest.fixture
def desk(org):
    client = Client()
    client.force_login(make_user("disp1", "dispatcher"))
    return client


def etag_of(client, url=TECHS):
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


def polled(client, etag, url=TECHS):
    return client.get(url, HTTP_IF_NONE_MATCH=etag)


def row(html, code):
    return html.split(f'data-technician="{code}"')[1].split("</tr>")[0]


# --- the technicians panel: ETag and 304 ---------------------------------------------------


def test_an_unchanged_technicians_poll_answers_304(desk):
    first = desk.get(TECHS)
    etag = first["ETag"]
    assert f'data-etag="{escape(etag)}"' in first.content.decode()
    again = polled(desk, etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag


def test_an_unchanged_technicians_poll_reads_no_facts_and_renders_nothing(
    desk, django_assert_max_num_queries
):
    etag = etag_of(desk)
    # the session, the user, their roles and district; the page's count, the
    # page with its rota today, its load; the work hours and the policy (kept
    # per process outside the tests)
    with django_assert_max_num_queries(9) as captured:
        assert polled(desk, etag).status_code == 304
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert 'FROM "org_packagearea"' not in sql  # no technician facts


def test_the_technicians_etag_is_the_same_an_hour_later(desk, clock):
    etag = etag_of(desk)
    clock.shift(dt.timedelta(hours=1))
    assert polled(desk, etag).status_code == 304


def test_a_new_day_refreshes_the_technicians_panel(desk, clock):
    # the workload counts today's completions: it starts again at midnight
    etag = etag_of(desk)
    clock.move_to(local_time(2026, 11, 21, 0, 0, 1))
    assert polled(desk, etag).status_code == 200


def test_a_dispatch_changes_the_technicians_etag(desk):
    order = new_order()
    etag = etag_of(desk)
    dispatch_to(order, "T1")
    response = polled(desk, etag)
    assert response.status_code == 200
    assert "1/8" in row(response.content.decode(), "T1")


def test_a_reassignment_at_the_same_instant_changes_the_technicians_etag(desk):
    order = dispatch_to(new_order(), "T1")
    etag = etag_of(desk)
    dispatch_to(order, "T2", "客户改约")  # the clock stands still: counts tell
    html = polled(desk, etag).content.decode()
    assert "0/8" in row(html, "T1") and "1/2" in row(html, "T2")


def test_completing_an_order_frees_load_and_changes_the_technicians_etag(desk, clock):
    from compensation.services import order_complete

    order = dispatch_to(new_order(), "T1")
    tech = tech_user("T1")
    wo_services.work_order_accept(order, by=tech)
    wo_services.work_order_contact(
        order,
        appointment_start=local_time(2026, 11, 20, 11, 0),
        appointment_end=local_time(2026, 11, 20, 12, 0),
        by=tech,
    )
    wo_services.work_order_arrive(order, by=tech)
    etag = etag_of(desk)
    order_complete(order, resolution="onsite", by=tech)
    response = polled(desk, etag)
    assert response.status_code == 200
    assert "0/8" in row(response.content.decode(), "T1")


def test_a_technician_going_off_duty_changes_the_technicians_etag(desk):
    etag = etag_of(desk)
    technician = Technician.objects.get(code="T2")
    technician.status = "leave"
    technician.save()
    response = polled(desk, etag)
    assert response.status_code == 200
    assert "请假" in row(response.content.decode(), "T2")


def test_a_rota_change_today_changes_the_technicians_etag(desk):
    from dispatch.services import rota_set

    etag = etag_of(desk)
    rota_set(
        Technician.objects.get(code="T3"),
        dt.date(2026, 11, 20),
        kind="rest",
        by=make_user("sup1", "supervisor"),
    )
    response = polled(desk, etag)
    assert response.status_code == 200
    assert "轮休" in row(response.content.decode(), "T3")


def test_a_rota_change_of_another_day_keeps_the_technicians_etag(desk):
    from dispatch.services import rota_set

    etag = etag_of(desk)
    rota_set(
        Technician.objects.get(code="T3"),
        dt.date(2026, 11, 23),
        kind="rest",
        by=make_user("sup1", "supervisor"),
    )
    assert polled(desk, etag).status_code == 304


def test_a_cleared_rota_day_changes_the_technicians_etag(desk):
    from dispatch.services import rota_set

    supervisor = make_user("sup1", "supervisor")
    t3 = Technician.objects.get(code="T3")
    rota_set(t3, dt.date(2026, 11, 20), kind="rest", by=supervisor)
    etag = etag_of(desk)
    rota_set(t3, dt.date(2026, 11, 20), kind=None, by=supervisor)
    response = polled(desk, etag)
    assert response.status_code == 200
    assert "在岗" in row(response.content.decode(), "T3")


def test_a_position_report_changes_the_technicians_etag(desk, clock):
    from dispatch.services import technician_position_update

    etag = etag_of(desk)
    clock.shift(dt.timedelta(minutes=5))
    technician_position_update(Technician.objects.get(code="T1"), lat=34.6, lng=119.2)
    response = polled(desk, etag)
    assert response.status_code == 200
    assert "10:05" in row(response.content.decode(), "T1")


def test_a_new_order_without_a_technician_keeps_the_technicians_etag(desk, clock):
    # the CRM's burst: new pending orders change no technician's load
    etag = etag_of(desk)
    clock.shift(dt.timedelta(seconds=3))
    new_order()
    assert polled(desk, etag).status_code == 304


def test_technicians_etag_is_per_page_and_filter(desk):
    etag = etag_of(desk)
    assert polled(desk, etag, f"{TECHS}?tq=T1").status_code == 200
    assert polled(desk, etag, f"{TECHS}?tstate=on_duty").status_code == 200


def test_a_scoped_dispatcher_sees_their_district_and_another_district_keeps_the_etag(
    org,
):
    scoped = Client()
    scoped.force_login(make_user("disp_d1", "dispatcher", district="D1"))
    html = scoped.get(TECHS).content.decode()
    assert re.findall(r'data-technician="([^"]+)"', html) == ["T1", "T2"]
    etag = etag_of(scoped)
    technician = Technician.objects.get(code="T3")  # group G2: district D2
    technician.status = "leave"
    technician.save()
    assert polled(scoped, etag).status_code == 304


def test_technicians_etag_differs_per_user(desk):
    etag = etag_of(desk)
    other = Client()
    other.force_login(make_user("disp2", "dispatcher"))
    assert polled(other, etag).status_code == 200


# --- the queue: the page's orders, not the minute ----------------------------------------------

QUEUE = "/console/dispatch/queue/"


def many_orders(count):
    """``count`` open same-day orders like one made through intake (bulk)."""
    first = new_order()
    clones = []
    for i in range(count - 1):
        clone = copy.copy(first)
        clone.pk = None
        clone.number = f"{first.number}-{i:04d}"
        clone.customer_token = None
        clones.append(clone)
    WorkOrder.objects.bulk_create(clones, batch_size=500)


def test_a_new_order_landing_on_a_later_page_keeps_the_queue_etag(desk, clock):
    # more than the count shows (1,000), same-day: ahead of an ordinary order
    many_orders(1001)
    etag = etag_of(desk, QUEUE)
    clock.shift(dt.timedelta(seconds=3))
    data = wo_services.OrderIn(
        source="crm",
        kind="repair",
        product="ftth_broadband",
        customer=wo_services.CustomerIn(name="李先生", phone="13900000009"),
        address="海连东路 2 号",
        package_area="P1",
    )
    order, _ = wo_services.work_order_create(data=data, by=None)
    assert polled(desk, etag, QUEUE).status_code == 304
    last = desk.get(f"{QUEUE}?page=21").content.decode()
    assert order.number in last


def test_a_change_to_an_order_on_the_page_refreshes_the_queue(desk, clock):
    order = new_order()
    etag = etag_of(desk, QUEUE)
    clock.shift(dt.timedelta(seconds=2))
    WorkOrder.objects.filter(pk=order.pk).update(
        urge_count=2, updated_at=FRIDAY_10 + dt.timedelta(seconds=2)
    )
    assert polled(desk, etag, QUEUE).status_code == 200


def test_a_row_past_its_deadline_renders_overdue_at_render_time(desk, clock):
    # the no-JS fallback: the server's text and colour are right when rendered
    order = new_order()
    clock.move_to(order.sla_deadline + dt.timedelta(minutes=1, seconds=1))
    html = desk.get(QUEUE).content.decode()
    row = html.split(f'data-order="{order.number}"')[1].split("</tr>")[0]
    assert 'class="countdown overdue"' in row and "超时 1分" in row


# --- the side panels: the feed's window, not the minute --------------------------------------


def test_the_side_etag_is_the_same_minutes_later_with_nothing_changed(desk, clock):
    new_order()
    etag = etag_of(desk, SIDE)
    clock.shift(dt.timedelta(minutes=5))
    assert polled(desk, etag, SIDE).status_code == 304


def test_the_side_panels_refresh_once_the_feed_window_moves(desk, clock):
    # an SLA event leaves the 24-hour feed without any write: the window bucket
    new_order()
    etag = etag_of(desk, SIDE)
    clock.shift(dt.timedelta(minutes=10))
    assert polled(desk, etag, SIDE).status_code == 200


def test_a_new_unflagged_order_keeps_the_side_etag(desk, clock):
    # the CRM's burst: new orders are not 无人可派, nothing the panels show
    new_order(phone="13900000001")
    etag = etag_of(desk, SIDE)
    clock.shift(dt.timedelta(seconds=3))
    new_order(phone="13900000002")
    assert polled(desk, etag, SIDE).status_code == 304


def test_a_stuck_order_dispatched_leaves_the_side_panels(desk, clock):
    order = new_order()
    WorkOrder.objects.filter(pk=order.pk).update(
        dispatch_flag="no_candidate", dispatch_flag_reason="全组轮休"
    )
    etag = etag_of(desk, SIDE)
    dispatch_to(order, "T1")
    response = polled(desk, etag, SIDE)
    assert response.status_code == 200
    assert "全组轮休" not in response.content.decode()


def test_a_stuck_order_carries_its_instants(desk):
    order = new_order()
    WorkOrder.objects.filter(pk=order.pk).update(
        dispatch_flag="no_candidate", dispatch_flag_reason="全组轮休"
    )
    html = desk.get(SIDE).content.decode()
    item = html.split('id="stuck"')[1]
    assert 'class="countdown' in item and 'data-deadline="2026-11-' in item


# --- the countdown's words come from the catalog ---------------------------------------------


def test_the_desk_gives_the_browser_the_countdown_words_in_chinese(desk):
    html = desk.get("/console/dispatch/").content.decode()
    clock_div = html.split('id="desk-clock"')[1].split(">")[0]
    assert 'data-left="剩 %(span)s"' in clock_div
    assert 'data-hours="%(h)s小时%(m)s分"' in clock_div
    assert 'data-tone-warning="预警"' in clock_div
    assert 'data-tz="Asia/Shanghai"' in clock_div
    assert "console/countdown.js" in html


def test_the_desk_gives_the_browser_the_countdown_words_in_english(desk):
    html = desk.get("/console/dispatch/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    clock_div = html.split('id="desk-clock"')[1].split(">")[0]
    assert 'data-left="%(span)s left"' in clock_div
    assert 'data-overdue="%(span)s overdue"' in clock_div
    assert 'data-minutes="%(m)sm"' in clock_div
    assert "剩" not in clock_div and "超时" not in clock_div


# --- the navigation counts ---------------------------------------------------------------------

COUNTS = "/console/dispatch/counts/"


def test_an_unchanged_counts_poll_answers_304_without_counting_the_day(
    desk, django_assert_max_num_queries
):
    first = desk.get(COUNTS)
    etag = first["ETag"]
    assert f'data-etag="{escape(etag)}"' in first.content.decode()
    with django_assert_max_num_queries(8) as captured:
        assert polled(desk, etag, COUNTS).status_code == 304
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert '"sla_slaevent"."at" >=' not in sql


def test_a_newly_stuck_order_changes_the_counts_etag(desk):
    order = new_order()
    etag = etag_of(desk, COUNTS)
    WorkOrder.objects.filter(pk=order.pk).update(dispatch_flag="no_candidate")
    response = polled(desk, etag, COUNTS)
    assert response.status_code == 200 and 'data-stuck="1"' in response.content.decode()


def test_a_new_escalation_changes_the_counts_etag(desk):
    from sla.scan import sla_scan

    new_order(phone="13900000001")
    late = wo_services.OrderIn(
        source="crm",
        kind="install",
        product="ftth_broadband",
        customer=wo_services.CustomerIn(name="赵先生", phone="13900000002"),
        address="通灌北路 3 号",
        package_area="P1",
        accepted_at=local_time(2026, 11, 19, 9, 0),
    )
    wo_services.work_order_create(data=late, by=None)
    etag = etag_of(desk, COUNTS)
    sla_scan(now=FRIDAY_10)
    response = polled(desk, etag, COUNTS)
    assert response.status_code == 200
    assert 'data-escalations="0"' not in response.content.decode()


def test_a_request_for_approval_changes_the_counts_etag(desk):
    from sla.services import approval_request

    order = dispatch_to(new_order(), "T1")
    etag = etag_of(desk, COUNTS)
    approval_request(order, kind="suspend", reason="customer", by=tech_user("T1"))
    response = polled(desk, etag, COUNTS)
    assert response.status_code == 200
    assert 'data-approvals="1"' in response.content.decode()


def test_the_counts_refresh_once_their_window_moves(desk, clock):
    etag = etag_of(desk, COUNTS)
    clock.shift(dt.timedelta(minutes=9, seconds=59))
    assert polled(desk, etag, COUNTS).status_code == 304
    clock.shift(dt.timedelta(seconds=1))
    assert polled(desk, etag, COUNTS).status_code == 200


@pytest.mark.parametrize("page", ["3", "99", "0", "x"])
def test_a_later_or_odd_technicians_page_has_its_own_etag_and_304(desk, page):
    # 3 technicians of the ORG fixture and 45 more: three pages of 20
    from org.models import RegionGroup

    group = RegionGroup.objects.get(code="G1")
    for i in range(45):
        Technician.objects.create(
            code=f"X{i:02d}", name=f"测试{i:02d}", phone="13800000100", group=group
        )
    url = f"{TECHS}?tpage={page}"
    etag = etag_of(desk, url)
    assert polled(desk, etag, url).status_code == 304
    shown = re.findall(r'data-technician="([^"]+)"', desk.get(url).content.decode())
    last = shown[-1]
    technician = Technician.objects.get(code=last)
    technician.status = "leave"
    technician.save()
    assert polled(desk, etag, url).status_code == 200
