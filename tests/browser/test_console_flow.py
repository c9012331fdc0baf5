"""End to end in a real browser: a hotline repair, dispatched from the
candidates, worked by the technician on a phone, every step in the timeline."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import User

from org.models import Technician
from org.services import org_import
from tests.conftest import ORG, make_user
from workorders.models import Status, WorkOrder
from workorders.rules import LOCAL_TZ

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13711112222"


@pytest.fixture
def working_hours():
    """Today 10:00 local on the server (the clock ticks): technicians
    without after-hours service are candidates whenever the suite runs."""
    today = dt.datetime.now(LOCAL_TZ).date()
    start = dt.datetime.combine(today, dt.time(10, 0), tzinfo=LOCAL_TZ)
    with time_machine.travel(start, tick=True):
        yield start


@pytest.fixture
def people(transactional_db):
    org_import(ORG)
    make_user("agent1", "hotline_agent")
    make_user("disp1", "dispatcher")
    for code in ("T1", "T2"):
        user = Technician.objects.get(code=code).user
        user.set_password("pass-" + code)
        user.save()
    return User.objects.all()


def login(browser, base_url, username, password, **context_args):
    context = browser.new_context(locale="zh-CN", **context_args)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def test_repair_from_hotline_to_completion(
    chromium, live_server, people, working_hours, shot
):
    base = live_server.url
    today = working_hours.date()

    # given a hotline agent with a caller whose broadband is down
    agent = login(chromium, base, "agent1", "pass-agent1")
    assert agent.url.endswith("/console/hotline/")
    agent.get_by_label("客户电话或工单号").fill(PHONE)
    agent.get_by_role("button", name="查询").click()
    assert "没有找到" in agent.content()
    repair = agent.locator("#repair")
    assert repair.get_by_label("客户电话").input_value() == PHONE
    repair.get_by_label("客户姓名").fill("赵先生")
    repair.get_by_label("装机地址").fill("通灌北路 8 号 2-301")
    repair.get_by_label("小包区").select_option(label="通灌小区（新浦片区）")
    repair.get_by_label("故障描述").fill("光猫红灯，无法上网")
    # when the agent opens the repair
    repair.get_by_role("button", name="提交障碍单").click()
    agent.wait_for_load_state()
    # then it is accepted and the customer's open orders show it
    assert "已受理障碍单" in agent.locator(".messages").inner_text()
    order = WorkOrder.objects.get(customer__phone=PHONE)
    assert (order.kind, order.source, order.status) == ("repair", "hotline", "pending")
    card = agent.locator(f'[data-order="{order.number}"]')
    assert "正在派单" in card.inner_text()
    shot(agent, "01-hotline-desk")

    # the dispatcher sees it in the live queue and dispatches it
    desk = login(
        chromium, base, "disp1", "pass-disp1", viewport={"width": 1440, "height": 900}
    )
    assert desk.url.endswith("/console/dispatch/")
    row = desk.locator(f'#queue tr[data-order="{order.number}"]')
    assert "待派" in row.inner_text() and "当日" in row.inner_text()
    row.get_by_role("button", name="派单").click()
    candidates = desk.locator("#candidates")
    first = candidates.locator("li[data-technician]").first
    first.wait_for()
    assert first.get_attribute("data-technician") == "T1"
    assert "包区工程师" in first.inner_text() and "距离" in first.inner_text()
    shot(desk, "02-dispatcher-candidates")
    first.get_by_role("button", name="派给 张工").click()
    candidates.locator(".flash").wait_for()
    assert "已派给 张工" in candidates.inner_text()
    # the queue refreshed itself (HX-Trigger), no reload
    desk.locator(
        f'#queue tr[data-order="{order.number}"] td', has_text="已派"
    ).wait_for()
    shot(desk, "03-dispatcher-desk")

    # the technician works it on a phone
    phone = login(
        chromium,
        base,
        "T1",
        "pass-T1",
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 34.601, "longitude": 119.221},
        permissions=["geolocation"],
    )
    assert phone.url.endswith("/console/tech/")
    phone.get_by_role("button", name="上报位置").click()
    phone.locator("#pos-status", has_text="位置已上报").wait_for()
    card = phone.locator(f'[data-order="{order.number}"]')
    assert "赵先生" in card.inner_text()
    shot(phone, "04-technician-today")
    card.get_by_role("button", name="接单").click()
    phone.wait_for_load_state()
    card = phone.locator(f'[data-order="{order.number}"]')
    # the appointment is one of the offered slots, not a free date-time
    picker = card.get_by_label("预约时段")
    assert card.locator("input[type=datetime-local]").count() == 0
    offered = picker.locator("option").all_inner_texts()
    assert any("14:00–16:00" in text for text in offered)
    picker.select_option(value=f"{today:%Y-%m-%d}T14:00:00+08:00")
    shot(phone, "04b-technician-slot-picker")
    card.get_by_role("button", name="联系客户并预约").click()
    phone.wait_for_load_state()
    card = phone.locator(f'[data-order="{order.number}"]')
    assert "预约" in card.inner_text()
    card.get_by_role("button", name="已上门").click()
    phone.wait_for_load_state()
    card = phone.locator(f'[data-order="{order.number}"]')
    card.get_by_label("竣工备注").fill("更换光猫，已恢复")
    shot(phone, "05-technician-complete")
    card.get_by_role("button", name="竣工").click()
    phone.wait_for_load_state()
    assert "已报竣" in phone.locator(".messages").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    assert Technician.objects.get(code="T1").last_position_at is not None

    # the order page shows every step
    desk.goto(f"{base}/console/orders/{order.pk}/")
    timeline = desk.locator("#timeline").inner_text()
    for step in (
        "受理",
        "派单",
        "派给 张工",
        "包区工程师",
        "派单短信",
        "已接单",
        "首次联系并预约",
        "预约确认短信",
        "处理中",
        "已竣工",
        "更换光猫，已恢复",
    ):
        assert step in timeline, step
    shot(desk, "06-order-page")
    # English is one switch away (LocaleMiddleware + set_language)
    with desk.expect_navigation():
        desk.locator('select[name="language"]').select_option("en")
    assert "Timeline" in desk.locator("#timeline").inner_text()
    assert "Dispatcher desk" in desk.locator("header nav").inner_text()
    shot(desk, "08-order-page-english")
    phone.goto(f"{base}/console/orders/{order.pk}/")
    shot(phone, "07-order-page-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # another technician cannot open it
    other = login(
        chromium, base, "T2", "pass-T2", viewport={"width": 375, "height": 812}
    )
    response = other.goto(f"{base}/console/orders/{order.pk}/")
    assert response.status == 404
    assert not re.search(order.number, other.content())
