"""Database helpers: advisory locks for the periodic jobs, bulk compare-and-set."""

import zlib
from contextlib import contextmanager

from django.db import connection, models


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


def update_rows_where(
    model,
    rows: list[tuple[object, dict]],
    *,
    common: dict,
    expect: dict,
    batch_size: int = 500,
) -> set:
    """Compare-and-set many rows in one statement per batch; the pks that matched.

    ``rows`` are ``(pk, values)`` pairs, every ``values`` with the same keys;
    ``common`` is set on every row; a row is changed only while its columns
    still equal ``expect`` (e.g. the status the caller read), so a row that a
    concurrent transaction moved first is left alone and missing from the
    answer. One ``WITH v AS (VALUES …) UPDATE … FROM v … RETURNING`` per
    batch, on PostgreSQL and on SQLite (≥ 3.35), instead of one UPDATE per
    row: the dispatch engine assigns thousands of orders a pass.
    """
    if not rows:
        return set()
    opts = model._meta
    qn = connection.ops.quote_name
    table = qn(opts.db_table)
    pk_column = f"{table}.{qn(opts.pk.column)}"
    keys = list(rows[0][1])
    fields = [opts.get_field(key) for key in keys]
    postgres = connection.vendor == "postgresql"

    def prep(f, value):
        if isinstance(value, models.Model):
            value = value.pk
        return f.get_db_prep_save(value, connection)

    def from_v(i, f):
        # PostgreSQL types VALUES columns from their literals (all-NULL: text).
        return f"CAST(v.c{i} AS {f.db_type(connection)})" if postgres else f"v.c{i}"

    assignments = [f"{qn(f.column)} = {from_v(i, f)}" for i, f in enumerate(fields)]
    set_params, where_params = [], []
    for key, value in common.items():
        f = opts.get_field(key)
        assignments.append(f"{qn(f.column)} = %s")
        set_params.append(prep(f, value))
    conditions = [f"{pk_column} = v.pk"]
    for key, value in expect.items():
        f = opts.get_field(key)
        if value is None:  # "= NULL" is never true
            conditions.append(f"{table}.{qn(f.column)} IS NULL")
            continue
        conditions.append(f"{table}.{qn(f.column)} = %s")
        where_params.append(prep(f, value))
    columns = ", ".join(["pk", *(f"c{i}" for i in range(len(fields)))])
    row_sql = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    matched: set = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            value_params = []
            for pk, values in batch:
                if values.keys() != set(keys):
                    raise ValueError(f"row {pk} sets {sorted(values)}, not {keys}")
                value_params.append(prep(opts.pk, pk))
                value_params.extend(
                    prep(f, values[key]) for f, key in zip(fields, keys, strict=True)
                )
            cursor.execute(
                f"WITH v ({columns}) AS (VALUES {', '.join([row_sql] * len(batch))}) "
                f"UPDATE {table} SET {', '.join(assignments)} FROM v "
                f"WHERE {' AND '.join(conditions)} RETURNING {pk_column}",
                [*value_params, *set_params, *where_params],
            )
            matched.update(row[0] for row in cursor.fetchall())
    return matched
