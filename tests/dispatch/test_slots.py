"""Appointment slots and bookings made ahead through the API (SPEC §14)."""

import datetime as dt

import pytest
import time_machine

from dispatch.models import RotaEntry, SlotPolicy
from org.models import Technician
from sla.models import Approval
from tests.conftest import local_time, order_payload
from workorders.models import Status, WorkOrder

URL = "/api/v1/work-orders/"
SLOTS = "/api/v1/slots/"
NOW = local_time(2026, 11, 20, 10, 0)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def slots(client, day="2026-11-21", area="P1", kind="install"):
    return client.get(
        SLOTS,
        {"package_area": area, "product": "ftth_broadband", "kind": kind, "date": day},
    )


def book(client, n, start="2026-11-21T10:00:00+08:00", area="P3"):
    begins = dt.datetime.fromisoformat(start)
    return client.post(
        URL,
        order_payload(
            crm_order_id=f"SLOT-{n}",
            package_area=area,
            accepted_at=None,
            appointment_start=start,
            appointment_end=(begins + dt.timedelta(hours=1)).isoformat(),
        ),
        format="json",
    )


def test_a_day_has_the_default_slots_and_capacity_from_the_group_on_duty(crm):
    # G1: 张工 and 李工 (after-hours), two hours each per slot; an install is 2 h
    response = slots(crm)
    assert response.status_code == 200
    rows = response.json()
    assert [(r["start"][11:16], r["end"][11:16]) for r in rows] == [
        ("08:00", "10:00"),
        ("10:00", "12:00"),
        ("14:00", "16:00"),
        ("16:00", "18:00"),
        ("18:00", "20:00"),  # 李工 works after hours
    ]
    assert [(r["capacity"], r["booked"], r["available"]) for r in rows] == [
        (2, 0, 2)
    ] * 4 + [(1, 0, 1)]


def test_no_evening_slot_where_nobody_works_after_hours(crm):
    assert len(slots(crm, area="P3").json()) == 4


def test_a_repair_takes_fewer_hours_so_more_fit(crm):
    assert slots(crm, kind="repair").json()[0]["capacity"] == 4


def test_a_technician_on_leave_removes_capacity(crm):
    RotaEntry.objects.create(
        technician=Technician.objects.get(code="T1"), date="2026-11-21", kind="leave"
    )
    assert [r["capacity"] for r in slots(crm).json()] == [1, 1, 1, 1, 1]
    # the day after is untouched
    assert slots(crm, day="2026-11-22").json()[0]["capacity"] == 2


def test_today_follows_a_technician_on_leave_now(crm):
    Technician.objects.filter(code="T3").update(status="leave")
    assert [r["capacity"] for r in slots(crm, day="2026-11-20", area="P3").json()] == [
        0
    ] * 4


def test_the_slots_are_admin_editable(crm):
    SlotPolicy.objects.update_or_create(
        pk=1, defaults={"spans": [["09:00", "13:00"]], "after_hours_spans": []}
    )
    [row] = slots(crm).json()
    assert (row["start"][11:16], row["capacity"]) == ("09:00", 4)


def test_bad_queries_name_the_field(crm):
    assert list(slots(crm, area="NOPE").json()) == ["package_area"]
    assert list(slots(crm, day="tomorrow").json()) == ["date"]


def test_a_district_user_cannot_read_another_districts_slots(org):
    from tests.conftest import client_for, make_user

    d2 = client_for(make_user("d2-desk", "dispatcher", district="D2"))
    assert list(slots(d2, area="P1").json()) == ["package_area"]
    assert slots(d2, area="P3").status_code == 200


# --- bookings made ahead -------------------------------------------------------------


def test_an_intake_appointment_fills_the_slot_and_the_next_is_409(crm):
    assert book(crm, 1).status_code == 201
    row = slots(crm, area="P3").json()[1]
    assert (row["capacity"], row["booked"], row["available"]) == (1, 1, 0)
    response = book(crm, 2)
    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"
    assert WorkOrder.objects.filter(crm_order_id="SLOT-2").count() == 0


def test_a_replayed_intake_answers_the_first_order_even_when_its_slot_is_full(crm):
    first = book(crm, 1)
    again = book(crm, 1)
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])


def test_a_cancelled_order_frees_its_place(crm):
    order_id = book(crm, 1).json()["id"]
    WorkOrder.objects.filter(pk=order_id).update(status=Status.CANCELLED)
    assert book(crm, 2).status_code == 201


def test_an_appointment_outside_every_slot_is_400_naming_the_field(crm):
    response = crm.post(
        URL,
        order_payload(
            package_area="P3",
            accepted_at=None,
            appointment_start="2026-11-21T12:00:00+08:00",
            appointment_end="2026-11-21T13:00:00+08:00",
        ),
        format="json",
    )
    assert (response.status_code, list(response.json())) == (
        400,
        ["appointment_start"],
    )


def test_an_intake_without_appointment_is_never_refused(crm):
    book(crm, 1)
    response = crm.post(
        URL,
        order_payload(crm_order_id="X", package_area="P3", accepted_at=None),
        format="json",
    )
    assert response.status_code == 201


@pytest.fixture
def accepted_t3(crm, dispatcher, org):
    from tests.conftest import technician_client

    order_id = crm.post(
        URL,
        order_payload(crm_order_id="C-1", package_area="P3", accepted_at=None),
        format="json",
    ).json()["id"]
    assert (
        dispatcher.post(
            f"{URL}{order_id}/dispatch/", {"technician": "T3"}, format="json"
        ).status_code
        == 200
    )
    tech = technician_client("T3")
    assert tech.post(f"{URL}{order_id}/accept/").status_code == 200
    return tech, order_id


def contact(tech, order_id, start, end):
    return tech.post(
        f"{URL}{order_id}/contact/",
        {"appointment_start": start, "appointment_end": end},
        format="json",
    )


def test_a_contact_booking_a_later_day_needs_a_slot_with_room(crm, accepted_t3):
    tech, order_id = accepted_t3
    assert book(crm, 1).status_code == 201  # 21st 10–12 is now full
    response = contact(
        tech, order_id, "2026-11-21T10:30:00+08:00", "2026-11-21T12:00:00+08:00"
    )
    assert (response.status_code, response.json()["code"]) == (409, "slot_full")
    assert WorkOrder.objects.get(pk=order_id).status == Status.ACCEPTED
    response = contact(
        tech, order_id, "2026-11-21T14:00:00+08:00", "2026-11-21T16:00:00+08:00"
    )
    assert response.status_code == 200


def test_a_same_day_visit_is_accepted_in_a_full_slot_and_shows_it_overfilled(
    crm, accepted_t3
):
    tech, order_id = accepted_t3
    assert book(crm, 1, start="2026-11-20T15:00:00+08:00").status_code == 201
    response = contact(
        tech, order_id, "2026-11-20T15:30:00+08:00", "2026-11-20T16:30:00+08:00"
    )
    assert response.status_code == 200
    row = slots(crm, day="2026-11-20", area="P3").json()[2]
    assert (row["capacity"], row["booked"], row["available"]) == (1, 2, 0)


def test_a_same_day_visit_outside_every_slot_is_accepted(accepted_t3):
    tech, order_id = accepted_t3
    response = contact(
        tech, order_id, "2026-11-20T12:30:00+08:00", "2026-11-20T13:30:00+08:00"
    )
    assert response.status_code == 200


def test_a_reschedule_into_a_full_slot_is_refused_at_request_and_at_approval(
    crm, accepted_t3, supervisor
):
    tech, order_id = accepted_t3
    body = {
        "appointment_start": "2026-11-21T10:00:00+08:00",
        "appointment_end": "2026-11-21T12:00:00+08:00",
        "customer_confirmed": True,
        "reason": "customer",
    }
    asked = tech.post(f"{URL}{order_id}/reschedule/", body, format="json")
    assert asked.status_code == 202
    book(crm, 1)  # someone else takes the last place meanwhile
    decided = supervisor.post(
        f"/api/v1/approvals/{asked.json()['id']}/approve/", {}, format="json"
    )
    assert (decided.status_code, decided.json()["code"]) == (409, "slot_full")
    assert Approval.objects.get().status == "pending"
    assert WorkOrder.objects.get(pk=order_id).appointment_start is None
    Approval.objects.all().delete()
    again = tech.post(f"{URL}{order_id}/reschedule/", body, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "slot_full")
