"""Idempotent intake under a real race (PostgreSQL only).

A CRM that times out retries; the retry can reach another web worker while the
first call is still in its transaction. Twenty threads post the same order at
the same instant (a ``threading.Barrier``), each through its own API client and
so its own database connection; the unique constraint on ``crm_order_id`` must
leave exactly one order, and every loser must get the API.md answer:
``200`` with the same order for the same content, ``409 idempotency_conflict``
for different content.

SQLite serialises writers on one file lock, so the race cannot happen there:
these tests skip with a reason unless the database is PostgreSQL.

A transactional test empties every table when it ends; tests/conftest.py
re-runs the data migrations (role groups, default policy) before each one.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.conftest import make_user, order_payload
from workorders.models import Customer, WorkOrder

THREADS = 20
URL = "/api/v1/work-orders/"

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
def crm_token(org):
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=make_user("crm", "crm")).key


def _race(token: str, payloads: list[dict]) -> list[tuple[int, dict]]:
    """POST ``payloads[i]`` from thread ``i``, all released at once.

    Returns ``(status, body)`` per thread, in thread order. An exception in a
    thread is re-raised here so that it fails the test with its traceback.
    """
    barrier = threading.Barrier(len(payloads), timeout=30)
    results: list[tuple[int, dict] | None] = [None] * len(payloads)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait()
            response = client.post(URL, payloads[i], format="json")
            results[i] = (response.status_code, response.json())
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=worker, args=(i,), name=f"crm-{i}")
        for i in range(len(payloads))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request thread hung"
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]


def _summary(results) -> str:
    return "\n".join(
        f"  thread {i}: {status} {body}" for i, (status, body) in enumerate(results)
    )


def test_same_order_twenty_times_at_once_creates_one(crm_token):
    payload = order_payload()
    results = _race(crm_token, [payload] * THREADS)

    codes = Counter(status for status, _ in results)
    assert codes == {201: 1, 200: THREADS - 1}, _summary(results)
    ids = {body["id"] for _, body in results}
    assert len(ids) == 1, _summary(results)
    orders = WorkOrder.objects.filter(crm_order_id=payload["crm_order_id"])
    assert orders.count() == 1
    assert orders.get().pk == ids.pop()
    # The losers' customer inserts were rolled back with their order inserts.
    assert Customer.objects.filter(phone=payload["customer"]["phone"]).count() == 1


def test_same_key_different_content_at_once_conflicts(crm_token):
    payloads = [order_payload(address=f"通灌北路 {i + 1} 号") for i in range(THREADS)]
    results = _race(crm_token, payloads)

    codes = Counter(status for status, _ in results)
    assert codes == {201: 1, 409: THREADS - 1}, _summary(results)
    for status, body in results:
        if status == 409:
            assert body["code"] == "idempotency_conflict", _summary(results)
    (winner,) = [body for status, body in results if status == 201]
    orders = WorkOrder.objects.filter(crm_order_id=payloads[0]["crm_order_id"])
    assert orders.count() == 1
    order = orders.get()
    assert order.pk == winner["id"]
    assert order.address == winner["address"]
