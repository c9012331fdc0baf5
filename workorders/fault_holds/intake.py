"""Detection rules, the intake probe (hold and detection count) and the holds."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction

from dispatch_center.caching import ProcessCache
from org.models import PackageArea

from ..fault_sms import link_sms
from ..models import FaultDetectionRule, FaultHold, Kind, WorkOrder
from .links import _record_links

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
