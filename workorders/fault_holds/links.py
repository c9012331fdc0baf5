"""Orders linked to a fault: link, release, intercept, complete on restore, reopen."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from dispatch_center.history import history_row, history_save

from .. import rules
from ..fault_sms import crm_fault_callbacks
from ..models import (
    EventKind,
    FaultHold,
    Kind,
    Resolution,
    Status,
    WorkOrder,
    WorkOrderEvent,
)


def orders_link(
    orders: list[WorkOrder],
    *,
    fault_id: int,
    fault_number: str,
    by,
    now: datetime,
    reason: str,
    intercepted: bool = False,
) -> list[WorkOrder]:
    """Link open, unlinked repairs to a fault and hold them from dispatch.

    Compare-and-set on ``network_fault IS NULL`` and an open status: an order
    linked elsewhere, or closed meanwhile, is left out of the result.
    """
    ids = [o.pk for o in orders]
    fields = {"network_fault_id": fault_id, "fault_hold": True}
    if intercepted:
        fields["fault_intercepted"] = True
    with transaction.atomic():
        won = set(
            WorkOrder.objects.filter(
                pk__in=ids,
                network_fault__isnull=True,
                kind=Kind.REPAIR,
                status__in=rules.OPEN_STATES,
            ).values_list("pk", flat=True)
        )
        WorkOrder.objects.filter(pk__in=won, network_fault__isnull=True).update(
            updated_at=now, **fields
        )
        linked = [o for o in orders if o.pk in won]
        for order in linked:
            for attr, value in fields.items():
                setattr(order, attr, value)
        _record_links(
            linked,
            fault_id=fault_id,
            fault_number=fault_number,
            by=by,
            now=now,
            reason=reason,
        )
    return linked


def _record_links(
    orders, *, fault_id, fault_number, by, now, reason, history: bool = True
) -> None:
    from ..services import actor_name

    WorkOrderEvent.objects.bulk_create(
        [
            WorkOrderEvent(
                order=o,
                at=now,
                kind=EventKind.NETWORK_FAULT,
                actor=by,
                actor_name=actor_name(by),
                reason=reason,
                data={
                    "fault": fault_id,
                    "fault_number": fault_number,
                    "action": "link",
                },
            )
            for o in orders
        ]
    )
    if history:
        history_save(
            history_row(o, by=by, at=now, reason="关联网络故障") for o in orders
        )
    crm_fault_callbacks(orders, status="linked", fault_number=fault_number, now=now)


def orders_release_stale(open_fault_ids, *, by, now: datetime) -> list[WorkOrder]:
    """Held repairs whose fault is no longer open go back to normal dispatch.

    An intake that read a fault's hold just before its restoration committed
    links its repair after the restoration's completions: without this sweep
    that repair would stay held forever. Held repairs are few; the scan reads
    only them.
    """
    from ..services import actor_name

    with transaction.atomic():
        stale = list(
            WorkOrder.objects.select_for_update(skip_locked=True)
            .filter(fault_hold=True)
            .exclude(network_fault_id__in=list(open_fault_ids))
        )
        if not stale:
            return []
        WorkOrder.objects.filter(pk__in=[o.pk for o in stale], fault_hold=True).update(
            fault_hold=False, updated_at=now
        )
        for o in stale:
            o.fault_hold = False
        WorkOrderEvent.objects.bulk_create(
            [
                WorkOrderEvent(
                    order=o,
                    at=now,
                    kind=EventKind.NETWORK_FAULT,
                    actor=by,
                    actor_name=actor_name(by),
                    reason="关联的网络故障已结束，转为单独修障",
                    data={"fault": o.network_fault_id, "action": "release_stale"},
                )
                for o in stale
            ]
        )
        history_save(history_row(o, by=by, at=now, reason="故障已结束") for o in stale)
    return stale


def order_mark_intercepted(order: WorkOrder, *, by, now: datetime) -> WorkOrder:
    """The hotline recorded this (already linked) call against its fault."""
    from ..services import event_record

    WorkOrder.objects.filter(pk=order.pk).update(fault_intercepted=True, updated_at=now)
    order.fault_intercepted = True
    event_record(
        order,
        kind=EventKind.NETWORK_FAULT,
        by=by,
        now=now,
        reason="10000号拦截：来电记入网络故障",
        data={"fault": order.network_fault_id, "action": "intercept"},
    )
    return order


def orders_release(
    fault_id: int, *, by, now: datetime, reason: str, only_open: bool = True
) -> list[WorkOrder]:
    """Unlink a dismissed fault's repairs: back to normal dispatch."""
    from ..services import actor_name

    with transaction.atomic():
        qs = WorkOrder.objects.select_for_update().filter(network_fault_id=fault_id)
        if only_open:
            qs = qs.filter(status__in=rules.OPEN_STATES)
        orders = list(qs)
        WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).update(
            network_fault=None,
            fault_hold=False,
            fault_intercepted=False,
            updated_at=now,
        )
        for o in orders:
            o.network_fault_id, o.fault_hold, o.fault_intercepted = None, False, False
        WorkOrderEvent.objects.bulk_create(
            [
                WorkOrderEvent(
                    order=o,
                    at=now,
                    kind=EventKind.NETWORK_FAULT,
                    actor=by,
                    actor_name=actor_name(by),
                    reason=reason,
                    data={"fault": fault_id, "action": "release"},
                )
                for o in orders
            ]
        )
        history_save(
            history_row(o, by=by, at=now, reason="解除网络故障关联") for o in orders
        )
    return orders


def orders_complete_restored(
    fault_id: int,
    *,
    fault_number: str,
    restored_at: datetime,
    by,
    now: datetime,
    force_majeure_evidence: str = "",
    batch: int = 1000,
) -> list[WorkOrder]:
    """Complete every open linked repair at the restoration time.

    Through ``work_orders_transition`` (compare-and-set per order): a repair
    a technician completed a moment earlier is left alone, completed once.
    Suspended repairs cannot complete (lifecycle) and stay for the dispatcher.
    CRM orders get a ``restored`` fault callback besides their status one.
    """
    from ..services import Change, work_orders_transition

    completable = {
        s for s in rules.OPEN_STATES if rules.COMPLETED in rules.TRANSITIONS[s]
    }
    done: list[WorkOrder] = []
    qs = (
        WorkOrder.objects.filter(network_fault_id=fault_id, status__in=completable)
        .select_related("customer", "technician", "group__area")
        .order_by("pk")
    )
    orders = list(qs)
    reason = f"网络故障{fault_number}已恢复，随故障竣工"
    for start in range(0, len(orders), batch):
        changes = [
            Change(
                order,
                Status.COMPLETED,
                reason,
                {
                    "completed_at": restored_at,
                    "resolution": Resolution.NETWORK_FAULT,
                    "fault_hold": False,
                    "completion_note": reason,
                    # a fault is the operator's: only force majeure with
                    # evidence exempts its repairs from 慢必赔 (SPEC §13)
                    "delay_cause": "force_majeure" if force_majeure_evidence else "",
                    "completion_evidence": force_majeure_evidence,
                },
                EventKind.STATUS,
                {"resolution": Resolution.NETWORK_FAULT, "fault": fault_id},
            )
            for order in orders[start : start + batch]
        ]
        done += [c.order for c in work_orders_transition(changes, by=by, now=now)]
    # the CRM hears the completion (a status callback) and why: the fault
    crm_fault_callbacks(done, status="restored", fault_number=fault_number, now=now)
    return done


def work_order_reopen_after_fault(
    order: WorkOrder, *, note: str, by, now: datetime
) -> WorkOrder:
    """A repair closed by a fault's restoration whose problem remains (SPEC §13).

    Back to ``pending`` as an individual repair (no hold), keeping its entry
    time and deadlines; the fault link stays for the reports. Compare-and-set
    on status and resolution: two reopen calls reopen it once.
    """
    from dispatch_center.errors import InvalidTransition

    from ..services import actor_name, work_order_sla_fields

    if order.status != Status.COMPLETED or order.resolution != Resolution.NETWORK_FAULT:
        raise InvalidTransition(
            gettext("工单 %(number)s 不是由网络故障恢复关闭的。")
            % {"number": order.number}
        )
    fields = {
        "completed_at": None,
        "resolution": "",
        "completion_note": "",
        "fault_hold": False,
        "technician": None,
        "first_response_due": None,
        "dispatch_flag": "",
        "dispatch_flag_reason": "",
    }
    fields.update(work_order_sla_fields(order, Status.PENDING, fields))
    with transaction.atomic():
        changed = WorkOrder.objects.filter(
            pk=order.pk, status=Status.COMPLETED, resolution=Resolution.NETWORK_FAULT
        ).update(status=Status.PENDING, updated_at=now, **fields)
        if not changed:
            raise InvalidTransition(
                gettext("工单 %(number)s 已被他人更改，请刷新。")
                % {"number": order.number}
            )
        order.status = Status.PENDING
        for attr, value in fields.items():
            setattr(order, attr, value)
        event = WorkOrderEvent.objects.create(
            order=order,
            at=now,
            kind=EventKind.NETWORK_FAULT,
            actor=by,
            actor_name=actor_name(by),
            from_status=Status.COMPLETED,
            to_status=Status.PENDING,
            reason=note or "网络故障恢复后问题仍在，转为单独修障",
            data={"fault": order.network_fault_id, "action": "reopen"},
        )
        history_save([history_row(order, by=by, at=now, reason="故障恢复后复开")])
        from ..services import _crm_callbacks

        _crm_callbacks([(order, event)], now)
    return order


def order_substitute_set(
    order: WorkOrder, *, substitute: str, by, now: datetime
) -> WorkOrder:
    """Record a substitute offered to the customer (3G/4G替代, a loaned device)."""
    from ..services import event_record

    with transaction.atomic():
        WorkOrder.objects.filter(pk=order.pk).update(
            substitute=substitute, updated_at=now
        )
        order.substitute = substitute
        event_record(
            order,
            kind=EventKind.NETWORK_FAULT,
            by=by,
            now=now,
            reason=f"替代措施：{substitute}",
            data={"substitute": substitute},
        )
        history_save([history_row(order, by=by, at=now, reason="替代措施")])
    return order


def linked_open_orders(fault_id: int):
    return WorkOrder.objects.filter(
        network_fault_id=fault_id, status__in=rules.OPEN_STATES
    ).select_related("customer")


def fault_owners(fault_ids) -> dict[int, tuple[int | None, str, str]]:
    """``{fault id: (owner user id, owner username, fault number)}`` of held faults."""
    return {
        fault_id: (owner_id, username or "", number)
        for fault_id, owner_id, username, number in FaultHold.objects.filter(
            fault_id__in=set(fault_ids)
        ).values_list("fault_id", "owner_id", "owner__username", "fault_number")
    }
