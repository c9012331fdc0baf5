"""The network-fault API of API.md: paths, fields, codes, roles and scope."""

import datetime as dt

import pytest
import time_machine

from network_faults.models import NetworkFault
from notifications.models import Notification
from tests.conftest import client_for, local_time, make_user, order_payload
from workorders.models import Status, WorkOrder

pytestmark = pytest.mark.django_db

FAULTS = "/api/v1/network-faults/"
ORDERS = "/api/v1/work-orders/"
NOW = local_time(2026, 11, 16, 10, 0)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def declare(client, **overrides):
    body = {
        "package_areas": ["P1"],
        "product": None,
        "cause": "OLT 板卡故障",
        "started_at": "2026-11-16T09:00:00+08:00",
        "eta": "2026-11-16T14:00:00+08:00",
        **overrides,
    }
    return client.post(FAULTS, body, format="json")


def hotline_repair(client, ref, **overrides):
    body = {
        "source": "hotline",
        "kind": "repair",
        "accepted_at": None,
        "customer": {"phone": f"1390000{ref[-4:]}"},
        **overrides,
    }
    return client.post(ORDERS, order_payload(crm_order_id=ref, **body), format="json")


def test_declare_answers_201_with_the_contract_fields(dispatcher):
    response = declare(dispatcher)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["package_areas"] == ["P1"]
    assert body["product"] is None
    for key in (
        "id",
        "number",
        "cause",
        "started_at",
        "eta",
        "restored_at",
        "linked_count",
        "intercepted_count",
    ):
        assert key in body
    assert body["linked_count"] == 0


def test_declare_with_an_unknown_package_area_is_a_400_naming_it(dispatcher):
    response = declare(dispatcher, package_areas=["P1", "NOPE"])
    assert response.status_code == 400
    assert "package_areas" in response.json()
    assert not NetworkFault.objects.exists()


def test_declare_with_eta_before_start_is_a_400(dispatcher):
    response = declare(dispatcher, eta="2026-11-16T08:00:00+08:00")
    assert response.status_code == 400 and "eta" in response.json()


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "预计恢复时间须晚于故障开始时间。"),
        (
            {"HTTP_ACCEPT_LANGUAGE": "en"},
            "The expected restoration must be later than the fault's start.",
        ),
    ],
)
def test_a_refused_declaration_speaks_the_callers_language(
    dispatcher, headers, message
):
    body = {
        "package_areas": ["P1"],
        "product": None,
        "cause": "OLT 板卡故障",
        "started_at": "2026-11-16T09:00:00+08:00",
        "eta": "2026-11-16T09:00:00+08:00",  # the start itself: not later
    }
    response = dispatcher.post(FAULTS, body, format="json", **headers)
    assert response.status_code == 400
    assert response.json() == {"eta": [message]}
    assert not NetworkFault.objects.exists()


def test_hotline_cannot_declare(hotline):
    assert declare(hotline).status_code == 403


def test_repair_created_inside_the_fault_answers_201_with_network_fault(
    dispatcher, hotline
):
    fault_id = declare(dispatcher).json()["id"]
    response = hotline_repair(hotline, "R-0001")
    assert response.status_code == 201
    assert response.json()["network_fault"] == fault_id
    install = hotline_repair(hotline, "R-0002", kind="install", source="crm")
    assert install.json()["network_fault"] is None


def test_link_restore_and_reopen_through_the_api(dispatcher, hotline, clock):
    earlier = hotline_repair(hotline, "R-0003").json()
    fault = declare(dispatcher).json()

    linked = dispatcher.post(
        f"{FAULTS}{fault['id']}/link/", {"work_orders": [earlier["id"]]}, format="json"
    )
    assert linked.status_code == 200, linked.json()
    assert [o["network_fault"] for o in linked.json()] == [fault["id"]]

    clock.shift(dt.timedelta(hours=2))
    restored = dispatcher.post(
        f"{FAULTS}{fault['id']}/restore/",
        {"restored_at": "2026-11-16T11:30:00+08:00"},
        format="json",
    )
    assert restored.status_code == 200
    assert restored.json()["status"] == "restored"
    again = dispatcher.post(f"{FAULTS}{fault['id']}/restore/", {}, format="json")
    assert again.status_code == 200
    order = dispatcher.get(f"{ORDERS}{earlier['id']}/").json()
    assert order["status"] == "completed"
    assert order["resolution"] == "network_fault"
    assert order["completed_at"].startswith("2026-11-16T11:30:00")

    reopened = hotline.post(
        f"{ORDERS}{earlier['id']}/reopen/", {"note": "仍无法上网"}, format="json"
    )
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "pending"
    twice = hotline.post(f"{ORDERS}{earlier['id']}/reopen/", {}, format="json")
    assert twice.status_code == 409
    assert twice.json()["code"] == "invalid_transition"


def test_link_of_an_order_outside_the_scope_is_a_400(dispatcher, hotline):
    outside = hotline_repair(hotline, "R-0004", package_area="P2").json()
    fault = declare(dispatcher).json()
    response = dispatcher.post(
        f"{FAULTS}{fault['id']}/link/", {"work_orders": [outside["id"]]}, format="json"
    )
    assert response.status_code == 400 and "work_orders" in response.json()
    assert WorkOrder.objects.get(pk=outside["id"]).network_fault_id is None


def test_confirm_dismiss_and_eta_codes(dispatcher, hotline):
    fault = declare(dispatcher).json()
    # a confirmed fault cannot be dismissed nor confirmed again
    dismissed = dispatcher.post(
        f"{FAULTS}{fault['id']}/dismiss/", {"reason": "误报"}, format="json"
    )
    assert dismissed.status_code == 409
    assert dismissed.json()["code"] == "invalid_transition"
    no_reason = dispatcher.post(f"{FAULTS}{fault['id']}/dismiss/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    hotline_repair(hotline, "R-0005")
    eta = dispatcher.post(
        f"{FAULTS}{fault['id']}/eta/",
        {"eta": "2026-11-16T16:00:00+08:00"},
        format="json",
    )
    assert eta.status_code == 200
    assert eta.json()["eta"].startswith("2026-11-16T16:00:00")
    assert Notification.objects.filter(topic="fault_eta_sms").count() == 1


def test_list_filters_and_district_scope(dispatcher, org):
    declare(dispatcher)
    declare(dispatcher, package_areas=["P3"])
    scoped = client_for(make_user("disp-d2", "dispatcher", district="D2"))

    assert dispatcher.get(FAULTS).json()["count"] == 2
    assert dispatcher.get(FAULTS, {"package_area": "P3"}).json()["count"] == 1
    assert dispatcher.get(FAULTS, {"area": "A1"}).json()["count"] == 1
    assert dispatcher.get(FAULTS, {"status": "restored"}).json()["count"] == 0
    mine = scoped.get(FAULTS).json()
    assert mine["count"] == 1 and mine["results"][0]["package_areas"] == ["P3"]
    other = NetworkFault.objects.get(package_areas__code="P1")
    assert scoped.get(f"{FAULTS}{other.pk}/").status_code == 404
    assert (
        scoped.post(f"{FAULTS}{other.pk}/restore/", {}, format="json").status_code
        == 404
    )
    refused = declare(scoped, package_areas=["P1"])
    assert refused.status_code == 400 and "package_areas" in refused.json()


def test_substitute_is_recorded_on_the_repair(dispatcher, hotline):
    order = hotline_repair(hotline, "R-0006").json()
    response = hotline.post(
        f"{ORDERS}{order['id']}/substitute/",
        {"substitute": "借用4G路由器"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["substitute"] == "借用4G路由器"
    assert (
        WorkOrder.objects.get(pk=order["id"])
        .events.filter(reason__contains="借用4G路由器")
        .exists()
    )


def test_technician_cannot_complete_with_the_fault_resolution(
    dispatcher, hotline, tech1
):
    order = hotline_repair(hotline, "R-0007", package_area="P2").json()
    dispatcher.post(
        f"{ORDERS}{order['id']}/dispatch/", {"technician": "T1"}, format="json"
    )
    response = tech1.post(
        f"{ORDERS}{order['id']}/complete/",
        {"resolution": "network_fault"},
        format="json",
    )
    assert response.status_code == 400 and "resolution" in response.json()
    assert WorkOrder.objects.get(pk=order["id"]).status == Status.DISPATCHED
