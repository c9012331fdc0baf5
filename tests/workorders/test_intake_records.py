"""What one create writes, now that the order, its history row and its first
timeline line go in one statement (issue 18, ``dispatch_center.inserts``).

The rows must be the ones the services wrote before with ``save()``,
``history_record`` and ``event_record``; a failed create (a replay with
other content) must leave nothing behind, customer changes included; and a
warm create for a known customer costs exactly two statements on PostgreSQL
(the customer, the order with its records) and no transaction round trips.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from dispatch_center.history import CREATED, _historical, history_row
from tests.conftest import local_time, order_payload
from workorders.models import Customer, WorkOrder, WorkOrderEvent

URL = "/api/v1/work-orders/"
NOW = local_time(2026, 11, 20, 17, 0)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _create(client, **overrides):
    response = client.post(URL, order_payload(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return WorkOrder.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
def test_the_history_row_is_the_one_history_record_writes(clock, crm, crm_user):
    order = _create(crm)
    stored = WorkOrder.history.get(id=order.pk)
    # what ``history_record(order, ...)`` builds from the saved order
    expected = history_row(
        order, by=crm_user, at=NOW, reason=order.deadline_basis, kind=CREATED
    )
    model, _ = _historical(WorkOrder)
    for field in model._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        assert getattr(stored, field.attname) == getattr(expected, field.attname), (
            field.attname
        )
    assert stored.history_type == "+" and stored.history_user == crm_user
    assert stored.created_at == stored.updated_at == NOW  # auto_now, as save()


@pytest.mark.django_db
def test_the_created_event_is_the_one_event_record_writes(clock, crm, crm_user):
    order = _create(crm, crm_order_id="EV-1", kind="repair", source="hotline")
    (event,) = WorkOrderEvent.objects.filter(order=order)
    assert (event.kind, event.from_status, event.to_status) == (
        "created",
        "",
        "pending",
    )
    assert event.at == NOW
    assert event.actor == crm_user and event.actor_name == "crm"
    assert event.reason == order.deadline_basis
    assert event.data.keys() == {"source", "deadline"}
    assert event.data["source"] == "hotline"
    assert dt.datetime.fromisoformat(event.data["deadline"]) == order.deadline


@pytest.mark.django_db
def test_a_repeat_fault_is_noted_in_the_created_event(clock, crm):
    first = _create(crm, crm_order_id="RF-1", kind="repair", source="hotline")
    WorkOrder.objects.filter(pk=first.pk).update(
        status="completed", completed_at=NOW - dt.timedelta(hours=1)
    )
    second = _create(
        crm, crm_order_id="RF-2", kind="repair", source="hotline", accepted_at=None
    )
    assert second.is_repeat_fault is True
    event = WorkOrderEvent.objects.get(order=second)
    assert event.data["repeat_fault"] is True


@pytest.mark.django_db
def test_a_replay_with_other_content_changes_no_customer(clock, crm):
    first = _create(crm, crm_order_id="R-1")
    response = crm.post(
        URL,
        order_payload(crm_order_id="R-1", customer={"name": "李先生"}),
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert Customer.objects.get().name == first.customer.name == "王女士"
    assert WorkOrder.history.count() == WorkOrderEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_changed_customer_is_updated_with_its_history(clock, crm):
    _create(crm, crm_order_id="C-1")
    order = _create(crm, crm_order_id="C-2", customer={"level": "gold"})
    customer = Customer.objects.get()
    assert customer.level == "gold" and order.customer_id == customer.pk
    assert [h.history_type for h in customer.history.order_by("history_id")] == [
        "+",
        "~",
    ]
