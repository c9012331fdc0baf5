"""``complaints.scan``: overdue steps warn and escalate once, supervision at 3 h."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, ComplaintEvent, ComplaintStep, PenaltyTicket
from complaints.tasks import scan
from notifications.models import Notification
from tests.conftest import local_time, make_user

from .conftest import act, open_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(clock):
    return clock


def run_scan(clock, when) -> dict:
    clock.move_to(when)
    return scan.apply().get()


def notices(topic):
    return Notification.objects.filter(topic=topic).order_by("id")


def test_the_task_is_named_and_scheduled_every_minute():
    assert scan.name == "complaints.scan"
    entry = django_settings.CELERY_BEAT_SCHEDULE["complaints.scan"]
    assert (entry["task"], entry["schedule"], entry["options"]["expires"]) == (
        "complaints.scan",
        60.0,
        55,
    )


def test_an_overdue_step_warns_its_owner_once_then_escalates_by_level(
    hotline, supervisor, manager, clock
):
    complaint_id = open_complaint(hotline)["id"]  # front desk due 10:05

    assert run_scan(clock, local_time(2026, 11, 16, 10, 4, 59)) == {}
    counts = run_scan(clock, local_time(2026, 11, 16, 10, 5))
    assert (counts["warnings"], counts.get("escalations", 0)) == (1, 0)
    assert [n.recipient for n in notices("complaint_overdue")] == ["agent1"]
    assert run_scan(clock, local_time(2026, 11, 16, 10, 6)) == {}  # once

    counts = run_scan(clock, local_time(2026, 11, 16, 12, 5))  # due + 2 h
    assert counts["escalations"] == 1
    assert sorted(n.recipient for n in notices("complaint_escalation")) == [
        "agent1",
        "super1",
    ]
    assert run_scan(clock, local_time(2026, 11, 16, 12, 6)) == {}

    run_scan(clock, local_time(2026, 11, 16, 18, 5))  # due + 8 h: the managers
    assert notices("complaint_escalation").last().recipient == "mgr1"
    later = run_scan(clock, local_time(2026, 11, 17, 18, 5))
    assert "warnings" not in later and "escalations" not in later  # steps: done

    complaint = Complaint.objects.get(id=complaint_id)
    assert complaint.escalation_level == 3
    step = ComplaintStep.objects.get(complaint=complaint)
    assert (step.alert_level, step.next_check_at) == (3, None)
    assert list(
        ComplaintEvent.objects.filter(complaint=complaint)
        .exclude(checkpoint="")
        .values_list("kind", "checkpoint")
    ) == [
        ("warning", f"step:{step.pk}:1"),
        ("escalation", f"step:{step.pk}:2"),
        ("escalation", f"step:{step.pk}:3"),
        ("escalation", "commitment:2"),  # unanswered past the 24 h commitment
    ]


def test_a_scan_after_a_long_outage_fires_every_level_once(hotline, clock):
    open_complaint(hotline)
    counts = run_scan(clock, local_time(2026, 11, 17, 10, 0))
    assert (counts["warnings"], counts["escalations"]) == (1, 2)
    assert run_scan(clock, local_time(2026, 11, 17, 10, 1)) == {}


def test_a_step_done_in_time_is_never_warned(hotline, clock):
    complaint_id = open_complaint(hotline)["id"]
    clock.move_to(local_time(2026, 11, 16, 10, 4))
    act(hotline, complaint_id, "submit")  # review now due 10:34
    assert run_scan(clock, local_time(2026, 11, 16, 10, 30)) == {}
    counts = run_scan(clock, local_time(2026, 11, 16, 10, 34))
    assert counts["warnings"] == 1
    [warning] = ComplaintEvent.objects.filter(kind="warning")
    assert warning.from_step == "review"


def test_the_review_owner_is_told_by_district_scope(hotline, supervisor, clock):
    make_user("quality-d2", "supervisor", district="D2")
    complaint_id = open_complaint(hotline)["id"]
    act(hotline, complaint_id, "submit")
    act(supervisor, complaint_id, "dispatch-to-city", {"district": "D2"})
    run_scan(clock, local_time(2026, 11, 16, 10, 30))  # city due 10:30
    assert [n.recipient for n in notices("complaint_overdue")] == ["quality-d2"]


def test_supervision_three_hours_after_submission_once(hotline, supervisor, clock):
    complaint_id = open_complaint(hotline)["id"]
    act(hotline, complaint_id, "submit")
    act(supervisor, complaint_id, "dispatch-to-city", {"district": "D1"})
    act(supervisor, complaint_id, "assign-department", {"department": "装维中心"})

    assert (
        run_scan(clock, local_time(2026, 11, 16, 12, 59, 59)).get("supervisions", 0)
        == 0
    )
    assert run_scan(clock, local_time(2026, 11, 16, 13, 0))["supervisions"] == 1
    assert run_scan(clock, local_time(2026, 11, 16, 13, 1)).get("supervisions", 0) == 0
    complaint = Complaint.objects.get(id=complaint_id)
    assert (complaint.supervision_count, complaint.supervise_at) == (1, None)
    [event] = ComplaintEvent.objects.filter(kind="supervise")
    assert (event.checkpoint, event.from_step) == ("supervise:auto", "department")
    assert "super1" in [n.recipient for n in notices("complaint_supervise")]


def test_no_supervision_once_the_customer_is_answered(hotline, supervisor, clock):
    complaint_id = open_complaint(hotline)["id"]
    act(hotline, complaint_id, "submit")
    act(supervisor, complaint_id, "dispatch-to-city", {"district": "D1"})
    act(supervisor, complaint_id, "assign-department", {"department": "装维中心"})
    act(supervisor, complaint_id, "answer-customer", {"answer": "已处理"})
    assert run_scan(clock, local_time(2026, 11, 16, 13, 0)).get("supervisions", 0) == 0


def test_scan_cost_follows_due_steps_not_open_complaints(hotline, clock):
    open_complaint(hotline)
    clock.move_to(local_time(2026, 11, 16, 10, 1))
    with CaptureQueriesContext(connection) as few:
        scan.apply()
    for i in range(10):
        open_complaint(hotline, phone=f"1390000{i:04d}")
    with CaptureQueriesContext(connection) as many:
        scan.apply()

    def selects(captured):  # the advisory lock's queries aside (PostgreSQL)
        return [q["sql"] for q in captured if 'FROM "complaints_' in q["sql"]]

    # one due-selection per job (steps, supervisions, penalty reports,
    # the public commitment)
    assert len(selects(few)) == len(selects(many)) == 4
    assert "next_check_at" in selects(many)[0]


def test_an_unpublished_penalty_is_warned_at_its_one_week_limit(
    hotline, supervisor, manager, clock
):
    from .test_penalties import to_determination

    complaint_id = to_determination(hotline, supervisor, clock)
    act(
        manager,
        complaint_id,
        "determine-responsibility",
        {
            "outcome": "human",
            "penalty": {"technician": "T1", "amount": "50", "reason": "爽约"},
        },
    )
    ticket = PenaltyTicket.objects.get()
    assert ticket.report_due == local_time(2026, 11, 23, 10, 0)
    before = ticket.report_due - dt.timedelta(seconds=1)
    assert run_scan(clock, before).get("penalty_reports_late", 0) == 0
    assert run_scan(clock, ticket.report_due)["penalty_reports_late"] == 1
    assert run_scan(clock, ticket.report_due).get("penalty_reports_late", 0) == 0
    assert [n.recipient for n in notices("penalty_report_late")] == ["mgr1"]


# --- the 24-hour public commitment (对外承诺) --------------------------------------


def commitment_events(complaint_id):
    return list(
        ComplaintEvent.objects.filter(
            complaint_id=complaint_id, checkpoint__startswith="commitment:"
        ).values_list("kind", "checkpoint")
    )


def test_the_commitment_is_warned_before_and_escalated_at_the_breach_once(
    hotline, supervisor, manager, clock
):
    # the call at Monday 10:00: answer the customer by Tuesday 10:00
    complaint_id = open_complaint(hotline)["id"]
    assert Complaint.objects.get(pk=complaint_id).commitment_due == local_time(
        2026, 11, 17, 10, 0
    )
    before = run_scan(clock, local_time(2026, 11, 17, 7, 59, 59))
    assert "commitment_warnings" not in before
    warned = run_scan(clock, local_time(2026, 11, 17, 8, 0))  # 2 h before
    assert warned["commitment_warnings"] == 1
    assert [n.recipient for n in notices("complaint_commitment_warning")] == ["agent1"]
    assert "commitment_warnings" not in run_scan(clock, local_time(2026, 11, 17, 9))
    assert "commitment_breaches" not in run_scan(
        clock, local_time(2026, 11, 17, 9, 59, 59)
    )
    breached = run_scan(clock, local_time(2026, 11, 17, 10, 0))
    assert breached["commitment_breaches"] == 1
    assert sorted(n.recipient for n in notices("complaint_commitment_breach")) == [
        "agent1",
        "mgr1",
        "super1",
    ]
    assert "commitment_breaches" not in run_scan(clock, local_time(2026, 11, 18, 10))
    assert commitment_events(complaint_id) == [
        ("warning", "commitment:1"),
        ("escalation", "commitment:2"),
    ]
    complaint = Complaint.objects.get(pk=complaint_id)
    assert (complaint.commitment_alert, complaint.commitment_check_at) == (2, None)


def test_an_answered_complaint_is_no_longer_watched(hotline, supervisor, clock):
    from .test_penalties import to_determination

    complaint_id = to_determination(hotline, supervisor, clock)  # answered in time
    counts = run_scan(clock, local_time(2026, 11, 18, 10, 0))
    assert "commitment_breaches" not in counts
    assert commitment_events(complaint_id) == []
