"""Counters: the numerators and denominators a report sums over its days.

Pure: no ORM, no clock, no settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from operator import itemgetter

from .. import appointments

#: Integer counters, in the order of the rollup table's columns.
INT_COUNTERS = (
    # entry date (录入时间) of the order
    "received",
    "cancelled",
    "repair_received",
    "repeat_faults",
    "repair_received_vip",
    "repeat_faults_vip",
    "repair_received_ordinary",
    "repeat_faults_ordinary",
    "repair_received_broadband_vip",
    "repeat_faults_broadband_vip",
    "repair_received_broadband_ordinary",
    "repeat_faults_broadband_ordinary",
    # completion date (竣工时间)
    "completed",
    "sd_install_due",
    "sd_install_on_time",
    "sd_repair_due",
    "sd_repair_on_time",
    "repair_done",
    "repair_on_time",
    "repair_done_broadband",
    "repair_on_time_broadband",
    "repair_done_itv",
    "repair_on_time_itv",
    "repair_done_phone",
    "repair_on_time_phone",
    "remote_resolved",
    "remote_resolved_broadband",
    "kept_due",
    "kept",
    "onsite_done",
    # dispatch date
    "dispatched",
    "first_response_on_time",
    # callback date (回访时间)
    "callbacks",
    "satisfied",
    "cb_contact_good",
    "cb_punctuality_good",
    "cb_skill_good",
    "cb_attitude_good",
    # complaint date (受理时间)
    "complaints",
    "complaints_product_quality",
    "complaints_marketing_channel",
    "complaints_service_support",
    "complaints_order_linked",
    # SLA events (时间)
    "urges",
    "escalations",
    # claims (竣工时间 of the order)
    "compensation_count",
    # approvals (申请时间), approved only
    "suspensions",
    "reschedules",
    # the rest rota, on the Monday of each week, per technician
    "rota_weeks",
    "rota_weeks_rested",
) + appointments.INT_COUNTERS  # SPEC §14
#: Decimal counters (two places).
DECIMAL_COUNTERS = ("compensation_amount", "workload_hours")
COUNTERS = INT_COUNTERS + DECIMAL_COUNTERS

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def empty_counters() -> dict:
    counters: dict = dict.fromkeys(INT_COUNTERS, 0)
    counters.update(dict.fromkeys(DECIMAL_COUNTERS, ZERO))
    return counters


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)) if value else ZERO


def add_counters(total: dict, more: Mapping) -> dict:
    """Add ``more`` into ``total`` (in place); missing or None values count 0."""
    for name in INT_COUNTERS:
        total[name] += more.get(name) or 0
    for name in DECIMAL_COUNTERS:
        total[name] += _decimal(more.get(name))
    return total


def counters_from_row(row: dict) -> dict:
    """Counters from a row of ``SUM(...) GROUP BY`` over the rollup table, in
    place. The columns are NOT NULL, so no sum of a group is NULL; the decimal
    ones become ``Decimal`` (SQLite gives numbers)."""
    for name in DECIMAL_COUNTERS:
        value = row[name]
        if not isinstance(value, Decimal):
            row[name] = _decimal(value)
    return row


def sum_counters(rows: Iterable[Mapping]) -> dict:
    """The sum of complete counter dicts (``empty_counters`` and the like)."""
    rows = list(rows)
    total = {name: sum(map(itemgetter(name), rows)) for name in INT_COUNTERS}
    for name in DECIMAL_COUNTERS:
        total[name] = sum(map(itemgetter(name), rows), ZERO)
    return total


def is_empty(counters: Mapping) -> bool:
    return not any(map(counters.get, COUNTERS))
