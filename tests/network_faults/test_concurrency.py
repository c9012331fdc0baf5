"""Races on PostgreSQL with real threads (SPEC §13)."""

import datetime as dt
import threading

import pytest
from celery import current_app
from django.db import connection, connections

from compensation.services import order_complete
from network_faults.models import NetworkFault
from network_faults.services import fault_declare, fault_restore, faults_detect
from org.models import Technician
from tests.conftest import local_time, make_user
from workorders.models import Status, WorkOrder
from workorders.services import (
    work_order_accept,
    work_order_dispatch,
)

from .helpers import repair

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = local_time(2026, 11, 16, 9, 0)


def run_together(*fns):
    barrier = threading.Barrier(len(fns))
    errors = []

    def wrap(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_detection_racing_intake_opens_one_fault(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True  # intake's nudge runs detection inline
    try:
        for i in range(4):
            repair(T0 + dt.timedelta(minutes=i))
        now = T0 + dt.timedelta(minutes=5)
        errors = run_together(
            lambda: repair(now),
            lambda: faults_detect(now=now + dt.timedelta(seconds=1)),
            lambda: faults_detect(now=now + dt.timedelta(seconds=1)),
            lambda: faults_detect(now=now + dt.timedelta(seconds=1)),
        )
        assert errors == []
        faults_detect(now=now + dt.timedelta(seconds=2))
    finally:
        current_app.conf.task_always_eager = before
    assert NetworkFault.objects.count() == 1


def test_restoration_racing_a_technician_completes_the_repair_once(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    dispatcher = make_user("disp-race", "dispatcher")
    fault = fault_declare(
        package_areas=["P1"],
        product="",
        cause="PON口故障",
        started_at=T0,
        by=dispatcher,
        now=T0,
    )
    order = repair(T0 + dt.timedelta(minutes=5))
    technician = Technician.objects.get(code="T1")
    work_order_dispatch(
        order, technician=technician, by=dispatcher, now=T0 + dt.timedelta(minutes=6)
    )
    tech_user = technician.user
    work_order_accept(order, by=tech_user, now=T0 + dt.timedelta(minutes=7))
    others = [repair(T0 + dt.timedelta(minutes=9)) for _ in range(3)]
    at = T0 + dt.timedelta(hours=1)

    def technician_completes():
        fresh = WorkOrder.objects.get(pk=order.pk)
        try:
            order_complete(fresh, resolution="remote", by=tech_user, now=at)
        except Exception as exc:  # the loser of the race gets a 409
            assert exc.__class__.__name__ == "InvalidTransition"

    errors = run_together(
        technician_completes,
        lambda: fault_restore(
            NetworkFault.objects.get(pk=fault.pk), restored_at=at, by=dispatcher, now=at
        ),
    )
    assert errors == []
    done = WorkOrder.objects.get(pk=order.pk)
    assert done.status == Status.COMPLETED
    assert done.events.filter(to_status=Status.COMPLETED).count() == 1
    assert all(
        WorkOrder.objects.get(pk=o.pk).status == Status.COMPLETED for o in others
    )


def test_two_closes_at_once_close_the_fault_once(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from network_faults.models import FaultEvent
    from network_faults.services import fault_close

    dispatcher = make_user("disp-close-race", "dispatcher")
    fault = fault_declare(
        package_areas=["P1"], cause="光缆中断", started_at=T0, by=dispatcher, now=T0
    )
    at = T0 + dt.timedelta(hours=2)
    fault_restore(fault, restored_at=at, by=dispatcher, now=at)
    errors = run_together(
        *[
            lambda: fault_close(
                NetworkFault.objects.get(pk=fault.pk), by=dispatcher, now=at
            )
            for _ in range(3)
        ]
    )
    assert errors == []
    assert NetworkFault.objects.get(pk=fault.pk).status == "closed"
    assert FaultEvent.objects.filter(fault=fault, to_status="closed").count() == 1


def test_vendor_marks_are_right_after_a_restoration_races_a_late_completion(org):
    """T2 (vendor V1) has 18 same-day repairs done in time. At once: T2
    completes a 19th a day late for installer reasons, and a restoration
    completes a 20th (dispatched to T2, then linked). 1 of 20 is exactly 5 %:
    the vendor bears nothing, whichever refresh ran first."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from compensation.models import Claim

    dispatcher = make_user("disp-vendor-race", "dispatcher")
    t2 = Technician.objects.get(code="T2")

    def worked(package_area, minute):
        order = repair(T0 + dt.timedelta(minutes=minute), package_area=package_area)
        work_order_dispatch(
            order, technician=t2, by=dispatcher, now=T0 + dt.timedelta(minutes=minute)
        )
        work_order_accept(order, by=t2.user, now=T0 + dt.timedelta(minutes=minute))
        return order

    for n in range(18):
        order_complete(
            worked("P2", n),
            resolution="remote",
            by=t2.user,
            now=T0 + dt.timedelta(hours=2),
        )
    late = worked("P2", 30)
    linked = worked("P1", 31)
    fault = fault_declare(
        package_areas=["P1"],
        cause="PON口故障",
        started_at=T0,
        by=dispatcher,
        now=T0 + dt.timedelta(minutes=40),
    )
    from network_faults.services import fault_link

    fault_link(fault, orders=[linked], by=dispatcher, now=T0 + dt.timedelta(minutes=41))
    next_day = local_time(2026, 11, 17, 9, 0)

    errors = run_together(
        lambda: order_complete(
            WorkOrder.objects.get(pk=late.pk),
            resolution="remote",
            delay_cause="installer",
            by=t2.user,
            now=next_day,
        ),
        lambda: fault_restore(
            NetworkFault.objects.get(pk=fault.pk),
            restored_at=next_day,
            by=dispatcher,
            now=next_day,
        ),
    )
    assert errors == []
    assert WorkOrder.objects.get(pk=linked.pk).status == Status.COMPLETED
    claim = Claim.objects.get(work_order_id=late.pk)
    assert (claim.delay_cause, claim.liable_party) == ("installer", "branch")
