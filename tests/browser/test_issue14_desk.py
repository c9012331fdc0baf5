"""Issue 14 in a real browser: a dispatch from every place that offers one
(queue row, 无人可派, 改派 requests, order page) leaves the desk working, and a
technician's 申请改派 ends on their list with a Chinese confirmation."""

from __future__ import annotations

import pytest

from dispatch.services import order_dispatch, order_request_redispatch
from org.models import Technician
from tests.browser.test_console_flow import login, people, working_hours  # noqa: F401
from tests.console.test_desks import new_order
from workorders.models import Status, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Any htmx error lands in window.htmxErrors (a targetError sent no request).
WATCH_HTMX = """() => {
  window.htmxErrors = [];
  for (const name of ["htmx:targetError", "htmx:swapError", "htmx:responseError",
                      "htmx:sendError"]) {
    document.body.addEventListener(name, (e) => window.htmxErrors.push(name));
  }
}"""


def _orders(now):
    """A queue order, a 无人可派 order, a handed-back order, an order-page order."""
    made = {}
    for i, name in enumerate(("queue", "stuck", "handed_back", "page")):
        made[name] = new_order(phone=f"1371111000{i}", accepted_at=now)
    WorkOrder.objects.filter(pk=made["stuck"].pk).update(
        dispatch_flag="no_candidate", dispatch_flag_reason="本组工程师均已满单"
    )
    t2 = Technician.objects.get(code="T2")
    order_dispatch(made["handed_back"], technician=t2, by=None)
    order_request_redispatch(made["handed_back"], by=t2.user, note="不会装iTV")
    return made


def _dispatch_from(desk, trigger, number):
    """Click a 派单/改派 trigger, then 派给 the first candidate; the flash says so."""
    trigger.click()
    candidates = desk.locator("section#candidates")
    candidates.locator("h2", has_text=number).wait_for()
    first = candidates.locator("li[data-technician]").first
    first.get_by_role("button").click()
    candidates.locator(".flash", has_text=number).wait_for()


def test_dispatch_from_every_place_keeps_the_desk_working(
    chromium,
    live_server,
    people,  # noqa: F811
    working_hours,  # noqa: F811
    shot,
):
    base = live_server.url
    made = _orders(working_hours)
    desk = login(
        chromium, base, "disp1", "pass-disp1", viewport={"width": 1440, "height": 1000}
    )
    desk.evaluate(WATCH_HTMX)
    failed = []
    desk.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    # 无人可派: the panel's 派单 button fills the candidates panel, not replaces it
    stuck = made["stuck"]
    item = desk.locator("#stuck .item", has_text=stuck.number)
    _dispatch_from(desk, item.get_by_role("button", name="派单"), stuck.number)
    shot(desk, "issue14-01-dispatched-from-stuck")
    assert desk.locator("section#candidates").count() == 1
    assert desk.locator("aside section#candidates h2").count() == 1

    # 申请改派: the handed-back order goes to someone else
    back = made["handed_back"]
    item = desk.locator("#stuck .item", has_text=back.number)
    _dispatch_from(desk, item.get_by_role("button", name="派单"), back.number)
    assert "李工" not in desk.locator("section#candidates ol").inner_text()
    shot(desk, "issue14-02-dispatched-from-redispatch-request")

    # queue row: still works after the two side-panel dispatches, no reload
    queued = made["queue"]
    row = desk.locator(f'#queue tr[data-order="{queued.number}"]')
    _dispatch_from(desk, row.get_by_role("button", name="派单"), queued.number)
    desk.locator(
        f'#queue tr[data-order="{queued.number}"] td', has_text="已派"
    ).wait_for()
    # the side panel refreshed itself: both flagged orders left it
    desk.locator("#stuck", has_text="没有无人可派的工单").wait_for()
    shot(desk, "issue14-03-dispatched-from-queue")
    # and a 改派 from the queue, after all that, still sends its request
    row = desk.locator(f'#queue tr[data-order="{queued.number}"]')
    row.get_by_role("button", name="改派").click()
    desk.locator("section#candidates h2", has_text=queued.number).wait_for()
    assert desk.evaluate("window.htmxErrors") == []

    # order page
    page_order = made["page"]
    desk.goto(f"{base}/console/orders/{page_order.pk}/")
    desk.evaluate(WATCH_HTMX)
    actions = desk.locator("#actions")
    actions.get_by_role("button", name="派单").click()
    panel = actions.locator("#candidates")
    panel.locator("li[data-technician]").first.get_by_role("button").click()
    panel.locator(".flash", has_text=page_order.number).wait_for()
    assert actions.get_by_role("button", name="派单").count() == 1
    assert desk.evaluate("window.htmxErrors") == []
    shot(desk, "issue14-04-dispatched-from-order-page")

    for order in made.values():
        order.refresh_from_db()
        assert order.status == Status.DISPATCHED, order.number
        assert order.dispatch_flag == ""
    assert failed == []  # no 404 (the favicon was one on every page)
    made["handed_back"].refresh_from_db()
    assert made["handed_back"].technician.code == "T1"


def test_redispatch_request_ends_on_the_technicians_list(
    chromium,
    live_server,
    people,  # noqa: F811
    working_hours,  # noqa: F811
    shot,
):
    order = new_order(phone="13711119999", accepted_at=working_hours)
    order_dispatch(order, technician=Technician.objects.get(code="T1"), by=None)
    phone = login(
        chromium,
        live_server.url,
        "T1",
        "pass-T1",
        viewport={"width": 375, "height": 812},
        is_mobile=True,
    )
    phone.goto(f"{live_server.url}/console/orders/{order.pk}/")
    phone.locator("summary", has_text="申请改派").click()
    phone.get_by_label("申请改派原因").fill("不会装iTV")
    phone.get_by_role("button", name="申请改派").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/console/tech/")
    assert (
        f"工单 {order.number} 已退回调度台改派。"
        in phone.locator(".messages").inner_text()
    )
    assert "Not Found" not in phone.content()
    shot(phone, "issue14-05-redispatch-request-technician")


def test_error_pages_and_english_pages_in_a_browser(
    chromium,
    live_server,
    people,  # noqa: F811
    working_hours,  # noqa: F811
    shot,
):
    from django.contrib.auth.models import User

    base = live_server.url
    order = new_order(phone="13711118888", accepted_at=working_hours)
    order_dispatch(order, technician=Technician.objects.get(code="T1"), by=None)
    agent = login(chromium, base, "agent1", "pass-agent1")
    # 403: a hotline agent on the dispatcher desk
    response = agent.goto(f"{base}/console/dispatch/")
    assert response.status == 403
    assert "没有权限" in agent.locator("main").inner_text()
    shot(agent, "issue14-06-error-403")
    # 404, with the way back
    response = agent.goto(f"{base}/console/orders/999999/")
    assert response.status == 404
    assert "找不到页面" in agent.locator("main").inner_text()
    shot(agent, "issue14-07-error-404")
    agent.get_by_role("link", name="回到首页").click()
    agent.wait_for_load_state()
    assert agent.url.endswith("/console/hotline/")
    # CSRF failure: a form posted after the token changed (signed in elsewhere)
    agent.context.clear_cookies(name="csrftoken")
    agent.get_by_label("客户电话或工单号").fill("13711118888")
    agent.get_by_role("button", name="查询").click()
    agent.wait_for_load_state()
    agent.context.clear_cookies(name="csrftoken")
    agent.locator(f'[data-order="{order.number}"]').get_by_role(
        "button", name="记录催单"
    ).click()
    agent.wait_for_load_state()
    assert "页面已过期" in agent.locator("main").inner_text()
    shot(agent, "issue14-08-error-csrf")

    # the reports in English
    User.objects.filter(username="disp1").update(is_superuser=True, is_staff=True)
    desk = login(
        chromium, base, "disp1", "pass-disp1", viewport={"width": 1440, "height": 900}
    )
    with desk.expect_navigation():
        desk.locator('select[name="language"]').select_option("en")
    desk.goto(f"{base}/reports/quality/")
    assert "Repairs on time" in desk.locator("main").inner_text()
    shot(desk, "issue14-09-reports-english")
    response = desk.goto(f"{base}/nowhere/")
    assert "Page not found" in desk.locator("main").inner_text()
    shot(desk, "issue14-10-error-404-english")
    # the admin's order page, back in Chinese (the language cookie the
    # switch sets; the switch itself is exercised above)
    desk.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": base}]
    )
    desk.goto(f"{base}/admin/workorders/workorder/{order.pk}/change/")
    assert "派给 张工" in desk.locator("#content").inner_text()
    shot(desk, "issue14-11-admin-order")
