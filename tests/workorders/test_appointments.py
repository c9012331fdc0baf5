"""Appointments at their edges (SPEC §5, seed 002 次日以后): after 16:00 an
in-scope install is booked for a later day; no appointment starts before the
order's entry time. Both are a 400 naming the field, at intake, first contact
and reschedule."""

import datetime as dt

import pytest
import time_machine

from tests.conftest import local_time, order_payload
from workorders import rules
from workorders.models import Customer, WorkOrder

URL = "/api/v1/work-orders/"
NOW = local_time(2026, 11, 20, 17, 0)
CUTOFF = dt.time(16, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def create(client, **overrides):
    return client.post(URL, order_payload(**overrides), format="json")


def act(client, order_id, action, body=None):
    return client.post(f"{URL}{order_id}/{action}/", body or {}, format="json")


def slot(start: str, end: str) -> dict:
    return {"appointment_start": start, "appointment_end": end}


TONIGHT = slot("2026-11-20T18:00:00+08:00", "2026-11-20T20:00:00+08:00")
TOMORROW = slot("2026-11-21T09:00:00+08:00", "2026-11-21T11:00:00+08:00")


@pytest.mark.parametrize(
    ("accepted_at", "appointment", "status"),
    [
        ("2026-11-20T15:59:59+08:00", TONIGHT, 201),  # before 16:00: 当日装
        ("2026-11-20T16:00:00+08:00", TONIGHT, 400),  # at 16:00: a later day
        ("2026-11-20T16:00:00+08:00", TOMORROW, 201),
    ],
)
def test_after_16_an_in_scope_install_is_booked_for_a_later_day(
    crm, accepted_at, appointment, status
):
    response = create(crm, accepted_at=accepted_at, **appointment)
    assert response.status_code == status, response.json()
    if status == 400:
        assert list(response.json()) == ["appointment_start"]
        assert "次日以后" in response.json()["appointment_start"][0]
        assert not WorkOrder.objects.exists() and not Customer.objects.exists()


def test_a_move_may_be_booked_tonight(crm):
    response = create(
        crm, kind="move", accepted_at="2026-11-20T16:30:00+08:00", **TONIGHT
    )
    assert response.status_code == 201, response.json()


def test_an_appointment_starting_before_the_entry_time_is_400(crm):
    # entered 16:30: an appointment from 16:00 would be a deadline in the past
    response = create(
        crm,
        kind="move",
        accepted_at="2026-11-20T16:30:00+08:00",
        **slot("2026-11-20T16:00:00+08:00", "2026-11-20T18:00:00+08:00"),
    )
    assert response.status_code == 400
    assert list(response.json()) == ["appointment_start"]
    same_minute = create(
        crm,
        kind="move",
        accepted_at="2026-11-20T16:30:00+08:00",
        **slot("2026-11-20T16:30:00+08:00", "2026-11-20T18:00:00+08:00"),
    )
    assert same_minute.status_code == 201, same_minute.json()


def test_first_contact_after_16_books_a_later_day(crm, dispatcher, tech1):
    order_id = create(crm, accepted_at="2026-11-20T16:00:00+08:00").json()["id"]
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    act(tech1, order_id, "accept")
    tonight = act(tech1, order_id, "contact", TONIGHT)
    assert tonight.status_code == 400
    assert list(tonight.json()) == ["appointment_start"]
    assert WorkOrder.objects.get(pk=order_id).status == "accepted"
    body = act(tech1, order_id, "contact", TOMORROW).json()
    assert body["deadline"] == "2026-11-21T11:00:00+08:00"


def test_a_reschedule_after_16_keeps_to_a_later_day(crm, dispatcher, tech1):
    order_id = create(crm, accepted_at="2026-11-20T16:00:00+08:00", **TOMORROW).json()[
        "id"
    ]
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    act(tech1, order_id, "accept")
    response = act(
        tech1,
        order_id,
        "reschedule",
        {"reason": "customer", "customer_confirmed": True, **TONIGHT},
    )
    assert response.status_code == 400
    assert list(response.json()) == ["appointment_start"]


@pytest.mark.parametrize(
    ("start", "end", "next_day_only", "problem"),
    [
        (
            local_time(2026, 11, 20, 18),
            local_time(2026, 11, 20, 18),
            False,
            "appointment_end",
        ),
        (
            local_time(2026, 11, 20, 15, 59, 59),
            local_time(2026, 11, 20, 18),
            False,
            "appointment_start",
        ),
        (local_time(2026, 11, 20, 16), local_time(2026, 11, 20, 18), False, None),
        (
            local_time(2026, 11, 20, 23, 59, 59),
            local_time(2026, 11, 21, 1),
            True,
            "appointment_start",
        ),
        (local_time(2026, 11, 21, 0, 0), local_time(2026, 11, 21, 1), True, None),
    ],
)
def test_appointment_rule(start, end, next_day_only, problem):
    found = rules.appointment_problem(
        accepted_at=local_time(2026, 11, 20, 16),
        start=start,
        end=end,
        next_day_only=next_day_only,
        cutoff=CUTOFF,
    )
    assert (found[0] if found else None) == problem


EARLY = slot("2026-11-20T16:29:59+08:00", "2026-11-20T18:00:00+08:00")


@pytest.mark.parametrize(
    ("headers", "before_entry", "later_day"),
    [
        (
            {},  # no Accept-Language: the default, Simplified Chinese
            "预约开始时间不能早于录入时间。",
            "16:00后受理的当日装，须预约次日以后上门。",
        ),
        (
            {"HTTP_ACCEPT_LANGUAGE": "en"},
            "The appointment cannot start before the order was entered.",
            "A same-day install entered after 16:00 must be booked for the next "
            "day or later.",
        ),
    ],
)
def test_appointment_refusals_speak_the_callers_language(
    crm, dispatcher, tech1, headers, before_entry, later_day
):
    # one second before the entry time, at intake
    early = crm.post(
        URL,
        order_payload(kind="move", accepted_at="2026-11-20T16:30:00+08:00", **EARLY),
        format="json",
        **headers,
    )
    assert early.status_code == 400
    assert early.json() == {"appointment_start": [before_entry]}
    # entered at 16:00 sharp, booked for tonight: at intake and at first contact
    tonight = crm.post(
        URL,
        order_payload(accepted_at="2026-11-20T16:00:00+08:00", **TONIGHT),
        format="json",
        **headers,
    )
    assert tonight.json() == {"appointment_start": [later_day]}
    order_id = create(crm, accepted_at="2026-11-20T16:00:00+08:00").json()["id"]
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    act(tech1, order_id, "accept")
    contact = tech1.post(f"{URL}{order_id}/contact/", TONIGHT, format="json", **headers)
    assert contact.json() == {"appointment_start": [later_day]}
