"""Database helpers shared by the periodic jobs."""

import zlib
from contextlib import contextmanager

from django.db import connection


@contextmanager
def advisory_lock(name: str):
    """Yield True if this process holds the named PostgreSQL advisory lock.

    Overlapping runs of one periodic job (two beats, a redelivered task, a
    manual run during the scheduled one) then never work in parallel: the
    second one yields False and does nothing. SQLite serialises writers
    itself, so there the lock is always granted.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = zlib.crc32(name.encode()) - 2**31  # fits PostgreSQL's signed bigint
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
