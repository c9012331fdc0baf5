"""Races on PostgreSQL: parallel scans alert once, parallel actions move once."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from complaints.models import Callback, Complaint, ComplaintEvent
from complaints.services import (
    CallbackIn,
    ComplaintIn,
    callback_record,
    complaint_create,
    complaint_submit,
    complaints_scan,
)
from dispatch_center.errors import DomainError
from notifications.models import Notification
from tests.conftest import make_user
from workorders.models import WorkOrder
from workorders.services import CustomerIn, OrderIn, work_order_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks and SKIP LOCKED are what is tested")


def race(n, fn):
    """Run ``fn`` in ``n`` threads released together; return results/errors."""
    barrier = threading.Barrier(n)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(fn())
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def new_complaint(agent, phone):
    return complaint_create(
        data=ComplaintIn(
            channel="hotline_10000",
            phone=phone,
            customer_name="客户",
            category="service_support",
            sub_category="install_delay",
            received_at=timezone.now() - dt.timedelta(days=1),
        ),
        by=agent,
    )


def test_parallel_scans_alert_each_step_and_level_once(org):
    agent = make_user("agent-race", "hotline_agent")
    make_user("super-race", "supervisor")
    make_user("mgr-race", "manager")
    for i in range(20):
        new_complaint(agent, f"139000000{i:02d}")  # a day overdue: three levels due

    race(4, lambda: complaints_scan(now=timezone.now(), batch=7))

    steps = ComplaintEvent.objects.filter(checkpoint__startswith="step:")
    assert steps.filter(kind="warning").count() == 20
    assert steps.filter(kind="escalation").count() == 40
    # a day past the 24 h commitment too: escalated once each, never warned
    commitment = ComplaintEvent.objects.filter(checkpoint__startswith="commitment:")
    assert set(commitment.values_list("kind", flat=True)) == {"escalation"}
    assert commitment.count() == 20
    assert Notification.objects.filter(topic="complaint_overdue").count() == 20
    assert set(Complaint.objects.values_list("escalation_level", flat=True)) == {3}


def test_parallel_submits_move_the_complaint_once(org):
    agent = make_user("agent-race", "hotline_agent")
    complaint = new_complaint(agent, "13900000001")

    outcomes = race(
        6,
        lambda: (
            complaint_submit(Complaint.objects.get(pk=complaint.pk), by=agent).status
        ),
    )

    assert sorted(outcomes) == ["invalid_transition"] * 5 + ["review"]
    assert complaint.steps.count() == 2


def test_parallel_callbacks_record_one(org):
    agent = make_user("agent-race", "hotline_agent")
    order, _ = work_order_create(
        data=OrderIn(
            source="hotline",
            kind="repair",
            product="ftth_broadband",
            customer=CustomerIn(name="客户", phone="13900000001"),
            address="地址",
            package_area="P1",
        ),
        by=None,
    )
    WorkOrder.objects.filter(pk=order.pk).update(
        status="completed", completed_at=timezone.now()
    )
    data = CallbackIn(contact=1, punctuality=1, skill=1, attitude=1, satisfied=False)

    outcomes = race(
        6,
        lambda: (
            callback_record(WorkOrder.objects.get(pk=order.pk), data=data, by=agent).pk
        ),
    )

    assert outcomes.count("already_called_back") == 5
    assert Callback.objects.count() == 1
    assert WorkOrder.objects.get(pk=order.pk).escalation_level == 1
