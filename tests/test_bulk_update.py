"""``update_rows_where``: many rows, one statement, compare-and-set per row —
on PostgreSQL and SQLite alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch_center.db import update_rows_where
from org.models import Technician
from tests.conftest import local_time, order_payload
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-orders/"


@pytest.fixture
def orders(crm):
    ids = []
    for n in range(3):
        body = order_payload(
            crm_order_id=f"B-{n}", customer={"phone": f"1390000010{n}"}
        )
        response = crm.post(URL, body, format="json")
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    return ids


def test_each_row_gets_its_own_values_and_only_if_it_still_matches(orders):
    t1, t2 = Technician.objects.get(code="T1"), Technician.objects.get(code="T2")
    WorkOrder.objects.filter(pk=orders[2]).update(status="cancelled")  # moved first
    at = local_time(2026, 11, 20, 10, 0)
    rows = [
        (orders[0], {"technician": t1, "dispatched_at": at, "first_contact_at": None}),
        (
            orders[1],
            {
                "technician": t2.pk,
                "dispatched_at": at + dt.timedelta(minutes=1),
                "first_contact_at": None,
            },
        ),
        (orders[2], {"technician": t1, "dispatched_at": at, "first_contact_at": None}),
    ]
    with CaptureQueriesContext(connection) as ctx:
        won = update_rows_where(
            WorkOrder,
            rows,
            common={"status": "dispatched", "updated_at": at},
            expect={"status": "pending"},
        )
    assert won == {orders[0], orders[1]}
    assert len(ctx.captured_queries) == 1
    got = {
        o.pk: (o.status, o.technician_id, o.dispatched_at, o.updated_at)
        for o in WorkOrder.objects.filter(pk__in=orders)
    }
    assert got[orders[0]] == ("dispatched", t1.pk, at, at)
    assert got[orders[1]] == ("dispatched", t2.pk, at + dt.timedelta(minutes=1), at)
    assert got[orders[2]][:2] == ("cancelled", None)  # left alone


def test_batches_cover_every_row(orders):
    won = update_rows_where(
        WorkOrder,
        [(pk, {"urge_count": n + 1}) for n, pk in enumerate(orders)],
        common={},
        expect={"status": "pending"},
        batch_size=2,
    )
    assert won == set(orders)
    assert sorted(WorkOrder.objects.values_list("urge_count", flat=True)) == [1, 2, 3]


def test_rows_must_set_the_same_columns(orders):
    with pytest.raises(ValueError, match="urge_count"):
        update_rows_where(
            WorkOrder,
            [(orders[0], {"urge_count": 1}), (orders[1], {"escalation_level": 1})],
            common={},
            expect={"status": "pending"},
        )


def test_nothing_to_do_is_no_statement():
    with CaptureQueriesContext(connection) as ctx:
        assert update_rows_where(WorkOrder, [], common={}, expect={}) == set()
    assert ctx.captured_queries == []


# --- through the transition service --------------------------------------------


def _updates(ctx) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "WITH"))
        and "workorders_workorder" in q["sql"]
        and "historical" not in q["sql"]
    ]


def test_alike_transitions_share_one_update_and_each_gets_its_timeline(orders):
    from workorders.services import Change, work_orders_transition

    at = local_time(2026, 11, 20, 10, 0)
    changes = [
        Change(o, "cancelled", reason="批量撤单", fields={"cancelled_at": at})
        for o in WorkOrder.objects.filter(pk__in=orders)
    ]
    with CaptureQueriesContext(connection) as ctx:
        won = work_orders_transition(changes, by=None, now=at)
    assert len(won) == 3
    assert len(_updates(ctx)) == 1
    for order in WorkOrder.objects.filter(pk__in=orders):
        assert (order.status, order.cancelled_at) == ("cancelled", at)
        assert order.events.filter(to_status="cancelled").count() == 1
        assert order.history.filter(status="cancelled").count() == 1
