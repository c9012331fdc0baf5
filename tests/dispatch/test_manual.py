"""Manual dispatch obeys the candidate pool (SPEC §4, issue 13): through the API
and the service, at the pool's edges, with the override (调剂) and its reason."""

import pytest
import time_machine

from dispatch.models import RotaEntry
from dispatch.services import order_dispatch
from dispatch_center.errors import NotACandidate
from notifications.models import Notification
from org.models import RegionGroup, Technician
from tests.conftest import client_for, local_time, make_user, order_payload
from workorders.models import EventKind, Status, WorkOrder

URL = "/api/v1/work-orders/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(local_time(2026, 11, 20, 10, 0), tick=False) as t:
        yield t


def new_order(crm, ref, **overrides):
    overrides.setdefault("accepted_at", "2026-11-20T09:00:00+08:00")
    response = crm.post(
        URL, order_payload(crm_order_id=ref, **overrides), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def dispatch(client, order_id, **body):
    return client.post(f"{URL}{order_id}/dispatch/", body, format="json")


def refusal(response):
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "not_a_candidate"
    return body


def technician_in(group_code, code, **fields):
    template = Technician.objects.get(code="T1")
    return Technician.objects.create(
        code=code,
        name=f"工{code}",
        phone="13800009999",
        group=RegionGroup.objects.get(code=group_code),
        home_package_area=None,
        skills=fields.pop("skills", template.skills),
        max_open_orders=fields.pop("max_open_orders", 8),
        **fields,
    )


# --- the pool's hard edges: no override helps ------------------------------------------


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "T3 属于其他区局，不能跨区局派单"),
        (
            {"HTTP_ACCEPT_LANGUAGE": "en"},
            "T3 belongs to another district; orders cannot be dispatched across "
            "districts",
        ),
    ],
)
def test_a_refusal_names_the_technician_in_the_callers_language(
    crm, dispatcher, headers, detail
):
    order_id = new_order(crm, "X1", package_area="P1")  # D1; T3 is D2's
    response = dispatcher.post(
        f"{URL}{order_id}/dispatch/", {"technician": "T3"}, format="json", **headers
    )
    assert refusal(response)["detail"] == detail


def test_an_order_is_never_sent_to_another_districts_technician(crm, dispatcher):
    order_id = new_order(crm, "X1", package_area="P1")  # D1
    body = refusal(dispatch(dispatcher, order_id, technician="T3"))  # T3 is D2's
    assert (body["reason"], body["overridable"]) == ("other_district", False)
    forced = dispatch(
        dispatcher, order_id, technician="T3", override=True, reason="借人"
    )
    assert refusal(forced)["reason"] == "other_district"
    assert WorkOrder.objects.get(pk=order_id).status == Status.PENDING
    assert not Notification.objects.filter(topic="dispatch_sms").exists()


def test_a_scoped_dispatcher_does_not_even_see_another_districts_technician(crm, org):
    scoped = client_for(make_user("d1desk", "dispatcher", district="D1"))
    order_id = new_order(crm, "X2", package_area="P1")
    response = dispatch(scoped, order_id, technician="T3", override=True, reason="x")
    assert response.status_code == 400
    assert "technician" in response.json()


def test_a_resting_technician_is_refused_even_with_an_override(crm, dispatcher):
    RotaEntry.objects.create(
        technician=Technician.objects.get(code="T1"), date="2026-11-20", kind="rest"
    )
    order_id = new_order(crm, "X3", package_area="P1")
    body = refusal(
        dispatch(dispatcher, order_id, technician="T1", override=True, reason="急")
    )
    assert (body["reason"], body["overridable"]) == ("resting", False)


def test_a_technician_on_leave_is_refused(crm, dispatcher):
    Technician.objects.filter(code="T1").update(status="leave")
    order_id = new_order(crm, "X4", package_area="P1")
    body = refusal(
        dispatch(dispatcher, order_id, technician="T1", override=True, reason="急")
    )
    assert body["reason"] == "on_leave"


def test_the_technician_who_handed_the_order_back_never_gets_it_again(
    crm, dispatcher, tech1
):
    order_id = new_order(crm, "X5", package_area="P1")
    assert dispatch(dispatcher, order_id, technician="T1").status_code == 200
    tech1.post(
        f"{URL}{order_id}/request-redispatch/", {"note": "车坏了"}, format="json"
    )
    body = refusal(
        dispatch(dispatcher, order_id, technician="T1", override=True, reason="修好了")
    )
    assert body["reason"] == "handed_back"


# --- after 18:00: only those who opted in, unless overridden --------------------------


def test_at_17_59_59_anyone_on_duty_may_be_picked(crm, dispatcher, clock):
    order_id = new_order(crm, "H1", package_area="P1")
    clock.move_to(local_time(2026, 11, 20, 17, 59, 59))
    assert dispatch(dispatcher, order_id, technician="T1").status_code == 200


def test_at_18_00_a_technician_who_did_not_opt_in_is_not_a_candidate(
    crm, dispatcher, clock
):
    order_id = new_order(crm, "H2", package_area="P1")
    clock.move_to(local_time(2026, 11, 20, 18, 0))
    body = refusal(dispatch(dispatcher, order_id, technician="T1"))
    assert (body["reason"], body["overridable"]) == ("after_hours", True)
    assert "延时服务" in body["detail"]
    assert (
        dispatch(dispatcher, order_id, technician="T2").status_code == 200
    )  # opted in


def test_an_override_needs_a_reason_and_is_recorded(crm, dispatcher, clock):
    order_id = new_order(crm, "H3", package_area="P1")
    clock.move_to(local_time(2026, 11, 20, 19, 0))
    no_reason = dispatch(dispatcher, order_id, technician="T1", override=True)
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    assert WorkOrder.objects.get(pk=order_id).status == Status.PENDING
    done = dispatch(
        dispatcher,
        order_id,
        technician="T1",
        override=True,
        reason="客户指定张工，张工同意加班",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["technician"] == "T1"
    event = WorkOrder.objects.get(pk=order_id).events.get(kind=EventKind.DISPATCH)
    assert event.reason == "客户指定张工，张工同意加班"
    assert event.data["reasons"]["override"] is True
    assert event.data["reasons"]["outside_pool"] == ["after_hours"]
    assert event.actor.username == "dispatcher1"


# --- other groups of the district: borrowing (调剂) -------------------------------------


def test_another_group_of_the_district_only_with_an_override(crm, dispatcher):
    technician_in("G3", "T9")  # D2's rural group; the order is in G2 (D2)
    order_id = new_order(crm, "G1", package_area="P3")
    body = refusal(dispatch(dispatcher, order_id, technician="T9"))
    assert (body["reason"], body["overridable"]) == ("other_group", True)
    done = dispatch(
        dispatcher, order_id, technician="T9", override=True, reason="伊山组全员满单"
    )
    assert done.status_code == 200, done.json()
    event = WorkOrder.objects.get(pk=order_id).events.get(kind=EventKind.DISPATCH)
    assert event.data["reasons"]["outside_pool"] == ["other_group"]


def test_the_areas_emergency_staff_of_another_group_are_in_the_pool(crm, dispatcher):
    other = RegionGroup.objects.create(
        code="G1B", name="新浦二组", area=RegionGroup.objects.get(code="G1").area
    )
    technician_in(other.code, "E1", role="emergency")
    technician_in(other.code, "T8")  # a plain technician of that group is not
    order_id = new_order(crm, "G2", package_area="P1")
    assert refusal(dispatch(dispatcher, order_id, technician="T8"))["reason"] == (
        "other_group"
    )
    assert dispatch(dispatcher, order_id, technician="E1").status_code == 200


def test_skill_and_capacity_are_never_overridden(crm, dispatcher):
    Technician.objects.filter(code="T2").update(max_open_orders=0)
    order_id = new_order(crm, "S1", package_area="P1", product="fixed_phone")
    body = refusal(
        dispatch(dispatcher, order_id, technician="T1", override=True, reason="x")
    )
    assert body["reason"] == "no_skill"
    body = refusal(
        dispatch(dispatcher, order_id, technician="T2", override=True, reason="x")
    )
    assert body["reason"] == "at_capacity"


# --- reassignment needs a reason -------------------------------------------------------


def test_a_reassignment_needs_a_reason(crm, dispatcher):
    order_id = new_order(crm, "R1", package_area="P1")
    assert dispatch(dispatcher, order_id, technician="T1").status_code == 200
    response = dispatch(dispatcher, order_id, technician="T2")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert WorkOrder.objects.get(pk=order_id).technician.code == "T1"
    response = dispatch(dispatcher, order_id, technician="T2", reason="张工临时请假")
    assert response.status_code == 200
    event = WorkOrder.objects.get(pk=order_id).events.filter(kind="dispatch").last()
    assert event.reason == "张工临时请假"
    assert event.data["previous_technician"] == "T1"


def test_the_service_refuses_like_the_api(crm, dispatcher_user, clock):
    order = WorkOrder.objects.get(pk=new_order(crm, "V1", package_area="P1"))
    clock.move_to(local_time(2026, 11, 20, 18, 30))
    with pytest.raises(NotACandidate) as refused:
        order_dispatch(
            order, technician=Technician.objects.get(code="T1"), by=dispatcher_user
        )
    assert refused.value.reason == "after_hours"


# --- the desk applies the same rules --------------------------------------------------


@pytest.fixture
def desk(org):
    from django.test import Client

    client = Client()
    client.force_login(make_user("desk-manual", "dispatcher"))
    return client


def desk_dispatch(desk, order_id, **data):
    return desk.post(
        f"/console/dispatch/orders/{order_id}/dispatch/", data, HTTP_HX_REQUEST="true"
    ).content.decode()


def test_the_desk_refuses_after_hours_and_borrows_with_a_reason(crm, desk, clock):
    order_id = new_order(crm, "K1", package_area="P1")
    clock.move_to(local_time(2026, 11, 20, 18, 0))
    html = desk_dispatch(desk, order_id, technician="T1")
    assert "未选择延时服务" in html
    assert WorkOrder.objects.get(pk=order_id).status == Status.PENDING
    html = desk_dispatch(desk, order_id, technician="T1", override="on")
    assert "超出候选范围调剂派单请填写原因" in html
    assert WorkOrder.objects.get(pk=order_id).status == Status.PENDING
    desk_dispatch(desk, order_id, technician="T1", override="on", reason="客户只约张工")
    order = WorkOrder.objects.get(pk=order_id)
    assert order.technician.code == "T1"
    event = order.events.get(kind=EventKind.DISPATCH)
    assert event.reason == "客户只约张工"
    assert event.data["reasons"]["override"] is True


def test_the_desk_needs_a_reason_to_reassign(crm, desk):
    order_id = new_order(crm, "K2", package_area="P1")
    desk_dispatch(desk, order_id, technician="T1")
    html = desk_dispatch(desk, order_id, technician="T2")
    assert "改派请填写原因" in html
    assert WorkOrder.objects.get(pk=order_id).technician.code == "T1"
