"""End to end in a real browser (SPEC §13): an agent's caller inside a fault is
intercepted; the dispatcher confirms a suspected fault from the desk, restores
it from the fault page, and the linked orders close."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import OperationalError, connection

from network_faults.models import FaultStatus, NetworkFault
from network_faults.services import faults_detect
from org.services import org_import
from tests.conftest import ORG, make_user
from tests.network_faults.helpers import repair
from workorders.models import Status, WorkOrder
from workorders.rules import LOCAL_TZ
from workorders.services import CustomerIn, OrderIn, work_order_create

from .test_console_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEIGHBOUR = "13766667777"


@pytest.fixture
def morning():
    today = dt.datetime.now(LOCAL_TZ).date()
    start = dt.datetime.combine(today, dt.time(10, 0), tzinfo=LOCAL_TZ)
    with time_machine.travel(start, tick=True):
        yield start


def _fresh_connection():
    """The previous browser test ends every other PostgreSQL session of the
    test database (conftest ``_no_session_left_behind``); a connection of this
    thread ended that way is replaced before use."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except OperationalError:
        connection.close()


@pytest.fixture
def people(transactional_db):
    _fresh_connection()
    org_import(ORG)
    make_user("agent1", "hotline_agent")
    make_user("disp1", "dispatcher")
    return User.objects.all()


def test_interception_confirmation_and_restoration(
    chromium, live_server, people, morning, shot
):
    base = live_server.url
    # given five repairs in P1 within half an hour: a suspected fault
    orders = [repair(morning - dt.timedelta(minutes=25 - 5 * i)) for i in range(5)]
    [fault] = faults_detect(now=morning)
    caller = orders[0].customer.phone
    work_order_create(
        data=OrderIn(
            source="crm",
            kind="install",
            product="ftth_broadband",
            customer=CustomerIn(name="钱女士", phone=NEIGHBOUR),
            address="通灌北路 9 号",
            package_area="P1",
            accepted_at=morning - dt.timedelta(days=3),
        ),
        by=None,
    )

    # the dispatcher sees it on the desk's faults panel and confirms it
    desk = login(chromium, base, "disp1", "pass-disp1")
    assert desk.url.endswith("/console/dispatch/")
    panel = desk.locator("#faults-panel")
    panel.locator(f"[data-fault='{fault.number}']").wait_for()
    panel.get_by_label("预计恢复时间").fill(
        (morning + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    )
    panel.get_by_role("button", name="确认故障").click()
    desk.wait_for_load_state()
    assert "已确认网络故障" in desk.locator(".messages").first.inner_text()
    shot(desk, "fault-1-desk-confirmed")
    assert NetworkFault.objects.get(pk=fault.pk).status == FaultStatus.CONFIRMED

    # an agent looks the caller up: the fault and its ETA come first
    agent = login(chromium, base, "agent1", "pass-agent1")
    agent.get_by_label("客户电话或工单号").fill(caller)
    agent.get_by_role("button", name="查询").click()
    banner = agent.locator(".fault-banner")
    banner.wait_for()
    eta = (morning + dt.timedelta(hours=4)).strftime("%m-%d %H:%M")
    assert fault.number in banner.inner_text() and eta in banner.inner_text()
    assert "无需重复记录" in banner.inner_text()  # the caller's repair is linked
    shot(agent, "fault-2-hotline-banner")

    # a neighbour (a known customer of P1) calls: the agent records the call
    # against the fault (intercepted), no dispatched repair
    agent.get_by_label("客户电话或工单号").fill(NEIGHBOUR)
    agent.get_by_role("button", name="查询").click()
    banner = agent.locator(".fault-banner")
    banner.wait_for()
    banner.get_by_role("button", name="记入故障（拦截）").click()
    agent.wait_for_load_state()
    assert "来电已记入网络故障" in agent.locator(".messages").first.inner_text()
    call = WorkOrder.objects.get(customer__phone=NEIGHBOUR, kind="repair")
    assert call.network_fault_id == fault.pk and call.fault_intercepted
    assert call.status == Status.PENDING
    shot(agent, "fault-3-intercepted")

    # the dispatcher restores the fault from its page; the linked orders close
    desk.goto(f"{base}/console/faults/{fault.pk}/")
    assert desk.locator("tr[data-order]").count() == 6
    desk.get_by_role("button", name="故障已恢复，关闭全部关联工单").click()
    desk.wait_for_load_state()
    assert "已恢复" in desk.locator("#fault-status").inner_text()
    statuses = desk.locator("tr[data-order] td.status").all_inner_texts()
    assert statuses == ["已竣工"] * 6
    shot(desk, "fault-4-restored")
    assert set(
        WorkOrder.objects.filter(network_fault=fault).values_list("status", flat=True)
    ) == {Status.COMPLETED}
