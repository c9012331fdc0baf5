"""The desks of issue 14 in a real browser: a complaint through every step
(the responsible department's handler seeing only its department), a
manager reviewing, locking and recomputing payroll with the diff, finance
paying approved claims in bulk, and each role's home."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.utils import timezone

from compensation.models import Claim, ClaimStatus, Recharge
from complaints.models import Complaint, PenaltyTicket
from complaints.services import (
    ComplaintIn,
    complaint_assign_department,
    complaint_create,
    complaint_dispatch_to_city,
    complaint_submit,
)
from org.models import District, StaffProfile
from org.services import org_import
from payroll.models import PayrollRun
from tests.browser.test_console_flow import login
from tests.conftest import ORG, make_user
from tests.payroll.conftest import make_order, penalty, set_base

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"viewport": {"width": 1440, "height": 900}}


@pytest.fixture
def city(transactional_db):
    # The previous browser test ended every other PostgreSQL session
    # (conftest's ``_no_session_left_behind``), possibly this thread's
    # connection too: start from a fresh one.
    connections.close_all()
    org_import(ORG)
    for username, role in (
        ("agent1", "hotline_agent"),
        ("sup1", "supervisor"),
        ("mgr1", "manager"),
        ("fin1", "finance"),
    ):
        make_user(username, role)
    for username, department in (("net1", "网络维护中心"), ("hall1", "营业部")):
        user = make_user(username, "department_handler")
        StaffProfile.objects.create(
            user=user, district=District.objects.get(code="D1"), department=department
        )


def _complaint(by, phone: str) -> Complaint:
    return complaint_create(
        data=ComplaintIn(
            channel="hotline_10000",
            phone=phone,
            customer_name="赵先生",
            category="service_support",
            sub_category="install_delay",
            description="约好上午装宽带，到下午还没人来",
        ),
        by=by,
    )


def test_a_complaint_through_every_step(chromium, live_server, city, shot):
    base = live_server.url
    agent_user = User.objects.get(username="agent1")
    complaint = _complaint(agent_user, "13711112222")
    # another complaint already with the business hall
    sup_user = User.objects.get(username="sup1")
    hall = _complaint(agent_user, "13711113333")
    complaint_submit(hall, by=sup_user)
    complaint_dispatch_to_city(hall, district="D1", by=sup_user)
    complaint_assign_department(hall, department="营业部", by=sup_user)

    # the hotline agent submits the complaint they opened
    page = login(chromium, base, "agent1", "pass-agent1", **WIDE)
    page.goto(f"{base}/console/complaints/")
    page.get_by_role("link", name=complaint.number).click()
    page.locator('details[data-action="submit"] button').click()
    page.wait_for_load_state()
    assert "已完成" in page.locator(".messages").inner_text()

    # the 96133 back office reviews and routes; the city assigns the department
    sup = login(chromium, base, "sup1", "pass-sup1", **WIDE)
    sup.goto(f"{base}/console/complaints/?step=review")
    row = sup.locator(f'tr[data-complaint="{complaint.number}"]')
    assert "剩" in row.inner_text()  # the countdown to the step's limit
    shot(sup, "20-complaints-queue")
    row.get_by_role("link", name=complaint.number).click()
    form = sup.locator('details[data-action="dispatch-to-city"]')
    form.get_by_label("责任地市/区局").select_option("D1")
    form.get_by_role("button").click()
    sup.wait_for_load_state()
    form = sup.locator('details[data-action="assign-department"]')
    form.get_by_label("责任部门").fill("网络维护中心")
    form.get_by_role("button").click()
    sup.wait_for_load_state()
    # and supervises (督办) while the department works on it
    form = sup.locator('details[data-action="supervise"]')
    form.locator("summary").click()
    form.get_by_label("督办意见").fill("客户已二次来电，请优先处理")
    form.get_by_role("button").click()
    sup.wait_for_load_state()
    shot(sup, "21-complaint-at-department")

    # the network department's handler sees only its own department's complaints
    net = login(chromium, base, "net1", "pass-net1", **WIDE)
    assert net.url.endswith("/console/complaints/")
    queue = net.locator("#complaints").inner_text()
    assert complaint.number in queue and hall.number not in queue
    assert net.goto(f"{base}/console/complaints/{hall.pk}/").status == 404
    net.goto(f"{base}/console/complaints/")
    net.get_by_role("link", name=complaint.number).click()
    form = net.locator('details[data-action="answer-customer"]')
    form.get_by_label("答复用户的内容").fill("已致歉，今天16点前上门安装")
    form.get_by_role("button").click()
    net.wait_for_load_state()
    net.locator('details[data-action="return-ticket"] button').click()
    net.wait_for_load_state()
    shot(net, "22-department-handler")

    # the back office calls the customer back
    sup.reload()
    form = sup.locator('details[data-action="callback-customer"]')
    form.get_by_label("不满意", exact=True).check()
    form.get_by_role("button").click()
    sup.wait_for_load_state()

    # the manager determines the responsibility and issues the penalty
    mgr = login(chromium, base, "mgr1", "pass-mgr1", **WIDE)
    mgr.goto(f"{base}/console/complaints/{complaint.pk}/")
    form = mgr.locator('details[data-action="determine-responsibility"]')
    form.get_by_label("认定结果").select_option("human")
    form.get_by_label("认定说明").fill("装维未按约上门")
    form.get_by_label("处罚对象类型").select_option("technician")
    form.get_by_label("处罚对象", exact=True).fill("T1")
    form.get_by_label("处罚金额（元）").fill("50")
    form.get_by_label("处罚原因").fill("未按约上门")
    form.get_by_role("button").click()
    mgr.wait_for_load_state()
    mgr.get_by_role("button", name="公布上报").click()
    mgr.wait_for_load_state()
    timeline = mgr.locator("#timeline").inner_text()
    for line in (
        "前台提交投诉",
        "派往海州区局",
        "派给责任部门网络维护中心",
        "督办",
        "已答复用户",
        "返单",
        "回访用户：不满意",
        "责任认定：人为原因",
        "公布处罚单",
    ):
        assert line in timeline, line
    shot(mgr, "23-complaint-closed")
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert PenaltyTicket.objects.get(complaint=complaint).status == "published"

    # the weekly analysis with its chart (local ECharts)
    mgr.goto(f"{base}/console/complaints/analysis/")
    mgr.locator("#complaint-chart canvas").wait_for()
    assert mgr.locator("#week-total").inner_text() == "2"
    shot(mgr, "24-complaint-analysis")


def _last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def test_manager_reviews_locks_and_recomputes_payroll(
    chromium, live_server, city, shot
):
    base = live_server.url
    month = _last_month()
    year, mon = map(int, month.split("-"))
    set_base("T1", "1")
    set_base("T2", "1")
    tz = timezone.get_current_timezone()
    for day in (3, 4, 5):
        at = dt.datetime(year, mon, day, 11, tzinfo=tz)
        make_order("T1", completed_at=at)
        make_order("T2", completed_at=at + timedelta(hours=3))

    page = login(chromium, base, "mgr1", "pass-mgr1", **WIDE)
    page.goto(f"{base}/console/payroll/")
    page.locator("#compute").get_by_label("月份").fill(month)
    page.get_by_role("button", name="计算该月工资（生成新版本）").click()
    page.wait_for_load_state()
    assert "草稿" in page.locator("#run-status").inner_text()
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="锁定（锁定后不再变动）").click()
    page.wait_for_load_state()
    assert "已锁定" in page.locator("#run-status").inner_text()
    shot(page, "30-payroll-run-locked")
    page.get_by_role("link", name="T1").click()
    assert page.locator("#items tbody tr").count() == 3
    shot(page, "31-payroll-line-items")

    # a penalty published after the lock: recompute into a new version
    penalty("T1", "30.00", month=month)
    page.go_back()
    page.get_by_role("button", name="重新计算为新版本").click()
    page.wait_for_load_state()
    assert page.locator("#diff-changed").inner_text() == "1"
    assert "30.00" in page.locator("#diff").inner_text()
    shot(page, "32-payroll-diff")
    runs = PayrollRun.objects.filter(month=month).order_by("version")
    assert [r.status for r in runs] == ["locked", "draft"]


def test_finance_pays_approved_claims_in_bulk(chromium, live_server, city, shot):
    base = live_server.url
    now = timezone.now()
    ids = []
    for n in range(3):
        order = make_order(
            "T1",
            completed_at=now - timedelta(days=2),
            kind="repair",
            phone=f"1390000010{n}",
            is_same_day=True,
        )
        ids.append(
            Claim.objects.create(
                work_order=order,
                kind="same_day_repair",
                status=ClaimStatus.APPROVED,
                deadline=order.completed_at - timedelta(days=1),
                completed_at=order.completed_at,
                days_late=1,
                amount=Decimal("10.00"),
                district=order.district,
                phone=order.customer.phone,
                pay_by=order.completed_at + timedelta(days=7),
                created_at=order.completed_at,
            ).pk
        )
    page = login(chromium, base, "fin1", "pass-fin1", **WIDE)
    assert page.url.endswith("/console/home/")
    assert page.locator("#to-pay").inner_text() == "3"
    shot(page, "40-finance-home")
    page.goto(f"{base}/compensation/audit/?status=approved")
    page.get_by_label("全选").check()
    shot(page, "41-finance-audit-approved")
    page.get_by_role("button", name="勾选的批量充值").click()
    page.wait_for_load_state()
    assert "已充值 3 条，共 30.00 元" in page.locator(".messages").inner_text()
    assert set(Claim.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "paid"
    }
    assert Recharge.objects.filter(claim_id__in=ids).count() == 3
    page.goto(f"{base}/compensation/audit/?status=paid")
    shot(page, "42-finance-audit-paid")


@pytest.mark.parametrize(
    "username,url,marker",
    [
        ("mgr1", "/console/home/", "今日与本月关键指标"),
        ("fin1", "/console/home/", "慢必赔补偿"),
        ("sup1", "/console/home/", "待审核的挂起/改约申请"),
        ("net1", "/console/complaints/", "投诉处理台"),
        ("agent1", "/console/hotline/", "10000号坐席"),
    ],
)
def test_each_role_lands_on_its_home(
    chromium, live_server, city, shot, username, url, marker
):
    page = login(chromium, live_server.url, username, "pass-" + username, **WIDE)
    assert page.url.endswith(url)
    assert marker in page.content()
    shot(page, f"50-home-{username}")
