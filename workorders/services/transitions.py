"""The one transition service: lifecycle check, compare-and-set, timeline."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from dispatch_center.db import update_rows_where
from dispatch_center.errors import InvalidTransition
from dispatch_center.history import history_row, history_save

from .. import rules
from ..models import EventKind, WorkOrder, WorkOrderEvent
from ..selectors import service_policy
from .events import _crm_callbacks, timeline_row


@dataclass
class Change:
    """One requested transition of one order."""

    order: WorkOrder
    to: str
    reason: str = ""
    fields: dict = field(default_factory=dict)
    event_kind: str = EventKind.STATUS
    data: dict | None = None


def _derived_fields(order: WorkOrder, to: str, fields: dict, now: datetime) -> dict:
    """Fields every transition recomputes from the order's new state.

    The single place for state derived on each change (e.g. SLA check times),
    so the one-order and the bulk path can never disagree.
    """
    return work_order_sla_fields(order, to, fields)


def work_order_sla_fields(order: WorkOrder, status: str, fields: dict) -> dict:
    """The SLA bookkeeping that follows from setting ``fields`` (and ``status``).

    ``sla_next_check_at`` is recomputed in the same UPDATE as every change,
    so the scan (which selects on it) never misses nor re-reads an order.
    A new customer-facing deadline (an appointment the customer agreed to)
    restarts the internal clock and re-arms the warnings.
    """
    derived: dict = {}
    if "dispatched_at" in fields and "first_response_missed" not in fields:
        derived["first_response_missed"] = False  # a new 30-minute clock
    if "deadline" in fields and fields["deadline"] != order.deadline:
        if "sla_deadline" not in fields:
            derived["sla_deadline"] = fields["deadline"]
        if "sla_warnings_sent" not in fields:
            derived["sla_warnings_sent"] = 0
    if "sla_next_check_at" not in fields:
        state = order.sla_state(status=status, **fields, **derived)
        derived["sla_next_check_at"] = rules.sla_next_check(state, service_policy().sla)
    return derived


def work_orders_transition(changes: list[Change], *, by, now: datetime) -> list[Change]:
    """Apply transitions with compare-and-set; return those that won.

    1. Check each against the lifecycle (``InvalidTransition`` before any write).
    2. ``UPDATE … WHERE id = %s AND status = <status we read>`` for every order
       (alike changes in one statement): when two dispatchers, the engine or a
       retried call race, exactly one wins; a loser is left out of the result
       instead of overwriting the winner.
    3. Timeline events and history rows of the winners in bulk, in the same
       transaction, then CRM status callbacks into the outbox.
    """
    for change in changes:
        rules.check_transition(change.order.status, change.to)
    won: list[tuple[Change, str]] = []
    with transaction.atomic():
        planned = [
            (
                change,
                change.order.status,
                {
                    **change.fields,
                    **_derived_fields(change.order, change.to, change.fields, now),
                },
            )
            for change in changes
        ]
        matched = _compare_and_set(planned, now)
        for change, src, values in planned:
            order = change.order
            if order.pk not in matched:
                continue  # another transaction moved it first
            order.status = change.to
            order.updated_at = now
            for attr, value in values.items():
                setattr(order, attr, value)
            won.append((change, src))
        if not won:
            return []
        events = WorkOrderEvent.objects.bulk_create(
            [
                timeline_row(
                    WorkOrderEvent,
                    order=change.order,
                    kind=change.event_kind,
                    by=by,
                    now=now,
                    from_status=src,
                    to_status=change.to,
                    reason=change.reason,
                    data=change.data,
                )
                for change, src in won
            ]
        )
        history_save(
            history_row(change.order, by=by, at=now, reason=change.reason or change.to)
            for change, _src in won
        )
        _crm_callbacks(
            [
                (change.order, event)
                for (change, _src), event in zip(won, events, strict=True)
            ],
            now,
        )
    return [change for change, _src in won]


def _compare_and_set(planned: list[tuple[Change, str, dict]], now: datetime) -> set:
    """``UPDATE … WHERE id = … AND status = <status read> AND technician =
    <technician read>``; the ids that won.

    The technician is part of what was read: two dispatchers reassigning the
    same dispatched order at once both read "dispatched, T1"; the first moves
    it to T2, the second's row no longer says T1 and it loses (without the
    technician both would win: two SMS, a timeline that disagrees with the
    order). Changes alike (same from/to status, same columns, same technician
    read) share one statement: the engine moves thousands of orders from
    pending to dispatched a pass. Values are concrete (no ``F()``): the history
    row copies them.
    """
    alike: dict[tuple, list[tuple[Change, dict]]] = defaultdict(list)
    for change, src, values in planned:
        key = (src, change.order.technician_id, change.to, frozenset(values))
        alike[key].append((change, values))
    matched: set = set()
    for (src, technician_id, to, _columns), batch in alike.items():
        if len(batch) == 1:
            change, values = batch[0]
            if WorkOrder.objects.filter(
                pk=change.order.pk, status=src, technician_id=technician_id
            ).update(status=to, updated_at=now, **values):
                matched.add(change.order.pk)
            continue
        matched |= update_rows_where(
            WorkOrder,
            [(change.order.pk, values) for change, values in batch],
            common={"status": to, "updated_at": now},
            expect={"status": src, "technician": technician_id},
        )
    return matched


def work_order_transition(
    order: WorkOrder,
    to: str,
    *,
    by,
    now: datetime,
    reason: str = "",
    fields: dict | None = None,
    event_kind: str = EventKind.STATUS,
    data: dict | None = None,
) -> WorkOrder:
    """Move one order; ``InvalidTransition`` if someone else moved it first."""
    change = Change(order, to, reason, dict(fields or {}), event_kind, data)
    if not work_orders_transition([change], by=by, now=now):
        current, technician = (
            WorkOrder.objects.filter(pk=order.pk)
            .values_list("status", "technician__code")
            .first()
        ) or (None, None)
        if current == order.status:  # same status, someone else's technician
            raise InvalidTransition(
                gettext("工单 %(number)s 已被改派给 %(code)s，请刷新后重试。")
                % {"number": order.number, "code": technician}
            )
        raise InvalidTransition(
            gettext(
                "工单 %(number)s 已是“%(current)s”，不再是“%(was)s”，请刷新后重试。"
            )
            % {
                "number": order.number,
                "current": rules.status_label(current),
                "was": rules.status_label(order.status),
            }
        )
    return order
