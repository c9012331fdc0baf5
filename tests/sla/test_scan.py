"""The periodic SLA scan (``sla.scan``) as the clock moves (time-machine)."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from org.models import Area
from sla.models import EscalationContact, SlaEvent
from sla.tasks import scan
from tests.conftest import local_time, make_user, order_payload
from workorders.models import Status, WorkOrder, WorkOrderEvent

URL = "/api/v1/work-orders/"
NOW = local_time(2026, 11, 20, 10, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def create(client, **overrides) -> int:
    payload = order_payload(
        **{
            "crm_order_id": "",
            "source": "hotline",
            "kind": "repair",
            "accepted_at": None,
            **overrides,
        }
    )
    response = client.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def act(client, order_id, action, body=None):
    response = client.post(f"{URL}{order_id}/{action}/", body or {}, format="json")
    assert response.status_code in (200, 202), response.json()
    return response.json()


def run_scan(clock, when) -> dict:
    clock.move_to(when)
    return scan.apply().get()


def sla_events(order_id, kind=None):
    qs = SlaEvent.objects.filter(order_id=order_id)
    return qs.filter(kind=kind) if kind else qs


def notices(topic):
    return sorted(
        Notification.objects.filter(topic=topic).values_list("recipient", flat=True)
    )


def timeline(order_id, kind):
    return list(
        WorkOrderEvent.objects.filter(order_id=order_id, kind=kind).order_by("id")
    )


@pytest.fixture
def contacted_repair(hotline, dispatcher, tech1):
    """A same-day repair entered 10:00 (deadline 23:59:59), contacted in time."""
    order_id = create(hotline)
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    act(tech1, order_id, "accept")
    act(
        tech1,
        order_id,
        "contact",
        {
            "appointment_start": "2026-11-20T14:00:00+08:00",
            "appointment_end": "2026-11-20T16:00:00+08:00",
        },
    )
    return order_id


# --- warnings -----------------------------------------------------------------


def test_warnings_at_80_percent_and_60_minutes_before_are_sent_once(
    clock, contacted_repair
):
    order_id = contacted_repair
    # 13:59:59 from entry to deadline: 80 % is used at 21:11:59.2
    run_scan(clock, local_time(2026, 11, 20, 21, 11, 59))
    assert not sla_events(order_id).exists()

    run_scan(clock, local_time(2026, 11, 20, 21, 12))
    run_scan(clock, local_time(2026, 11, 20, 21, 13))  # the next beat: nothing new
    assert notices("sla_warning") == ["T1", "dispatcher1"]
    [warning] = timeline(order_id, "warning")
    assert "80%" in warning.reason

    run_scan(clock, local_time(2026, 11, 20, 22, 59, 58))
    assert len(notices("sla_warning")) == 2
    run_scan(clock, local_time(2026, 11, 20, 22, 59, 59))  # 60 min before
    run_scan(clock, local_time(2026, 11, 20, 23, 0))
    assert notices("sla_warning") == ["T1", "T1", "dispatcher1", "dispatcher1"]
    assert len(timeline(order_id, "warning")) == 2
    assert sla_events(order_id, "warning").count() == 2


def test_a_warning_found_after_the_deadline_is_not_sent(clock, contacted_repair):
    # the scan was down all evening; at 00:30 the deadline has passed
    counts = run_scan(clock, local_time(2026, 11, 21, 0, 30))
    assert counts["warnings_stale"] == 2 and "warnings" not in counts
    assert notices("sla_warning") == []
    assert WorkOrder.objects.get(pk=contacted_repair).escalation_level == 1


# --- escalation levels ----------------------------------------------------------


def test_escalation_levels_fire_exactly_once_each(clock, contacted_repair):
    order_id = contacted_repair
    order = WorkOrder.objects.get(pk=order_id)
    levels = []
    for when in [
        local_time(2026, 11, 20, 23, 59, 58),
        local_time(2026, 11, 20, 23, 59, 59),  # level 1 at the deadline
        local_time(2026, 11, 21, 0, 0, 30),
        local_time(2026, 11, 21, 1, 59, 59),  # level 2, two hours after
        local_time(2026, 11, 21, 1, 59, 59),  # the same beat delivered twice
        local_time(2026, 11, 21, 7, 59, 58),
        local_time(2026, 11, 21, 7, 59, 59),  # level 3, eight hours after
        local_time(2026, 11, 22, 12, 0),
    ]:
        run_scan(clock, when)
        order.refresh_from_db()
        levels.append(order.escalation_level)
    assert levels == [0, 1, 1, 2, 2, 2, 3, 3]
    events = timeline(order_id, "escalation")
    assert [e.data["level"] for e in events] == [1, 2, 3]
    assert list(sla_events(order_id, "escalation").values_list("level", flat=True)) == [
        3,
        2,
        1,
    ]
    assert order.sla_next_check_at is None  # nothing left to check


def test_escalation_level_shows_on_the_order(clock, contacted_repair, dispatcher):
    run_scan(clock, local_time(2026, 11, 21, 2, 0))
    body = dispatcher.get(f"{URL}{contacted_repair}/").json()
    assert body["escalation_level"] == 2
    assert body["status"] == "appointed"


def test_escalation_contacts_are_configured_per_area(clock, contacted_repair):
    # given: district manager for area A1 at level 2, the centre city-wide at 3
    manager = make_user("d1-manager", "manager")
    centre = make_user("centre", "manager")
    EscalationContact.objects.create(
        area=Area.objects.get(code="A1"), level=2, user=manager, title="区局经理"
    )
    EscalationContact.objects.create(area=None, level=3, user=centre, title="中心")
    EscalationContact.objects.create(
        area=Area.objects.get(code="A2"), level=3, user=make_user("a2", "manager")
    )
    # when
    run_scan(clock, local_time(2026, 11, 21, 8, 0))
    # then: level 1 falls back to the dispatchers
    by_level = {
        e.level: e.recipients for e in sla_events(contacted_repair, "escalation")
    }
    assert by_level == {1: ["dispatcher1"], 2: ["d1-manager"], 3: ["centre"]}
    assert notices("sla_escalation") == ["centre", "d1-manager", "dispatcher1"]


@pytest.mark.parametrize(
    ("entered", "breach", "why"),
    [
        (
            local_time(2026, 11, 18, 20, 0),
            local_time(2026, 11, 21, 20, 0),
            "a Saturday breach",
        ),
        (
            local_time(2026, 2, 13, 20, 0),
            local_time(2026, 2, 16, 20, 0),
            "a breach on 春节 eve (holiday until Feb 23)",
        ),
    ],
)
def test_non_urgent_escalations_are_announced_when_they_fire(
    clock, hotline, dispatcher_user, entered, breach, why
):
    # given: a move (72 h standard limit, not urgent) breaching off working time
    clock.move_to(entered)
    order_id = create(hotline, kind="move", source="crm", crm_order_id="MOVE-1")
    # when the scan runs at the breach
    run_scan(clock, breach)
    # then the level-1 contacts are told at once, not on the next working day
    [notice] = Notification.objects.filter(topic="sla_escalation")
    assert notice.created_at == breach, why
    assert notice.next_attempt_at == breach, why
    assert WorkOrder.objects.get(pk=order_id).escalation_level == 1


def test_a_non_urgent_warning_waits_for_working_time_but_not_past_the_breach(
    clock, hotline, dispatcher_user
):
    # a move entered Friday 20:00 is due Monday 20:00: the 80 % point is
    # Monday 05:36, the 60-minute point Monday 19:00
    clock.move_to(local_time(2026, 11, 20, 20, 0))
    create(hotline, kind="move", source="crm", crm_order_id="MOVE-1")
    run_scan(clock, local_time(2026, 11, 23, 5, 36))
    [early] = Notification.objects.filter(topic="sla_warning")
    assert early.next_attempt_at == local_time(2026, 11, 23, 8, 0)
    run_scan(clock, local_time(2026, 11, 23, 19, 0))
    late = Notification.objects.filter(topic="sla_warning").exclude(pk=early.pk)
    assert [n.next_attempt_at for n in late] == [local_time(2026, 11, 23, 19, 0)]


def test_same_day_escalation_notices_go_at_once(clock, contacted_repair):
    run_scan(clock, local_time(2026, 11, 20, 23, 59, 59))
    [notice] = Notification.objects.filter(topic="sla_escalation")
    assert notice.next_attempt_at == notice.created_at


# --- first response -------------------------------------------------------------


def test_first_response_miss_is_flagged_and_the_dispatcher_warned(
    clock, hotline, dispatcher
):
    order_id = create(hotline)
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    run_scan(clock, local_time(2026, 11, 20, 10, 29, 59))
    assert not sla_events(order_id, "first_response").exists()

    run_scan(clock, local_time(2026, 11, 20, 10, 30))
    run_scan(clock, local_time(2026, 11, 20, 10, 31))
    body = dispatcher.get(f"{URL}{order_id}/").json()
    assert body["first_response_missed"] is True
    assert notices("sla_first_response") == ["dispatcher1"]
    assert len(timeline(order_id, "first_response")) == 1


def test_contact_in_time_is_no_miss(clock, hotline, dispatcher, tech1):
    order_id = create(hotline)
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    clock.move_to(local_time(2026, 11, 20, 10, 29))
    act(tech1, order_id, "accept")
    act(
        tech1,
        order_id,
        "contact",
        {
            "appointment_start": "2026-11-20T14:00:00+08:00",
            "appointment_end": "2026-11-20T15:00:00+08:00",
        },
    )
    run_scan(clock, local_time(2026, 11, 20, 11, 0))
    assert not sla_events(order_id, "first_response").exists()
    assert WorkOrder.objects.get(pk=order_id).first_response_missed is False


def test_a_redispatch_restarts_the_first_response_clock(clock, hotline, dispatcher):
    order_id = create(hotline)
    act(dispatcher, order_id, "dispatch", {"technician": "T1"})
    run_scan(clock, local_time(2026, 11, 20, 10, 30))
    clock.move_to(local_time(2026, 11, 20, 10, 40))
    body = act(
        dispatcher,
        order_id,
        "dispatch",
        {"technician": "T2", "reason": "T1 去处理大客户障碍"},
    )
    assert body["first_response_missed"] is False
    assert body["first_response_due"] == "2026-11-20T11:10:00+08:00"
    run_scan(clock, local_time(2026, 11, 20, 11, 10))
    assert sla_events(order_id, "first_response").count() == 2


# --- repeat faults, suspension, closing --------------------------------------------


def test_repeat_fault_is_escalated_once_by_the_scan(clock, hotline):
    # given: a repair resolved remotely, and the same fault 3 days later
    first = create(hotline)
    act(hotline, first, "complete", {"resolution": "remote"})
    clock.move_to(local_time(2026, 11, 23, 9, 0))
    again = create(hotline)
    assert WorkOrder.objects.get(pk=again).is_repeat_fault
    # when
    run_scan(clock, local_time(2026, 11, 23, 9, 1))
    run_scan(clock, local_time(2026, 11, 23, 23, 59, 59))  # its deadline
    # then: level 1 once (重障升级); the deadline does not fire level 1 again
    [escalation] = sla_events(again, "escalation")
    assert (escalation.level, escalation.cause) == (1, "repeat_fault")
    assert "重复障碍" in timeline(again, "escalation")[0].reason
    assert WorkOrder.objects.get(pk=again).escalation_level == 1


def test_a_suspended_order_is_not_checked_and_resumes_later(
    clock, contacted_repair, tech1, supervisor
):
    order_id = contacted_repair
    clock.move_to(local_time(2026, 11, 20, 22, 0))
    approval = act(tech1, order_id, "suspend", {"reason": "customer"})
    response = supervisor.post(
        f"/api/v1/approvals/{approval['id']}/approve/", {}, format="json"
    )
    assert response.status_code == 200, response.json()
    order = WorkOrder.objects.get(pk=order_id)
    assert (order.status, order.sla_next_check_at) == (Status.SUSPENDED, None)

    # the deadline passes while suspended: nothing fires
    run_scan(clock, local_time(2026, 11, 21, 1, 0))
    assert not sla_events(order_id, "escalation").exists()

    # resumed at 01:30 after 3.5 h: the internal deadline moves to 03:29:59
    clock.move_to(local_time(2026, 11, 21, 1, 30))
    body = act(tech1, order_id, "resume")
    assert body["status"] == "appointed"
    assert body["deadline"] == "2026-11-20T23:59:59+08:00"  # customer-facing: same
    assert body["sla_deadline"] == "2026-11-21T03:29:59+08:00"
    run_scan(clock, local_time(2026, 11, 21, 3, 29, 58))
    assert WorkOrder.objects.get(pk=order_id).escalation_level == 0
    run_scan(clock, local_time(2026, 11, 21, 3, 29, 59))
    assert WorkOrder.objects.get(pk=order_id).escalation_level == 1


def test_a_completed_order_leaves_the_scan(clock, hotline):
    order_id = create(hotline)
    act(hotline, order_id, "complete", {"resolution": "remote"})
    assert WorkOrder.objects.get(pk=order_id).sla_next_check_at is None
    assert run_scan(clock, local_time(2026, 11, 25, 0, 0)) == {}


# --- cost and idempotency ----------------------------------------------------------


BOOKKEEPING = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "COMMIT", "ROLLBACK")


def _statements(clock, when) -> int:
    """Statements of one pass, without transaction control and the advisory
    lock (PostgreSQL only)."""
    clock.move_to(when)
    with CaptureQueriesContext(connection) as ctx:
        scan.apply()
    return sum(
        1
        for q in ctx.captured_queries
        if not q["sql"].lstrip().upper().startswith(BOOKKEEPING)
        and "advisory" not in q["sql"]
        # the job's own liveness record (monitoring), one row per task
        and "monitoring_jobrun" not in q["sql"]
    )


def test_scan_cost_follows_due_orders_not_open_orders(
    clock, hotline, dispatcher, settings
):
    # the deadline policy is cached per process in production; scripts/test.sh
    # turns that off for the suite, which would add its reads to every pass
    settings.POLICY_CACHE_SECONDS = 3600
    # given: one order due, then the same with 30 more open orders not yet due
    due = create(hotline)
    first = _statements(clock, local_time(2026, 11, 21, 0, 0))
    WorkOrder.objects.filter(pk=due).update(
        escalation_level=0,
        sla_ladder_level=0,
        sla_next_check_at=local_time(2026, 11, 20, 23, 59, 59),
    )
    SlaEvent.objects.all().delete()
    clock.move_to(NOW)
    for i in range(30):
        create(
            hotline,
            kind="install",
            source="crm",
            crm_order_id=f"OPEN-{i}",
            same_day_requested=False,  # 72 h: nothing due for days
        )
    # when / then: the same statements (bulk writes, one due-selection)
    assert _statements(clock, local_time(2026, 11, 21, 0, 0)) == first
    # and an idle pass is the due-selection alone
    assert _statements(clock, local_time(2026, 11, 21, 0, 0)) == 1


def test_running_the_scan_twice_changes_nothing_more(clock, contacted_repair):
    run_scan(clock, local_time(2026, 11, 21, 9, 0))
    before = (
        SlaEvent.objects.count(),
        Notification.objects.count(),
        WorkOrderEvent.objects.count(),
        WorkOrder.history.count(),
    )
    # a redelivered task whose order row looks due again (e.g. restored backup)
    WorkOrder.objects.filter(pk=contacted_repair).update(
        sla_next_check_at=local_time(2026, 11, 20, 12)
    )
    counts = run_scan(clock, local_time(2026, 11, 21, 9, 0))
    after = (
        SlaEvent.objects.count(),
        Notification.objects.count(),
        WorkOrderEvent.objects.count(),
        WorkOrder.history.count(),
    )
    assert before == after
    assert counts["orders"] == 1 and "escalations" not in counts
    assert WorkOrder.objects.get(pk=contacted_repair).sla_next_check_at is None


def test_the_scan_runs_every_minute_and_expires_within_it():
    entry = django_settings.CELERY_BEAT_SCHEDULE["sla.scan"]
    assert entry["task"] == "sla.scan"
    assert entry["options"]["expires"] < entry["schedule"] <= 60


def test_batches_are_bounded(clock, hotline):
    ids = [create(hotline, customer={"phone": f"1390000000{i}"}) for i in range(5)]
    clock.move_to(local_time(2026, 11, 21, 0, 0))
    counts = scan.apply(kwargs={"batch": 2, "max_batches": 2}).get()
    assert (counts["batches"], counts["orders"]) == (2, 4)
    counts = scan.apply(kwargs={"batch": 2, "max_batches": 2}).get()
    assert counts["orders"] == 1
    assert set(
        WorkOrder.objects.filter(pk__in=ids).values_list("escalation_level", flat=True)
    ) == {1}


def test_the_first_response_rate_is_measurable(clock, hotline, dispatcher, tech1):
    from sla.selectors import first_response_rate

    late, on_time = create(hotline), create(hotline, customer={"phone": "13911110000"})
    act(dispatcher, late, "dispatch", {"technician": "T1"})
    act(dispatcher, on_time, "dispatch", {"technician": "T1"})
    clock.shift(dt.timedelta(minutes=10))
    act(tech1, on_time, "accept")
    act(
        tech1,
        on_time,
        "contact",
        {
            "appointment_start": "2026-11-20T14:00:00+08:00",
            "appointment_end": "2026-11-20T15:00:00+08:00",
        },
    )
    rate = first_response_rate(
        local_time(2026, 11, 20, 0, 0), local_time(2026, 11, 21, 0, 0)
    )
    assert (rate.dispatched, rate.on_time, rate.rate) == (2, 1, 0.5)
