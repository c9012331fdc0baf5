"""The complaint flow through the API (SPEC §7, seed 001) with the clock moved."""

import pytest

from complaints.models import Complaint, ComplaintEvent, ComplaintStep
from notifications.models import Notification
from sla.models import SlaEvent
from tests.conftest import client_for, local_time, make_user
from workorders.models import WorkOrder, WorkOrderEvent

from .conftest import ORDERS, URL, act, complaint_body, new_order, open_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(clock):
    return clock


def test_create_answers_201_with_number_status_and_current_step_due(hotline):
    body = open_complaint(hotline)
    assert body["number"].startswith("TS261116")
    assert body["status"] == "front_desk"
    assert (
        body["current_step_due"] == "2026-11-16T10:05:00+08:00"
    )  # 5 min after the call
    assert (
        body["commitment_due"] == "2026-11-17T10:00:00+08:00"
    )  # 24 h public commitment
    [step] = body["steps"]
    assert (step["step"], step["owner"], step["done_at"]) == (
        "front_desk",
        "agent1",
        None,
    )
    assert (body["is_repeat"], body["escalated"], body["work_order"]) == (
        False,
        False,
        None,
    )


def test_the_whole_flow_keeps_each_steps_time_limit(
    hotline, supervisor, manager, clock
):
    # given a complaint taken at 10:00
    complaint_id = open_complaint(hotline)["id"]

    # when it goes through every step, each inside its limit
    clock.move_to(local_time(2026, 11, 16, 10, 3))
    body = act(hotline, complaint_id, "submit")
    assert (body["status"], body["current_step_due"]) == (
        "review",
        "2026-11-16T10:33:00+08:00",
    )

    clock.move_to(local_time(2026, 11, 16, 10, 20))
    body = act(supervisor, complaint_id, "dispatch-to-city", {"district": "D1"})
    assert (body["status"], body["district"]) == ("city", "D1")
    assert body["current_step_due"] == "2026-11-16T10:50:00+08:00"

    clock.move_to(local_time(2026, 11, 16, 10, 40))
    body = act(
        supervisor, complaint_id, "assign-department", {"department": "海州装维中心"}
    )
    # answer within 20 h of the city's receipt (10:20)
    assert (body["status"], body["current_step_due"]) == (
        "department",
        "2026-11-17T06:20:00+08:00",
    )

    clock.move_to(local_time(2026, 11, 17, 5, 0))
    body = act(
        supervisor, complaint_id, "answer-customer", {"answer": "已上门装通，致歉"}
    )
    # return the ticket within 20 h of the city's receipt (seed 001)
    assert (body["status"], body["current_step_due"]) == (
        "return",
        "2026-11-17T06:20:00+08:00",
    )
    assert body["commitment_met"] is True

    clock.move_to(local_time(2026, 11, 17, 6, 20))  # the last second of the 20 h
    body = act(supervisor, complaint_id, "return-ticket", {"note": "装维超时，已整改"})
    assert (body["status"], body["current_step_due"]) == (
        "callback",
        "2026-11-18T06:20:00+08:00",
    )

    clock.move_to(local_time(2026, 11, 17, 15, 0))
    body = act(supervisor, complaint_id, "callback-customer", {"satisfied": True})
    # responsibility within a week of the complaint
    assert (body["status"], body["current_step_due"]) == (
        "determination",
        "2026-11-23T10:00:00+08:00",
    )

    body = act(
        manager, complaint_id, "determine-responsibility", {"outcome": "no_fault"}
    )

    # then it is closed, every step done in time, and the timeline says who did what
    assert (body["status"], body["current_step_due"], body["outcome"]) == (
        "closed",
        None,
        "no_fault",
    )
    assert body["closed_at"] == "2026-11-17T15:00:00+08:00"
    assert [s["step"] for s in body["steps"]] == [
        "front_desk",
        "review",
        "city",
        "department",
        "return",
        "callback",
        "determination",
    ]
    assert all(s["done_at"] and not s["late"] for s in body["steps"])
    assert body["steps"][2]["done_by"] == "super1"
    timeline = hotline.get(f"{URL}{complaint_id}/timeline/").json()
    assert [e["to_step"] for e in timeline] == [
        "front_desk",
        "review",
        "city",
        "department",
        "return",
        "callback",
        "determination",
        "closed",
    ]
    assert (
        timeline[-1]["actor"] == "mgr1"
        and timeline[3]["reason"] == "派给责任部门海州装维中心"
    )


def test_a_late_step_is_marked_late(hotline, clock):
    complaint_id = open_complaint(hotline)["id"]
    clock.move_to(local_time(2026, 11, 16, 10, 6))
    body = act(hotline, complaint_id, "submit")
    assert body["steps"][0]["late"] is True


def test_wrong_dispatch_sends_the_ticket_back_one_step(hotline, supervisor, clock):
    complaint_id = open_complaint(hotline)["id"]
    act(hotline, complaint_id, "submit")
    act(supervisor, complaint_id, "dispatch-to-city", {"district": "D1"})
    act(supervisor, complaint_id, "assign-department", {"department": "网络部"})

    clock.move_to(local_time(2026, 11, 16, 11, 0))
    body = act(
        supervisor,
        complaint_id,
        "return-ticket",
        {"wrong_dispatch": True, "note": "非网络问题"},
    )
    # the department sends it back to the city, which gets 30 minutes again
    assert (body["status"], body["department"]) == ("city", "")
    assert body["current_step_due"] == "2026-11-16T11:30:00+08:00"
    assert body["district"] == "D1"

    body = act(supervisor, complaint_id, "return-ticket", {"wrong_dispatch": True})
    # the city sends it back to the back office: the wrong city is cleared
    assert (body["status"], body["district"]) == ("review", None)
    kinds = [e["kind"] for e in hotline.get(f"{URL}{complaint_id}/timeline/").json()]
    assert kinds.count("wrong_dispatch") == 2


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("answer-customer", {"answer": "已处理"}),
        ("return-ticket", {}),
        ("return-ticket", {"wrong_dispatch": True}),
        ("assign-department", {"department": "网络部"}),
        ("callback-customer", {"satisfied": True}),
        ("supervise", {}),
    ],
)
def test_an_action_in_the_wrong_step_is_409(hotline, supervisor, action, body):
    complaint_id = open_complaint(hotline)["id"]  # at the front desk
    response = supervisor.post(f"{URL}{complaint_id}/{action}/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (
        409,
        "invalid_transition",
    )
    assert Complaint.objects.get(id=complaint_id).status == "front_desk"


def test_returning_before_answering_the_customer_is_409(hotline, supervisor):
    complaint_id = open_complaint(hotline)["id"]
    act(hotline, complaint_id, "submit")
    act(supervisor, complaint_id, "dispatch-to-city", {"district": "D1"})
    act(supervisor, complaint_id, "assign-department", {"department": "装维中心"})
    act(supervisor, complaint_id, "return-ticket", {}, expect=409)
    act(supervisor, complaint_id, "close", {"answer": "x"}, expect=409)


def test_roles(hotline, supervisor, tech1, dispatcher):
    assert tech1.post(URL, complaint_body(), format="json").status_code == 403
    complaint_id = open_complaint(dispatcher)["id"]
    act(hotline, complaint_id, "submit")
    act(hotline, complaint_id, "dispatch-to-city", {"district": "D1"}, expect=403)
    act(
        hotline, complaint_id, "close", {"answer": "已解释"}, expect=403
    )  # back office only
    act(supervisor, complaint_id, "dispatch-to-city", {"district": "D1"})
    act(
        supervisor,
        complaint_id,
        "determine-responsibility",
        {"outcome": "no_fault"},
        expect=403,
    )
    assert tech1.get(URL).status_code == 403


def _nothing_written():
    assert Complaint.objects.count() == 0
    assert ComplaintStep.objects.count() == 0
    assert ComplaintEvent.objects.count() == 0
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"category": "weather"}, "category"),
        ({"sub_category": "no_such_item"}, "sub_category"),
        ({"sub_category": "tariff_dispute"}, "sub_category"),  # a marketing sub-item
        ({"work_order": 999999}, "work_order"),
        ({"phone": "abc"}, "phone"),
        ({"received_at": "2026-11-16T10:01:00+08:00"}, "received_at"),  # future
    ],
)
def test_bad_input_is_400_naming_the_field_with_nothing_written(
    hotline, overrides, field
):
    response = hotline.post(URL, complaint_body(**overrides), format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    _nothing_written()


def test_an_inactive_sub_item_is_refused(hotline):
    from complaints.models import ComplaintSubCategory

    ComplaintSubCategory.objects.filter(code="install_delay").update(active=False)
    response = hotline.post(URL, complaint_body(), format="json")
    assert response.status_code == 400 and "sub_category" in response.json()
    _nothing_written()


def test_categories_list_the_16_default_sub_items(hotline):
    body = hotline.get(f"{URL}categories/").json()
    assert [c["code"] for c in body] == [
        "product_quality",
        "marketing_channel",
        "service_support",
    ]
    assert [c["name"] for c in body] == ["产品质量", "营销渠道", "服务支撑"]
    assert sum(len(c["sub_categories"]) for c in body) == 16
    assert {"code": "install_delay", "name": "装机超时"} in body[2]["sub_categories"]


def test_a_repeat_complaint_is_flagged_and_routed_to_the_managers(
    hotline, manager, clock
):
    open_complaint(hotline, received_at="2026-10-17T10:00:00+08:00")  # 30 days before
    body = open_complaint(hotline)
    assert (body["is_repeat"], body["escalated"]) == (True, False)
    told = Notification.objects.get(topic="complaint_routed")
    assert told.recipient == "mgr1" and "重复投诉" in told.body
    act(hotline, body["id"], "submit")
    review = ComplaintStep.objects.get(complaint_id=body["id"], step="review")
    assert review.owner_role == "manager"  # routed higher


def test_a_complaint_31_days_later_is_not_a_repeat(hotline):
    open_complaint(hotline, received_at="2026-10-16T09:59:59+08:00")
    assert open_complaint(hotline)["is_repeat"] is False


def test_over_level_complaint_on_an_order_escalates_the_order(hotline, crm, manager):
    order_id = new_order(crm)
    body = open_complaint(hotline, channel="over_level", work_order=order_id)
    assert (body["escalated"], body["district"], body["work_order_number"]) == (
        True,
        "D1",
        WorkOrder.objects.get(id=order_id).number,
    )
    order = WorkOrder.objects.get(id=order_id)
    assert order.escalation_level == 1
    escalation = SlaEvent.objects.get(order=order, kind="escalation")
    assert (escalation.cause, escalation.checkpoint) == (
        "complaint",
        f"complaint:{body['number']}",
    )
    assert Notification.objects.filter(
        topic="complaint_routed", recipient="mgr1"
    ).exists()


def test_each_step_is_noted_in_the_linked_orders_timeline(hotline, supervisor, crm):
    order_id = new_order(crm)
    complaint = open_complaint(hotline, work_order=order_id)
    act(hotline, complaint["id"], "submit")
    act(
        supervisor, complaint["id"], "dispatch-to-city"
    )  # default: the order's district
    notes = WorkOrderEvent.objects.filter(order_id=order_id, kind="note").order_by("id")
    assert [n.data["complaint"] for n in notes] == [complaint["number"]] * 3
    assert [n.data.get("step") for n in notes] == ["front_desk", "review", "city"]
    timeline = hotline.get(f"{ORDERS}{order_id}/timeline/").json()
    assert any(complaint["number"] in e["reason"] for e in timeline)


def test_dispatch_to_city_needs_a_district_without_an_order(hotline, supervisor):
    complaint_id = open_complaint(hotline)["id"]
    act(hotline, complaint_id, "submit")
    response = supervisor.post(
        f"{URL}{complaint_id}/dispatch-to-city/", {}, format="json"
    )
    assert response.status_code == 400 and "district" in response.json()
    response = supervisor.post(
        f"{URL}{complaint_id}/dispatch-to-city/", {"district": "D9"}, format="json"
    )
    assert response.status_code == 400 and "district" in response.json()
    assert Complaint.objects.get(id=complaint_id).status == "review"


def test_close_at_the_front_desk_is_an_invalid_complaint(hotline):
    complaint_id = open_complaint(hotline)["id"]
    act(hotline, complaint_id, "close", {"answer": ""}, expect=400)
    act(
        hotline,
        complaint_id,
        "close",
        {"answer": "已解释", "outcome": "human"},
        expect=400,
    )
    body = act(hotline, complaint_id, "close", {"answer": "非投诉，咨询资费已解答"})
    assert (body["status"], body["outcome"], body["current_step_due"]) == (
        "closed",
        "invalid",
        None,
    )
    act(hotline, complaint_id, "submit", expect=409)


def test_supervise_by_hand_chases_the_current_step(hotline, supervisor, org):
    city_quality = make_user("quality-d1", "supervisor", district="D1")
    complaint_id = open_complaint(hotline)["id"]
    act(hotline, complaint_id, "submit")
    act(supervisor, complaint_id, "dispatch-to-city", {"district": "D1"})
    body = act(supervisor, complaint_id, "supervise", {"note": "客户再次来电"})
    assert body["supervision_count"] == 1
    told = Notification.objects.filter(topic="complaint_supervise")
    assert set(told.values_list("recipient", flat=True)) == {city_quality.username}
    assert "客户再次来电" in told.first().body


def test_a_dissatisfied_complaint_callback_escalates_the_linked_order(
    hotline, supervisor, crm
):
    order_id = new_order(crm)
    complaint_id = open_complaint(hotline, work_order=order_id)["id"]
    act(hotline, complaint_id, "submit")
    act(supervisor, complaint_id, "dispatch-to-city")
    act(supervisor, complaint_id, "assign-department", {"department": "装维中心"})
    act(supervisor, complaint_id, "answer-customer", {"answer": "已致歉"})
    act(supervisor, complaint_id, "return-ticket")
    body = act(
        supervisor,
        complaint_id,
        "callback-customer",
        {"satisfied": False, "note": "仍不满"},
    )
    assert (body["status"], body["callback_satisfied"]) == ("determination", False)
    assert WorkOrder.objects.get(id=order_id).escalation_level == 1
    assert SlaEvent.objects.filter(order_id=order_id, cause="callback").count() == 1


def test_list_filters_and_scoping(hotline, supervisor, org):
    a = open_complaint(hotline)["id"]
    open_complaint(hotline, channel="media", phone="13900000009")
    act(hotline, a, "submit")
    act(supervisor, a, "dispatch-to-city", {"district": "D2"})
    assert hotline.get(f"{URL}?channel=media").json()["count"] == 1
    assert hotline.get(f"{URL}?status=city").json()["results"][0]["id"] == a
    assert hotline.get(f"{URL}?escalated=true").json()["count"] == 1
    assert hotline.get(f"{URL}?district=D2").json()["count"] == 1
    d1 = client_for(make_user("scoped-d1", "supervisor", district="D1"))
    # a D1 user sees the unrouted pool, not D2's complaint
    assert [c["id"] for c in d1.get(URL).json()["results"]] != [] and a not in [
        c["id"] for c in d1.get(URL).json()["results"]
    ]
    assert d1.get(f"{URL}{a}/").status_code == 404
