"""Reports read from a real streaming replica, and from the primary when it
lags or is down.

scripts/test.sh starts the replica with ``pg_basebackup -R`` from the
throwaway primary and passes ``TEST_REPLICA_URL``; the suite's test database
is created on the primary and streams to it like everything else.
"""

import os
import time
from urllib.parse import urlparse

import pytest
import time_machine
from django.db import OperationalError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from dispatch_center.replica import (
    REPLICA,
    ReplicaRouter,
    replica_check_forget,
    replica_lag,
    replica_reads,
    replica_usable,
)
from tests.conftest import client_for, local_time, make_user, order_payload
from workorders.models import WorkOrder

# Django's test cases refuse connections to aliases a test did not declare;
# the replica is added at run time (the suite is never routed to it), so its
# tests let that one alias through to the real method (pytest-django keeps it).
DAY = local_time(2026, 11, 20, 16, 0)
REPORT = "/api/v1/reports/quality/?period=day&date=2026-11-20"


def _allow_replica(monkeypatch, blocker) -> None:
    guarded = BaseDatabaseWrapper.ensure_connection
    real = blocker._real_ensure_connection

    def ensure_connection(self, *args, **kwargs):
        if self.alias == REPLICA:
            return real(self, *args, **kwargs)
        return guarded(self, *args, **kwargs)

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", ensure_connection)


def _add_replica(host: str, port: int) -> None:
    settings_dict = dict(connection.settings_dict)  # the test database's name
    settings_dict.update(HOST=host, PORT=str(port), CONN_MAX_AGE=0)
    settings_dict["OPTIONS"] = {
        **settings_dict.get("OPTIONS", {}),
        "connect_timeout": 2,
    }
    connections.settings[REPLICA] = settings_dict
    replica_check_forget()


@pytest.fixture
def replica(transactional_db, monkeypatch, django_db_blocker):
    # after the test database is set up: Django blocks aliases it knows then
    url = os.environ.get("TEST_REPLICA_URL")
    if not url:
        pytest.skip("no TEST_REPLICA_URL: run through scripts/test.sh")
    parsed = urlparse(url)
    _allow_replica(monkeypatch, django_db_blocker)
    _add_replica(parsed.hostname, parsed.port)
    yield connections[REPLICA]
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    replica_check_forget()


def _received(client) -> int:
    response = client.get(REPORT)
    assert response.status_code == 200
    return response.json()["totals"]["orders_received"]


def _on_replica(count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if WorkOrder.objects.using(REPLICA).count() == count:
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica never showed {count} orders")


def _post(crm, n: int) -> None:
    with time_machine.travel(DAY, tick=False):
        payload = order_payload(crm_order_id=f"CRM-R-{n}")
        assert (
            crm.post("/api/v1/work-orders/", payload, format="json").status_code == 201
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reports_read_the_replica_until_it_lags_too_far(replica, org, crm, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 60
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    manager = client_for(make_user("mgr", "manager"))
    _post(crm, 1)
    _on_replica(1)
    with time_machine.travel(DAY, tick=False):
        assert _received(manager) == 1
    # given: the replica stops replaying, and a second order reaches the primary
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    _post(crm, 2)
    assert WorkOrder.objects.count() == 2
    # then: within the allowed lag, the report is the replica's (one order)
    with time_machine.travel(DAY, tick=False):
        assert _received(manager) == 1
    # when: the lag passes the limit, the report reads the primary (two)
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0.5
    deadline = time.monotonic() + 20
    while replica_lag() <= 0.5:
        assert time.monotonic() < deadline, "the replica never lagged"
        time.sleep(0.1)
    with time_machine.travel(DAY, tick=False):
        assert _received(manager) == 2
    # and: once it replays again it is used again, caught up
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    _on_replica(2)
    deadline = time.monotonic() + 20
    while not replica_usable():
        assert time.monotonic() < deadline, "the replica never caught up"
        time.sleep(0.1)
    with replica_reads():
        assert WorkOrder.objects.all().db == REPLICA


@pytest.mark.postgres
@pytest.mark.django_db
def test_reports_read_the_primary_when_the_replica_is_unreachable(
    org, crm, settings, monkeypatch, django_db_blocker
):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    _allow_replica(monkeypatch, django_db_blocker)
    _add_replica("127.0.0.1", 1)  # nothing listens on port 1
    try:
        manager = client_for(make_user("mgr", "manager"))
        _post(crm, 1)
        with time_machine.travel(DAY, tick=False):
            assert _received(manager) == 1
        assert replica_usable() is False
        with pytest.raises(OperationalError):  # really unreachable
            replica_lag()
        with replica_reads():
            assert WorkOrder.objects.all().db == "default"
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        replica_check_forget()


def test_only_marked_reads_are_routed_and_writes_never_are():
    router = ReplicaRouter()
    assert router.db_for_read(WorkOrder) is None
    with replica_reads():
        # without a "replica" database there is nothing to route to
        assert router.db_for_read(WorkOrder) is None
    assert router.db_for_write(WorkOrder) is None
    assert router.allow_migrate(REPLICA, "workorders") is False
    assert router.allow_migrate("default", "workorders") is None
