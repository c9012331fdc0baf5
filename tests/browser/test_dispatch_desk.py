"""综合调度台 in a real browser (issues 14 and 18): search, sortable columns,
keyboard shortcuts and their help, the map panel, the paged technicians and
an unchanged poll answered 304 (the queue stays on screen)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from org.models import RegionGroup, Technician
from org.services import org_import
from tests.conftest import ORG, make_user
from workorders import services as wo_services
from workorders.models import WorkOrder
from workorders.rules import LOCAL_TZ

from .conftest import ARTIFACTS
from .test_console_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["赵建国", "钱小红", "孙大伟", "李秀英", "周敏"]


@pytest.fixture
def ten_oclock():
    """Today 10:00:05 local (ticking): technicians are on duty, and the
    test runs within one minute of countdowns."""
    today = dt.datetime.now(LOCAL_TZ).date()
    start = dt.datetime.combine(today, dt.time(10, 0, 5), tzinfo=LOCAL_TZ)
    with time_machine.travel(start, tick=True):
        yield start


@pytest.fixture
def desk_data(transactional_db, chromium, ten_oclock):
    # The clean-up after the previous browser test (conftest
    # ``_no_session_left_behind``) ended every other PostgreSQL session,
    # this thread's connection under Playwright included: start a new one.
    connection.close()
    org_import(ORG)
    make_user("disp1", "dispatcher")
    orders = []
    for i, name in enumerate(NAMES * 2):
        data = wo_services.OrderIn(
            source="crm",
            kind="install",
            product="ftth_broadband",
            customer=wo_services.CustomerIn(name=name, phone=f"1391000{i:04d}"),
            address=f"海连东路 {10 + i} 号",
            package_area=("P1", "P2")[i % 2],
            same_day_requested=True,
            accepted_at=ten_oclock - dt.timedelta(hours=1, minutes=i),
        )
        order, _ = wo_services.work_order_create(data=data, by=None)
        orders.append(order)
    # deadlines spread over the day, the first three overdue; coordinates
    # from the CRM but for the last two (their package area's then)
    for i, order in enumerate(orders):
        WorkOrder.objects.filter(pk=order.pk).update(
            sla_deadline=ten_oclock + dt.timedelta(minutes=30 * (i - 2)),
            lat=34.592 + 0.004 * (i % 4) if i < 8 else None,
            lng=119.195 + 0.005 * i if i < 8 else None,
        )
    Technician.objects.filter(code="T1").update(
        last_lat=34.605, last_lng=119.215, last_position_at=ten_oclock
    )
    group = RegionGroup.objects.get(code="G1")
    for i in range(25):
        Technician.objects.create(
            code=f"X{i:02d}", name=f"测试{i:02d}", phone="13800000100", group=group
        )
    return orders


def open_desk(chromium, live_server):
    page = login(
        chromium,
        live_server.url,
        "disp1",
        "pass-disp1",
        viewport={"width": 1440, "height": 900},
    )
    assert page.url.endswith("/console/dispatch/")
    return page


def queue_numbers(page) -> list[str]:
    return page.locator("#queue tbody tr[data-order]").evaluate_all(
        "rows => rows.map(r => r.dataset.order)"
    )


def test_search_by_part_of_a_name_phone_or_address(
    chromium, live_server, desk_data, shot
):
    page = open_desk(chromium, live_server)
    page.get_by_label("搜索", exact=True).fill(
        "小红"
    )  # two characters: whole names only
    page.locator("#desk-filters").get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert queue_numbers(page) == []
    page.get_by_label("搜索", exact=True).fill("钱小红")
    page.locator("#desk-filters").get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    expected = {o.number for o in desk_data if o.customer.name == "钱小红"}
    assert set(queue_numbers(page)) == expected and len(expected) == 2
    assert "搜索“钱小红”的结果" in page.locator("#queue h2").inner_text()
    page.get_by_label("搜索", exact=True).fill("0000007")  # part of a phone
    page.locator("#desk-filters").get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert queue_numbers(page) == [desk_data[7].number]
    shot(page, "desk-search")


def test_columns_sort_and_the_compact_density(chromium, live_server, desk_data, shot):
    page = open_desk(chromium, live_server)
    by_deadline = [o.number for o in desk_data]  # deadlines grow with the index
    deadline = page.locator("#queue th", has_text="时限")
    deadline.get_by_role("link").click()
    page.locator('#queue th[aria-sort="ascending"]').wait_for()
    assert queue_numbers(page) == by_deadline
    page.locator("#queue th", has_text="时限").get_by_role("link").click()
    page.locator('#queue th[aria-sort="descending"]').wait_for()
    assert queue_numbers(page) == by_deadline[::-1]
    # compact: one line per order
    row = page.locator("#queue tbody tr[data-order]").first
    tall = row.bounding_box()["height"]
    page.get_by_role("button", name="紧凑/标准").click()
    assert page.evaluate("document.body.classList.contains('density-compact')")
    short = row.bounding_box()["height"]
    assert short < tall * 0.7 and short < 30
    shot(page, "desk-sorted-compact")


def test_keyboard_shortcuts_and_help(chromium, live_server, desk_data, shot):
    page = open_desk(chromium, live_server)
    numbers = queue_numbers(page)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    selected = page.locator("#queue tr.selected")
    assert selected.get_attribute("data-order") == numbers[0]
    page.keyboard.press("j")
    assert selected.get_attribute("data-order") == numbers[1]
    # help overlay
    page.keyboard.press("?")
    overlay = page.locator("#help-overlay")
    overlay.wait_for(state="visible")
    assert "派给排名第一的候选工程师" in overlay.inner_text()
    shot(page, "desk-help")
    page.keyboard.press("Escape")
    overlay.wait_for(state="hidden")
    # candidates of the selected order, then dispatch to the top one
    page.keyboard.press("c")
    top = page.locator("#candidates li[data-technician]").first
    top.wait_for()
    assert numbers[1] in page.locator("#candidates h2").inner_text()
    code = top.get_attribute("data-technician")
    page.keyboard.press("Shift+D")
    page.locator("#candidates .flash").wait_for()
    order = WorkOrder.objects.get(number=numbers[1])
    assert order.status == "dispatched" and order.technician.code == code
    # the selection survives the queue's refresh
    page.locator(f'#queue tr.selected[data-order="{numbers[1]}"]').wait_for()
    # "/" focuses the search
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.type("j")  # typing, not moving
    assert page.get_by_label("搜索", exact=True).input_value() == "j"


def test_map_panel_draws_orders_and_technicians(chromium, live_server, desk_data, shot):
    page = open_desk(chromium, live_server)
    page.keyboard.press("m")
    page.locator("#map[data-drawn]").wait_for()
    assert int(page.locator("#map").get_attribute("data-drawn")) == 10 + 1
    assert page.locator("#map canvas").count() >= 1
    series = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map'))"
        ".getOption().series.map(s => [s.name, s.data.length])"
    )
    tones = [
        o["tone"]
        for o in page.request.get(f"{live_server.url}/console/dispatch/map/").json()[
            "orders"
        ]
    ]
    labels = {"overdue": "超时", "warning": "预警", "ok": "正常", "paused": "挂起"}
    expected = {label: tones.count(tone) for tone, label in labels.items()}
    assert dict(series) == {**expected, "工程师": 1}
    assert expected["超时"] >= 2 and expected["正常"] >= 1
    panel = page.locator("#map-panel")
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / "desk-map-panel.png"))
    shot(page, "desk-map")


def test_technicians_panel_pages_and_filters(chromium, live_server, desk_data, shot):
    page = open_desk(chromium, live_server)
    panel = page.locator("#technicians")
    assert panel.locator("tr[data-technician]").count() == 20
    assert "共 28 人" in panel.inner_text()
    panel.get_by_role("link", name="下一页 ›").click()
    page.locator("#technicians", has_text="第 2 / 2 页").wait_for()
    assert page.locator("#technicians tr[data-technician]").count() == 8
    page.locator("#technicians").get_by_label("姓名或工号").fill("测试1")
    page.locator("#technicians", has_text="共 10 人").wait_for()
    assert page.locator("#technicians tr[data-technician]").count() == 10
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 4000  # was 11,679 px with 167 technicians
    shot(page, "desk-technicians")


def test_an_unchanged_poll_is_a_304_and_the_queue_stays(
    chromium, live_server, desk_data
):
    page = open_desk(chromium, live_server)
    statuses = []
    page.on(
        "response",
        lambda r: statuses.append(r.status) if "/dispatch/queue/" in r.url else None,
    )
    before = queue_numbers(page)

    def poll():
        with page.expect_response(lambda r: "/dispatch/queue/" in r.url):
            page.evaluate("htmx.trigger(document.body, 'queue-changed')")

    poll()  # the first poll gets the ETag
    page.wait_for_timeout(200)
    poll()  # nothing changed
    page.wait_for_timeout(200)
    assert statuses == [200, 304]
    assert queue_numbers(page) == before
    # a change in scope: the next poll answers 200 with the new state
    WorkOrder.objects.filter(number=before[0]).update(
        urge_count=5, updated_at=dt.datetime.now(LOCAL_TZ)
    )
    poll()
    page.locator(f'#queue tr[data-order="{before[0]}"] .badge.urge').wait_for()
    assert statuses == [200, 304, 200]


ALERT_STUBS = """
window.__notes = [];
window.__rings = 0;
window.Notification = function (title) { window.__notes.push(title); };
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
window.AudioContext = function () {
  window.__rings += 1;
  var node = { connect: function () {}, start: function () {}, stop: function () {},
               frequency: {}, gain: {} };
  return { createOscillator: function () { return node; },
           createGain: function () { return node; }, destination: {}, currentTime: 0 };
};
"""


def test_new_stuck_orders_ring_and_notify_once_opted_in(
    chromium, live_server, desk_data
):
    page = open_desk(chromium, live_server)
    page.context.add_init_script(ALERT_STUBS)
    page.reload()
    counts = page.locator("#nav-counts")
    page.locator("#nav-counts[data-seen]").wait_for()
    assert counts.locator('[data-count="stuck"]').inner_text() == "0"

    def refresh_counts():
        page.evaluate(
            "htmx.ajax('GET', '/console/dispatch/counts/',"
            " {target: '#nav-counts', swap: 'outerHTML'})"
        )

    # not opted in: a new 无人可派 order only changes the number
    WorkOrder.objects.filter(pk=desk_data[0].pk).update(dispatch_flag="no_candidate")
    refresh_counts()
    page.locator('#nav-counts[data-seen][data-stuck="1"]').wait_for()
    assert page.evaluate("[window.__rings, window.__notes.length]") == [0, 0]
    # opted in: the next one rings and raises a desktop notification
    page.get_by_role("button", name="开启响铃和桌面提醒").click()
    page.get_by_role("button", name="提醒已开启").wait_for()
    WorkOrder.objects.filter(pk=desk_data[1].pk).update(dispatch_flag="no_candidate")
    refresh_counts()
    page.locator('#nav-counts[data-seen][data-stuck="2"]').wait_for()
    assert page.evaluate("[window.__rings, window.__notes]") == [
        1,
        ["综合调度台有新的待处理事项"],
    ]
    # unchanged counts stay quiet
    refresh_counts()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__rings") == 1


def test_countdowns_stay_current_in_the_browser(chromium, live_server, desk_data):
    # the server's text at render time, then countdown.js from the row's instants
    page = open_desk(chromium, live_server)
    cell = page.locator("#queue tbody tr[data-order] td.countdown").nth(5)
    assert cell.inner_text().startswith("剩 ")
    assert cell.get_attribute("data-deadline").endswith("Z")
    # the deadline 3 minutes ago (by the server's clock): overdue, in Chinese
    page.evaluate(
        """(el) => {
            var now = Date.parse(document.getElementById("desk-clock").dataset.now);
            el.dataset.deadline = new Date(now - 3 * 60000 - 5000).toISOString();
            window.deskCountdowns();
        }""",
        cell.element_handle(),
    )
    assert cell.inner_text().split("\n")[0].startswith("超时 3分")
    assert "overdue" in cell.get_attribute("class")
    row = page.locator("#queue tbody tr[data-order]").nth(5)
    assert "tone-overdue" in row.get_attribute("class")
    assert cell.get_attribute("title") == "超时"
    # past the warning point but before the deadline: warning
    page.evaluate(
        """(el) => {
            var now = Date.parse(document.getElementById("desk-clock").dataset.now);
            el.dataset.deadline = new Date(now + 125 * 60000 + 30000).toISOString();
            el.dataset.warnAt = new Date(now - 60000).toISOString();
            window.deskCountdowns();
        }""",
        cell.element_handle(),
    )
    assert cell.inner_text().split("\n")[0].startswith("剩 2小时5分")
    assert "warning" in cell.get_attribute("class")
    assert "tone-warning" in row.get_attribute("class")
