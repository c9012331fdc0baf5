"""A beat that may run twice: only the holder of a PostgreSQL lock publishes.

Run two beats (two containers, two hosts) and one of them is the leader: it
holds the session-level advisory lock ``LOCK_KEY`` on a connection of its own
and publishes the schedule; the other ticks every ``STANDBY_SECONDS``, tries
the lock and publishes nothing. When the leader dies, PostgreSQL drops its
session and its lock, and the standby takes over within ``STANDBY_SECONDS``.

A leader that loses its database connection stops publishing at its next
tick (it checks the connection each tick). Between the moment PostgreSQL
releases the lock and that tick, both may publish once: the jobs themselves
are locked (advisory locks, ``SKIP LOCKED`` claims) and idempotent (unique
constraints), so a duplicate run changes nothing (bench/two_beats.py).

SQLite (the embedded demo, one process with ``worker -B``): always leader.
"""

from __future__ import annotations

import logging
import zlib

from celery.beat import PersistentScheduler
from django.db import connections

log = logging.getLogger("monitoring")

LOCK_KEY = zlib.crc32(b"celery.beat.leader") - 2**31
STANDBY_SECONDS = 5.0


class LeaderLock:
    """The beat's leadership: a session advisory lock on a private connection."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self._conn = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def acquire(self) -> bool:
        """True if this process is (still, or now) the leader."""
        if connections[self.alias].vendor != "postgresql":
            return True
        if self._conn is not None:
            try:
                with self._conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                return True
            except Exception:  # noqa: BLE001 - a lost session lost the lock
                log.warning("beat: lost the database connection, leadership too")
                self.release()
        conn = connections.create_connection(self.alias)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                acquired = cursor.fetchone()[0]
        except Exception:  # noqa: BLE001 - database down: nobody publishes
            conn.close()
            return False
        if not acquired:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()  # the session ends: PostgreSQL drops the lock
            except Exception:  # noqa: BLE001
                pass


class LeaderMixin:
    """Publish only while holding the leader lock (mixed into a Scheduler)."""

    standby_seconds = STANDBY_SECONDS

    def _leader_lock(self) -> LeaderLock:
        if getattr(self, "_leader", None) is None:
            self._leader = LeaderLock()
        return self._leader

    def tick(self, *args, **kwargs):
        lock = self._leader_lock()
        was_leader = lock.held
        if not lock.acquire():
            return self.standby_seconds
        if not was_leader and lock.held:
            log.info("beat: this process is the leader now and publishes")
        return super().tick(*args, **kwargs)

    def close(self):
        self._leader_lock().release()
        super().close()


class LeaderScheduler(LeaderMixin, PersistentScheduler):
    """Celery's file-backed scheduler, publishing only while leader."""
