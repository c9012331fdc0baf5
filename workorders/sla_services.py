"""Work-order writes of the SLA control (过程管控).

The ``sla`` app decides (approvals, recipients, notices) and calls these; they
write the order, its timeline and its history, in the caller's transaction,
and recompute ``sla_next_check_at`` with every change (``services.
work_order_sla_fields``). Urges, escalations, suspension, resumption, an
approved reschedule and the periodic scan's bookkeeping live here because
only the workorders app writes work orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils.translation import gettext

from dispatch_center.errors import InvalidTransition
from dispatch_center.history import history_record, history_row, history_save

from . import rules
from .models import EventKind, Status, WorkOrder, WorkOrderEvent
from .services import (
    _ensure_may_work_on,
    event_record,
    timeline_row,
    work_order_sla_fields,
    work_order_transition,
)

#: Where an order may be suspended from (SPEC §3: any open state after dispatch).
SUSPENDABLE = rules.ASSIGNED_STATES
#: Where an appointment may be rescheduled: open and not suspended.
RESCHEDULABLE = rules.OPEN_STATES - {rules.SUSPENDED}


def work_order_check_worker(order: WorkOrder, by) -> None:
    """``Forbidden`` unless ``by`` is a dispatcher/supervisor or the assignee."""
    _ensure_may_work_on(order, by)


def work_order_lock(order_id: int) -> WorkOrder:
    """The order's row, locked until the end of the caller's transaction.

    Urges, escalations and approvals read the current counters and levels
    under this lock, so two of them (or one and the scan) never both act on
    the same stale value.
    """
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("technician", "customer", "group")
        .get(pk=order_id)
    )


def _update(order: WorkOrder, fields: dict, *, now: datetime, **where) -> bool:
    """Set ``fields`` (plus the SLA bookkeeping) if the row still matches ``where``."""
    values = {**fields, **work_order_sla_fields(order, order.status, fields)}
    changed = WorkOrder.objects.filter(pk=order.pk, **where).update(
        updated_at=now, **values
    )
    if changed:
        order.updated_at = now
        for attr, value in values.items():
            setattr(order, attr, value)
    return bool(changed)


def work_order_urge(order: WorkOrder, *, by, now: datetime, note: str) -> int:
    """Count a customer's chase (催单) on an open order; returns its number."""
    with transaction.atomic():
        locked = work_order_lock(order.pk)
        if locked.status not in rules.OPEN_STATES:
            raise InvalidTransition(
                gettext("工单状态为“%(status)s”，不能催单。")
                % {"status": rules.status_label(locked.status)}
            )
        number = locked.urge_count + 1
        _update(locked, {"urge_count": number}, now=now, status=locked.status)
        event_record(
            locked,
            kind=EventKind.URGE,
            by=by,
            now=now,
            reason=note or f"第{number}次催单",
            data={"urge": number, "note": note},
        )
        history_record(locked, by=by, at=now, reason=f"催单{number}")
    order.urge_count = number
    order.sla_next_check_at = locked.sla_next_check_at
    return number


def work_order_escalate(
    order: WorkOrder,
    *,
    level: int,
    by,
    now: datetime,
    reason: str,
    data: dict | None = None,
) -> bool:
    """Raise the escalation level to ``level``; never lowers it.

    Compare-and-set (``WHERE escalation_level < level``): False when the
    order is already there, e.g. the scan or another escalation came first.
    """
    with transaction.atomic():
        previous = order.escalation_level
        raised = _update(
            order,
            {"escalation_level": level},
            now=now,
            escalation_level__lt=level,
        )
        if not raised:
            return False
        event_record(
            order,
            kind=EventKind.ESCALATION,
            by=by,
            now=now,
            reason=reason,
            data={"level": level, "previous_level": previous, **(data or {})},
        )
        history_record(order, by=by, at=now, reason=f"升级{level}级")
    return True


def work_order_suspend(
    order: WorkOrder, *, by, now: datetime, reason: str, data: dict | None = None
) -> WorkOrder:
    """Enter an approved suspension (挂起): the internal SLA clock stops."""
    if order.status not in SUSPENDABLE:
        raise InvalidTransition(
            gettext("工单状态为“%(status)s”，不能挂起。")
            % {"status": rules.status_label(order.status)}
        )
    return work_order_transition(
        order,
        Status.SUSPENDED,
        by=by,
        now=now,
        reason=reason,
        fields={"suspended_at": now, "status_before_suspend": order.status},
        event_kind=EventKind.SUSPEND,
        data=data,
    )


def work_order_resume(order: WorkOrder, *, by, now: datetime) -> WorkOrder:
    """Leave a suspension: back to the state before it, the paused time added
    to the internal deadline (``rules.resume_times``)."""
    work_order_check_worker(order, by)
    if order.status != Status.SUSPENDED or order.suspended_at is None:
        raise InvalidTransition(
            gettext("工单状态为“%(status)s”，没有可解除的挂起。")
            % {"status": rules.status_label(order.status)}
        )
    back_to = order.status_before_suspend or (
        Status.DISPATCHED if order.technician_id else ""
    )
    if not back_to:
        raise InvalidTransition(gettext("工单没有可恢复到的状态。"))
    resumed = rules.resume_times(
        suspended_at=order.suspended_at,
        now=now,
        sla_deadline=order.sla_deadline,
        first_response_due=order.first_response_due,
        first_contact_at=order.first_contact_at,
    )
    paused = int(resumed.paused.total_seconds())
    return work_order_transition(
        order,
        back_to,
        by=by,
        now=now,
        reason=f"解除挂起(挂起{_duration_text(resumed.paused)})",
        fields={
            "suspended_at": None,
            "status_before_suspend": "",
            "paused_seconds": order.paused_seconds + paused,
            "sla_deadline": resumed.sla_deadline,
            "first_response_due": resumed.first_response_due,
        },
        event_kind=EventKind.RESUME,
        data={
            "paused_seconds": paused,
            "suspended_at": rules.local(order.suspended_at).isoformat(),
            "sla_deadline": rules.local(resumed.sla_deadline).isoformat(),
        },
    )


def work_order_reschedule(
    order: WorkOrder,
    *,
    appointment_start: datetime,
    appointment_end: datetime,
    by,
    now: datetime,
    reason: str,
    data: dict | None = None,
) -> WorkOrder:
    """An approved reschedule (改约): new appointment, new deadline.

    The status does not change; the update is conditional on the status read
    (compare-and-set) so a concurrent completion or cancel wins cleanly.
    The new deadline restarts the internal clock and re-arms the warnings.
    """
    if order.status not in RESCHEDULABLE:
        raise InvalidTransition(
            gettext("工单状态为“%(status)s”，不能改约。")
            % {"status": rules.status_label(order.status)}
        )
    previous = order.deadline
    with transaction.atomic():
        changed = _update(
            order,
            {
                "appointment_start": appointment_start,
                "appointment_end": appointment_end,
                "deadline": appointment_end,
                "deadline_basis": "改约: 按客户确认的新预约时间完成",
                "deadline_follows_appointment": False,
            },
            now=now,
            status=order.status,
        )
        if not changed:
            raise InvalidTransition(
                gettext("工单 %(number)s 已被他人修改，请刷新后重试。")
                % {"number": order.number}
            )
        event_record(
            order,
            kind=EventKind.RESCHEDULE,
            by=by,
            now=now,
            reason=reason,
            data={
                "appointment_start": rules.local(appointment_start).isoformat(),
                "appointment_end": rules.local(appointment_end).isoformat(),
                "previous_deadline": rules.local(previous).isoformat(),
                **(data or {}),
            },
        )
        history_record(order, by=by, at=now, reason="改约")
    return order


def _duration_text(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}小时{minutes}分钟" if hours else f"{minutes}分钟"


# --- the periodic scan's bookkeeping ----------------------------------------


@dataclass
class SlaProgress:
    """What one scan pass processed on one locked order."""

    order: WorkOrder
    state: rules.SlaState  # after processing
    next_check_at: datetime | None
    #: timeline lines: dicts of WorkOrderEvent fields (kind, reason, data)
    events: list[dict] = field(default_factory=list)


def work_orders_sla_progress(progress: list[SlaProgress], *, now: datetime) -> int:
    """Write a batch of scan results in three bulk statements.

    1. One UPDATE for the batch (``_write_progress``): flags, level and next
       check time.
    2. The timeline events.
    3. History rows for the orders whose level or first-response flag moved.

    The caller holds the rows locked (``SELECT … FOR UPDATE``).
    """
    if not progress:
        return 0
    _write_progress(progress, now)
    events: list[WorkOrderEvent] = []
    histories = []
    for p in progress:
        order = p.order
        moved = (
            order.escalation_level != p.state.escalation_level
            or order.sla_ladder_level != p.state.ladder_level
            or order.first_response_missed != p.state.first_response_missed
        )
        order.sla_warnings_sent |= p.state.warnings_sent
        order.first_response_missed = p.state.first_response_missed
        order.escalation_level = max(order.escalation_level, p.state.escalation_level)
        order.sla_ladder_level = max(order.sla_ladder_level, p.state.ladder_level)
        order.sla_next_check_at = p.next_check_at
        order.updated_at = now
        for line in p.events:
            events.append(
                timeline_row(WorkOrderEvent, order=order, by=None, now=now, **line)
            )
        if moved:
            histories.append(history_row(order, by=None, at=now, reason="过程管控"))
    WorkOrderEvent.objects.bulk_create(events, batch_size=1000)
    history_save(histories)
    return len(events)


def _write_progress(progress: list[SlaProgress], now: datetime) -> None:
    """One ``UPDATE … FROM (VALUES …)`` for the whole batch.

    ``bulk_update`` would build a ``CASE WHEN id = … THEN …`` per row and
    field, which costs more Python than the rest of the pass; a joined VALUES
    list is one short statement on PostgreSQL and on SQLite (3.33+). The
    level is written as the greater of the stored and the new one and the
    warning flags as a bitwise OR: even a writer that slipped past the row
    locks could never lower a level or re-arm a warning.
    """
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    stamp = "%s::timestamptz" if postgres else "%s"
    greatest = "GREATEST" if postgres else "MAX"
    table = ops.quote_name(WorkOrder._meta.db_table)
    rows, params = [], []
    for p in progress:
        rows.append(f"(%s, {stamp}, %s, %s, %s, %s)")
        params += [
            p.order.pk,
            ops.adapt_datetimefield_value(p.next_check_at),
            p.state.warnings_sent,
            p.state.first_response_missed,
            p.state.escalation_level,
            p.state.ladder_level,
        ]
    sql = (
        f"UPDATE {table} SET "
        "sla_next_check_at = v.column2, "
        f"sla_warnings_sent = {table}.sla_warnings_sent | v.column3, "
        "first_response_missed = v.column4, "
        f"escalation_level = {greatest}({table}.escalation_level, v.column5), "
        f"sla_ladder_level = {greatest}({table}.sla_ladder_level, v.column6), "
        f"updated_at = {stamp} "
        f"FROM (VALUES {', '.join(rows)}) AS v "
        f"WHERE {table}.id = v.column1"
    )
    with connection.cursor() as cursor:
        # the SET clause (updated_at) comes before the VALUES in the text
        cursor.execute(sql, [ops.adapt_datetimefield_value(now), *params])
