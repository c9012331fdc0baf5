"""Complaint test helpers: a Monday-morning clock, a manager, orders done via the API."""

import pytest
import time_machine

from tests.conftest import client_for, local_time, make_user, order_payload

URL = "/api/v1/complaints/"
ORDERS = "/api/v1/work-orders/"
MONDAY_10 = local_time(2026, 11, 16, 10, 0)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def manager(org):
    return client_for(make_user("mgr1", "manager"))


def complaint_body(**overrides) -> dict:
    """A valid API.md complaint (install delay on the 10000 hotline)."""
    return {
        "channel": "hotline_10000",
        "phone": "13912345678",
        "customer_name": "王女士",
        "work_order": None,
        "category": "service_support",
        "sub_category": "install_delay",
        "description": "说好今天装宽带，到现在没人来",
        **overrides,
    }


def open_complaint(client, **overrides) -> dict:
    response = client.post(URL, complaint_body(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def act(client, complaint_id, action, body=None, expect=200) -> dict:
    response = client.post(f"{URL}{complaint_id}/{action}/", body or {}, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def completed_order(
    crm,
    dispatcher,
    tech,
    clock,
    *,
    done_at,
    ref="W1",
    delay_cause=None,
    evidence="",
    **overrides,
) -> int:
    """Enter at Mon 10:00, dispatch to T1, work it and complete at ``done_at``."""
    overrides.setdefault("kind", "repair")
    overrides.setdefault("accepted_at", "2026-11-16T10:00:00+08:00")
    order_id = crm.post(
        ORDERS, order_payload(crm_order_id=ref, **overrides), format="json"
    ).json()["id"]
    steps = [
        ("dispatch", dispatcher, {"technician": "T1"}),
        ("accept", tech, {}),
        (
            "contact",
            tech,
            {
                "appointment_start": "2026-11-16T11:00:00+08:00",
                "appointment_end": "2026-11-16T12:00:00+08:00",
            },
        ),
        ("arrive", tech, {}),
    ]
    for action, client, body in steps:
        response = client.post(f"{ORDERS}{order_id}/{action}/", body, format="json")
        assert response.status_code == 200, (action, response.json())
    clock.move_to(done_at)
    response = tech.post(
        f"{ORDERS}{order_id}/complete/",
        {"resolution": "onsite", "delay_cause": delay_cause, "evidence": evidence},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return order_id


def new_order(crm, ref="W1", **overrides) -> int:
    overrides.setdefault("accepted_at", "2026-11-16T09:00:00+08:00")
    response = crm.post(
        ORDERS, order_payload(crm_order_id=ref, **overrides), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]
