"""The console desks through Django's test client: roles, scoping, actions,
validation messages and a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from compensation.models import Claim
from complaints.models import Callback, Complaint
from dispatch.models import RotaEntry
from org.models import Technician
from sla.models import Approval, ApprovalStatus
from tests.conftest import local_time, make_user
from workorders import services as wo_services
from workorders.models import EventKind, Status, WorkOrder

FRIDAY_10 = local_time(2026, 11, 20, 10, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY_10, tick=False) as traveller:
        yield traveller


def new_order(
    *,
    phone="13912345678",
    package_area="P1",
    kind="install",
    level="ordinary",
    accepted_at=None,
    same_day=True,
    by=None,
) -> WorkOrder:
    data = wo_services.OrderIn(
        source="crm" if kind != "repair" else "hotline",
        kind=kind,
        product="ftth_broadband",
        customer=wo_services.CustomerIn(name="王女士", phone=phone, level=level),
        address="通灌北路 1 号",
        package_area=package_area,
        same_day_requested=same_day,
        accepted_at=accepted_at or local_time(2026, 11, 20, 9, 0),
    )
    order, _ = wo_services.work_order_create(data=data, by=by)
    return order


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def tech_user(code):
    return Technician.objects.get(code=code).user


@pytest.fixture
def desk(org):
    return as_user(make_user("disp1", "dispatcher"))


@pytest.fixture
def agent(org):
    return as_user(make_user("agent1", "hotline_agent"))


@pytest.fixture
def sup(org):
    return as_user(make_user("sup1", "supervisor"))


@pytest.fixture
def t1(org):
    return as_user(tech_user("T1"))


@pytest.fixture
def t2(org):
    return as_user(tech_user("T2"))


def dispatch_to(order, code, by=None):
    from dispatch.services import order_dispatch

    order_dispatch(order, technician=Technician.objects.get(code=code), by=by)
    order.refresh_from_db()
    return order


# --- landing and navigation ----------------------------------------------------------


@pytest.mark.parametrize(
    "role,desk_url",
    [
        ("dispatcher", "/console/dispatch/"),
        ("supervisor", "/console/home/"),
        ("manager", "/console/home/"),
        ("finance", "/console/home/"),
        ("department_handler", "/console/complaints/"),
        ("hotline_agent", "/console/hotline/"),
        ("technician", "/console/tech/"),
    ],
)
def test_home_sends_each_role_to_its_desk(org, role, desk_url):
    client = as_user(make_user("u-" + role, role))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == desk_url


def test_navigation_shows_only_the_desks_of_the_role(org):
    page = as_user(make_user("a9", "hotline_agent")).get("/console/hotline/")
    html = page.content.decode()
    assert "10000号坐席" in html
    assert "综合调度台" not in html and "我的工单" not in html


@pytest.mark.parametrize(
    "role,url",
    [
        ("technician", "/console/dispatch/"),
        ("hotline_agent", "/console/dispatch/"),
        ("dispatcher", "/console/tech/"),
        ("technician", "/console/hotline/"),
        ("finance", "/console/dispatch/"),
    ],
)
def test_desks_refuse_other_roles(org, role, url):
    client = as_user(make_user("x-" + role, role))
    assert client.get(url).status_code == 403


def test_anonymous_users_are_sent_to_login(org):
    response = Client().get("/console/dispatch/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the dispatcher desk ----------------------------------------------------------------


def test_queue_shows_countdowns_coloured_by_time_left(desk, clock):
    late = new_order(phone="13900000001", accepted_at=local_time(2026, 11, 19, 9, 0))
    soon = new_order(phone="13900000002")
    WorkOrder.objects.filter(pk=soon.pk).update(
        sla_deadline=FRIDAY_10 + dt.timedelta(minutes=30)
    )
    fine = new_order(phone="13900000003")
    WorkOrder.objects.filter(pk=fine.pk).update(
        sla_deadline=FRIDAY_10 + dt.timedelta(hours=8)
    )
    html = desk.get("/console/dispatch/").content.decode()
    assert f'class="tone-overdue" data-order="{late.number}"' in html
    assert f'class="tone-warning" data-order="{soon.number}"' in html
    assert f'class="tone-ok" data-order="{fine.number}"' in html
    assert "超时" in html and "剩 30分" in html


def test_queue_shows_badges_urges_and_escalation(desk):
    vip = new_order(level="gold")
    WorkOrder.objects.filter(pk=vip.pk).update(urge_count=2, escalation_level=1)
    html = desk.get("/console/dispatch/").content.decode()
    assert "VIP" in html and "当日" in html and "升级1级" in html
    assert '<span class="badge urge">2</span>' in html


def test_queue_filters_by_district_kind_and_status(desk, org):
    a = new_order(phone="13900000001", package_area="P1")
    b = new_order(phone="13900000002", package_area="P3")
    c = new_order(phone="13900000003", package_area="P1", kind="repair")
    from org.models import District

    d2 = District.objects.get(code="D2").pk
    html = desk.get(f"/console/dispatch/queue/?district={d2}").content.decode()
    assert b.number in html and a.number not in html
    html = desk.get("/console/dispatch/queue/?kind=repair").content.decode()
    assert c.number in html and a.number not in html
    dispatch_to(a, "T1")
    html = desk.get("/console/dispatch/queue/?status=dispatched").content.decode()
    assert a.number in html and c.number not in html
    html = desk.get("/console/dispatch/queue/?status=bogus").content.decode()
    assert a.number in html and c.number in html  # a bad filter is ignored


def test_queue_is_scoped_to_the_dispatchers_district(org):
    mine = new_order(phone="13900000001", package_area="P1")
    theirs = new_order(phone="13900000002", package_area="P3")
    client = as_user(make_user("d1only", "dispatcher", district="D1"))
    html = client.get("/console/dispatch/").content.decode()
    assert mine.number in html and theirs.number not in html
    assert (
        client.get(f"/console/dispatch/orders/{theirs.pk}/candidates/").status_code
        == 404
    )
    assert client.get(f"/console/orders/{theirs.pk}/").status_code == 404


def test_desk_polls_its_panels_with_htmx(desk):
    html = desk.get("/console/dispatch/?kind=install").content.decode()
    assert 'hx-get="/console/dispatch/queue/?kind=install' in html
    assert (
        "every 15s" in html and 'hx-get="/console/dispatch/side/?kind=install"' in html
    )
    assert "htmx-2.0.11.min.js" in html
    side = desk.get("/console/dispatch/side/")
    assert side.status_code == 200 and 'id="side"' in side.content.decode()


def test_queue_paginates(desk):
    for i in range(55):
        new_order(phone=f"139{i:08d}")
    html = desk.get("/console/dispatch/").content.decode()
    assert "共 55 单" in html and "第 1 / 2 页" in html
    html = desk.get("/console/dispatch/queue/?page=2").content.decode()
    assert html.count("data-order=") == 5


@pytest.mark.parametrize("url", ["/console/dispatch/", "/console/dispatch/queue/"])
def test_queue_queries_do_not_grow_with_the_rows(
    desk, url, django_assert_max_num_queries, settings
):
    settings.POLICY_CACHE_SECONDS = 3600  # as in production (test.sh sets 0)
    for i in range(3):
        new_order(phone=f"1390000000{i}")
    desk.get(url)  # warm the policy cache and the session
    new_order(phone="13900000009")  # a change: the poll counts again
    # 25 + the map's marker: two count the badges' totals (approvals, 无人可派), one the rota's busy
    # days (a rest day on a day with open orders is a warning), one counts the
    # technicians (their panel reads the facts of its page only)
    with django_assert_max_num_queries(30) as few:
        desk.get(url)
    for i in range(60):
        order = new_order(phone=f"1381{i:07d}", package_area=("P1", "P3")[i % 2])
        if i % 3 == 0:
            WorkOrder.objects.filter(pk=order.pk).update(urge_count=1)
    for code, package_area in (("T1", "P1"), ("T3", "P3")):  # each in its district
        dispatch_to(
            WorkOrder.objects.filter(
                status="pending", package_area__code=package_area
            ).first(),
            code,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(url)
    assert response.status_code == 200


def test_candidates_show_ranked_technicians_with_reasons(desk):
    order = new_order()
    html = desk.get(f"/console/dispatch/orders/{order.pk}/candidates/").content.decode()
    assert html.index('data-technician="T1"') < html.index('data-technician="T2"')
    assert "包区工程师" in html and "距离" in html and "在途 0/8" in html


def test_dispatch_from_the_candidates(desk):
    order = new_order()
    response = desk.post(
        f"/console/dispatch/orders/{order.pk}/dispatch/",
        {"technician": "T1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "queue-changed"
    assert "已派给 张工" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED and order.technician.code == "T1"
    event = order.events.get(kind=EventKind.DISPATCH)
    assert event.data["reasons"]["decided_by"] == "dispatcher"
    assert event.data["reasons"]["rank"] == 1


def test_reassign_to_the_other_technician(desk):
    order = dispatch_to(new_order(), "T1")
    response = desk.post(
        f"/console/dispatch/orders/{order.pk}/dispatch/",
        {"technician": "T2", "reason": "张工车坏了"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.technician.code == "T2"
    assert order.events.filter(kind=EventKind.DISPATCH).last().reason == "张工车坏了"


def test_dispatch_refusals_are_messages_not_errors(desk):
    order = new_order()
    outside = desk.post(
        f"/console/dispatch/orders/{order.pk}/dispatch/",
        {"technician": "T3"},
        HTTP_HX_REQUEST="true",
    )
    assert outside.status_code == 200
    assert "不在本单的候选范围内" in outside.content.decode()
    Technician.objects.filter(code="T2").update(status="leave")
    refused = desk.post(
        f"/console/dispatch/orders/{order.pk}/dispatch/",
        {"technician": "T2"},
        HTTP_HX_REQUEST="true",
    )
    assert "T2 今日请假，不能派单" in refused.content.decode()
    WorkOrder.objects.filter(pk=order.pk).update(status=Status.CANCELLED)
    closed = desk.post(
        f"/console/dispatch/orders/{order.pk}/dispatch/", {"technician": "T1"}
    )
    assert closed.status_code == 302
    page = desk.get("/console/dispatch/").content.decode()
    assert "工单当前状态不允许此操作" in page


def test_technicians_panel_shows_duty_and_workload(desk):
    dispatch_to(new_order(), "T1")
    RotaEntry.objects.create(
        technician=Technician.objects.get(code="T2"),
        date=dt.date(2026, 11, 20),
        kind="rest",
    )
    html = desk.get("/console/dispatch/technicians/").content.decode()
    assert "张工" in html and "1/8" in html
    assert "轮休" in html


def test_stuck_orders_and_the_feed(desk, org):
    from sla.scan import sla_scan

    order = new_order()
    WorkOrder.objects.filter(pk=order.pk).update(
        dispatch_flag="no_candidate", dispatch_flag_reason="全组轮休"
    )
    late = new_order(phone="13900000009", accepted_at=local_time(2026, 11, 19, 9, 0))
    sla_scan(now=FRIDAY_10)
    html = desk.get("/console/dispatch/side/").content.decode()
    assert "全组轮休" in html
    assert late.number in html and "升级" in html


def test_approve_and_reject_requests(desk, sup, org):
    from sla.services import approval_request

    order = dispatch_to(new_order(), "T1")
    tech = tech_user("T1")
    approval = approval_request(order, kind="suspend", reason="customer", by=tech)
    page = desk.get("/console/dispatch/").content.decode()
    assert "待审核申请" in page and order.number in page
    no_note = desk.post(
        f"/console/dispatch/approvals/{approval.pk}/reject/",
        {"note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "驳回须填写审核意见" in no_note.content.decode()
    approve = desk.post(f"/console/dispatch/approvals/{approval.pk}/approve/", {})
    assert approve.status_code == 302
    approval.refresh_from_db()
    order.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert order.status == Status.SUSPENDED


def test_rota_generate_and_view(desk, org):
    from org.models import RegionGroup

    group = RegionGroup.objects.get(code="G1")
    response = desk.post(
        "/console/dispatch/rota/", {"group": group.pk, "week_start": "2026-11-16"}
    )
    assert response.status_code == 302
    assert RotaEntry.objects.filter(technician__group=group, kind="rest").count() == 2
    html = desk.get(response["Location"]).content.decode()
    assert "本周轮休" in html and "轮休" in html
    tuesday = desk.post(
        "/console/dispatch/rota/", {"group": group.pk, "week_start": "2026-11-17"}
    )
    page = desk.get(tuesday["Location"]).content.decode()
    assert "请选择周一作为一周的开始" in page


def test_auto_dispatch_button(desk):
    order = new_order()
    response = desk.post("/console/dispatch/run/")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert "派出 1 单" in desk.get("/console/dispatch/").content.decode()


def test_posts_need_the_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("csrf1", "dispatcher"))
    assert client.post("/console/dispatch/run/").status_code == 403


# --- the hotline desk -------------------------------------------------------------------


def test_hotline_finds_a_customer_by_phone_or_number(agent):
    order = dispatch_to(new_order(), "T1")
    by_phone = agent.get("/console/hotline/?q=13912345678").content.decode()
    assert order.number in by_phone and "张工" in by_phone
    assert "工程师将尽快联系预约" in by_phone
    by_number = agent.get(f"/console/hotline/?q={order.number}").content.decode()
    assert "王女士" in by_number and order.number in by_number
    nothing = agent.get("/console/hotline/?q=13000000000").content.decode()
    assert "没有找到" in nothing


def test_hotline_answers_when_the_technician_comes(agent):
    order = dispatch_to(new_order(), "T1")
    tech = tech_user("T1")
    wo_services.work_order_accept(order, by=tech)
    wo_services.work_order_contact(
        order,
        appointment_start=local_time(2026, 11, 20, 14, 0),
        appointment_end=local_time(2026, 11, 20, 16, 0),
        by=tech,
    )
    html = agent.get("/console/hotline/?q=13912345678").content.decode()
    assert "已预约 11-20 14:00–16:00 上门" in html


def repair_post(**overrides):
    from org.models import PackageArea

    data = {
        "phone": "13711112222",
        "name": "赵先生",
        "address": "海连路 8 号",
        "package_area": PackageArea.objects.get(code="P2").pk,
        "product": "ftth_broadband",
        "level": "ordinary",
        "segment": "public",
        "description": "光猫红灯，无法上网",
        "same_day_requested": "on",
    }
    data.update(overrides)
    return data


def test_hotline_opens_a_repair(agent):
    response = agent.post("/console/hotline/repair/", repair_post())
    assert response.status_code == 302
    order = WorkOrder.objects.get(customer__phone="13711112222")
    assert (order.kind, order.source, order.status) == ("repair", "hotline", "pending")
    page = agent.get(response["Location"]).content.decode()
    assert f"已受理障碍单 {order.number}" in page


def test_repair_form_speaks_chinese_when_wrong(agent):
    response = agent.post(
        "/console/hotline/repair/", repair_post(phone="12345", name="", package_area="")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请输入11位手机号" in html
    assert "该字段是必填项" in html
    assert not WorkOrder.objects.exists()


def test_urges_are_counted_and_the_second_escalates(agent):
    order = new_order()
    agent.post(f"/console/hotline/orders/{order.pk}/urge/", {"note": "客户着急"})
    response = agent.post(f"/console/hotline/orders/{order.pk}/urge/", {"note": ""})
    order.refresh_from_db()
    assert order.urge_count == 2 and order.escalation_level == 1
    assert "第2次催单" in agent.get(response["Location"]).content.decode()


def test_urge_on_a_closed_order_is_a_message(agent):
    order = new_order()
    WorkOrder.objects.filter(pk=order.pk).update(status=Status.CANCELLED)
    response = agent.post(f"/console/hotline/orders/{order.pk}/urge/", {})
    assert response.status_code == 302
    assert (
        "工单当前状态不允许此操作" in agent.get(response["Location"]).content.decode()
    )


def test_hotline_opens_a_complaint(agent):
    from complaints.models import ComplaintSubCategory

    order = new_order()
    sub = ComplaintSubCategory.objects.get(code="install_delay")
    response = agent.post(
        "/console/hotline/complaint/",
        {
            "channel": "hotline_10000",
            "phone": "13912345678",
            "customer_name": "王女士",
            "sub_category": sub.pk,
            "work_order": order.pk,
            "description": "装机一直没人来",
        },
    )
    assert response.status_code == 302, response.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.work_order_id == order.pk
    assert complaint.category == "service_support"
    bad = agent.post("/console/hotline/complaint/", {"phone": "13912345678"})
    assert bad.status_code == 400 and "该字段是必填项" in bad.content.decode()


def complete(order, code="T1"):
    from compensation.services import order_complete

    tech = tech_user(code)
    wo_services.work_order_accept(order, by=tech)
    wo_services.work_order_contact(
        order,
        appointment_start=local_time(2026, 11, 20, 11, 0),
        appointment_end=local_time(2026, 11, 20, 12, 0),
        by=tech,
    )
    wo_services.work_order_arrive(order, by=tech)
    order_complete(order, resolution="onsite", by=tech)
    return order


def test_hotline_records_a_callback_once(agent):
    order = complete(dispatch_to(new_order(), "T1"))
    html = agent.get("/console/hotline/?q=13912345678").content.decode()
    assert "记录回访" in html and order.number in html
    scores = {"contact": 5, "punctuality": 4, "skill": 5, "attitude": 5}
    response = agent.post(
        f"/console/hotline/orders/{order.pk}/callback/", {**scores, "satisfied": "yes"}
    )
    assert response.status_code == 302
    assert Callback.objects.get(work_order=order).punctuality == 4
    again = agent.post(
        f"/console/hotline/orders/{order.pk}/callback/", {**scores, "satisfied": "no"}
    )
    assert again.status_code == 400 and "该工单已回访" in again.content.decode()


# --- the technician's phone pages ---------------------------------------------------------


def test_technician_sees_only_own_orders_by_deadline(t1):
    later = dispatch_to(new_order(phone="13900000001"), "T1")
    WorkOrder.objects.filter(pk=later.pk).update(
        deadline=FRIDAY_10 + dt.timedelta(hours=6)
    )
    sooner = dispatch_to(new_order(phone="13900000002"), "T1")
    WorkOrder.objects.filter(pk=sooner.pk).update(
        deadline=FRIDAY_10 + dt.timedelta(hours=2)
    )
    other = dispatch_to(new_order(phone="13900000003"), "T2")
    html = t1.get("/console/tech/").content.decode()
    assert html.index(sooner.number) < html.index(later.number)
    assert other.number not in html
    assert 'name="viewport"' in html and "上报位置" in html


def step(client, order, action, data=None):
    prefixed = {f"{action}-{k}": v for k, v in (data or {}).items()}
    return client.post(f"/console/tech/orders/{order.pk}/{action}/", prefixed)


def test_technician_works_an_order_to_completion(t1):
    order = dispatch_to(new_order(), "T1")
    assert step(t1, order, "accept").status_code == 302
    response = step(
        t1,
        order,
        "contact",
        {"slot": "2026-11-20T14:00:00+08:00"},
    )
    assert response.status_code == 302
    assert step(t1, order, "arrive").status_code == 302
    assert step(t1, order, "complete", {"note": "已恢复"}).status_code == 302
    order.refresh_from_db()
    assert order.status == Status.COMPLETED and order.resolution == "onsite"
    assert order.appointment_start == local_time(2026, 11, 20, 14, 0)
    timeline = t1.get(f"/console/orders/{order.pk}/").content.decode()
    for text in (
        "受理",
        "派单",
        "接单",
        "首次联系并预约",
        "上门",
        "已竣工",
        "预约确认短信",
    ):
        assert text in timeline


def test_late_completion_opens_a_compensation_claim(t1, clock):
    order = dispatch_to(new_order(), "T1")
    assert step(t1, order, "accept").status_code == 302
    appointment = {"slot": "2026-11-20T10:00:00+08:00"}
    assert step(t1, order, "contact", appointment).status_code == 302
    assert step(t1, order, "arrive").status_code == 302
    clock.move_to(local_time(2026, 11, 22, 10, 0))
    response = step(
        t1, order, "complete", {"delay_cause": "installer", "evidence": "照片1"}
    )
    assert response.status_code == 302
    claim = Claim.objects.get(work_order=order)
    assert claim.days_late >= 1
    page = t1.get(f"/console/orders/{order.pk}/").content.decode()
    assert "慢必赔" in page


def test_contact_offers_slots_not_free_times(t1):
    order = dispatch_to(new_order(), "T1")
    step(t1, order, "accept")
    page = t1.get(f"/console/orders/{order.pk}/").content.decode()
    assert 'name="contact-slot"' in page and 'type="datetime-local"' not in page
    # today (Friday 10:00): the slot running now and the later ones; 08–10 ended
    assert 'value="2026-11-20T10:00:00+08:00"' in page
    assert 'value="2026-11-20T08:00:00+08:00"' not in page
    assert 'value="2026-11-21T08:00:00+08:00"' in page
    free = step(t1, order, "contact", {"slot": "2026-11-20T15:30:00+08:00"})
    assert free.status_code == 400
    assert "请选择列表中的预约时段" in free.content.decode()
    past = step(t1, order, "contact", {"slot": "2026-11-20T08:00:00+08:00"})
    assert "请选择列表中的预约时段" in past.content.decode()
    empty = step(t1, order, "contact", {"slot": ""})
    assert "请选择预约时段" in empty.content.decode()
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED


def test_a_full_slot_is_offered_today_marked_and_never_ahead(t1, desk):
    """Two installs fill a slot of G1's two technicians: today's stays on the
    contact form (same-day accepted, marked full), tomorrow's is not offered."""
    for start in ("2026-11-20T14:00", "2026-11-21T08:00"):
        for _ in range(2):
            WorkOrder.objects.filter(pk=new_order().pk).update(
                appointment_start=dt.datetime.fromisoformat(start + ":00+08:00"),
                appointment_end=dt.datetime.fromisoformat(start + ":00+08:00")
                + dt.timedelta(hours=2),
            )
    order = dispatch_to(new_order(), "T1")
    step(t1, order, "accept")
    page = t1.get(f"/console/orders/{order.pk}/").content.decode()
    contact = page[page.index('name="contact-slot"') :]
    contact = contact[: contact.index("</select>")]
    assert 'value="2026-11-20T14:00:00+08:00"' in contact
    assert "已约满，当日上门仍可预约" in contact
    assert 'value="2026-11-21T08:00:00+08:00"' not in contact
    reschedule = page[page.index('name="reschedule-slot"') :]
    reschedule = reschedule[: reschedule.index("</select>")]
    assert 'value="2026-11-20T14:00:00+08:00"' not in reschedule
    assert 'value="2026-11-21T08:00:00+08:00"' not in reschedule
    # the same-day visit into the full slot is accepted and counted: the
    # desk sees the slot overfilled
    assert (
        step(t1, order, "contact", {"slot": "2026-11-20T14:00:00+08:00"}).status_code
        == 302
    )
    seen = desk.get(f"/console/orders/{order.pk}/").content.decode()
    assert "该时段已超约：已约 3 单，容量 2 单" in seen


def test_wrong_step_is_a_message_not_a_500(t1):
    order = dispatch_to(new_order(), "T1")
    response = step(t1, order, "complete")
    assert response.status_code == 400
    assert "工单当前状态不允许此操作" in response.content.decode()


def test_technician_cannot_open_another_technicians_order(t1, t2):
    order = dispatch_to(new_order(), "T1")
    assert t2.get(f"/console/orders/{order.pk}/").status_code == 404
    assert step(t2, order, "accept").status_code == 404
    assert t1.get(f"/console/orders/{order.pk}/").status_code == 200


def test_suspend_and_reschedule_requests(t1):
    order = dispatch_to(new_order(), "T1")
    step(t1, order, "accept")
    unconfirmed = step(
        t1,
        order,
        "reschedule",
        {"slot": "2026-11-21T08:00:00+08:00", "reason": "customer"},
    )
    assert unconfirmed.status_code == 400
    assert "改约须经客户确认" in unconfirmed.content.decode()
    ok = step(
        t1,
        order,
        "reschedule",
        {
            "slot": "2026-11-21T08:00:00+08:00",
            "reason": "customer",
            "customer_confirmed": "on",
        },
    )
    assert ok.status_code == 302
    assert Approval.objects.get(order=order).kind == "reschedule"
    twice = step(t1, order, "suspend", {"reason": "customer"})
    assert "该工单已有待审核的申请" in twice.content.decode()


def test_redispatch_hands_the_order_back(t1, desk):
    order = dispatch_to(new_order(), "T1")
    empty = step(t1, order, "redispatch", {"note": ""})
    assert "请填写申请改派的原因" in empty.content.decode()
    assert step(t1, order, "redispatch", {"note": "不会装iTV"}).status_code == 302
    order.refresh_from_db()
    assert (
        order.status == Status.PENDING and order.dispatch_flag == "redispatch_requested"
    )
    assert "不会装iTV" in desk.get("/console/dispatch/side/").content.decode()


def test_redispatch_from_the_order_page_ends_on_the_technicians_list(t1):
    # given an order of T1's, handed back from its own page (no ``next``)
    order = dispatch_to(new_order(), "T1")
    # when the technician asks for 改派
    response = step(t1, order, "redispatch", {"note": "不会装iTV"})
    # then they land on their list (the order page would be a 404 now), told so
    assert response.status_code == 302
    assert response["Location"] == "/console/tech/"
    landing = t1.get(response["Location"])
    assert landing.status_code == 200
    assert f"工单 {order.number} 已退回调度台改派。" in landing.content.decode()
    assert t1.get(f"/console/orders/{order.pk}/").status_code == 404


def test_position_update(t1):
    response = t1.post("/console/tech/position/", {"lat": "34.6", "lng": "119.2"})
    assert response.status_code == 200 and response.json()["ok"] is True
    technician = Technician.objects.get(code="T1")
    assert technician.last_lat == 34.6 and technician.last_position_at == FRIDAY_10
    assert t1.post("/console/tech/position/", {"lat": "x"}).status_code == 400


# --- the order page --------------------------------------------------------------------------


def test_order_page_shows_everything_in_the_timeline(desk, agent):
    order = dispatch_to(new_order(), "T1")
    agent.post(f"/console/hotline/orders/{order.pk}/urge/", {"note": "催一下"})
    html = desk.get(f"/console/orders/{order.pk}/").content.decode()
    for text in (
        "时间线",
        "受理",
        "派单",
        "派给 张工",
        "包区工程师",
        "催单",
        "派单短信",
    ):
        assert text in html
    assert 'hx-get="/console/dispatch/orders/' in html  # reassign from here


def test_order_page_in_english(desk):
    order = new_order()
    html = desk.get(
        f"/console/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'lang="en"' in html
    assert "Timeline" in html and "Dispatcher desk" in html
