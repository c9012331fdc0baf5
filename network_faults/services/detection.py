"""Detection (SPEC §13): N repairs of one product in one package area within
W minutes open one suspected fault, once; stale holds released."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from dispatch_center.history import CREATED, history_record
from workorders import fault_holds
from workorders import rules as wo_rules
from workorders.models import Kind, WorkOrder

from .. import rules
from ..models import FaultOrigin, FaultStatus, NetworkFault
from .common import _alert_staff, _districts_of, _new_number, _set_holds, fault_event

# --- detection ------------------------------------------------------------------


def faults_detect(
    *, now: datetime | None = None, package_area_id: int | None = None, product=None
) -> list[NetworkFault]:
    """Open a suspected fault where repairs cluster (N in W minutes), once.

    1. Candidates: the (package area, product) pairs with at least N repairs
       entered in the last W minutes (the longest W of the rules) — a range
       read on the entry time, so the cost follows the new repairs; or the one
       pair intake nudged about.
    2. Per candidate: skip when an open fault already holds it; count only the
       repairs entered after the cluster's previous fault ended (a dismissed
       cluster does not come back for the same repairs).
    3. Insert the fault; the partial unique constraint on its cluster key lets
       exactly one of two racing passes (or processes) win.
    """
    now = now or timezone.now()
    rules_by_type = fault_holds.detection_rules()
    default = fault_holds.detection_rule("")
    every = [*rules_by_type.values(), default]
    widest = max(r.window_minutes for r in every)
    fewest = min(r.min_repairs for r in every)
    qs = WorkOrder.objects.filter(
        kind=Kind.REPAIR,
        accepted_at__gte=rules.window_start(now, widest),
        accepted_at__lte=now,
    )
    if package_area_id is not None:
        qs = qs.filter(package_area_id=package_area_id, product=product)
    candidates = (
        qs.values("package_area_id", "product", "package_area__group__area__area_type")
        .annotate(n=Count("pk"))
        .filter(n__gte=fewest)
        .order_by("package_area_id", "product")
    )
    opened = []
    for row in candidates:
        rule = fault_holds.detection_rule(row["package_area__group__area__area_type"])
        fault = _detect_one(row["package_area_id"], row["product"], rule, now)
        if fault is not None:
            opened.append(fault)
    return opened


def held_orders_release_stale(*, now: datetime | None = None) -> int:
    """Release repairs held by a fault that is no longer open (a race with
    restoration or dismissal); run with every detection pass."""
    now = now or timezone.now()
    open_ids = NetworkFault.objects.filter(status__in=rules.OPEN).values_list(
        "pk", flat=True
    )
    return len(fault_holds.orders_release_stale(list(open_ids), by=None, now=now))


def _detect_one(package_area_id: int, product: str, rule, now) -> NetworkFault | None:
    from workorders.models import FaultHold

    if FaultHold.objects.filter(
        package_area_id=package_area_id, product__in=(product, "")
    ).exists():
        return None
    key = rules.cluster_key(package_area_id, product)
    ended = NetworkFault.objects.filter(cluster_key=key).aggregate(
        dismissed=Max("dismissed_at"), restored=Max("restored_at")
    )
    last_end = max((t for t in ended.values() if t), default=None)
    since = rules.counting_since(now, rule.window_minutes, last_end)
    repairs = WorkOrder.objects.filter(
        package_area_id=package_area_id,
        product=product,
        kind=Kind.REPAIR,
        accepted_at__gte=since,
        accepted_at__lte=now,
    )
    found = repairs.aggregate(n=Count("pk"), first=Min("accepted_at"))
    if not rules.cluster_reached(found["n"], rule.min_repairs):
        return None
    try:
        with transaction.atomic():
            fault = NetworkFault.objects.create(
                number=_new_number(now),
                status=FaultStatus.SUSPECTED,
                origin=FaultOrigin.DETECTED,
                product=product,
                cause=f"自动发现：{rule.window_minutes}分钟内同一小包区同一产品{found['n']}张障碍单",
                started_at=found["first"],
                cluster_key=key,
                district_ids=_districts_of([package_area_id]),
                created_at=now,
            )
            fault.package_areas.set([package_area_id])
            history_record(fault, by=None, at=now, reason="自动发现", kind=CREATED)
            fault_event(
                fault,
                kind="detected",
                by=None,
                now=now,
                to_status=FaultStatus.SUSPECTED,
                reason=fault.cause,
                data={"repairs": found["n"], "window_minutes": rule.window_minutes},
            )
            _set_holds(fault)
            open_ones = list(
                repairs.filter(
                    status__in=wo_rules.OPEN_STATES, network_fault__isnull=True
                ).select_related("customer")
            )
            fault_holds.orders_link(
                open_ones,
                fault_id=fault.pk,
                fault_number=fault.number,
                by=None,
                now=now,
                reason=f"疑似网络故障{fault.number}，暂缓单独派单，待确认",
            )
            _alert_staff(
                fault,
                topic="fault_suspected",
                body=f"疑似网络故障{fault.number}：{fault.cause}，请确认或排除。",
                now=now,
            )
    except IntegrityError:
        return None  # another pass or process opened it first
    return fault
