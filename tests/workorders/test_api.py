"""Work orders through the REST API (API.md), at the edges of each rule."""

import datetime as dt

import pytest
import time_machine

from tests.conftest import (
    client_for,
    local_time,
    make_user,
    order_payload,
)
from workorders.models import Customer, Status, WorkOrder, WorkOrderEvent

URL = "/api/v1/work-orders/"
NOW = local_time(2026, 11, 20, 17, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def create(client, **overrides):
    return client.post(URL, order_payload(**overrides), format="json")


def act(client, order_id, action, body=None):
    return client.post(f"{URL}{order_id}/{action}/", body or {}, format="json")


# --- intake -------------------------------------------------------------------


def test_create_returns_the_order_with_its_commitment(crm):
    response = create(crm)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert body["is_same_day"] is True
    assert body["deadline"] == "2026-11-20T23:59:59+08:00"
    assert body["accepted_at"] == "2026-11-20T15:30:00+08:00"
    assert body["customer"]["phone"] == "13912345678"
    assert body["package_area"] == "P1"
    assert body["technician"] is None
    assert body["first_response_due"] is None
    for key in (
        "number",
        "crm_order_id",
        "urge_count",
        "escalation_level",
        "is_repeat_fault",
        "completed_at",
        "resolution",
        "appointment_start",
        "appointment_end",
    ):
        assert key in body


@pytest.mark.parametrize(
    ("accepted_at", "kind", "is_same_day", "deadline"),
    [
        ("2026-11-20T15:59:59+08:00", "repair", True, "2026-11-20T23:59:59+08:00"),
        ("2026-11-20T16:00:00+08:00", "repair", True, "2026-11-21T16:00:00+08:00"),
        ("2026-11-20T15:59:59+08:00", "install", True, "2026-11-20T23:59:59+08:00"),
        ("2026-11-20T16:00:00+08:00", "install", False, "2026-11-23T16:00:00+08:00"),
        # the same instants written in UTC
        ("2026-11-20T07:59:59Z", "repair", True, "2026-11-20T23:59:59+08:00"),
        ("2026-11-20T08:00:00Z", "repair", True, "2026-11-21T16:00:00+08:00"),
    ],
)
def test_cutoff_at_16_00_local(crm, accepted_at, kind, is_same_day, deadline):
    body = create(crm, accepted_at=accepted_at, kind=kind).json()
    assert (body["is_same_day"], body["deadline"]) == (is_same_day, deadline)


@pytest.mark.parametrize(
    "overrides",
    [
        {"customer": {"segment": "government_enterprise"}},
        {"customer": {"segment": "campus"}},
        {"product": "fixed_phone"},
        {"kind": "move"},
        {"same_day_requested": False},
        {"package_area": "P4"},  # rural area without the commitment
    ],
)
def test_orders_outside_the_commitment_get_the_standard_limit(crm, overrides):
    body = create(crm, **overrides).json()
    assert body["is_same_day"] is False
    assert body["deadline"] == "2026-11-23T15:30:00+08:00"  # install/move: 72 h


def test_vip_repair_outside_the_commitment_gets_4_hours(crm):
    body = create(
        crm, kind="repair", product="fttb_broadband", customer={"level": "gold"}
    ).json()
    assert body["deadline"] == "2026-11-20T19:30:00+08:00"


def test_omitted_entry_time_means_now(crm):
    body = create(crm, accepted_at=None).json()
    assert body["accepted_at"] == "2026-11-20T17:00:00+08:00"


def test_replay_with_same_content_returns_the_same_order(crm):
    first = create(crm)
    second = create(crm)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert WorkOrder.objects.count() == 1


def test_replay_with_different_content_is_a_conflict(crm):
    create(crm)
    response = create(crm, address="另一个地址")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert WorkOrder.objects.count() == 1


def test_idempotency_key_header(hotline):
    payload = order_payload(crm_order_id="", source="hotline", kind="repair")
    first = hotline.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="call-77")
    again = hotline.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="call-77")
    changed = hotline.post(
        URL,
        {**payload, "description": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="call-77",
    )
    other = hotline.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="call-78")
    assert [r.status_code for r in (first, again, changed, other)] == [
        201,
        200,
        409,
        201,
    ]
    assert again.json()["id"] == first.json()["id"]


def test_future_entry_time_is_refused_and_nothing_is_written(crm):
    response = create(crm, accepted_at="2026-11-20T17:00:01+08:00")
    assert response.status_code == 400
    assert "accepted_at" in response.json()
    assert (WorkOrder.objects.count(), Customer.objects.count()) == (0, 0)


def test_unknown_package_area_is_refused_and_leaves_no_customer(crm):
    response = create(crm, package_area="NOPE")
    assert response.status_code == 400
    assert "NOPE" in response.json()["package_area"][0]
    assert (WorkOrder.objects.count(), Customer.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "upgrade"}, "kind"),
        ({"product": "5g"}, "product"),
        ({"source": "fax"}, "source"),
        ({"customer": {"level": "platinum"}}, "customer"),
        ({"customer": {"phone": "call me"}}, "customer"),
        ({"address": ""}, "address"),
        ({"lat": 123.0}, "lat"),
        ({"accepted_at": "yesterday"}, "accepted_at"),
        ({"appointment_start": "2026-11-21T10:00:00+08:00"}, "appointment_end"),
        (
            {
                "appointment_start": "2026-11-21T12:00:00+08:00",
                "appointment_end": "2026-11-21T10:00:00+08:00",
            },
            "appointment_end",
        ),
    ],
)
def test_bad_input_names_the_field(crm, overrides, field):
    response = create(crm, **overrides)
    assert response.status_code == 400
    assert field in response.json()
    assert WorkOrder.objects.count() == 0


def test_customers_are_matched_by_phone_and_account(crm):
    create(crm, crm_order_id="A")
    create(crm, crm_order_id="B", kind="repair", source="crm")
    create(crm, crm_order_id="C", customer={"account": "ACC-2"})
    assert Customer.objects.count() == 2


def test_creation_is_in_the_timeline(crm):
    order_id = create(crm).json()["id"]
    events = crm.get(f"{URL}{order_id}/timeline/").json()
    assert [e["kind"] for e in events] == ["created"]
    assert events[0]["actor"] == "crm"
    assert "当日装" in events[0]["reason"]


# --- lifecycle ----------------------------------------------------------------


@pytest.fixture
def order_id(crm):
    return create(crm).json()["id"]


def test_full_lifecycle_is_recorded(clock, dispatcher, tech1, order_id):
    r = act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "dispatched"
    assert r.json()["technician"] == "T1"
    assert r.json()["first_response_due"] == "2026-11-20T17:30:00+08:00"
    clock.shift(dt.timedelta(minutes=5))
    assert act(tech1, order_id, "accept").json()["status"] == "accepted"
    r = act(
        tech1,
        order_id,
        "contact",
        {
            "appointment_start": "2026-11-20T19:00:00+08:00",
            "appointment_end": "2026-11-20T20:00:00+08:00",
        },
    )
    assert r.json()["status"] == "appointed"
    assert act(tech1, order_id, "arrive").json()["status"] == "on_site"
    clock.shift(dt.timedelta(hours=2))
    r = act(tech1, order_id, "complete", {"resolution": "onsite", "note": "光猫已开通"})
    assert r.json()["status"] == "completed"
    assert r.json()["completed_at"] == "2026-11-20T19:05:00+08:00"

    events = tech1.get(f"{URL}{order_id}/timeline/").json()
    sms = [e["data"]["body"] for e in events if e["kind"] == "notify"]
    assert len(sms) == 2  # dispatch, then the appointment confirmation
    assert "张工" in sms[0] and "13800000001" in sms[0]
    assert "11-20 19:00至20:00" in sms[1]
    events = [e for e in events if e["to_status"]]
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("", "pending"),
        ("pending", "dispatched"),
        ("dispatched", "accepted"),
        ("accepted", "appointed"),
        ("appointed", "on_site"),
        ("on_site", "completed"),
    ]
    assert events[1]["actor"] == "dispatcher1"
    assert events[1]["data"]["technician"] == "T1"
    assert events[2]["actor"] == "张工"
    # django-simple-history keeps a row per change too, with who and why
    history = list(WorkOrder.history.filter(id=order_id).order_by("history_id"))
    assert [h.history_type for h in history] == ["+", "~", "~", "~", "~", "~"]
    assert [h.status for h in history] == [
        "pending",
        "dispatched",
        "accepted",
        "appointed",
        "on_site",
        "completed",
    ]
    assert history[0].history_user.username == "crm"
    assert history[0].history_change_reason  # the deadline basis
    assert history[1].history_user.username == "dispatcher1"


def test_technician_cannot_move_an_unassigned_order(tech1, order_id):
    response = act(tech1, order_id, "arrive")
    # the order is not the technician's yet, so it is invisible to them
    assert response.status_code == 404


def test_illegal_transition_for_dispatcher_is_409(dispatcher, order_id):
    response = act(dispatcher, order_id, "accept")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_completed_order_cannot_be_cancelled(dispatcher, hotline, crm):
    order_id = create(crm, kind="repair").json()["id"]
    assert (
        act(hotline, order_id, "complete", {"resolution": "remote"}).status_code == 200
    )
    response = act(crm, order_id, "cancel", {"reason": "客户撤单"})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_remote_resolution_without_dispatch(hotline, crm):
    order_id = create(crm, kind="repair").json()["id"]
    body = act(hotline, order_id, "complete", {"resolution": "remote"}).json()
    assert (body["status"], body["resolution"], body["technician"]) == (
        "completed",
        "remote",
        None,
    )


def test_installs_cannot_be_resolved_remotely(hotline, order_id):
    response = act(hotline, order_id, "complete", {"resolution": "remote"})
    assert response.status_code == 400
    assert "resolution" in response.json()


def test_on_site_completion_needs_the_technician_on_site(dispatcher, tech1, order_id):
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    response = act(tech1, order_id, "complete", {"resolution": "onsite"})
    assert response.status_code == 409


def test_cancel_needs_a_reason_and_records_it(crm, order_id):
    assert act(crm, order_id, "cancel", {"reason": ""}).status_code == 400
    body = act(crm, order_id, "cancel", {"reason": "客户撤单"}).json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "客户撤单")


def test_contact_of_late_install_moves_the_deadline_to_the_appointment(
    crm, dispatcher, tech1
):
    order_id = create(crm, accepted_at="2026-11-20T16:30:00+08:00").json()["id"]
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    act(tech1, order_id, "accept")
    body = act(
        tech1,
        order_id,
        "contact",
        {
            "appointment_start": "2026-11-21T09:00:00+08:00",
            "appointment_end": "2026-11-21T11:00:00+08:00",
        },
    ).json()
    assert body["deadline"] == "2026-11-21T11:00:00+08:00"
    assert body["first_contact_at"] == "2026-11-20T17:00:00+08:00"


def test_contact_with_a_past_appointment_is_400(dispatcher, tech1, order_id):
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    act(tech1, order_id, "accept")
    response = act(
        tech1,
        order_id,
        "contact",
        {
            "appointment_start": "2026-11-20T09:00:00+08:00",
            "appointment_end": "2026-11-20T11:00:00+08:00",
        },
    )
    assert response.status_code == 400
    assert "appointment_end" in response.json()


# --- dispatch -----------------------------------------------------------------


def test_reassign_keeps_both_assignments_in_the_timeline(dispatcher, order_id):
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    body = act(
        dispatcher, order_id, "dispatch", {"technician": "T2", "note": "T1请假"}
    ).json()
    assert body["technician"] == "T2"
    events = WorkOrderEvent.objects.filter(order_id=order_id, kind="dispatch").order_by(
        "id"
    )
    assert [(e.data["technician"], e.data["previous_technician"]) for e in events] == [
        ("T1", None),
        ("T2", "T1"),
    ]


def test_dispatch_to_the_same_technician_is_already_assigned(dispatcher, order_id):
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    response = act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    assert (response.status_code, response.json()["code"]) == (409, "already_assigned")


def test_dispatch_to_unknown_technician_is_400(dispatcher, order_id):
    response = act(dispatcher, order_id, "dispatch", {"technician": "T99"})
    assert response.status_code == 400
    assert "T99" in response.json()["technician"][0]


def test_dispatch_without_the_skill_is_not_a_candidate(crm, dispatcher):
    order_id = create(crm, product="fixed_phone").json()["id"]
    response = act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    assert (response.status_code, response.json()["code"]) == (409, "not_a_candidate")
    assert response.json()["reason"] == "no_skill"


def test_dispatch_respects_capacity(crm, dispatcher):
    ids = [create(crm, crm_order_id=f"C{i}").json()["id"] for i in range(3)]
    assert act(dispatcher, ids[0], "dispatch", {"technician": "T2"}).status_code == 200
    assert act(dispatcher, ids[1], "dispatch", {"technician": "T2"}).status_code == 200
    response = act(dispatcher, ids[2], "dispatch", {"technician": "T2"})
    assert (response.status_code, response.json()["code"]) == (409, "not_a_candidate")
    assert response.json()["reason"] == "at_capacity"
    assert "2/2" in response.json()["detail"]
    assert WorkOrder.objects.get(id=ids[2]).status == Status.PENDING


# --- roles and scope ----------------------------------------------------------


def test_anonymous_is_401(client, org):
    assert client.get(URL).status_code in (401, 403)
    response = client.post(URL, order_payload(), content_type="application/json")
    assert response.status_code in (401, 403)


def test_hotline_agent_cannot_dispatch(hotline, order_id):
    assert act(hotline, order_id, "dispatch", {"technician": "T1"}).status_code == 403


def test_crm_cannot_accept(crm, order_id):
    assert act(crm, order_id, "accept").status_code == 403


def test_technician_cannot_create_orders(tech1):
    assert create(tech1).status_code == 403


def test_technician_sees_and_touches_only_own_orders(crm, dispatcher, tech1, tech2):
    mine = create(crm, crm_order_id="M").json()["id"]
    theirs = create(crm, crm_order_id="T").json()["id"]
    act(dispatcher, mine, "dispatch", {"technician": "T1"})
    act(dispatcher, theirs, "dispatch", {"technician": "T2"})
    listed = [o["id"] for o in tech1.get(URL).json()["results"]]
    assert listed == [mine]
    assert tech1.get(f"{URL}{theirs}/").status_code == 404
    assert act(tech1, theirs, "accept").status_code == 404
    assert WorkOrder.objects.get(id=theirs).status == Status.DISPATCHED
    assert act(tech1, mine, "accept").status_code == 200


def test_district_scoped_user_lists_only_that_district(crm, org):
    create(crm, crm_order_id="in-D1", package_area="P1")
    create(crm, crm_order_id="in-D2", package_area="P3")
    scoped = client_for(make_user("d2desk", "dispatcher", district="D2"))
    listed = scoped.get(URL).json()["results"]
    assert [o["crm_order_id"] for o in listed] == ["in-D2"]
    other_id = WorkOrder.objects.get(crm_order_id="in-D1").id
    assert scoped.get(f"{URL}{other_id}/").status_code == 404


# --- list filters ---------------------------------------------------------------


@pytest.fixture
def three_orders(crm, dispatcher, clock):
    a = create(crm, crm_order_id="F1", accepted_at="2026-11-19T09:00:00+08:00").json()
    b = create(
        crm,
        crm_order_id="F2",
        kind="repair",
        product="itv_hd",
        package_area="P3",
        customer={"phone": "13700000000", "account": ""},
        accepted_at="2026-11-20T09:00:00+08:00",
    ).json()
    c = create(
        crm,
        crm_order_id="F3",
        package_area="P2",
        accepted_at="2026-11-20T12:00:00+08:00",
    ).json()
    act(dispatcher, c["id"], "dispatch", {"technician": "T1"})
    return a, b, c


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=pending", {"F1", "F2"}),
        ("status=dispatched", {"F3"}),
        ("kind=repair", {"F2"}),
        ("product=itv_hd", {"F2"}),
        ("technician=T1", {"F3"}),
        ("package_area=P2", {"F3"}),
        ("group=G2", {"F2"}),
        ("district=D1", {"F1", "F3"}),
        ("crm_order_id=F2", {"F2"}),
        ("phone=13700000000", {"F2"}),
        ("accepted_after=2026-11-20T00:00:00%2B08:00", {"F2", "F3"}),
        ("accepted_before=2026-11-20T00:00:00%2B08:00", {"F1"}),
        ("overdue=true", {"F1"}),  # F1 was due 2026-11-19 23:59:59
        ("overdue=false", {"F2", "F3"}),
    ],
)
def test_list_filters(dispatcher, three_orders, query, expected):
    response = dispatcher.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert {o["crm_order_id"] for o in response.json()["results"]} == expected


def test_list_is_paginated(dispatcher, three_orders):
    body = dispatcher.get(f"{URL}?page_size=2").json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


@pytest.mark.parametrize(
    "accepted_at",
    [
        "0386-01-07T21:45:36+21:53",
        "1999-12-31T23:59:59+08:00",
        "2100-01-01T08:00:00+08:00",
    ],
)
def test_entry_times_outside_2000_to_2100_are_refused(crm, accepted_at):
    response = create(crm, accepted_at=accepted_at)
    assert response.status_code == 400 and "accepted_at" in response.json()
    assert WorkOrder.objects.count() == 0


def test_filters_accept_any_iso_offset(dispatcher, three_orders):
    # 2026-11-20T00:00+08:00 written with a -17:45 offset (PostgreSQL refuses
    # such offsets itself)
    response = dispatcher.get(f"{URL}?accepted_after=2026-11-19T14:15:00-01:45")
    assert response.status_code == 200
    assert {o["crm_order_id"] for o in response.json()["results"]} == {"F2", "F3"}
    odd = dispatcher.get(f"{URL}?accepted_before=2026-11-19T22:15:00-17:45")
    assert odd.status_code == 200


def test_list_filters_do_not_hide_an_order_from_its_own_page(dispatcher, three_orders):
    f1 = three_orders[0]["id"]
    assert dispatcher.get(f"{URL}{f1}/?status=dispatched").status_code == 200
    assert (
        dispatcher.get(
            f"{URL}{f1}/timeline/?accepted_after=2030-01-01T00:00:00Z"
        ).status_code
        == 200
    )
