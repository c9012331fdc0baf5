"""One-row INSERTs whose SQL is built once per process, and several of them
sent as one statement.

``Model.save()`` compiles its ``INSERT`` afresh on every call: for a work
order (~50 columns) and its history row (~50 more) that compilation cost more
CPU than everything else an intake does (issue 18). The column list of a
model never changes while the process runs, so ``InsertPlan`` builds the SQL
text once and each row only prepares its values, exactly as Django's
compiler does (``pre_save`` on the instance, then ``get_db_prep_save``).

``insert_linked`` writes a parent row and rows that point at it (its history
row, its first timeline line): on PostgreSQL as **one** statement (data-
modifying ``WITH``: all or nothing without a transaction, one round trip),
elsewhere as one ``INSERT`` each inside the caller's transaction. On
PostgreSQL that statement is prepared once per database session
(``PREPARE``) and each row runs it (``EXECUTE``): parsing, analysing and
planning a ~5 KB statement was about as much of PostgreSQL's CPU as the
writes themselves.

What it does not do, on purpose: no ``pre_save``/``post_save`` signals (the
project sends none between apps, STYLE.md; simple-history's rows are written
by the services, ``dispatch_center.history``) and no expressions as values
(a value with ``resolve_expression`` is refused: use ``save()`` for those).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, models, router, transaction

#: a value standing for the parent's new primary key in a linked row
PARENT_ID = object()

# Field types whose ``get_db_prep_save`` returns a value of exactly this type
# (or None) unchanged, on every backend: most of an order's ~50 columns.
# ``_prepared`` skips the call for them (a third of the row's CPU); anything
# else (a str subclass such as a ``TextChoices`` member, JSON, dates on
# SQLite, custom fields) goes through Django. tests/test_inserts.py checks
# the two agree on real rows.
_SAME = {
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.FloatField: float,
}
_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


class InsertPlan:
    """The ``INSERT`` of one row of ``model``: every concrete column but an
    auto primary key (and generated columns), in ``_meta`` order."""

    def __init__(self, model):
        meta = model._meta
        self.model = model
        self.fields = [
            f
            for f in meta.local_concrete_fields
            if f is not meta.auto_field and not getattr(f, "generated", False)
        ]
        for f in self.fields:
            # a custom placeholder (e.g. a geometry) needs the compiler
            if hasattr(f, "get_placeholder"):
                raise TypeError(f"{model.__name__}.{f.name}: custom placeholder")
        self._into: dict[str, str] = {}  # vendor -> "INSERT INTO t (columns)"
        self._same = [_same_type(f) for f in self.fields]
        self.attnames = [f.attname for f in self.fields]

    def into(self, connection) -> str:
        """``INSERT INTO <table> (<columns>)``, quoted for ``connection``."""
        sql = self._into.get(connection.vendor)
        if sql is None:
            qn = connection.ops.quote_name
            sql = self._into[connection.vendor] = "INSERT INTO {} ({})".format(
                qn(self.model._meta.db_table),
                ", ".join(qn(f.column) for f in self.fields),
            )
        return sql

    def values_of(self, instance, connection) -> list:
        """An unsaved instance's values, as ``Model.save()`` would insert them
        (``pre_save`` sets ``auto_now``/``auto_now_add`` on the instance)."""
        pg = connection.vendor == "postgresql"
        return [
            _prepared(f, same, f.pre_save(instance, True), connection, pg)
            for f, same in zip(self.fields, self._same, strict=True)
        ]

    def values_from(self, values: dict, connection) -> list:
        """Values from a ``{attname: value}`` dict, the field default for a
        missing one (as ``Model(**values)`` would have); ``PARENT_ID`` is kept
        for ``insert_linked`` to replace."""
        pg = connection.vendor == "postgresql"
        out = []
        for f, same in zip(self.fields, self._same, strict=True):
            value = values[f.attname] if f.attname in values else f.get_default()
            if not _is_marker(value):
                value = _prepared(f, same, value, connection, pg)
            out.append(value)
        return out


def _same_type(field) -> type | None:
    """The value type ``field`` passes through ``get_db_prep_save`` as is."""
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        return int if type(target) in _INTEGER_KEYS else None
    if type(field) is models.DateTimeField:
        return datetime  # aware, and on PostgreSQL only: see _prepared
    return _SAME.get(type(field))


def _prepared(field, same, value, connection, pg: bool):
    """``field.get_db_prep_save(value)``, without the call where it would
    return ``value`` itself."""
    kind = type(value)
    if same is not None and (value is None or kind is same):
        if same is not datetime:
            return value
        # Django adapts datetimes per backend (SQLite: text) and makes a
        # naive one aware with a warning; PostgreSQL takes an aware one as is.
        if value is None or (pg and value.utcoffset() is not None):
            return value
    if hasattr(value, "resolve_expression"):
        raise TypeError(f"{field.model.__name__}.{field.name}: an expression")
    return field.get_db_prep_save(value, connection=connection)


class FromParent:
    """A linked row's value: the parent's own column ``attname`` as inserted
    (a history row copies the order's columns this way)."""

    __slots__ = ("attname",)

    def __init__(self, attname: str):
        self.attname = attname


def _is_marker(value) -> bool:
    return value is PARENT_ID or type(value) is FromParent


@dataclass
class Linked:
    """A row that refers to the parent: its plan and its values, ``PARENT_ID``
    for the parent's new key and ``FromParent(attname)`` for a copy of one of
    the parent's columns; or a function of the parent giving them, called
    after the parent's ``pre_save``.
    """

    plan: InsertPlan
    values: dict | Callable[[object], dict]


def insert_linked(parent, plan: InsertPlan, linked: Sequence[Linked]) -> None:
    """Insert ``parent`` (an unsaved instance of ``plan.model``) and the rows
    that point at it; set the parent's primary key and mark it saved.

    1. Prepare the parent's values (``pre_save``: its ``auto_now`` fields
       are set on the instance, as ``save()`` does) and the linked rows'.
    2. PostgreSQL: one statement, ``WITH p AS (INSERT ... RETURNING pk,
       copied columns), l0 AS (INSERT ... SELECT p.pk, p.column, CAST(%s AS
       type) ... FROM p) ... SELECT pk FROM p``: the copies are the parent's
       stored values, sent once; atomic on its own, so a caller in autocommit
       needs no transaction, and a unique violation leaves nothing behind.
       Elsewhere: the parent's ``INSERT ... RETURNING``, then one ``INSERT``
       per linked row (copies from the parent's prepared values), in one
       ``atomic`` block (a savepoint when the caller holds a transaction).
    """
    model = plan.model
    if parent.pk is not None or model._meta.parents:
        raise TypeError("insert_linked: a new row of a model without parents")
    using = router.db_for_write(model, instance=parent)
    connection = connections[using]
    params = plan.values_of(parent, connection)
    rows = [
        row.plan.values_from(
            row.values(parent) if callable(row.values) else row.values, connection
        )
        for row in linked
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one pass per row: its own values to send, its markers' places
            shape = []
            for row, values in zip(linked, rows, strict=True):
                at = []
                for i, v in enumerate(values):
                    if v is PARENT_ID:
                        at.append((i, None))
                    elif type(v) is FromParent:
                        at.append((i, v.attname))
                    else:
                        params.append(v)
                shape.append((id(row.plan), tuple(at)))
            sql = _linked_sql(connection, plan, linked, tuple(shape))
            cursor.execute(
                _execute_prepared(connection, cursor, sql, len(params)), params
            )
            pk = cursor.fetchone()[0]
        else:
            own = dict(zip(plan.attnames, params, strict=True))
            with transaction.atomic(using=using):
                pk = _insert_returning_pk(cursor, connection, plan, params)
                for row, values in zip(linked, rows, strict=True):
                    values = [
                        pk
                        if v is PARENT_ID
                        else own[v.attname]
                        if type(v) is FromParent
                        else v
                        for v in values
                    ]
                    cursor.execute(
                        f"{row.plan.into(connection)} VALUES ({_marks(len(values))})",
                        values,
                    )
    parent.pk = pk
    parent._state.adding = False
    parent._state.db = using


_linked_sqls: dict[tuple, str] = {}


def _insert_returning_pk(cursor, connection, plan: InsertPlan, params) -> int:
    if connection.features.can_return_columns_from_insert:
        cursor.execute(_returning_sql(connection, plan, len(params)), params)
        return cursor.fetchone()[0]
    cursor.execute(f"{plan.into(connection)} VALUES ({_marks(len(params))})", params)
    meta = plan.model._meta
    return connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)


def _returning_sql(connection, plan: InsertPlan, n: int, more: str = "") -> str:
    pk = connection.ops.quote_name(plan.model._meta.pk.column)
    return f"{plan.into(connection)} VALUES ({_marks(n)}) RETURNING {pk}{more}"


def _linked_sql(connection, plan: InsertPlan, linked, shape: tuple) -> str:
    """The one PostgreSQL statement; its text depends only on the plans and
    on where the markers stand, so it is built once per call site.

    A linked row's own values are typed by a ``CAST`` to the column's type
    without length (``INSERT ... SELECT`` does not type a bare literal by
    its target column; an over-long string is still refused, not cut).
    ``shape``: per linked row, its plan's id and its markers' places
    (``(index, None)`` for the parent's key, ``(index, attname)`` for a copy).
    """
    key = (id(plan), shape)
    sql = _linked_sqls.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        meta = plan.model._meta
        pk = qn(meta.pk.column)
        copied = sorted({a for _, at in shape for _, a in at if a is not None})
        # get_field knows attnames too (a foreign key's ``customer_id``)
        columns = {a: qn(meta.get_field(a).column) for a in copied}
        more = "".join(f", {columns[a]}" for a in copied)
        parts = [
            f"WITH p AS ({_returning_sql(connection, plan, len(plan.fields), more)})"
        ]
        for n, (row, (_, at)) in enumerate(zip(linked, shape, strict=True)):
            markers = dict(at)
            cells = []
            for i, f in enumerate(row.plan.fields):
                if i not in markers:
                    cells.append(f"CAST(%s AS {f.cast_db_type(connection)})")
                elif markers[i] is None:
                    cells.append(f"p.{pk}")
                else:
                    cells.append(f"p.{columns[markers[i]]}")
            parts.append(
                f", l{n} AS ({row.plan.into(connection)} "
                f"SELECT {', '.join(cells)} FROM p)"
            )
        parts.append(f" SELECT {pk} FROM p")
        sql = _linked_sqls[key] = "".join(parts)
    return sql


def _execute_prepared(connection, cursor, sql: str, n: int) -> str:
    """``EXECUTE`` of ``sql`` (a PostgreSQL statement with ``n`` ``%s``
    parameters), which this database session prepares on first use.

    A prepared statement lives as long as the session (a ``ROLLBACK`` does
    not remove it; a reconnection starts a new set, hence the names are kept
    with the driver's connection object). Its plan is re-made by PostgreSQL
    when a table it writes changes. Values are bound and refused exactly as
    in the plain statement (assignment to the same columns: a unique
    violation is still an ``IntegrityError``, an over-long string still an
    error). The ``PREPARE`` goes through Django's cursor, so it shows in the
    query log like any statement.
    """
    raw = connection.connection
    known = getattr(connection, "_prepared_inserts", None)
    if known is None or known[0] is not raw:
        known = connection._prepared_inserts = (raw, {})
    calls = known[1]
    call = calls.get(sql)
    if call is None:
        if "%%" in sql:
            raise ValueError("insert_linked: a literal % in the statement")
        name = f"dc_insert_{len(calls)}"
        pieces = sql.split("%s")
        numbered = pieces[0] + "".join(
            f"${i}{piece}" for i, piece in enumerate(pieces[1:], 1)
        )
        cursor.execute(f"PREPARE {name} AS {numbered}")
        call = calls[sql] = f"EXECUTE {name}({_marks(n)})"
    return call


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)
