"""综合调度台 (issues 14 and 18): search, sortable columns, the queue poll's
ETag and 304, live counts, the map's data and the paged technicians panel,
each within the dispatcher's district."""

from __future__ import annotations

import datetime as dt
import re
from html import escape

import pytest
import time_machine
from django.test import Client

from org.models import District, RegionGroup, Technician
from sla.models import Approval, SlaEvent
from tests.conftest import local_time, make_user
from workorders import services as wo_services
from workorders.models import WorkOrder

FRIDAY_10 = local_time(2026, 11, 20, 10, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY_10, tick=False) as traveller:
        yield traveller


def new_order(
    *,
    phone="13912345678",
    name="王女士",
    address="通灌北路 1 号",
    package_area="P1",
    level="ordinary",
    accepted_at=None,
    same_day=True,
) -> WorkOrder:
    data = wo_services.OrderIn(
        source="crm",
        kind="install",
        product="ftth_broadband",
        customer=wo_services.CustomerIn(name=name, phone=phone, level=level),
        address=address,
        package_area=package_area,
        same_day_requested=same_day,
        accepted_at=accepted_at or local_time(2026, 11, 20, 9, 0),
    )
    order, _ = wo_services.work_order_create(data=data, by=None)
    return order


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk(org):
    return as_user(make_user("disp1", "dispatcher"))


@pytest.fixture
def desk_d1(org):
    return as_user(make_user("disp_d1", "dispatcher", district="D1"))


def numbers(html: str) -> list[str]:
    return re.findall(r'data-order="([^"]+)"', html)


# --- search ---------------------------------------------------------------------------


def test_search_finds_orders_by_part_of_phone_name_address_or_number(desk):
    # given three customers' orders
    a = new_order(phone="13911112222", name="赵建国", address="海连东路 12 号 3-201")
    b = new_order(phone="13833334444", name="钱小红", address="通灌北路 8 号")
    c = new_order(phone="13755556666", name="孙大伟", address="朝阳中路 5 号")

    def search(text):
        return numbers(
            desk.get("/console/dispatch/queue/", {"q": text}).content.decode()
        )

    # then each is found by a part of its phone, name, address or number
    assert search("1112") == [a.number]
    assert search("小红") == []  # two characters: whole names only
    assert search("钱小红") == [b.number]
    assert search("朝阳中路") == [c.number]
    assert search(a.number[-6:].lower()) == [a.number]  # any case
    assert search("不存在的路") == []


def test_short_search_matches_whole_values_only(desk):
    order = new_order(phone="13911112222", name="李伟")
    new_order(phone="13800000000", name="李伟强")
    html = desk.get("/console/dispatch/queue/", {"q": "李伟"}).content.decode()
    assert numbers(html) == [order.number]
    assert "少于3个字符时只按完整的工单号、电话或姓名查找" in html


def test_search_includes_closed_orders_and_shows_open_ones_first(desk):
    old = new_order(phone="13911112222", accepted_at=local_time(2026, 11, 19, 9, 0))
    WorkOrder.objects.filter(pk=old.pk).update(status="closed")
    current = new_order(phone="13911112222", accepted_at=local_time(2026, 11, 20, 8))
    html = desk.get("/console/dispatch/queue/", {"q": "11112222"}).content.decode()
    assert numbers(html) == [current.number, old.number]
    assert "搜索“11112222”的结果" in html


def test_search_stays_within_the_dispatchers_district(desk_d1):
    mine = new_order(phone="13911110001", package_area="P1")
    theirs = new_order(phone="13911110002", package_area="P3")
    html = desk_d1.get("/console/dispatch/queue/", {"q": "1111000"}).content.decode()
    assert numbers(html) == [mine.number]
    assert theirs.number not in html


# --- sorting ----------------------------------------------------------------------------


def test_queue_order_by_default_is_vip_and_same_day_then_deadline_then_entry(desk):
    ordinary_early = new_order(
        phone="13900000001", same_day=False, accepted_at=local_time(2026, 11, 20, 7)
    )
    vip_late = new_order(
        phone="13900000002",
        level="gold",
        same_day=False,
        accepted_at=local_time(2026, 11, 20, 9, 30),
    )
    same_day = new_order(phone="13900000003", accepted_at=local_time(2026, 11, 20, 8))
    # an equal deadline: the earlier entry goes first
    tie_a = new_order(phone="13900000004", accepted_at=local_time(2026, 11, 20, 8, 10))
    tie_b = new_order(phone="13900000005", accepted_at=local_time(2026, 11, 20, 8, 20))
    deadline = local_time(2026, 11, 20, 20, 0)
    WorkOrder.objects.filter(pk__in=[tie_a.pk, tie_b.pk]).update(sla_deadline=deadline)
    WorkOrder.objects.filter(pk=same_day.pk).update(
        sla_deadline=deadline - dt.timedelta(hours=1)
    )
    html = desk.get("/console/dispatch/queue/").content.decode()
    order = numbers(html)
    assert order.index(ordinary_early.number) == len(order) - 1
    assert order.index(same_day.number) < order.index(tie_a.number)
    assert order.index(tie_a.number) < order.index(tie_b.number)
    assert vip_late.number in order[:-1]


def test_columns_sort_both_ways_and_back_to_queue_order(desk):
    first = new_order(phone="13900000001")
    second = new_order(phone="13900000002")
    third = new_order(phone="13900000003")
    for order, hours in ((first, 3), (second, 1), (third, 2)):
        WorkOrder.objects.filter(pk=order.pk).update(
            sla_deadline=FRIDAY_10 + dt.timedelta(hours=hours)
        )
    ascending = desk.get("/console/dispatch/queue/?sort=deadline").content.decode()
    assert numbers(ascending) == [second.number, third.number, first.number]
    assert 'aria-sort="ascending"' in ascending
    assert "sort=-deadline" in ascending  # the header's next click
    descending = desk.get("/console/dispatch/queue/?sort=-deadline").content.decode()
    assert numbers(descending) == [first.number, third.number, second.number]
    by_urges = desk.get("/console/dispatch/queue/?sort=bogus").content.decode()
    assert numbers(by_urges) == [second.number, third.number, first.number]
    assert 'aria-sort="ascending"' not in by_urges


def test_sort_keeps_pages_whole(desk):
    for i in range(55):
        new_order(phone=f"139{i:08d}")
    one = numbers(desk.get("/console/dispatch/queue/?sort=number").content.decode())
    two = numbers(
        desk.get("/console/dispatch/queue/?sort=number&page=2").content.decode()
    )
    assert len(one) == 50 and len(two) == 5
    assert sorted(one + two) == one + two and len(set(one + two)) == 55


# --- the poll's ETag and 304 --------------------------------------------------------------


def test_unchanged_poll_is_answered_304(desk):
    new_order()
    first = desk.get("/console/dispatch/queue/")
    etag = first["ETag"]
    assert first.status_code == 200
    assert f'data-etag="{escape(etag)}"' in first.content.decode()
    again = desk.get("/console/dispatch/queue/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag


def test_a_change_in_scope_makes_the_poll_answer_200(desk, clock):
    order = new_order()
    etag = desk.get("/console/dispatch/queue/")["ETag"]
    clock.shift(dt.timedelta(seconds=5))
    WorkOrder.objects.filter(pk=order.pk).update(
        urge_count=1, updated_at=FRIDAY_10 + dt.timedelta(seconds=5)
    )
    assert (
        desk.get("/console/dispatch/queue/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    )


def test_a_new_order_makes_the_poll_answer_200(desk, clock):
    new_order(phone="13900000001")
    etag = desk.get("/console/dispatch/queue/")["ETag"]
    clock.shift(dt.timedelta(seconds=1))
    new_order(phone="13900000002")
    assert (
        desk.get("/console/dispatch/queue/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    )


def test_the_queue_etag_is_the_same_minutes_later_with_nothing_changed(desk, clock):
    # the countdowns move, but the browser keeps them current (countdown.js)
    new_order()
    etag = desk.get("/console/dispatch/queue/")["ETag"]
    clock.shift(dt.timedelta(minutes=9, seconds=59))
    polled = desk.get("/console/dispatch/queue/", HTTP_IF_NONE_MATCH=etag)
    assert polled.status_code == 304


def test_the_row_carries_its_instants_and_still_shows_the_minutes(desk, org):

    order = new_order()
    html = desk.get("/console/dispatch/queue/").content.decode()
    row = html.split(f'data-order="{order.number}"')[1].split("</tr>")[0]
    deadline = order.sla_deadline.astimezone(dt.UTC)
    assert f'data-deadline="{deadline:%Y-%m-%dT%H:%M:%S}.000Z"' in row
    assert re.search(r'data-warn-at="\d{4}-\d\d-\d\dT[\d:.]+Z"', row)
    minutes = int((order.sla_deadline - FRIDAY_10).total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    shown = f"剩 {hours}小时{mins}分" if hours else f"剩 {mins}分"
    assert shown in row


def test_another_districts_change_does_not_refresh_a_scoped_poll(desk_d1, clock):
    new_order(phone="13900000001", package_area="P1")
    other = new_order(phone="13900000002", package_area="P3")
    etag = desk_d1.get("/console/dispatch/queue/")["ETag"]
    WorkOrder.objects.filter(pk=other.pk).update(
        urge_count=3, updated_at=FRIDAY_10 + dt.timedelta(seconds=1)
    )
    polled = desk_d1.get("/console/dispatch/queue/", HTTP_IF_NONE_MATCH=etag)
    assert polled.status_code == 304


def test_other_filters_have_their_own_etag(desk):
    new_order()
    etag = desk.get("/console/dispatch/queue/")["ETag"]
    other = desk.get("/console/dispatch/queue/?kind=repair", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200


def test_unchanged_poll_costs_no_count_and_no_join(
    desk, django_assert_max_num_queries, settings
):
    from dispatch_center.caching import process_caches_clear

    settings.POLICY_CACHE_SECONDS = 30  # the page's marker is kept per change
    process_caches_clear()
    new_order()
    etag = desk.get("/console/dispatch/queue/")["ETag"]
    # the session, the user, their roles and district, then the marker
    with django_assert_max_num_queries(5) as captured:
        desk.get("/console/dispatch/queue/", HTTP_IF_NONE_MATCH=etag)
    order_sql = [
        q["sql"]
        for q in captured.captured_queries
        if "workorders_workorder" in q["sql"]
    ]
    assert len(order_sql) == 1 and "COUNT" not in order_sql[0].upper()
    assert "JOIN" not in order_sql[0].upper()


# --- live counts ---------------------------------------------------------------------------


def test_navigation_counts_stuck_escalations_warnings_and_approvals(desk_d1, org):
    from sla.scan import sla_scan

    stuck = new_order(phone="13900000001", package_area="P1")
    WorkOrder.objects.filter(pk=stuck.pk).update(dispatch_flag="no_candidate")
    elsewhere = new_order(phone="13900000002", package_area="P3")
    WorkOrder.objects.filter(pk=elsewhere.pk).update(dispatch_flag="no_candidate")
    new_order(phone="13900000003", accepted_at=local_time(2026, 11, 19, 9, 0))
    new_order(
        phone="13900000004",
        package_area="P3",
        accepted_at=local_time(2026, 11, 19, 9, 0),
    )
    sla_scan(now=FRIDAY_10)
    html = desk_d1.get("/console/dispatch/counts/").content.decode()
    mine = SlaEvent.objects.filter(order__district__code="D1")
    assert 'data-stuck="1"' in html
    assert f'data-escalations="{mine.filter(kind="escalation").count()}"' in html
    assert mine.filter(kind="escalation").exists()
    assert (
        f'data-approvals="{Approval.objects.filter(status="pending").count()}"' in html
    )


def test_every_page_of_a_dispatcher_loads_the_counts(desk):
    html = desk.get("/console/dispatch/").content.decode()
    assert 'id="nav-counts" hx-get="/console/dispatch/counts/"' in html


def test_counts_are_for_the_desk_roles_only(org):
    agent = as_user(make_user("agent1", "hotline_agent"))
    assert "nav-counts" not in agent.get("/console/hotline/").content.decode()
    assert agent.get("/console/dispatch/counts/").status_code == 403


# --- the map ---------------------------------------------------------------------------------


def test_map_shows_open_orders_by_sla_state_and_technicians(desk_d1):
    late = new_order(phone="13900000001", accepted_at=local_time(2026, 11, 19, 9, 0))
    fine = new_order(phone="13900000002")
    WorkOrder.objects.filter(pk=fine.pk).update(
        lat=34.7, lng=119.3, sla_deadline=FRIDAY_10 + dt.timedelta(hours=8)
    )
    new_order(phone="13900000003", package_area="P3")  # another district
    Technician.objects.filter(code="T1").update(
        last_lat=34.61, last_lng=119.21, last_position_at=FRIDAY_10
    )
    Technician.objects.filter(code="T3").update(last_lat=34.3, last_lng=119.25)
    data = desk_d1.get("/console/dispatch/map/").json()
    by_number = {o["number"]: o for o in data["orders"]}
    assert set(by_number) == {late.number, fine.number}
    assert by_number[late.number]["tone"] == "overdue"
    # the package area's coordinates when the order has none of its own
    assert (by_number[late.number]["lat"], by_number[late.number]["lng"]) == (
        34.6,
        119.22,
    )
    assert by_number[fine.number] | {"id": 0} == {
        "id": 0,
        "number": fine.number,
        "lat": 34.7,
        "lng": 119.3,
        "tone": "ok",
    }
    assert [t["code"] for t in data["technicians"]] == ["T1"]


def test_desk_has_the_map_panel_with_the_local_echarts(desk):
    html = desk.get("/console/dispatch/").content.decode()
    assert 'id="map-panel"' in html and "vendor/echarts-5.6.0.min.js" in html
    assert "http://" not in html.split('id="map-panel"')[1].split("</details>")[0]


# --- the technicians panel -----------------------------------------------------------------


@pytest.fixture
def many_technicians(org):
    group = RegionGroup.objects.get(code="G1")
    for i in range(25):
        Technician.objects.create(
            code=f"X{i:02d}", name=f"测试{i:02d}", phone="13800000100", group=group
        )


def test_technicians_panel_pages_twenty_at_a_time(desk, many_technicians):
    first = desk.get("/console/dispatch/technicians/").content.decode()
    assert first.count("data-technician=") == 20
    assert "共 28 人" in first and "第 1 / 2 页" in first
    second = desk.get("/console/dispatch/technicians/?tpage=2").content.decode()
    assert second.count("data-technician=") == 8


def test_technicians_panel_filters_by_name_or_code_and_state(desk, many_technicians):
    html = desk.get("/console/dispatch/technicians/?tq=测试1").content.decode()
    assert html.count("data-technician=") == 10  # 测试10 … 测试19
    html = desk.get("/console/dispatch/technicians/?tq=t3").content.decode()
    assert re.findall(r'data-technician="([^"]+)"', html) == ["T3"]
    Technician.objects.filter(code="X00").update(status="leave")
    html = desk.get("/console/dispatch/technicians/?tstate=off_duty").content.decode()
    assert re.findall(r'data-technician="([^"]+)"', html) == ["X00"]


def test_technicians_panel_is_scoped(desk_d1, many_technicians):
    html = desk_d1.get("/console/dispatch/technicians/").content.decode()
    assert "共 27 人" in html and 'data-technician="T3"' not in html


def test_technicians_panel_follows_the_desk_district_filter(desk, many_technicians):
    d2 = District.objects.get(code="D2").pk
    html = desk.get(f"/console/dispatch/technicians/?district={d2}").content.decode()
    assert re.findall(r'data-technician="([^"]+)"', html) == ["T3"]


def test_queue_counts_up_to_the_cap_then_pages_on(desk, monkeypatch):
    from console import desk_selectors

    monkeypatch.setattr(desk_selectors, "COUNT_CAP", 60)
    for i in range(75):
        new_order(phone=f"139{i:08d}")
    html = desk.get("/console/dispatch/queue/").content.decode()
    assert "超过 60 单" in html and "第 1 页" in html and "page=2" in html
    last = desk.get("/console/dispatch/queue/?page=2").content.decode()
    assert len(numbers(last)) == 25 and "下一页" not in last
