"""The customer's own page on a 375-px phone (SPEC §14): the link from the
SMS, confirm, choose another slot, and after completion the evaluation that
takes the order off the agents' callback queue."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from compensation.services import order_complete
from complaints.models import Callback
from dispatch import slot_services
from dispatch.services import order_dispatch
from notifications.models import Notification
from org.models import Technician
from org.services import org_import
from sla.models import Approval
from sla.services import approval_approve
from tests.conftest import ORG, client_for, make_user
from workorders.models import WorkOrder
from workorders.rules import LOCAL_TZ
from workorders.services import (
    CustomerIn,
    OrderIn,
    work_order_accept,
    work_order_arrive,
    work_order_create,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (375, 740)


@pytest.fixture
def morning():
    today = dt.datetime.now(LOCAL_TZ).date()
    start = dt.datetime.combine(today, dt.time(10, 0), tzinfo=LOCAL_TZ)
    with time_machine.travel(start, tick=True):
        yield start


def test_the_customer_confirms_rebooks_and_evaluates_on_a_phone(
    chromium, live_server, morning, shot, settings
):
    settings.CUSTOMER_BASE_URL = live_server.url
    org_import(ORG)
    desk = make_user("disp1", "dispatcher")
    boss = make_user("boss1", "supervisor")
    agent = make_user("agent1", "hotline_agent")
    tech = Technician.objects.get(code="T1")
    tomorrow = morning.date() + dt.timedelta(days=1)
    order, _ = work_order_create(
        data=OrderIn(
            source="crm",
            kind="install",
            product="ftth_broadband",
            customer=CustomerIn(name="王女士", phone="13912345678"),
            address="通灌北路 1 号 3-201",
            package_area="P1",
            crm_order_id="PAGE-1",
        ),
        by=None,
    )
    order_dispatch(order, technician=tech, by=desk)
    order.refresh_from_db()
    work_order_accept(order, by=tech.user)
    slot_services.order_contact(
        order,
        appointment_start=dt.datetime.combine(tomorrow, dt.time(8), tzinfo=LOCAL_TZ),
        appointment_end=dt.datetime.combine(tomorrow, dt.time(10), tzinfo=LOCAL_TZ),
        by=tech.user,
    )
    # the customer's SMS carries the link
    sms = Notification.objects.get(topic="appointment_sms", subject_id=order.pk)
    link = re.search(r"https?://\S+/c/[\w-]+/", sms.body).group(0)

    context = chromium.new_context(
        locale="zh-CN", viewport={"width": PHONE[0], "height": PHONE[1]}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(link)
    assert "已预约上门" in page.content()
    assert "张工" in page.content()
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    shot(page, "customer-1-opened")

    # confirm
    page.get_by_role("button", name="确认按此时间上门").click()
    page.wait_for_load_state()
    assert "已确认预约" in page.locator("[role=status]").inner_text()

    # choose another slot with room: the first one offered
    page.locator("#rebook select").select_option(index=1)
    page.get_by_role("button", name="提交改约").click()
    page.wait_for_load_state()
    assert "已提交改约申请" in page.content()
    shot(page, "customer-2-rebooked")
    approval = Approval.objects.get(order=order)
    approval_approve(approval, by=boss)
    order.refresh_from_db()
    assert order.appointment_start == approval.appointment_start

    # the technician works it and completes
    order.refresh_from_db()
    work_order_arrive(order, by=tech.user)
    order.refresh_from_db()
    order_complete(order, resolution="onsite", by=tech.user)
    due = client_for(agent).get("/api/v1/callbacks/due/").json()["results"]
    assert [row["id"] for row in due] == [order.pk]

    # the evaluation
    page.goto(link)
    form = page.locator("#evaluate")
    for name in ("contact", "punctuality", "skill", "attitude"):
        form.locator(f"input[name={name}][value='5']").check()
    form.locator("input[name=satisfied][value='1']").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    shot(page, "customer-3-evaluation")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    assert "感谢您的评价" in page.content()
    shot(page, "customer-4-thanks")
    assert Callback.objects.get(work_order=order).channel == "page"
    # the agents' callback queue no longer lists the order
    assert client_for(agent).get("/api/v1/callbacks/due/").json()["results"] == []
    # the page loads nothing from the internet
    assert all(url.startswith(live_server.url) for url in requests)
    context.close()
    assert WorkOrder.objects.get(pk=order.pk).status == "completed"
