"""A warm CRM create on PostgreSQL, outside any test transaction: what really
runs (issue 18). Pins the statement count so that a regression fails.

With production's per-process caches warm (token, package area, policy) a
create for a known customer the CRM does not change is two statements: the
customer (with the previous-repair subquery for a repair), then one
``WITH ... INSERT`` writing the order, its history row and its ``created``
timeline line, atomic by itself, so no ``BEGIN``/``COMMIT``; prepared once
per session, so a warm create runs it as ``EXECUTE``. Anything else
written with the order (a new or changed customer, a fault link) goes in a
transaction as before.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for, make_user, order_payload, statement_text
from workorders.models import WorkOrder, WorkOrderEvent

URL = "/api/v1/work-orders/"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _create(client, **overrides):
    response = client.post(URL, order_payload(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return WorkOrder.objects.get(pk=response.json()["id"])


@pytest.fixture
def warm_crm(org, settings):
    """The CRM client with production's per-process caches (token, package
    area, policy) on and warm, and one known customer."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the one-statement write is what is tested")
    settings.POLICY_CACHE_SECONDS = 300
    settings.AUTH_TOKEN_CACHE_SECONDS = 300
    client = client_for(make_user("crm", "crm"))
    _create(client, crm_order_id="W-0", accepted_at=None)
    _create(client, crm_order_id="W-00", accepted_at=None)
    return client


def _statements(client, **overrides) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(URL, order_payload(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return [q["sql"] for q in ctx.captured_queries]


def test_a_warm_create_for_a_known_customer_is_two_statements(warm_crm):
    statements = _statements(warm_crm, crm_order_id="W-1", accepted_at=None)
    listing = "\n".join(f"  {i}. {sql[:120]}" for i, sql in enumerate(statements, 1))
    # no BEGIN/COMMIT: the second statement is atomic by itself
    assert len(statements) == 2, listing
    assert statements[0].startswith('SELECT c."id"'), listing
    assert '"workorders_customer"' in statements[0]
    assert statements[1].startswith("EXECUTE "), listing  # prepared by the warm-up
    written = statement_text(statements[1])
    assert written.startswith('WITH p AS (INSERT INTO "workorders_workorder"')
    assert 'INSERT INTO "workorders_historicalworkorder"' in written
    assert 'INSERT INTO "workorders_workorderevent"' in written


def test_a_new_customer_is_written_in_one_transaction_with_the_order(warm_crm):
    statements = _statements(
        warm_crm,
        crm_order_id="W-2",
        accepted_at=None,
        customer={"phone": "13700000000"},
    )
    kinds = [sql.split()[0] for sql in statements]
    # the customer with its history row, then the order with its records:
    # each one prepared statement (the warm-up's first create prepared both)
    assert kinds == ["SELECT", "BEGIN", "EXECUTE", "EXECUTE", "COMMIT"], statements
    written = statement_text(statements[2])
    assert written.startswith('WITH p AS (INSERT INTO "workorders_customer"')
    assert 'INSERT INTO "workorders_historicalcustomer"' in written


def test_a_failed_one_statement_create_leaves_nothing(warm_crm):
    # given: a known customer's order, replayed with other content
    before = (WorkOrder.history.count(), WorkOrderEvent.objects.count())
    response = warm_crm.post(
        URL,
        order_payload(crm_order_id="W-0", description="另一单"),
        format="json",
    )
    # then: 409, and no history row or timeline line of a failed insert
    assert response.status_code == 409
    assert (WorkOrder.history.count(), WorkOrderEvent.objects.count()) == before
    assert WorkOrder.objects.count() == 2
    # and the connection is usable (autocommit: no aborted transaction)
    assert _create(warm_crm, crm_order_id="W-3", accepted_at=None).pk


def test_a_warm_repair_adds_only_the_fault_probe(warm_crm):
    body = {"kind": "repair", "source": "hotline", "accepted_at": None}
    _create(warm_crm, crm_order_id="W-R0", **body)
    statements = _statements(warm_crm, crm_order_id="W-R1", **body)
    assert [sql.split()[0] for sql in statements] == ["SELECT", "SELECT", "EXECUTE"]
    assert '"completed_at" DESC LIMIT 1' in statements[0]  # the previous repair
    assert '"workorders_faulthold"' in statements[1]
