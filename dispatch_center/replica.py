"""Reports and exports read from a streaming replica when there is one.

``DATABASE_REPLICA_URL`` adds the ``replica`` database. Code that only reads
and may be a little behind (the quality reports, their pages, the xlsx
exports) runs inside ``replica_reads()`` (or a view decorated with
``@read_from_replica``); there ``ReplicaRouter`` sends reads to the replica
while it is usable, i.e. it answers and its replay is at most
``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind. Otherwise, and everywhere else
(read-your-writes for every transaction of the app), reads go to the primary.
Writes always go to the primary; the replica is never migrated.

Each process checks the replica at most every
``DATABASE_REPLICA_CHECK_SECONDS`` (default 5 s), so a down replica costs one
connect timeout (2 s) per process per check, not one per request.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

log = logging.getLogger("dispatch_center.replica")

REPLICA = "replica"

# The lag in seconds: 0 when everything received is replayed (an idle primary
# sends nothing), else the age of the last replayed transaction; 0 on a
# server that is not a standby.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""

_reading = contextvars.ContextVar("replica_reads", default=False)
_lock = threading.Lock()
_checked: dict[str, tuple[float, bool]] = {}  # alias → (monotonic time, usable)


@contextmanager
def replica_reads():
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def read_from_replica(view):
    """Decorate a view (function or method) whose reads may use the replica."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


def replica_lag(alias: str = REPLICA) -> float:
    """Seconds the replica is behind (raises when it cannot be reached)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def replica_usable(alias: str = REPLICA) -> bool:
    if alias not in connections.settings:
        return False
    now = time.monotonic()
    every = settings.DATABASE_REPLICA_CHECK_SECONDS
    hit = _checked.get(alias)
    if hit is not None and now - hit[0] < every:
        return hit[1]
    try:
        lag = replica_lag(alias)
        usable = lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        if not usable:
            log.warning("replica %s lags %.1f s: reading from the primary", alias, lag)
    except Exception as exc:  # noqa: BLE001 - unreachable: use the primary
        log.warning("replica %s unreachable (%s): reading from the primary", alias, exc)
        connections[alias].close()
        usable = False
    with _lock:
        _checked[alias] = (now, usable)
    return usable


def replica_check_forget() -> None:
    """Check again at the next read (tests, after a failover)."""
    with _lock:
        _checked.clear()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading.get() and replica_usable():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
