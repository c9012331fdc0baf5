"""Statements built with the ORM once per process and shape, then run with new
values through a cursor.

A poll answered with ``304`` runs a few small indexed statements; compiling
them with the ORM costs several times the CPU of running them. ``Prepared``
builds a statement's queryset once with stand-in values, finds where each
stand-in landed among the SQL parameters, and from then on runs the same SQL
with the real values in those places. The SQL is the ORM's (table and column
names, quoting and lookups of the backend in use), so it stays portable.

What a stand-in can be, and how its real value is put in its place:

- an ``int`` (an id): as is;
- a ``str`` matched whole, or inside a ``contains``/``icontains`` pattern:
  escaped for ``LIKE`` as the ORM does;
- a ``date`` or an aware ``datetime``: adapted for the backend as the ORM does.

The shape is the caller's key: everything that changes the SQL text (which
filters are set, a slice's bounds, the number of ids in an ``IN``) must be in
it; only values go through the stand-ins. Rows come back as the database
driver gives them, without the ORM's converters (a marker compares them, it
does not show them). Statements run on the default database (the desk's; no
replica routing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet, Value

Built = QuerySet | tuple[str, list | tuple]

_INT_BASE = -1_987_650_000  # never an id; inside a 32-bit column's range
_DAY_BASE = date(1901, 1, 1)
_INSTANT_BASE = datetime(1901, 1, 1, tzinfo=UTC)


def _stand_in(value: object, n: int) -> object:
    if isinstance(value, bool):
        raise TypeError("a bool has no stand-in: make it part of the shape")
    if isinstance(value, int):
        return _INT_BASE - n
    if isinstance(value, str):
        return f"zzstandin{n}zz"
    if isinstance(value, datetime):
        return _INSTANT_BASE + timedelta(minutes=n)
    if isinstance(value, date):
        return _DAY_BASE + timedelta(days=n)
    raise TypeError(f"no stand-in for a {type(value).__name__}")


def _adapt(value: object) -> object:
    """``value`` as the ORM passes it to the cursor."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def scalars(*querysets: QuerySet) -> tuple[str, list]:
    """One statement selecting the single value of each queryset (each
    selects one column of at most one row, e.g. ``aggregate_of``)."""
    parts, params = [], []
    for qs in querysets:
        sql, found = qs.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(found)
    return "SELECT " + ", ".join(parts), params


def aggregate_of(qs: QuerySet, expression) -> QuerySet:
    """``qs.aggregate(expression)`` as a queryset of one value (not run)."""
    return (
        qs.order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(_value=expression)
        .values("_value")
    )


class Prepared:
    """SQL per shape, compiled once per process (a bounded number of shapes)."""

    def __init__(self, *, max_shapes: int = 1000):
        self.max_shapes = max_shapes
        self._lock = threading.Lock()
        self._compiled: dict[Hashable, tuple[str, list, list]] = {}

    def rows(
        self,
        shape: Hashable,
        build: Callable[[Mapping[str, Any]], Built],
        values: Mapping[str, Any],
    ) -> list[tuple]:
        """The rows of ``build(values)``, compiled for ``shape`` the first time.

        ``build`` receives stand-ins for ``values`` (same keys, same types)
        and returns a queryset (its ``values_list``, a slice...) or an
        ``(sql, params)`` pair; every value must reach the SQL as a parameter.
        """
        key = (connection.vendor, shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(build, values)
            with self._lock:
                if len(self._compiled) >= self.max_shapes:
                    self._compiled.clear()
                self._compiled[key] = compiled
        sql, params, slots = compiled
        params = list(params)
        for index, name, stand_in in slots:
            value = values[name]
            if params[index] == stand_in or not isinstance(value, str):
                params[index] = _adapt(value)
            else:  # inside a LIKE pattern
                escaped = connection.ops.prep_for_like_query(value)
                params[index] = params[index].replace(stand_in, escaped)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _compile(self, build, values) -> tuple[str, list, list]:
        stand_ins = {
            name: _stand_in(value, n) for n, (name, value) in enumerate(values.items())
        }
        built = build(stand_ins)
        if isinstance(built, QuerySet):
            sql, params = built.query.sql_with_params()
        else:
            sql, params = built
        slots, seen = [], set()
        for index, param in enumerate(params):
            for name, stand_in in stand_ins.items():
                if isinstance(stand_in, str) and isinstance(param, str):
                    hit = stand_in in param
                    place = stand_in
                else:
                    place = _adapt(stand_in)
                    hit = type(param) is type(place) and param == place
                if hit:
                    slots.append((index, name, place))
                    seen.add(name)
        missing = set(stand_ins) - seen
        if missing:
            # a value the SQL does not show, or one adapted another way than
            # here: running it would answer for the stand-in
            raise ValueError(f"values not found among the parameters: {missing}")
        return sql, list(params), slots
