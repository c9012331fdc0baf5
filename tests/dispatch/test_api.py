"""Rolling dispatch through the API: candidates, run, re-dispatch, rota, positions."""

import datetime as dt

import pytest
import time_machine

from dispatch.models import RotaEntry
from dispatch.tasks import auto_dispatch
from notifications.models import Notification
from org.models import Area, Technician
from tests.conftest import local_time, order_payload
from workorders.models import Status, WorkOrder, WorkOrderEvent

URL = "/api/v1/work-orders/"
FRIDAY_10 = local_time(2026, 11, 20, 10, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY_10, tick=False) as traveller:
        yield traveller


def new_order(crm, ref, **overrides):
    overrides.setdefault("accepted_at", "2026-11-20T09:00:00+08:00")
    response = crm.post(
        URL, order_payload(crm_order_id=ref, **overrides), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def run(dispatcher):
    response = dispatcher.post("/api/v1/dispatch/run/")
    assert response.status_code == 200, response.json()
    return response.json()


def test_candidates_are_ranked_with_reasons(crm, dispatcher):
    order_id = new_order(crm, "C1", package_area="P1")
    body = dispatcher.get(f"{URL}{order_id}/candidates/").json()
    assert [c["technician"] for c in body["candidates"]] == ["T1", "T2"]
    best = body["candidates"][0]
    assert best["reasons"]["package_area_owner"] is True
    assert best["reasons"]["distance_km"] == pytest.approx(0.14, abs=0.05)
    assert best["reasons"]["workload_hours"] == 0
    assert body["candidates"][1]["reasons"]["package_area_owner"] is False
    assert body["refused"] == {}


def test_candidates_are_for_dispatchers_only(crm, tech1):
    order_id = new_order(crm, "C1")
    assert tech1.get(f"{URL}{order_id}/candidates/").status_code in (403, 404)


def test_run_assigns_owner_first_and_records_why(crm, dispatcher):
    p1 = new_order(crm, "R1", package_area="P1")
    p2 = new_order(crm, "R2", package_area="P2", customer={"phone": "13900000002"})
    body = run(dispatcher)
    assert sorted((a["technician"]) for a in body["assigned"]) == ["T1", "T2"]
    assert WorkOrder.objects.get(id=p1).technician.code == "T1"
    assert WorkOrder.objects.get(id=p2).technician.code == "T2"
    event = WorkOrderEvent.objects.get(order_id=p1, kind="dispatch")
    assert event.data["reasons"]["decided_by"] == "engine"
    assert event.data["reasons"]["package_area_owner"] is True
    assert event.reason == "自动派单"


def test_dispatch_sends_the_customer_an_sms_once(crm, dispatcher):
    order_id = new_order(crm, "S1")
    run(dispatcher)
    run(dispatcher)
    sms = Notification.objects.filter(subject_id=order_id, channel="sms")
    assert sms.count() == 1
    message = sms.get()
    assert message.recipient == "13912345678"
    assert "张工" in message.body and "13800000001" in message.body
    assert "96133" in message.body  # the supervision channel


def test_vip_and_same_day_orders_are_served_first_when_capacity_is_short(
    crm, dispatcher
):
    Technician.objects.filter(code="T1").update(max_open_orders=1)
    Technician.objects.filter(code="T2").update(max_open_orders=0)
    ordinary = new_order(
        crm,
        "Q1",
        product="fixed_phone",
        accepted_at="2026-11-20T08:00:00+08:00",
        customer={"phone": "13900000001"},
    )
    vip = new_order(
        crm,
        "Q2",
        product="fttb_broadband",
        kind="repair",
        customer={"phone": "13900000003", "level": "diamond"},
    )
    Technician.objects.filter(code="T1").update(
        skills=["fixed_phone", "fttb_broadband"]
    )
    body = run(dispatcher)
    assert [a["order"] for a in body["assigned"]] == [
        WorkOrder.objects.get(id=vip).number
    ]
    stuck = WorkOrder.objects.get(id=ordinary)
    assert (stuck.status, stuck.dispatch_flag) == (Status.PENDING, "no_candidate")
    assert "在途工单已满" in stuck.dispatch_flag_reason


def test_an_earlier_order_moves_to_its_next_choice_to_make_room(crm, dispatcher):
    # 李工 (T2) owns P2 and alone has fixed_phone, room for one order. The
    # first order in the queue is his by owner-first, but 张工 (T1) can take
    # it; the second needs him. Greedy order alone would leave the second.
    Technician.objects.filter(code="T2").update(max_open_orders=1)
    broadband = new_order(
        crm,
        "R1",
        package_area="P2",
        accepted_at="2026-11-20T08:00:00+08:00",
        customer={"phone": "13900000011"},
    )
    phone = new_order(
        crm,
        "R2",
        product="fixed_phone",
        package_area="P2",
        accepted_at="2026-11-20T09:00:00+08:00",
        customer={"phone": "13900000012"},
    )
    body = run(dispatcher)
    assert body["no_candidate"] == []
    assert {a["order"]: a["technician"] for a in body["assigned"]} == {
        WorkOrder.objects.get(id=broadband).number: "T1",
        WorkOrder.objects.get(id=phone).number: "T2",
    }
    events = dispatcher.get(f"{URL}{broadband}/timeline/").json()
    decision = next(e for e in events if e["kind"] == "dispatch")["data"]
    assert decision["technician"] == "T1"
    assert decision["reasons"]["made_room"] is True
    assert decision["reasons"]["rank"] == 2  # T2, the owner, ranks first
    assert decision["runner_up"][0]["technician"] == "T2"
    # the order page says so in words
    from console.presenters import event_details

    event = WorkOrderEvent.objects.get(order_id=broadband, kind="dispatch")
    assert "调剂：前序人选已满，为使其他工单可派" in event_details(event)
    assert "候选排名第2" in event_details(event)
    events = dispatcher.get(f"{URL}{phone}/timeline/").json()
    decision = next(e for e in events if e["kind"] == "dispatch")["data"]
    assert (decision["technician"], decision["reasons"]["rank"]) == ("T2", 1)
    assert (
        Technician.objects.get(code="T2").orders.filter(status="dispatched").count()
        == 1
    )  # capacity kept


def test_room_is_not_made_by_moving_orders_of_earlier_passes(crm, dispatcher):
    Technician.objects.filter(code="T2").update(max_open_orders=1)
    new_order(crm, "E1", package_area="P2", customer={"phone": "13900000021"})
    run(dispatcher)  # T2 takes it (owner), in its own pass
    phone = new_order(
        crm, "E2", product="fixed_phone", customer={"phone": "13900000022"}
    )
    body = run(dispatcher)
    assert body["assigned"] == []
    stuck = WorkOrder.objects.get(id=phone)
    assert (stuck.status, stuck.dispatch_flag) == (Status.PENDING, "no_candidate")
    assert "在途工单已满(1/1)" in stuck.dispatch_flag_reason


def test_no_candidate_is_flagged_once_not_every_minute(crm, dispatcher):
    order_id = new_order(crm, "N1", product="other")  # nobody has the skill
    run(dispatcher)
    run(dispatcher)
    body = dispatcher.get(f"{URL}{order_id}/").json()
    assert body["dispatch_flag"] == "no_candidate"
    assert "无该产品技能" in body["dispatch_flag_reason"]
    assert (
        WorkOrderEvent.objects.filter(order_id=order_id, kind="no_candidate").count()
        == 1
    )


def test_resting_technicians_are_never_dispatched_to(crm, dispatcher):
    RotaEntry.objects.create(
        technician=Technician.objects.get(code="T1"),
        date=dt.date(2026, 11, 20),
        kind="rest",
    )
    order_id = new_order(crm, "Z1", package_area="P1")
    run(dispatcher)
    assert WorkOrder.objects.get(id=order_id).technician.code == "T2"
    other = new_order(crm, "Z2", package_area="P1", customer={"phone": "13900000009"})
    response = dispatcher.post(
        f"{URL}{other}/dispatch/", {"technician": "T1"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "not_a_candidate")
    assert response.json()["reason"] == "resting"
    assert "轮休" in response.json()["detail"]


def test_after_18_only_volunteers_get_orders(crm, dispatcher, clock):
    order_id = new_order(crm, "E1", package_area="P1")
    clock.move_to(local_time(2026, 11, 20, 18, 0))
    run(dispatcher)
    assert WorkOrder.objects.get(id=order_id).technician.code == "T2"


def test_auto_dispatch_can_be_switched_off_per_area(crm, dispatcher):
    Area.objects.filter(code="A1").update(auto_dispatch_enabled=False)
    order_id = new_order(crm, "O1")
    body = run(dispatcher)
    assert body["assigned"] == []
    assert WorkOrder.objects.get(id=order_id).status == Status.PENDING


def test_manual_dispatch_records_the_chosen_technicians_rank(crm, dispatcher):
    order_id = new_order(crm, "M1", package_area="P1")
    dispatcher.post(f"{URL}{order_id}/dispatch/", {"technician": "T2"}, format="json")
    event = WorkOrderEvent.objects.get(order_id=order_id, kind="dispatch")
    assert event.data["reasons"]["decided_by"] == "dispatcher"
    assert event.data["reasons"]["rank"] == 2
    assert event.actor.username == "dispatcher1"


def test_redispatch_request_goes_back_to_the_queue_and_not_to_the_same_technician(
    crm, dispatcher, tech1
):
    order_id = new_order(crm, "D1", package_area="P1")
    run(dispatcher)
    tech1.post(f"{URL}{order_id}/accept/")
    response = tech1.post(
        f"{URL}{order_id}/request-redispatch/", {"note": "车坏了"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["technician"], body["dispatch_flag"]) == (
        "pending",
        None,
        "redispatch_requested",
    )
    assert body["dispatch_flag_reason"] == "车坏了"
    dispatchers_told = Notification.objects.filter(
        topic="redispatch", recipient_user__username="dispatcher1"
    )
    assert dispatchers_told.count() == 1
    run(dispatcher)
    order = WorkOrder.objects.get(id=order_id)
    assert (order.technician.code, order.dispatch_flag) == ("T2", "")
    technicians = [
        e.data["technician"]
        for e in WorkOrderEvent.objects.filter(
            order_id=order_id, kind__in=["dispatch", "redispatch"]
        ).order_by("id")
    ]
    assert technicians == ["T1", "T1", "T2"]


def test_redispatch_needs_a_reason(crm, dispatcher, tech1):
    order_id = new_order(crm, "D2", package_area="P1")
    run(dispatcher)
    response = tech1.post(
        f"{URL}{order_id}/request-redispatch/", {"note": ""}, format="json"
    )
    assert response.status_code == 400
    assert WorkOrder.objects.get(id=order_id).status == Status.DISPATCHED


def test_position_update_is_used_for_nearest(crm, dispatcher, tech1, tech2):
    # an order in P3's group? no: in G1 at a spot far from both homes
    order_id = new_order(crm, "P1", package_area="P1", lat=34.70, lng=119.40)
    before = dispatcher.get(f"{URL}{order_id}/candidates/").json()["candidates"]
    assert before[0]["technician"] == "T1"  # the owner
    Technician.objects.filter(code="T1").update(home_package_area=None)
    response = tech2.post(
        "/api/v1/technicians/position/", {"lat": 34.70, "lng": 119.40}, format="json"
    )
    assert response.status_code == 200
    after = dispatcher.get(f"{URL}{order_id}/candidates/").json()["candidates"]
    assert after[0]["technician"] == "T2"
    assert after[0]["reasons"]["distance_km"] == 0


def test_position_update_validates(tech1):
    response = tech1.post(
        "/api/v1/technicians/position/", {"lat": 91, "lng": 0}, format="json"
    )
    assert response.status_code == 400 and "lat" in response.json()


def test_rota_generate_and_edit(dispatcher, org):
    from org.services import org_import

    org_import(
        {
            "technicians": [
                {**org["technicians"][0], "code": f"TX{i}", "name": f"工{i}"}
                for i in range(3)
            ]
        }
    )
    response = dispatcher.post(
        "/api/v1/rota/generate/",
        {"group": "G1", "week_start": "2026-11-16"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    week = response.json()
    assert week["violations"] == []
    rest_days = [
        [d for d, kind in t["days"].items() if kind == "rest"]
        for t in week["technicians"]
    ]
    assert all(len(days) == 1 for days in rest_days)
    assert len({days[0] for days in rest_days}) == len(rest_days)  # one per day at most

    day = rest_days[0][0]
    code = week["technicians"][1]["technician"]
    edited = dispatcher.post(
        "/api/v1/rota/entries/",
        {"technician": code, "date": day, "kind": "rest"},
        format="json",
    ).json()
    assert any("轮休2人" in v for v in edited["violations"])


def test_rota_generate_keeps_leave(dispatcher, org):
    t1 = Technician.objects.get(code="T1")
    RotaEntry.objects.create(technician=t1, date=dt.date(2026, 11, 17), kind="leave")
    dispatcher.post(
        "/api/v1/rota/generate/",
        {"group": "G1", "week_start": "2026-11-16"},
        format="json",
    )
    kinds = dict(RotaEntry.objects.filter(technician=t1).values_list("date", "kind"))
    assert kinds[dt.date(2026, 11, 17)] == "leave"
    assert list(kinds.values()).count("rest") == 1


def test_rota_generate_needs_a_monday(dispatcher, org):
    response = dispatcher.post(
        "/api/v1/rota/generate/",
        {"group": "G1", "week_start": "2026-11-17"},
        format="json",
    )
    assert response.status_code == 400 and "week_start" in response.json()


def test_auto_dispatch_task_is_idempotent(crm):
    order_id = new_order(crm, "K1")
    first = auto_dispatch.apply().get()
    second = auto_dispatch.apply().get()
    assert (first["assigned"], second["assigned"]) == (1, 0)
    assert (
        WorkOrderEvent.objects.filter(order_id=order_id, kind="dispatch").count() == 1
    )


def test_dispatcher_switches_auto_dispatch_off_for_an_area(crm, dispatcher, hotline):
    assert (
        hotline.post(
            "/api/v1/areas/A1/auto-dispatch/", {"enabled": False}, format="json"
        ).status_code
        == 403
    )
    response = dispatcher.post(
        "/api/v1/areas/A1/auto-dispatch/", {"enabled": False}, format="json"
    )
    assert response.json() == {
        "area": "A1",
        "name": "新浦片区",
        "auto_dispatch_enabled": False,
    }
    order_id = new_order(crm, "AD1")
    assert run(dispatcher)["assigned"] == []
    assert Area.history.filter(code="A1").first().history_user.username == "dispatcher1"
    dispatcher.post("/api/v1/areas/A1/auto-dispatch/", {"enabled": True}, format="json")
    assert len(run(dispatcher)["assigned"]) == 1
    assert WorkOrder.objects.get(id=order_id).status == Status.DISPATCHED


def test_no_candidate_orders_can_be_listed(crm, dispatcher):
    stuck = new_order(crm, "NC1", product="other")
    new_order(crm, "NC2", customer={"phone": "13900000055"})
    run(dispatcher)
    listed = dispatcher.get(f"{URL}?dispatch_flag=no_candidate").json()["results"]
    assert [o["id"] for o in listed] == [stuck]


def test_rota_generate_with_a_technician_on_leave_all_week(dispatcher, org):
    t1 = Technician.objects.get(code="T1")
    for i in range(7):
        RotaEntry.objects.create(
            technician=t1,
            date=dt.date(2026, 11, 16) + dt.timedelta(days=i),
            kind="leave",
        )
    response = dispatcher.post(
        "/api/v1/rota/generate/",
        {"group": "G1", "week_start": "2026-11-16"},
        format="json",
    )
    assert response.status_code == 200, response.content
    week = response.json()
    days = {t["technician"]: t["days"] for t in week["technicians"]}
    assert set(days["T1"].values()) == {"leave"}
    assert list(days["T2"].values()).count("rest") == 1
    assert week["violations"] == []


def test_rota_generate_for_an_empty_group(dispatcher, org):
    from org.models import Area, RegionGroup

    RegionGroup.objects.create(code="G9", name="空组", area=Area.objects.get(code="A1"))
    response = dispatcher.post(
        "/api/v1/rota/generate/",
        {"group": "G9", "week_start": "2026-11-16"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["technicians"] == []


def test_a_rest_day_on_which_the_technician_holds_an_order_is_a_warning(
    crm, dispatcher, tech1
):
    order_id = new_order(crm, "W1", package_area="P1")
    dispatcher.post(f"{URL}{order_id}/dispatch/", {"technician": "T1"}, format="json")
    tech1.post(f"{URL}{order_id}/accept/")
    contact = tech1.post(
        f"{URL}{order_id}/contact/",
        {
            "appointment_start": "2026-11-24T10:00:00+08:00",  # next Tuesday
            "appointment_end": "2026-11-24T12:00:00+08:00",
        },
        format="json",
    )
    assert contact.status_code == 200, contact.json()
    generated = dispatcher.post(
        "/api/v1/rota/generate/",
        {"group": "G1", "week_start": "2026-11-23"},
        format="json",
    ).json()
    t1_days = next(t for t in generated["technicians"] if t["technician"] == "T1")
    assert t1_days["days"]["2026-11-24"] == ""  # the generator avoided it
    assert generated["violations"] == []
    edited = dispatcher.post(
        "/api/v1/rota/entries/",
        {"technician": "T1", "date": "2026-11-24", "kind": "rest"},
        format="json",
    ).json()
    assert "T1 11-24 轮休，但当天有未完成的工单" in edited["violations"]
