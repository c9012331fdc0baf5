"""Responsibility determination, penalty tickets and payroll's monthly read."""

from decimal import Decimal

import pytest

from complaints.models import Complaint, PenaltyTicket
from complaints.selectors import PenaltyLine, penalties_for_month
from notifications.models import Notification
from org.models import Technician
from tests.conftest import local_time, make_user

from .conftest import URL, act, open_complaint

pytestmark = pytest.mark.django_db

PENALTIES = "/api/v1/penalties/"


@pytest.fixture(autouse=True)
def _clock(clock):
    return clock


def to_determination(hotline, supervisor, clock, **overrides) -> int:
    """A complaint walked to the responsibility determination by Monday 16:00."""
    complaint_id = open_complaint(hotline, **overrides)["id"]
    act(hotline, complaint_id, "submit")
    act(supervisor, complaint_id, "dispatch-to-city", {"district": "D1"})
    act(supervisor, complaint_id, "assign-department", {"department": "装维中心"})
    clock.move_to(local_time(2026, 11, 16, 15, 0))
    act(supervisor, complaint_id, "answer-customer", {"answer": "已致歉并上门"})
    act(supervisor, complaint_id, "return-ticket")
    clock.move_to(local_time(2026, 11, 16, 16, 0))
    act(supervisor, complaint_id, "callback-customer", {"satisfied": True})
    return complaint_id


def determine(client, complaint_id, expect=200, **body):
    return act(client, complaint_id, "determine-responsibility", body, expect=expect)


def test_human_cause_opens_a_penalty_ticket_that_payroll_reads(
    hotline, supervisor, manager, clock
):
    complaint_id = to_determination(hotline, supervisor, clock)
    body = determine(
        manager,
        complaint_id,
        outcome="human",
        note="工程师爽约未上门",
        penalty={"technician": "T1", "amount": "50", "reason": "爽约", "publish": True},
    )
    assert (body["status"], body["outcome"]) == ("closed", "human")
    [ticket] = body["penalties"]
    assert (ticket["technician"], ticket["amount"], ticket["status"]) == (
        "T1",
        "50.00",
        "published",
    )
    assert (ticket["month"], ticket["reported_late"]) == ("2026-11", False)
    assert (
        ticket["report_due"] == "2026-11-23T10:00:00+08:00"
    )  # a week after the complaint

    listed = manager.get(f"{PENALTIES}?month=2026-11").json()
    assert (
        listed["count"] == 1
        and listed["results"][0]["complaint_number"] == body["number"]
    )
    technician = Technician.objects.get(code="T1")
    assert penalties_for_month("2026-11") == [
        PenaltyLine(technician.pk, None, Decimal("50.00"), body["number"])
    ]
    assert penalties_for_month("2026-12") == []
    told = Notification.objects.get(topic="penalty_published")
    assert told.recipient == "mgr1" and "50.00" in told.body


def test_payroll_reads_published_personal_penalties_only(
    hotline, supervisor, manager, clock
):
    staff = make_user("acceptor1", "hotline_agent")
    cases = [
        (
            {
                "user": "acceptor1",
                "amount": "20",
                "reason": "受理失误",
                "publish": True,
            },
            "13900000001",
        ),
        (
            {
                "department": "营业厅",
                "amount": "100",
                "reason": "宣传不实",
                "publish": True,
            },
            "13900000002",
        ),
        (
            {"technician": "T2", "amount": "30", "reason": "态度差"},
            "13900000003",
        ),  # draft
    ]
    numbers = []
    for penalty, phone in cases:
        clock.move_to(local_time(2026, 11, 16, 10, 0))
        complaint_id = to_determination(hotline, supervisor, clock, phone=phone)
        numbers.append(
            determine(manager, complaint_id, outcome="human", penalty=penalty)["number"]
        )
    assert penalties_for_month("2026-11") == [
        PenaltyLine(None, staff.pk, Decimal("20.00"), numbers[0])
    ]
    draft = PenaltyTicket.objects.get(technician__code="T2")
    manager.post(f"{PENALTIES}{draft.pk}/publish/")
    assert [line.technician_id for line in penalties_for_month("2026-11")] == [
        None,
        Technician.objects.get(code="T2").pk,
    ]
    with pytest.raises(ValueError):
        penalties_for_month("11/2026")


def test_publishing_after_a_week_is_marked_late(hotline, supervisor, manager, clock):
    complaint_id = to_determination(hotline, supervisor, clock)
    determine(
        manager,
        complaint_id,
        outcome="human",
        penalty={"technician": "T1", "amount": "50", "reason": "爽约"},
    )
    ticket = PenaltyTicket.objects.get()
    assert ticket.status == "draft" and penalties_for_month("2026-11") == []
    clock.move_to(local_time(2026, 11, 23, 10, 0, 1))
    body = manager.post(f"{PENALTIES}{ticket.pk}/publish/").json()
    assert (body["status"], body["reported_late"]) == ("published", True)
    assert "逾期上报" in Notification.objects.get(topic="penalty_published").body
    again = manager.post(f"{PENALTIES}{ticket.pk}/publish/")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert supervisor.post(f"{PENALTIES}{ticket.pk}/publish/").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "human"}, "penalty"),  # a human cause needs a ticket
        (
            {
                "outcome": "network",
                "penalty": {"department": "网络部", "amount": "10", "reason": "x"},
            },
            "penalty",
        ),
        (
            {
                "outcome": "human",
                "penalty": {"technician": "T9", "amount": "10", "reason": "x"},
            },
            "penalty",
        ),
        (
            {
                "outcome": "human",
                "penalty": {"user": "ghost", "amount": "10", "reason": "x"},
            },
            "penalty",
        ),
        (
            {
                "outcome": "human",
                "penalty": {"technician": "T1", "amount": "0", "reason": "x"},
            },
            "penalty",
        ),
        ({"outcome": "human", "penalty": {"amount": "10", "reason": "x"}}, "penalty"),
        (
            {
                "outcome": "human",
                "penalty": {
                    "technician": "T1",
                    "amount": "10",
                    "reason": "x",
                    "month": "2026-13",
                },
            },
            "penalty",
        ),
        ({"outcome": "blame"}, "outcome"),
    ],
)
def test_bad_determination_is_400_with_nothing_written(
    hotline, supervisor, manager, clock, body, field
):
    complaint_id = to_determination(hotline, supervisor, clock)
    response = manager.post(
        f"{URL}{complaint_id}/determine-responsibility/", body, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    complaint = Complaint.objects.get(id=complaint_id)
    assert (complaint.status, complaint.outcome) == ("determination", "")
    assert PenaltyTicket.objects.count() == 0


def test_network_outcome_is_recorded_without_a_ticket(
    hotline, supervisor, manager, clock
):
    complaint_id = to_determination(hotline, supervisor, clock)
    body = determine(manager, complaint_id, outcome="network", note="光缆被挖断")
    assert (body["outcome"], body["outcome_note"], body["penalties"]) == (
        "network",
        "光缆被挖断",
        [],
    )


def test_finance_reads_penalties_but_hotline_does_not(hotline, org):
    from tests.conftest import client_for

    assert client_for(make_user("fin1", "finance")).get(PENALTIES).status_code == 200
    assert hotline.get(PENALTIES).status_code == 403
    assert hotline.get(f"{PENALTIES}?month=bad").status_code == 403
