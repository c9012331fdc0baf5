"""Incremental sync: the work-order change feed (docs/api.md, "Sync").

``GET /api/v1/work-orders/?updated_after=<instant>`` lists orders changed after
that instant by last change, and each page's ``cursor`` continues it. The
claim: a client that keeps following the cursor sees every committed change,
never skips one and never gets the same change twice, even while other
transactions write — including one that started earlier and commits later,
which a timestamp or plain sequence cursor would skip.

Tests that read the feed commit their writes (``transaction=True``): on
PostgreSQL a change is in the feed once no older transaction can still
commit, and a test's own open transaction would hold its changes back.
"""

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.conftest import client_for, make_user, order_payload
from workorders.models import WorkOrder

FEED = "/api/v1/work-orders/"
BEGINNING = "2000-01-01T00:00:00+08:00"


def _create(client, n, prefix="SYNC"):
    ids = []
    for i in range(n):
        response = client.post(
            FEED,
            order_payload(
                crm_order_id=f"{prefix}-{i}",
                customer={"phone": f"1391111{i:04d}"},
                accepted_at=None,
            ),
            format="json",
        )
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    return ids


def _read_to_the_end(client, cursor=None, page_size=2):
    """Follow the feed until ``next`` is null; the rows and the last cursor."""
    rows = []
    params = {"page_size": page_size}
    params.update({"cursor": cursor} if cursor else {"updated_after": BEGINNING})
    while True:
        response = client.get(FEED, params)
        assert response.status_code == 200, response.json()
        body = response.json()
        rows += body["results"]
        cursor = body["cursor"] or cursor
        if body["next"] is None:
            return rows, cursor
        params = {"page_size": page_size, "cursor": cursor}


@pytest.mark.django_db(transaction=True)
def test_the_feed_lists_orders_by_last_change_and_continues_from_its_cursor(org):
    crm = client_for(make_user("crm", "crm"))
    first, second, third = _create(crm, 3)
    rows, cursor = _read_to_the_end(crm)
    assert [r["id"] for r in rows] == [first, second, third]

    # nothing new: an empty page, the same cursor, no next page
    again = crm.get(FEED, {"cursor": cursor}).json()
    assert again == {
        "count": 0,
        "next": None,
        "previous": None,
        "cursor": cursor,
        "results": [],
    }

    # the first order changes: it comes again, after the others, in its new state
    cancelled = crm.post(
        f"{FEED}{first}/cancel/", {"reason": "客户撤单"}, format="json"
    )
    assert cancelled.status_code == 200, cancelled.content
    rows, cursor = _read_to_the_end(crm, cursor)
    assert [(r["id"], r["status"]) for r in rows] == [(first, "cancelled")]


@pytest.mark.django_db(transaction=True)
def test_updated_after_is_strictly_after_that_instant(crm):
    order_id = _create(crm, 1)[0]
    stamp = WorkOrder.objects.get(pk=order_id).updated_at
    at = crm.get(FEED, {"updated_after": stamp.isoformat()}).json()
    before = crm.get(
        FEED, {"updated_after": (stamp - timezone.timedelta(seconds=1)).isoformat()}
    ).json()
    assert at["results"] == []
    assert [r["id"] for r in before["results"]] == [order_id]
    assert before["cursor"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "-1.5"},
        {"cursor": f"{2**63}.5"},
        {"cursor": "1.2.3"},
        {"updated_after": "yesterday"},
    ],
)
def test_a_bad_cursor_or_instant_is_a_400_naming_it(crm, query):
    response = crm.get(FEED, query)
    assert response.status_code == 400
    assert list(response.json()) == list(query)


@pytest.mark.django_db(transaction=True)
def test_the_feed_keeps_district_scope(org, crm):
    _create(crm, 2)
    scoped = client_for(make_user("d2-desk", "dispatcher", district="D2"))
    assert scoped.get(FEED, {"updated_after": BEGINNING}).json()["results"] == []


# --- PostgreSQL, real transactions and threads -----------------------------------


def _skip_unless_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions are what is tested")


def _touch(order_id, text):
    WorkOrder.objects.filter(pk=order_id).update(
        description=text, updated_at=timezone.now()
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_late_by_an_earlier_transaction_is_not_skipped(org):
    # given two orders and a client that has read everything
    _skip_unless_postgres()
    crm = client_for(make_user("crm", "crm"))
    early, late = _create(crm, 2)
    _, cursor = _read_to_the_end(crm)

    # when a transaction changes `early` and stays open while a later one
    # changes `late` and commits first
    changed, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                _touch(early, "slow")
                changed.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert changed.wait(10)
    _touch(late, "fast")  # autocommit: a later transaction id, committed first

    # then the feed holds `late` back while `early` may still commit ...
    rows, held = _read_to_the_end(crm, cursor)
    assert rows == [] and held == cursor
    # ... and delivers both, in transaction order, once it has
    release.set()
    assert done.wait(10)
    thread.join()
    rows, _ = _read_to_the_end(crm, cursor)
    assert [(r["id"], r["description"]) for r in rows] == [
        (early, "slow"),
        (late, "fast"),
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reader_following_the_feed_during_concurrent_writes_misses_nothing(org):
    _skip_unless_postgres()
    crm = client_for(make_user("crm", "crm"))
    ids = _create(crm, 12)
    writers, writes_each = 4, 12
    stop_reading = threading.Event()
    errors, delivered = [], []

    def writer(n):
        rng = random.Random(n)
        try:
            for i in range(writes_each):
                with transaction.atomic():
                    _touch(rng.choice(ids), f"w{n}-{i}")
                    time.sleep(rng.uniform(0, 0.02))  # commits out of order
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def reader():
        cursor = None
        try:
            while True:
                finished = stop_reading.is_set()
                rows, cursor = _read_to_the_end(crm, cursor, page_size=3)
                delivered.extend((r["id"], r["description"]) for r in rows)
                if finished:
                    return
                time.sleep(0.005)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    follower = threading.Thread(target=reader)
    follower.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop_reading.set()
    follower.join(60)
    assert not errors, errors

    # no change twice: every write has its own text, seen at most once
    written = [d for _, d in delivered if d]
    assert len(written) == len(set(written))
    # no gap: the last state delivered for each order is its state now
    last = {}
    for order_id, description in delivered:
        last[order_id] = description
    final = dict(WorkOrder.objects.values_list("id", "description"))
    assert last == final
    assert len(written) >= writers  # the reader did see writes while they ran
