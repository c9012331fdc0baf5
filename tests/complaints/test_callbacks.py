"""Callbacks (回访) on completed orders, and the agent's callback queue."""

import datetime as dt

import pytest

from complaints.models import Callback, ComplaintPolicy
from notifications.models import Notification
from org.models import Technician
from sla.models import SlaEvent
from tests.conftest import local_time
from workorders.models import WorkOrder, WorkOrderEvent

from .conftest import ORDERS, completed_order, new_order

pytestmark = pytest.mark.django_db

DUE = "/api/v1/callbacks/due/"
SCORES = {"contact": 5, "punctuality": 4, "skill": 5, "attitude": 5}


def call_back(client, order_id, **body):
    return client.post(
        f"{ORDERS}{order_id}/callback/",
        {**SCORES, "satisfied": True, **body},
        format="json",
    )


@pytest.fixture
def done(crm, dispatcher, tech1, clock):
    return completed_order(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 16, 15)
    )


def test_a_satisfied_callback_is_recorded(hotline, done):
    response = call_back(hotline, done, note="很满意")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["work_order"],
        body["satisfied"],
        body["by"],
        body["escalation_level"],
    ) == (
        done,
        True,
        "agent1",
        None,
    )
    assert body["at"] == "2026-11-16T15:00:00+08:00"
    assert WorkOrder.objects.get(id=done).escalation_level == 0
    note = WorkOrderEvent.objects.filter(order_id=done, kind="note").get()
    assert note.data["callback"] == body["id"] and note.data["skill"] == 5


def test_a_dissatisfied_callback_escalates_the_order(hotline, dispatcher_user, done):
    body = call_back(hotline, done, satisfied=False, attitude=1, note="态度差").json()
    order = WorkOrder.objects.get(id=done)
    assert (order.escalation_level, body["escalation_level"]) == (1, 1)
    escalation = SlaEvent.objects.get(order=order, kind="escalation")
    assert (escalation.cause, escalation.data["reason"]) == ("callback", "不满意回访")
    assert Notification.objects.filter(
        topic="sla_escalation", recipient="dispatcher1"
    ).exists()
    kinds = list(
        WorkOrderEvent.objects.filter(order=order).values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["note", "escalation"]


def test_a_second_callback_is_409(hotline, supervisor, done):
    assert call_back(hotline, done).status_code == 201
    response = call_back(supervisor, done, satisfied=False)
    assert (response.status_code, response.json()["code"]) == (
        409,
        "already_called_back",
    )
    assert Callback.objects.count() == 1
    assert WorkOrder.objects.get(id=done).escalation_level == 0


def test_an_open_order_cannot_be_called_back(hotline, crm):
    order_id = new_order(crm)
    response = call_back(hotline, order_id)
    assert (response.status_code, response.json()["code"]) == (
        409,
        "invalid_transition",
    )
    assert Callback.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"contact": 0},
        {"punctuality": 6},
        {"skill": "good"},
        {"attitude": None},
        {"satisfied": None},
    ],
)
def test_bad_scores_are_400_with_nothing_written(hotline, done, bad):
    response = call_back(hotline, done, **bad)
    assert response.status_code == 400
    assert list(response.json()) == list(bad)
    assert Callback.objects.count() == 0
    assert not WorkOrderEvent.objects.filter(
        order_id=done, kind__in=["note", "escalation"]
    ).exists()


def test_a_missing_score_is_400(hotline, done):
    response = hotline.post(
        f"{ORDERS}{done}/callback/", {"contact": 5, "satisfied": True}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"punctuality", "skill", "attitude"}


def test_technicians_do_not_call_back(tech1, done):
    assert call_back(tech1, done).status_code == 403


def test_the_queue_lists_orders_due_oldest_first(hotline, crm, clock):
    # given orders completed at various times before Mon 2026-11-16 10:00
    now = local_time(2026, 11, 16, 10, 0)
    specs = [
        ("I-29", "install", dt.timedelta(days=29)),  # due
        ("I-31", "install", dt.timedelta(days=31)),  # past its month
        ("M-10", "move", dt.timedelta(days=10)),  # due
        ("R-2", "repair", dt.timedelta(days=2)),  # due
        ("R-4", "repair", dt.timedelta(days=4)),  # past its 3 days
        ("R-1", "repair", dt.timedelta(days=1)),  # called back already
        ("R-0", "repair", None),  # still open
    ]
    t1 = Technician.objects.get(code="T1")
    ids = {}
    for i, (ref, kind, age) in enumerate(specs):
        entered = now - (age or dt.timedelta(0)) - dt.timedelta(hours=1)
        clock.move_to(entered)
        ids[ref] = new_order(
            crm,
            ref,
            kind=kind,
            accepted_at=entered.isoformat(),
            customer={"phone": f"139000000{i:02d}"},
        )
        if age is not None:  # the state is the point here, not how it got there
            WorkOrder.objects.filter(id=ids[ref]).update(
                status="completed", completed_at=now - age, technician=t1
            )
    clock.move_to(now)
    assert call_back(hotline, ids["R-1"]).status_code == 201

    body = hotline.get(DUE).json()

    assert body["count"] == 3 and body["next"] is None
    assert [r["id"] for r in body["results"]] == [ids["I-29"], ids["M-10"], ids["R-2"]]
    first, _, repair = body["results"]
    assert first["callback_due"] == "2026-11-17T10:00:00+08:00"  # completion + 30 days
    assert (first["kind"], first["technician"], first["phone"]) == (
        "install",
        "T1",
        "13900000000",
    )
    assert repair["callback_due"] == "2026-11-17T10:00:00+08:00"  # completion + 3 days


def test_the_queue_windows_are_configurable(hotline, done, clock):
    clock.move_to(local_time(2026, 11, 19, 16, 0))  # a repair done 3 days + 1 h ago
    assert hotline.get(DUE).json()["count"] == 0
    ComplaintPolicy.objects.update(callback_repair_days=7)
    assert hotline.get(DUE).json()["count"] == 1
