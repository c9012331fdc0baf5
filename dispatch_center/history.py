"""django-simple-history rows written by the services themselves.

simple-history records a row on ``Model.save()``. The services change most
rows with compare-and-set ``UPDATE``s and bulk inserts, which it does not see,
and on the intake hot path its signal handler costs more than the row (every
``Model.history`` access builds a manager class). They write the row here
instead: the same columns, who, when and why.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from datetime import datetime

from .inserts import PARENT_ID, FromParent, InsertPlan, Linked

CREATED = "+"
CHANGED = "~"

_models: dict[type, tuple[type, list[str]]] = {}
# model -> (its history model's plan, the copies of the model's own columns)
_copies: dict[type, tuple[InsertPlan, dict]] = {}


def _historical(cls: type) -> tuple[type, list[str]]:
    """The history model of ``cls`` and the attributes it copies."""
    found = _models.get(cls)
    if found is None:
        # getattr_static: the descriptor itself, without building a manager.
        model = inspect.getattr_static(cls, "history").model
        found = _models[cls] = (model, [f.attname for f in model.tracked_fields])
    return found


def history_row(instance, *, by, at: datetime, reason: str, kind: str = CHANGED):
    """An unsaved history row: the instance's tracked fields as they are now."""
    model, attnames = _historical(type(instance))
    return model(
        history_date=at,
        history_type=kind,
        history_user=by,
        history_change_reason=reason[:100] or None,
        **{name: getattr(instance, name) for name in attnames},
    )


def history_save(rows: Iterable) -> None:
    """Insert history rows (of one model) in one statement per 1,000."""
    rows = list(rows)
    if len(rows) == 1:
        rows[0].save(force_insert=True)  # cheaper than bulk_create for one
    elif rows:
        type(rows[0]).objects.bulk_create(rows, batch_size=1000)


def history_record(instance, *, by, at: datetime, reason: str, kind: str = CHANGED):
    """Write one history row for ``instance``."""
    history_save([history_row(instance, by=by, at=at, reason=reason, kind=kind)])


def history_linked(instance, *, by, at: datetime, reason: str, kind: str = CREATED):
    """The history row of a new ``instance``, to insert with it
    (``dispatch_center.inserts.insert_linked``): the columns ``history_row``
    would copy, taken from the instance's own row as inserted (sent once),
    with the primary key that insert gives it."""
    cls = type(instance)
    found = _copies.get(cls)
    if found is None:
        model, attnames = _historical(cls)
        copies = {name: FromParent(name) for name in attnames}
        copies[cls._meta.pk.attname] = PARENT_ID
        found = _copies[cls] = (InsertPlan(model), copies)
    plan, copies = found
    values = dict(copies)
    values["history_date"] = at
    values["history_type"] = kind
    values["history_user_id"] = by.pk if by is not None else None
    values["history_change_reason"] = reason[:100] or None
    return Linked(plan, values)
