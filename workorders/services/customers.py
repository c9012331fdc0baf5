"""The customer an intake matches: one hand-written statement, built once.

Built with the ORM, this ``SELECT`` (filters, a subquery, ordering, a
limit) cost more CPU to compile on every create than the database spent
answering it (issue 18, bench/intake_profile.py). Its shape depends only on
whether an account is given and whether the order is a repair, so the SQL is
built once per shape from the models' column names, and the row goes through
the same converters Django applies to a queryset's.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connections, router

from ..models import Customer, Kind, WorkOrder

_statements: dict[tuple[str, bool, bool], str] = {}
_converters: dict[str, list] = {}


def customer_match(
    *, phone: str, account: str, repair_product: str | None, accepted_at: datetime
) -> Customer | None:
    """The customer with this phone (and account when given), the oldest if
    several; ``None`` if there is none.

    For a repair (``repair_product`` given) the instance also carries
    ``last_repair_done_at``: when the customer's previous repair of that
    product completed, at or before ``accepted_at`` (the repeat-fault rule),
    read by a subquery in the same statement (index
    ``wo_customer_product_done``).
    """
    # the primary, like the write this read decides (never a lagging replica)
    using = router.db_for_write(Customer)
    connection = connections[using]
    repair = repair_product is not None
    params: list = []
    if repair:
        completed = connection.ops.adapt_datetimefield_value(accepted_at)
        params += [Kind.REPAIR.value, repair_product, completed]
    params.append(phone)
    if account:
        params.append(account)
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection, bool(account), repair), params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = _convert(connection, row)
    fields = Customer._meta.concrete_fields
    customer = Customer.from_db(using, [f.attname for f in fields], row[: len(fields)])
    if repair:
        customer.last_repair_done_at = row[len(fields)]
    return customer


def _sql(connection, with_account: bool, repair: bool) -> str:
    key = (connection.vendor, with_account, repair)
    sql = _statements.get(key)
    if sql is not None:
        return sql
    qn = connection.ops.quote_name
    c_meta, w_meta = Customer._meta, WorkOrder._meta

    def w(name: str) -> str:
        return "w." + qn(w_meta.get_field(name).column)

    def c(name: str) -> str:
        return "c." + qn(c_meta.get_field(name).column)

    columns = [f"c.{qn(f.column)}" for f in c_meta.concrete_fields]
    if repair:
        columns.append(
            f"(SELECT {w('completed_at')} FROM {qn(w_meta.db_table)} w "
            f"WHERE {w('customer')} = {c('id')} AND {w('kind')} = %s "
            f"AND {w('product')} = %s AND {w('completed_at')} IS NOT NULL "
            f"AND {w('completed_at')} <= %s "
            f"ORDER BY {w('completed_at')} DESC LIMIT 1)"
        )
    where = f"{c('phone')} = %s" + (f" AND {c('account')} = %s" if with_account else "")
    sql = _statements[key] = (
        f"SELECT {', '.join(columns)} FROM {qn(c_meta.db_table)} c "
        f"WHERE {where} ORDER BY {c('id')} LIMIT 1"
    )
    return sql


def _convert(connection, row) -> list:
    """The row's values as the ORM would give them (e.g. SQLite's datetimes
    arrive as text)."""
    converters = _converters.get(connection.vendor)
    if converters is None:
        fields = [
            *Customer._meta.concrete_fields,
            WorkOrder._meta.get_field("completed_at"),
        ]
        converters = []
        for i, field in enumerate(fields):
            col = field.get_col(field.model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(
                connection
            )
            if found:
                converters.append((i, found, col))
        _converters[connection.vendor] = converters
    row = list(row)
    for i, found, col in converters:
        if i < len(row):
            for convert in found:
                row[i] = convert(row[i], col, connection)
    return row
