"""A repair's intake pays one statement for network faults (the hold and the
cluster count together), within issue 2's budget of six."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import order_payload
from tests.workorders.test_intake_queries import MAX_STATEMENTS, _work

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-orders/"


def test_repair_for_known_customer_costs_one_statement_more_than_an_install(
    crm, settings
):
    settings.POLICY_CACHE_SECONDS = 300
    body = {"kind": "repair", "source": "hotline"}
    assert (
        crm.post(
            URL, order_payload(crm_order_id="R-Q-1", **body), format="json"
        ).status_code
        == 201
    )
    with CaptureQueriesContext(connection) as ctx:
        response = crm.post(
            URL, order_payload(crm_order_id="R-Q-2", **body), format="json"
        )
    assert response.status_code == 201 and response.json()["network_fault"] is None
    statements = _work(ctx.captured_queries)
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    # PostgreSQL: the one WITH ... INSERT, prepared by the first create
    writes = ["EXECUTE"] if connection.vendor == "postgresql" else ["INSERT"] * 3
    assert [sql.split()[0] for sql in statements] == [
        "SELECT",
        "SELECT",
        "SELECT",
        *writes,
    ]
    assert '"workorders_faulthold"' in statements[2]
