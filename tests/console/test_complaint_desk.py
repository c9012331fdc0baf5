"""投诉处理台: queues by step with countdowns, every step of SPEC §7 through
the page, who may act where, what each role sees, the weekly analysis."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from complaints.models import (
    Complaint,
    ComplaintStatus,
    PenaltyStatus,
    PenaltyTicket,
)
from complaints.services import ComplaintIn, complaint_create, complaint_submit
from org.models import District, StaffProfile
from tests.conftest import local_time, make_user

pytestmark = pytest.mark.django_db

MONDAY_10 = local_time(2026, 11, 16, 10, 0)
DESK = "/console/complaints/"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def handler(username: str, department: str, district: str | None = "D1"):
    user = make_user(username, "department_handler")
    StaffProfile.objects.create(
        user=user,
        district=District.objects.get(code=district) if district else None,
        department=department,
    )
    return user


def opened(by, phone="13912345678", **fields) -> Complaint:
    return complaint_create(
        data=ComplaintIn(
            channel="hotline_10000",
            phone=phone,
            customer_name="王女士",
            category="service_support",
            sub_category="install_delay",
            description="说好今天装宽带，到现在没人来",
        ),
        by=by,
    )


def at_department(by, department: str, **kw) -> Complaint:
    """A complaint submitted, sent to D1 and assigned to ``department``."""
    from complaints.services import (
        complaint_assign_department,
        complaint_dispatch_to_city,
    )

    complaint = opened(by, **kw)
    complaint_submit(complaint, by=by)
    complaint_dispatch_to_city(complaint, district="D1", by=by)
    complaint_assign_department(complaint, department=department, by=by)
    return complaint


def post(client, complaint, action, data=None):
    return client.post(f"{DESK}{complaint.pk}/{action}/", data or {})


def test_every_step_through_the_desk_to_a_published_penalty(org, clock):
    agent = make_user("agent1", "hotline_agent")
    supervisor = as_user(make_user("sup1", "supervisor"))
    manager = as_user(make_user("mgr1", "manager"))
    network = as_user(handler("dept1", "网络维护中心"))
    complaint = opened(agent)

    # front desk: the agent submits their own complaint
    response = post(as_user(agent), complaint, "submit", {"note": "已安抚"})
    assert response.status_code == 302
    # 96133 back office: review and route to the city
    post(supervisor, complaint, "dispatch-to-city", {"district": "D1"})
    # city quality department: assign the responsible department
    post(supervisor, complaint, "assign-department", {"department": "网络维护中心"})
    complaint.refresh_from_db()
    assert (complaint.status, complaint.department) == ("department", "网络维护中心")
    # the responsible department answers the customer and returns the ticket
    clock.shift(timedelta(hours=2))
    post(network, complaint, "answer-customer", {"answer": "已约今天下午上门"})
    post(network, complaint, "return-ticket", {"note": "已处理"})
    # the back office supervises? no: the step moved on; it calls back
    post(supervisor, complaint, "callback-customer", {"satisfied": "no"})
    # the manager determines a human cause and opens a penalty
    response = post(
        manager,
        complaint,
        "determine-responsibility",
        {
            "outcome": "human",
            "note": "装维未按约上门",
            "target_kind": "technician",
            "target": "T1",
            "amount": "50.00",
            "reason": "未按约上门",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.callback_satisfied is False and complaint.outcome == "human"
    ticket = PenaltyTicket.objects.get(complaint=complaint)
    assert ticket.status == PenaltyStatus.DRAFT and ticket.technician.code == "T1"
    manager.post(f"{DESK}penalties/{ticket.pk}/publish/")
    ticket.refresh_from_db()
    assert ticket.status == PenaltyStatus.PUBLISHED
    # the timeline shows every step, by whom
    page = manager.get(f"{DESK}{complaint.pk}/").content.decode()
    for line in (
        "前台提交投诉",
        "派往海州区局",
        "派给责任部门网络维护中心",
        "已答复用户",
    ):
        assert line in page
    assert "公布处罚单" in page and "dept1" in page


def test_a_department_handler_sees_only_its_own_department(org, clock):
    sup = make_user("sup1", "supervisor")
    ours = at_department(sup, "网络维护中心", phone="13900000001")
    theirs = at_department(sup, "营业部", phone="13900000002")
    client = as_user(handler("dept1", "网络维护中心"))

    page = client.get(DESK).content.decode()
    assert ours.number in page and theirs.number not in page
    assert client.get(f"{DESK}{theirs.pk}/").status_code == 404
    response = post(client, theirs, "answer-customer", {"answer": "x"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "department"


def test_a_handler_of_the_same_department_in_another_district_sees_nothing(org, clock):
    sup = make_user("sup1", "supervisor")
    at_department(sup, "网络维护中心")
    client = as_user(handler("dept2", "网络维护中心", district="D2"))
    assert "王女士" not in client.get(DESK).content.decode()


def test_a_handler_without_a_department_sees_no_complaint(org, clock):
    sup = make_user("sup1", "supervisor")
    at_department(sup, "网络维护中心")
    client = as_user(make_user("dept3", "department_handler"))
    assert "王女士" not in client.get(DESK).content.decode()


def test_a_department_handler_cannot_route_a_complaint(org, clock):
    agent = make_user("agent1", "hotline_agent")
    complaint = opened(agent)
    complaint_submit(complaint, by=agent)
    client = as_user(handler("dept1", "网络维护中心"))
    # not even visible before it reaches the department
    assert (
        post(client, complaint, "dispatch-to-city", {"district": "D1"}).status_code
        == 404
    )


def test_the_wrong_role_at_a_step_is_refused_and_nothing_changes(org, clock):
    agent = make_user("agent1", "hotline_agent")
    complaint = opened(agent)
    complaint_submit(complaint, by=agent)
    # the agent opened it and sees it, but the review is the back office's
    response = post(as_user(agent), complaint, "dispatch-to-city", {"district": "D1"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "review"
    page = as_user(agent).get(f"{DESK}{complaint.pk}/").content.decode()
    assert "当前环节不由您处理" in page


def test_hotline_agents_see_the_complaints_they_opened(org, clock):
    mine = opened(make_user("agent1", "hotline_agent"), phone="13900000001")
    other = opened(make_user("agent2", "hotline_agent"), phone="13900000002")
    page = as_user(mine.created_by).get(DESK).content.decode()
    assert mine.number in page and other.number not in page


def test_a_service_refusal_lands_on_the_form(org, clock):
    sup = make_user("sup1", "supervisor")
    complaint = opened(sup)
    complaint_submit(complaint, by=sup)
    response = post(as_user(sup), complaint, "dispatch-to-city", {"district": "D9"})
    assert response.status_code == 400
    assert "D9" in response.content.decode() or "选择" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == "review"


def test_a_human_cause_without_a_penalty_is_refused(org, clock):
    from complaints.services import (
        complaint_answer_customer,
        complaint_callback_customer,
        complaint_return_ticket,
    )

    sup = make_user("sup1", "supervisor")
    complaint = at_department(sup, "网络维护中心")
    complaint_answer_customer(complaint, answer="已处理", by=sup)
    complaint_return_ticket(complaint, by=sup)
    complaint_callback_customer(complaint, satisfied=True, by=sup)
    manager = as_user(make_user("mgr1", "manager"))
    response = post(
        manager, complaint, "determine-responsibility", {"outcome": "human"}
    )
    assert response.status_code == 400
    assert "人为原因须指定处罚对象" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == "determination"


def test_the_overdue_queue_starts_one_second_after_the_step_limit(org, clock):
    agent = make_user("agent1", "hotline_agent")
    complaint = opened(agent)  # front desk: 5 minutes from the call
    client = as_user(make_user("sup1", "supervisor"))
    due = complaint.current_step_due
    clock.move_to(due)
    page = client.get(DESK, {"step": "overdue"}).content.decode()
    assert complaint.number not in page
    assert "剩 0分" in client.get(DESK).content.decode()
    clock.move_to(due + timedelta(seconds=1))
    page = client.get(DESK, {"step": "overdue"}).content.decode()
    assert complaint.number in page and "tone-overdue" in page


def test_the_queue_shows_each_step_with_its_count(org, clock):
    sup = make_user("sup1", "supervisor")
    opened(sup, phone="13900000001")
    at_department(sup, "网络维护中心", phone="13900000002")
    page = as_user(sup).get(DESK, {"step": "department"}).content.decode()
    assert "13900000002" in page and "13900000001" not in page
    assert 'data-step="department"' in page


def test_a_district_scoped_supervisor_does_not_see_another_district(org, clock):
    sup = make_user("sup1", "supervisor")
    complaint = at_department(sup, "网络维护中心")
    scoped = as_user(make_user("sup2", "supervisor", district="D2"))
    assert complaint.number not in scoped.get(DESK).content.decode()
    assert scoped.get(f"{DESK}{complaint.pk}/").status_code == 404


def test_weekly_analysis_counts_this_week_against_the_last(org, clock):
    agent = make_user("agent1", "hotline_agent")
    opened(agent, phone="13900000001")
    clock.move_to(MONDAY_10 - timedelta(days=1))  # Sunday: last week
    opened(agent, phone="13900000002")
    clock.move_to(MONDAY_10)
    manager = as_user(make_user("mgr1", "manager"))
    page = manager.get(f"{DESK}analysis/", {"week": "2026-11-18"})
    html = page.content.decode()
    assert page.status_code == 200
    assert '<strong id="week-total">1</strong>' in html and "上周 1" in html
    assert "/static/vendor/echarts-5.6.0.min.js" in html
    assert 'id="complaint-chart-data"' in html


def test_the_analysis_is_for_the_back_office(org, clock):
    client = as_user(handler("dept1", "网络维护中心"))
    assert client.get(f"{DESK}analysis/").status_code == 403
    tech = as_user(make_user("t9", "technician"))
    assert tech.get(DESK).status_code == 403


def test_the_desk_speaks_english_on_request(org, clock):
    client = as_user(make_user("sup1", "supervisor"))
    page = client.get(DESK, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Complaints desk" in page and "All open" in page


def test_a_department_sends_a_wrongly_dispatched_ticket_back_to_the_city(org, clock):
    sup = make_user("sup1", "supervisor")
    complaint = at_department(sup, "网络维护中心")
    client = as_user(handler("dept1", "网络维护中心"))
    response = post(client, complaint, "wrong-dispatch", {"note": "不属本部门"})
    # the ticket left the department: back to the queue, not to a 404
    assert response["Location"] == DESK
    complaint.refresh_from_db()
    assert (complaint.status, complaint.department) == ("city", "")


def test_the_departments_handlers_are_told_when_a_ticket_reaches_them(org, clock):
    from notifications.models import Notification

    sup = make_user("sup1", "supervisor")
    ours = handler("dept1", "网络维护中心")
    elsewhere = handler("dept2", "网络维护中心", district="D2")
    other_department = handler("dept3", "营业部")
    at_department(sup, "网络维护中心")
    told = set(
        Notification.objects.filter(topic="complaint_step").values_list(
            "recipient_user__username", flat=True
        )
    )
    assert ours.username in told
    assert elsewhere.username not in told and other_department.username not in told
