"""Issue 14, "broken today": badges count every row, finance reads the orders
behind its claims, error pages are Chinese pages in the site's frame."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.compensation.test_api import clock, finished  # noqa: F401 - fixtures
from tests.conftest import local_time, make_user
from tests.console.test_desks import as_user, new_order
from workorders.models import Status, WorkOrder

pytestmark = pytest.mark.django_db


def _an_hour_ago():
    return timezone.now() - dt.timedelta(hours=1)


def _flag_stuck(n: int) -> None:
    for i in range(n):
        order = new_order(phone=f"1391234{i:04d}", accepted_at=_an_hour_ago())
        WorkOrder.objects.filter(pk=order.pk).update(
            dispatch_flag="no_candidate", dispatch_flag_reason="本组无人在岗"
        )


def _complete(n: int) -> None:
    for i in range(n):
        order = new_order(
            phone=f"1381234{i:04d}", kind="repair", accepted_at=_an_hour_ago()
        )
        WorkOrder.objects.filter(pk=order.pk).update(
            status=Status.COMPLETED, completed_at=timezone.now()
        )


@pytest.mark.parametrize(("rows", "note"), [(20, False), (21, True)])
def test_the_stuck_badge_counts_every_order_not_the_twenty_listed(
    org,
    clock,  # noqa: F811
    rows,
    note,
):
    # given more (or exactly as many) 无人可派 orders than the panel lists
    desk = as_user(make_user("disp1", "dispatcher"))
    _flag_stuck(rows)
    # when the side panel renders
    html = desk.get("/console/dispatch/side/").content.decode()
    # then the badge says the real total, and the list says it is cut
    assert f'<span class="badge flag">{rows}</span>' in html
    assert (f"共 {rows} 条" in html) is note


def test_the_callbacks_badge_counts_every_due_callback(org, clock):  # noqa: F811
    agent = as_user(make_user("agent1", "hotline_agent"))
    _complete(23)
    html = agent.get("/console/hotline/").content.decode()
    assert '待回访 <span class="badge">23</span>' in html
    assert "显示最早的 20 条，共 23 条。" in html


def test_finance_opens_the_order_behind_a_claim_but_no_other(
    client,
    crm,
    dispatcher,
    tech1,
    clock,  # noqa: F811
):
    # given a late order with a 慢必赔 claim, and an order without one
    with_claim = finished(
        crm, dispatcher, tech1, clock, ref="A", done_at=local_time(2026, 11, 17, 9)
    )
    without = new_order(phone="13700000009", accepted_at=_an_hour_ago())
    client.force_login(make_user("fin1", "finance"))
    # when finance follows the order number in its audit list
    audit = client.get("/compensation/audit/").content.decode()
    assert f"/console/orders/{with_claim}/" in audit
    page = client.get(f"/console/orders/{with_claim}/")
    # then it reads the order, and only orders behind a claim
    assert page.status_code == 200 and "时间线" in page.content.decode()
    assert client.get(f"/console/orders/{without.pk}/").status_code == 404


def test_403_is_a_chinese_page_in_the_sites_frame(org):
    agent = as_user(make_user("agent1", "hotline_agent"))
    response = agent.get("/console/dispatch/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "没有权限" in html and 'class="topbar"' in html and "回到首页" in html
    assert "Forbidden" not in html


def test_404_is_a_chinese_page_in_the_sites_frame(org):
    desk = as_user(make_user("disp1", "dispatcher"))
    response = desk.get("/console/orders/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "找不到页面" in html and 'class="topbar"' in html and "回到首页" in html
    assert "Not Found" not in html


def test_404_in_english_is_english(org):
    desk = as_user(make_user("disp1", "dispatcher"))
    html = desk.get("/nowhere/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page not found" in html and "找不到页面" not in html


def test_500_is_a_chinese_page_in_the_sites_frame(org):
    from dispatch_center import urls

    request = Client().get("/").wsgi_request
    response = urls.handler500(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in html and 'class="topbar"' in html and "回到首页" in html
    assert "Server Error" not in html


def test_a_csrf_failure_is_a_chinese_page_in_the_sites_frame(org):
    user = make_user("disp1", "dispatcher")
    desk = Client(enforce_csrf_checks=True)
    desk.force_login(user)
    response = desk.post("/console/dispatch/run/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html and 'class="topbar"' in html and "刷新页面" in html
    assert "CSRF verification failed" not in html


def test_the_favicon_is_a_local_static_file(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/static/favicon.ico"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header, not an HTML page


def test_every_page_links_the_favicon(org):
    html = as_user(make_user("disp1", "dispatcher")).get("/console/dispatch/")
    assert 'rel="icon" href="/static/favicon.ico"' in html.content.decode()


def test_no_template_comment_leaks_into_a_page(org):
    # a multi-line {# #} is not a comment in Django: it printed on every page
    html = as_user(make_user("disp1", "dispatcher")).get("/console/dispatch/")
    text = html.content.decode()
    assert "{#" not in text and "{%" not in text
