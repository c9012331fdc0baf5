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
