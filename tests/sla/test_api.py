"""Urges, suspend/reschedule requests and approvals through the REST API."""

import datetime as dt

import pytest
import time_machine

from notifications.models import Notification
from sla.models import Approval, SlaEvent
from sla.services import sla_escalate
from tests.conftest import client_for, local_time, make_user, order_payload
from workorders.models import Status, WorkOrder, WorkOrderEvent

URL = "/api/v1/work-orders/"
APPROVALS = "/api/v1/approvals/"
NOW = local_time(2026, 11, 20, 10, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def post(client, path, body=None):
    return client.post(path, body or {}, format="json")


def act(client, order_id, action, body=None):
    return post(client, f"{URL}{order_id}/{action}/", body)


@pytest.fixture
def order_id(crm, dispatcher, tech1):
    """A same-day install (deadline 23:59:59), dispatched to T1 and accepted."""
    order_id = crm.post(URL, order_payload(accepted_at=None), format="json").json()[
        "id"
    ]
    assert (
        act(dispatcher, order_id, "dispatch", {"technician": "T1"}).status_code == 200
    )
    assert act(tech1, order_id, "accept").status_code == 200
    return order_id


def kinds(order_id):
    return list(
        WorkOrderEvent.objects.filter(order_id=order_id)
        .order_by("id")
        .values_list("kind", flat=True)
    )


# --- urges ---------------------------------------------------------------------


def test_an_urge_is_counted_and_tells_technician_and_dispatcher(hotline, order_id):
    response = act(hotline, order_id, "urge", {"note": "客户来电催装"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["urge_count"], body["escalation_level"]) == (1, 0)
    recipients = Notification.objects.filter(topic="sla_urge").values_list(
        "recipient", flat=True
    )
    assert sorted(recipients) == ["T1", "dispatcher1"]
    assert kinds(order_id)[-1] == "urge"


def test_the_second_urge_escalates(hotline, order_id, clock):
    act(hotline, order_id, "urge")
    clock.shift(dt.timedelta(minutes=20))
    body = act(hotline, order_id, "urge", {"note": "第二次"}).json()
    assert (body["urge_count"], body["escalation_level"]) == (2, 1)
    assert kinds(order_id)[-2:] == ["urge", "escalation"]
    escalation = SlaEvent.objects.get(order_id=order_id, kind="escalation")
    assert (escalation.cause, escalation.level) == ("urge", 1)
    # each urge notified once; the escalation went to level 1 (the dispatchers)
    assert Notification.objects.filter(topic="sla_urge").count() == 4
    assert Notification.objects.filter(topic="sla_escalation").count() == 1


def test_later_urges_notify_again_but_never_climb(hotline, order_id):
    levels = [
        act(hotline, order_id, "urge").json()["escalation_level"] for _ in range(5)
    ]
    assert levels == [0, 1, 1, 1, 1]  # the 2nd escalates once; time climbs
    assert SlaEvent.objects.filter(order_id=order_id, kind="urge").count() == 5
    assert SlaEvent.objects.filter(order_id=order_id, kind="escalation").count() == 1
    # every urge, the 5th too, tells the dispatcher again
    told = Notification.objects.filter(topic="sla_urge", recipient="dispatcher1")
    assert told.count() == 5


def test_urges_do_not_stop_the_time_ladder_firing_every_level(hotline, order_id, clock):
    """Urged to level 1 and escalated by hand to 2 before the deadline: at the
    deadline, +2 h and +8 h the ladder still fires levels 1, 2 and 3, each once,
    each to its own contacts."""
    from sla.scan import sla_scan

    act(hotline, order_id, "urge")
    act(hotline, order_id, "urge")
    sla_escalate(
        WorkOrder.objects.get(pk=order_id), reason="人工升级", by=None, key="m", level=2
    )
    deadline = local_time(2026, 11, 20, 23, 59, 59)
    fired = []
    for offset in (dt.timedelta(0), dt.timedelta(hours=2), dt.timedelta(hours=8)):
        clock.move_to(deadline + offset)
        sla_scan(now=deadline + offset)
        sla_scan(now=deadline + offset)  # a second beat changes nothing
        fired.append(
            list(
                SlaEvent.objects.filter(order_id=order_id, cause="timeout")
                .order_by("level")
                .values_list("level", flat=True)
            )
        )
    assert fired == [[1], [1, 2], [1, 2, 3]]
    order = WorkOrder.objects.get(pk=order_id)
    assert (order.escalation_level, order.sla_ladder_level) == (3, 3)
    for level in (1, 2, 3):
        event = SlaEvent.objects.get(
            order_id=order_id, kind="escalation", checkpoint=str(level)
        )
        assert event.recipients, f"level {level} told nobody"


def test_urging_a_closed_order_is_409(hotline, crm):
    order_id = crm.post(
        URL, order_payload(kind="repair", accepted_at=None), format="json"
    ).json()["id"]
    act(hotline, order_id, "complete", {"resolution": "remote"})
    response = act(hotline, order_id, "urge")
    assert (response.status_code, response.json()["code"]) == (
        409,
        "invalid_transition",
    )
    assert WorkOrder.objects.get(pk=order_id).urge_count == 0


def test_a_technician_cannot_urge(tech1, order_id):
    assert act(tech1, order_id, "urge").status_code == 403


def test_sla_escalate_is_idempotent_per_key(order_id, dispatcher_user):
    order = WorkOrder.objects.get(pk=order_id)
    for _ in range(2):  # e.g. a dissatisfied callback posted twice
        level = sla_escalate(
            order, reason="回访不满意", by=dispatcher_user, key="cb-7", cause="callback"
        )
    assert level == 1
    assert SlaEvent.objects.filter(order_id=order_id, kind="escalation").count() == 1
    assert kinds(order_id).count("escalation") == 1


# --- suspend -----------------------------------------------------------------------


def suspend(client, order_id, **body):
    return act(
        client,
        order_id,
        "suspend",
        {"reason": "customer", "evidence": "REC-001", "note": "客户出差", **body},
    )


def test_a_suspend_request_waits_for_approval(tech1, order_id):
    response = suspend(tech1, order_id)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["reason"]) == (
        "suspend",
        "pending",
        "customer",
    )
    assert (body["requested_by"], body["order"]) == ("T1", order_id)
    assert WorkOrder.objects.get(pk=order_id).status == Status.ACCEPTED
    assert kinds(order_id)[-1] == "approval"


def test_one_pending_request_per_order(tech1, dispatcher, order_id):
    suspend(tech1, order_id)
    response = suspend(dispatcher, order_id)
    assert (response.status_code, response.json()["code"]) == (409, "approval_pending")
    assert Approval.objects.count() == 1


def test_an_undispatched_order_cannot_be_suspended(crm, dispatcher):
    order_id = crm.post(URL, order_payload(accepted_at=None), format="json").json()[
        "id"
    ]
    response = suspend(dispatcher, order_id)
    assert (response.status_code, response.json()["code"]) == (
        409,
        "invalid_transition",
    )


@pytest.mark.parametrize("client_name", ["hotline", "crm", "tech2"])
def test_only_the_assignee_or_dispatch_may_ask(request, client_name, order_id):
    client = request.getfixturevalue(client_name)
    assert suspend(client, order_id).status_code in (403, 404)
    assert Approval.objects.count() == 0


def test_approved_suspension_stops_and_resume_restarts_the_clock(
    clock, tech1, supervisor, order_id
):
    approval = suspend(tech1, order_id).json()
    clock.shift(dt.timedelta(minutes=10))
    response = post(
        supervisor, f"{APPROVALS}{approval['id']}/approve/", {"note": "同意"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    order = WorkOrder.objects.get(pk=order_id)
    assert (order.status, order.suspended_at, order.sla_next_check_at) == (
        Status.SUSPENDED,
        local_time(2026, 11, 20, 10, 10),
        None,
    )
    # three hours later the technician resumes
    clock.shift(dt.timedelta(hours=3))
    body = act(tech1, order_id, "resume").json()
    assert body["status"] == "accepted"
    assert body["paused_seconds"] == 3 * 3600
    assert body["deadline"] == "2026-11-20T23:59:59+08:00"
    assert body["sla_deadline"] == "2026-11-21T02:59:59+08:00"
    assert body["accepted_at"] == "2026-11-20T10:00:00+08:00"
    assert kinds(order_id)[-4:] == ["approval", "suspend", "approval", "resume"]


def test_resume_needs_a_suspended_order(tech1, order_id):
    response = act(tech1, order_id, "resume")
    assert (response.status_code, response.json()["code"]) == (
        409,
        "invalid_transition",
    )


def test_reject_needs_a_note_and_leaves_the_order_alone(tech1, supervisor, order_id):
    approval = suspend(tech1, order_id).json()
    path = f"{APPROVALS}{approval['id']}/reject/"
    assert post(supervisor, path, {"note": ""}).status_code == 400
    response = post(supervisor, path, {"note": "客户可以改约，不予挂起"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decided_by"]) == (
        "rejected",
        "super1",
    )
    assert WorkOrder.objects.get(pk=order_id).status == Status.ACCEPTED
    [told] = Notification.objects.filter(topic="approval_decided")
    assert told.recipient == "T1" and "已驳回" in told.body
    # a decided request cannot be decided again
    again = post(supervisor, f"{APPROVALS}{approval['id']}/approve/")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_nobody_decides_their_own_request(dispatcher, order_id):
    approval = suspend(dispatcher, order_id).json()
    response = post(dispatcher, f"{APPROVALS}{approval['id']}/approve/")
    assert response.status_code == 403
    assert Approval.objects.get().status == "pending"


def test_a_technician_cannot_decide(tech1, order_id, dispatcher):
    approval = suspend(dispatcher, order_id).json()
    assert post(tech1, f"{APPROVALS}{approval['id']}/approve/").status_code == 403


def test_approving_after_the_order_moved_on_is_409(
    tech1, supervisor, dispatcher, order_id
):
    approval = suspend(tech1, order_id).json()
    act(dispatcher, order_id, "cancel", {"reason": "客户撤单"})
    response = post(supervisor, f"{APPROVALS}{approval['id']}/approve/")
    assert (response.status_code, response.json()["code"]) == (
        409,
        "invalid_transition",
    )
    assert Approval.objects.get().status == "pending"


# --- reschedule --------------------------------------------------------------------


def reschedule(client, order_id, **body):
    return act(
        client,
        order_id,
        "reschedule",
        {
            "appointment_start": "2026-11-22T09:00:00+08:00",
            "appointment_end": "2026-11-22T11:00:00+08:00",
            "customer_confirmed": True,
            "reason": "customer",
            **body,
        },
    )


@pytest.mark.parametrize("confirmed", [False, None])
def test_reschedule_without_customer_confirmation_is_400(tech1, order_id, confirmed):
    before = WorkOrderEvent.objects.count()
    body = {} if confirmed is None else {"customer_confirmed": confirmed}
    payload = {
        "appointment_start": "2026-11-22T09:00:00+08:00",
        "appointment_end": "2026-11-22T11:00:00+08:00",
        "reason": "customer",
        **body,
    }
    response = act(tech1, order_id, "reschedule", payload)
    assert response.status_code == 400
    assert "customer_confirmed" in response.json()
    assert Approval.objects.count() == 0
    assert WorkOrderEvent.objects.count() == before
    assert Notification.objects.filter(topic="approval_requested").count() == 0


@pytest.mark.parametrize(
    "times",
    [
        {"appointment_end": "2026-11-22T08:00:00+08:00"},  # ends before it starts
        {
            "appointment_start": "2026-11-20T08:00:00+08:00",
            "appointment_end": "2026-11-20T09:00:00+08:00",
        },  # in the past
    ],
)
def test_reschedule_to_impossible_times_is_400(tech1, order_id, times):
    response = reschedule(tech1, order_id, **times)
    assert response.status_code == 400
    assert "appointment_end" in response.json()
    assert Approval.objects.count() == 0


def test_reschedule_cannot_start_before_today(tech1, order_id):
    response = reschedule(tech1, order_id, appointment_start="0207-10-16T18:43:51Z")
    assert (response.status_code, list(response.json())) == (400, ["appointment_start"])


def test_approved_reschedule_sets_the_appointment_and_deadline(
    tech1, supervisor, order_id
):
    WorkOrder.objects.filter(pk=order_id).update(sla_warnings_sent=1)
    response = reschedule(tech1, order_id)
    assert response.status_code == 202, response.json()
    assert response.json()["customer_confirmed"] is True
    approval_id = response.json()["id"]
    assert post(supervisor, f"{APPROVALS}{approval_id}/approve/").status_code == 200
    order = WorkOrder.objects.get(pk=order_id)
    assert order.appointment_start == local_time(2026, 11, 22, 9)
    assert order.deadline == order.sla_deadline == local_time(2026, 11, 22, 11)
    assert order.status == Status.ACCEPTED
    assert order.sla_warnings_sent == 0  # the new deadline gets its own warnings
    assert order.accepted_at == NOW  # the compensation clock is untouched
    event = WorkOrderEvent.objects.filter(order_id=order_id, kind="reschedule").get()
    assert event.data["previous_deadline"] == "2026-11-20T23:59:59+08:00"


# --- the approvals queue -----------------------------------------------------------


def test_supervisors_see_pending_requests_with_their_age(
    clock, tech1, supervisor, order_id, crm, dispatcher, tech2
):
    suspend(tech1, order_id)
    clock.shift(dt.timedelta(hours=2))
    listing = supervisor.get(f"{APPROVALS}?status=pending")
    assert listing.status_code == 200
    [row] = listing.json()["results"]
    assert (row["order_number"], row["age_seconds"]) == (
        WorkOrder.objects.get(pk=order_id).number,
        7200,
    )
    assert supervisor.get(f"{APPROVALS}?status=approved").json()["count"] == 0


def test_technicians_see_only_their_own_requests(tech1, tech2, order_id):
    suspend(tech1, order_id)
    assert tech1.get(APPROVALS).json()["count"] == 1
    assert tech2.get(APPROVALS).json()["count"] == 0


def test_district_scoped_supervisors_see_their_district(tech1, order_id):
    suspend(tech1, order_id)
    d2 = client_for(make_user("d2-super", "supervisor", district="D2"))
    d1 = client_for(make_user("d1-super", "supervisor", district="D1"))
    assert (d1.get(APPROVALS).json()["count"], d2.get(APPROVALS).json()["count"]) == (
        1,
        0,
    )


def test_hotline_agents_do_not_see_approvals(hotline):
    assert hotline.get(APPROVALS).status_code == 403


def test_requests_notify_the_supervisors(tech1, supervisor, order_id):
    suspend(tech1, order_id)
    [told] = Notification.objects.filter(topic="approval_requested")
    assert told.recipient == "super1" and "挂起" in told.body


def test_a_dissatisfied_callback_can_escalate_a_completed_order(
    hotline, crm, dispatcher_user
):
    order_id = crm.post(
        URL, order_payload(kind="repair", accepted_at=None), format="json"
    ).json()["id"]
    act(hotline, order_id, "complete", {"resolution": "remote"})
    order = WorkOrder.objects.get(pk=order_id)
    level = sla_escalate(
        order, reason="回访不满意", by=dispatcher_user, key="cb-1", cause="callback"
    )
    order.refresh_from_db()
    assert (level, order.escalation_level, order.status) == (1, 1, "completed")
    assert order.sla_next_check_at is None
    [told] = Notification.objects.filter(topic="sla_escalation")
    assert told.recipient == "dispatcher1" and "回访不满意" in told.body
