"""The engine and dispatchers racing on PostgreSQL with real threads."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from dispatch.services import auto_dispatch_run, order_dispatch
from dispatch_center.errors import DomainError
from org.models import Technician
from tests.conftest import local_time, make_user
from workorders.models import Status, WorkOrder, WorkOrderEvent
from workorders.services import CustomerIn, OrderIn, work_order_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks and SKIP LOCKED are what is tested")


def _orders(n):
    ids = []
    for i in range(n):
        order, _ = work_order_create(
            data=OrderIn(
                source="crm",
                kind="install",
                product="ftth_broadband",
                customer=CustomerIn(name=f"客户{i}", phone=f"1390000{i:04d}"),
                address=f"地址{i}",
                package_area="P1" if i % 2 else "P2",
                crm_order_id=f"RACE-{i}",
            ),
            by=None,
        )
        ids.append(order.pk)
    return ids


def test_engine_runs_and_dispatchers_never_double_assign_or_overfill(org):
    Technician.objects.filter(code="T1").update(max_open_orders=3)
    Technician.objects.filter(code="T2").update(max_open_orders=2)
    desk = make_user("race-desk", "dispatcher")
    with time_machine.travel(local_time(2026, 11, 20, 10, 0), tick=True):
        ids = _orders(12)
        barrier = threading.Barrier(5)
        errors = []

        def engine():
            try:
                barrier.wait()
                auto_dispatch_run(by=None)
                auto_dispatch_run(by=None)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        def dispatcher(code):
            try:
                technician = Technician.objects.get(code=code)
                barrier.wait()
                for order_id in ids:
                    order = WorkOrder.objects.select_related(
                        "technician", "customer"
                    ).get(pk=order_id)
                    if order.status != Status.PENDING:
                        continue
                    try:
                        order_dispatch(order, technician=technician, by=desk)
                    except DomainError:
                        pass  # lost the race or at capacity: the expected refusals
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=engine) for _ in range(2)] + [
            threading.Thread(target=dispatcher, args=(code,))
            for code in ("T1", "T2", "T1")
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    occupied = {
        code: WorkOrder.objects.filter(
            technician__code=code, status=Status.DISPATCHED
        ).count()
        for code in ("T1", "T2")
    }
    assert occupied == {"T1": 3, "T2": 2}  # full, never over
    assert WorkOrder.objects.filter(status=Status.DISPATCHED).count() == 5
    for order_id in ids:
        assigned = WorkOrderEvent.objects.filter(
            order_id=order_id, kind="dispatch"
        ).count()
        assert assigned <= 1, f"order {order_id} assigned {assigned} times"
    dispatched = set(
        WorkOrder.objects.filter(status=Status.DISPATCHED).values_list("id", flat=True)
    )
    with_event = set(
        WorkOrderEvent.objects.filter(kind="dispatch").values_list(
            "order_id", flat=True
        )
    )
    assert dispatched == with_event


def test_two_passes_at_once_do_the_work_once(org):
    with time_machine.travel(local_time(2026, 11, 20, 10, 0), tick=True):
        ids = _orders(6)
        barrier = threading.Barrier(2)
        results = []

        def engine():
            try:
                barrier.wait()
                results.append(auto_dispatch_run(by=None))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=engine) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assigned = sum(len(r.assigned) for r in results)
    assert assigned == 6
    assert WorkOrderEvent.objects.filter(order_id__in=ids, kind="dispatch").count() == 6
    assert WorkOrderEvent.objects.filter(order_id__in=ids, kind="notify").count() == 6


def test_two_reassignments_at_once_one_wins_the_other_gets_409(org):
    """Both dispatchers read "dispatched to T1" and reassign at the same moment,
    to different technicians: exactly one 200, one 409, one SMS, and the
    timeline agrees with the order (compare-and-set on the technician)."""
    from tests.conftest import client_for

    Technician.objects.filter(code__in=["T1", "T2"]).update(max_open_orders=50)
    Technician.objects.create(
        code="T4",
        name="赵工",
        phone="13800000004",
        group=Technician.objects.get(code="T1").group,
        skills=["ftth_broadband"],
        max_open_orders=50,
    )
    desks = [client_for(make_user(f"race-desk-{i}", "dispatcher")) for i in range(2)]
    trials = 10
    with time_machine.travel(local_time(2026, 11, 20, 10, 0), tick=True):
        ids = _orders(trials)
        for order_id in ids:
            order = WorkOrder.objects.select_related("technician", "customer").get(
                pk=order_id
            )
            order_dispatch(order, technician=Technician.objects.get(code="T1"), by=None)
        for order_id in ids:
            barrier = threading.Barrier(2)
            answers = {}

            def reassign(
                desk, code, order_id=order_id, barrier=barrier, answers=answers
            ):
                try:
                    barrier.wait()
                    answers[code] = desk.post(
                        f"/api/v1/work-orders/{order_id}/dispatch/",
                        {"technician": code, "reason": "改派测试"},
                        format="json",
                    )
                finally:
                    connections.close_all()

            threads = [
                threading.Thread(target=reassign, args=(desk, code))
                for desk, code in zip(desks, ("T2", "T4"), strict=True)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            statuses = sorted(r.status_code for r in answers.values())
            assert statuses == [200, 409], {
                c: (r.status_code, r.json()) for c, r in answers.items()
            }
            loser = next(r for r in answers.values() if r.status_code == 409)
            assert loser.json()["code"] == "invalid_transition"
            order = WorkOrder.objects.get(pk=order_id)
            winner = next(c for c, r in answers.items() if r.status_code == 200)
            assert order.technician.code == winner
            last = (
                WorkOrderEvent.objects.filter(order_id=order_id, kind="dispatch")
                .order_by("id")
                .last()
            )
            assert last.data["technician"] == winner
            assert (
                WorkOrderEvent.objects.filter(
                    order_id=order_id, kind="dispatch"
                ).count()
                == 2
            )
            sms = WorkOrderEvent.objects.filter(order_id=order_id, kind="notify")
            assert sms.count() == 2  # the first dispatch's and the winner's
