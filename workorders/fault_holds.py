"""Work-order side of network faults (SPEC §13): holds, links, intake probe.

``network_faults`` (a higher app) decides; these services write the orders'
fault fields, their timeline and history. Intake reads the holds and the
detection count here, in one statement, and nudges the detection task by
name when a cluster reaches its threshold: workorders never imports the app
above it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils.translation import gettext

from dispatch_center.caching import ProcessCache
from dispatch_center.history import history_row, history_save
from org.models import PackageArea

from . import rules
from .fault_sms import crm_fault_callbacks, link_sms
from .models import (
    EventKind,
    FaultDetectionRule,
    FaultHold,
    Kind,
    Resolution,
    Status,
    WorkOrder,
    WorkOrderEvent,
)

log = logging.getLogger("workorders")

DETECT_TASK = "network_faults.detect"

# --- detection rules --------------------------------------------------------------

_rules = ProcessCache("POLICY_CACHE_SECONDS")


@dataclass(frozen=True)
class DetectionRule:
    min_repairs: int
    window_minutes: int


def detection_rules() -> dict[str, DetectionRule]:
    """N and W per area type (admin: 故障自动发现规则), cached per process."""
    return _rules.get(
        None,
        lambda: {
            r.area_type: DetectionRule(r.min_repairs, r.window_minutes)
            for r in FaultDetectionRule.objects.all()
        },
    )


def detection_rule(area_type: str) -> DetectionRule:
    default = FaultDetectionRule()
    return detection_rules().get(
        area_type, DetectionRule(default.min_repairs, default.window_minutes)
    )


# --- intake -------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeProbe:
    """What intake learns about network faults for one repair, in one query."""

    fault_id: int | None
    fault_number: str
    confirmed: bool
    eta: datetime | None
    recent_repairs: int  # repairs of the product in the area within W, before this one
    rule: DetectionRule


def _probe_sql() -> str:
    """One statement: the covering hold's fault (if any) and the cluster count.

    Hand-written (and portable: SQLite and PostgreSQL) because it runs on
    every repair intake: the ORM's compilation of the same query with its
    subqueries cost more CPU than the database spent answering it.
    """
    qn = connection.ops.quote_name
    wo, hold = qn(WorkOrder._meta.db_table), qn(FaultHold._meta.db_table)
    return (
        f"SELECT h.fault_id, (SELECT COUNT(*) FROM {wo} w"
        " WHERE w.package_area_id = %s AND w.product = %s AND w.kind = %s"
        " AND w.accepted_at >= %s AND w.accepted_at <= %s)"
        " FROM (SELECT 1 AS one) o LEFT JOIN"
        f" (SELECT fault_id FROM {hold} WHERE package_area_id = %s"
        " AND product IN (%s, '') AND since <= %s"
        " ORDER BY confirmed DESC, since ASC, id ASC LIMIT 1) h ON 1 = 1"
    )


def intake_probe(
    package_area: PackageArea, product: str, accepted_at: datetime
) -> IntakeProbe:
    """The hold covering a new repair (if any) and the cluster count, one SELECT.

    1. The hold: a suspected or confirmed fault whose scope holds the package
       area and the product (or every product), started at or before the
       entry time ("entered during it"); confirmed ones first.
    2. The repairs of the same product in the same package area entered in
       the W minutes up to the entry time (indexed range: ``wo_repair_cluster``).
    Only a repair inside a fault's scope reads the hold's details (a second
    statement, on a path that writes its link and SMS anyway).
    """
    rule = detection_rule(package_area.group.area.area_type)
    adapt = connection.ops.adapt_datetimefield_value
    since = accepted_at - timedelta(minutes=rule.window_minutes)
    with connection.cursor() as cursor:
        cursor.execute(
            _probe_sql(),
            [
                package_area.pk,
                product,
                Kind.REPAIR.value,
                adapt(since),
                adapt(accepted_at),
                package_area.pk,
                product,
                adapt(accepted_at),
            ],
        )
        fault_id, recent = cursor.fetchone()
    hold = None
    if fault_id is not None:
        hold = (
            FaultHold.objects.filter(fault_id=fault_id, package_area=package_area)
            .values("fault_number", "confirmed", "eta")
            .first()
        )
    return IntakeProbe(
        fault_id=fault_id if hold else None,
        fault_number=hold["fault_number"] if hold else "",
        confirmed=bool(hold and hold["confirmed"]),
        eta=hold["eta"] if hold else None,
        recent_repairs=recent,
        rule=rule,
    )


def intake_link_fields(probe: IntakeProbe | None) -> dict:
    """The order's fault fields when intake finds it inside a fault's scope."""
    if probe is None or probe.fault_id is None:
        return {}
    return {"network_fault_id": probe.fault_id, "fault_hold": True}


def intake_after_insert(
    order: WorkOrder, probe: IntakeProbe | None, *, by, now: datetime
) -> None:
    """Record the link (timeline, SMS, CRM) or nudge detection, after the insert."""
    if probe is None:
        return
    if probe.fault_id is not None:
        _record_links(
            [order],
            fault_id=probe.fault_id,
            fault_number=probe.fault_number,
            by=by,
            now=now,
            reason=f"受理时在网络故障{probe.fault_number}范围内，已关联，暂不单独派单",
            history=False,  # intake's own history row already carries the link
        )
        if probe.confirmed:
            link_sms([order], fault_number=probe.fault_number, eta=probe.eta, now=now)
        return
    if probe.recent_repairs + 1 >= probe.rule.min_repairs:
        area_id, product = order.package_area_id, order.product
        transaction.on_commit(lambda: detection_nudge(area_id, product))


def detection_nudge(package_area_id: int, product: str) -> None:
    """Ask ``network_faults.detect`` to look at one cluster now (by task name).

    Best effort, like the outbox nudge: with the broker down, the task's
    every-minute run finds the cluster anyway.
    """
    from celery import current_app

    kwargs = {"package_area_id": package_area_id, "product": product}
    try:
        if current_app.conf.task_always_eager:
            current_app.tasks[DETECT_TASK].apply(kwargs=kwargs)
        else:
            current_app.send_task(DETECT_TASK, kwargs=kwargs, expires=60)
    except Exception as exc:  # noqa: BLE001 - never fail an intake for a nudge
        log.warning("detection nudge not sent (%s: %s)", exc.__class__.__name__, exc)


# --- holds --------------------------------------------------------------------


def fault_holds_set(
    *,
    fault_id: int,
    fault_number: str,
    package_area_ids: list[int],
    product: str,
    since: datetime,
    confirmed: bool,
    eta: datetime | None,
    owner_id: int | None = None,
) -> None:
    """Put the fault's scope under hold (replacing its earlier rows)."""
    FaultHold.objects.filter(fault_id=fault_id).delete()
    FaultHold.objects.bulk_create(
        [
            FaultHold(
                fault_id=fault_id,
                package_area_id=pa,
                product=product,
                since=since,
                confirmed=confirmed,
                fault_number=fault_number,
                eta=eta,
                owner_id=owner_id,
            )
            for pa in sorted(set(package_area_ids))
        ]
    )


def fault_holds_clear(*, fault_id: int) -> None:
    FaultHold.objects.filter(fault_id=fault_id).delete()


# --- links --------------------------------------------------------------------


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
    from .services import actor_name

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
    from .services import actor_name

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
    from .services import event_record

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
    from .services import actor_name

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
    from .services import Change, work_orders_transition

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

    from .services import actor_name, work_order_sla_fields

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
        from .services import _crm_callbacks

        _crm_callbacks([(order, event)], now)
    return order


def order_substitute_set(
    order: WorkOrder, *, substitute: str, by, now: datetime
) -> WorkOrder:
    """Record a substitute offered to the customer (3G/4G替代, a loaned device)."""
    from .services import event_record

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
