"""Two SLA scans at the same instant, in real threads (PostgreSQL only).

Each thread has its own database connection, as two Celery workers would.
With the advisory lock one scan does the work and the other returns at once;
without it (``use_lock=False``) the row locks (``SKIP LOCKED``) and the
unique side-effect records alone still give every warning, miss and
escalation exactly once. SQLite serialises writers on one file lock, so the
race cannot happen there: these tests skip with a reason.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from notifications.models import Notification
from sla.models import SlaEvent
from sla.scan import sla_scan
from tests.conftest import local_time, make_user, order_payload
from workorders.models import WorkOrder, WorkOrderEvent
from workorders.services import CustomerIn, OrderIn, work_order_create

ORDERS = 40
START = local_time(2026, 11, 20, 10, 0)
LATER = local_time(2026, 11, 21, 9, 0)  # every level and warning is due

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL to race concurrent transactions "
            f"(database is {connection.vendor}; set DATABASE_URL=postgres://...)"
        )


@pytest.fixture
def due_orders(org):
    make_user("dispatcher1", "dispatcher")
    crm = make_user("crm", "crm")
    payload = order_payload()
    ids = []
    for i in range(ORDERS):
        order, _ = work_order_create(
            data=OrderIn(
                source="crm",
                kind="repair" if i % 2 else "install",
                product="ftth_broadband",
                customer=CustomerIn(
                    **{**payload["customer"], "phone": f"1390000{i:04d}"}
                ),
                address=payload["address"],
                package_area="P1",
                crm_order_id=f"RACE-{i}",
                accepted_at=START,
            ),
            by=crm,
            now=START,
        )
        ids.append(order.pk)
    return ids


def _race(use_lock: bool, batch: int) -> list[dict]:
    barrier = threading.Barrier(2, timeout=30)
    results: list[dict | None] = [None, None]
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = sla_scan(now=LATER, batch=batch, use_lock=use_lock)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a scan thread hung"
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]


def _assert_each_side_effect_once(ids: list[int], results: list[dict]) -> None:
    # three levels and two (stale, so silent) warnings per order, once each
    assert SlaEvent.objects.filter(kind="escalation").count() == 3 * ORDERS
    per_order = Counter(SlaEvent.objects.values_list("order_id", "kind", "checkpoint"))
    assert max(per_order.values()) == 1
    assert set(
        WorkOrder.objects.filter(pk__in=ids).values_list("escalation_level", flat=True)
    ) == {3}
    assert WorkOrderEvent.objects.filter(kind="escalation").count() == 3 * ORDERS, (
        results
    )
    keys = Counter(Notification.objects.values_list("dedupe_key", flat=True))
    assert Notification.objects.filter(topic="sla_escalation").count() == 3 * ORDERS
    assert max(keys.values()) == 1
    assert sum(r.get("escalations", 0) for r in results) == 3 * ORDERS
    history = WorkOrder.history.filter(history_change_reason="过程管控").count()
    assert history == ORDERS


def test_two_scans_at_once_with_the_advisory_lock(due_orders):
    results = _race(use_lock=True, batch=7)
    _assert_each_side_effect_once(due_orders, results)


def test_two_scans_at_once_without_the_lock_still_do_everything_once(due_orders):
    results = _race(use_lock=False, batch=3)
    _assert_each_side_effect_once(due_orders, results)
