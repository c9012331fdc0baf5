"""The repairs of a fault: linked, intercepted on the hotline, completed by
the restoration, reopened, given a substitute."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from compensation.liability import vendor_months_liability_refresh, vendor_months_of
from compensation.services import claims_create_bulk
from dispatch_center.errors import InvalidInput
from workorders import fault_holds, fault_sms
from workorders.models import Kind, WorkOrder
from workorders.services import work_order_create

from .. import rules
from ..models import FaultStatus, NetworkFault
from .common import _area_ids, _locked, _move, fault_event

# --- linking and interception ---------------------------------------------------------


def _check_in_scope(fault: NetworkFault, orders: list[WorkOrder]) -> None:
    areas = set(_area_ids(fault))
    outside = [
        o.number
        for o in orders
        if o.package_area_id not in areas
        or o.kind != Kind.REPAIR
        or (fault.product and o.product != fault.product)
    ]
    if outside:
        raise InvalidInput(
            "work_orders",
            gettext("不在故障影响范围内的工单：%(numbers)s。")
            % {"numbers": ", ".join(outside)},
        )


def fault_link(
    fault: NetworkFault, *, orders: list[WorkOrder], by, now: datetime | None = None
) -> list[WorkOrder]:
    """Link earlier open repairs of the fault's scope (from the console)."""
    now = now or timezone.now()
    _check_in_scope(fault, orders)
    with transaction.atomic():
        fault = _locked(fault)
        rules.refuse_unless(fault.status, rules.OPEN, fault.number)
        linked = fault_holds.orders_link(
            orders,
            fault_id=fault.pk,
            fault_number=fault.number,
            by=by,
            now=now,
            reason=f"关联网络故障{fault.number}，暂不单独派单",
        )
        if fault.status == FaultStatus.CONFIRMED:
            fault_sms.link_sms(
                linked, fault_number=fault.number, eta=fault.eta, now=now
            )
        fault_event(
            fault,
            kind="linked",
            by=by,
            now=now,
            reason=f"关联{len(linked)}张工单",
            data={"orders": [o.pk for o in linked]},
        )
    return linked


def fault_intercept_call(
    fault: NetworkFault, *, data, by, now: datetime | None = None
) -> WorkOrder:
    """10000号在线拦截: the call is recorded against the fault, not dispatched.

    The repair is entered through intake (which links it when the scope is
    held) and marked intercepted; a customer outside the hold's product is
    linked explicitly.
    """
    now = now or timezone.now()
    with transaction.atomic():
        fault = _locked(fault)
        rules.refuse_unless(fault.status, {rules.CONFIRMED}, fault.number)
        order, _created = work_order_create(data=data, by=by, now=now)
        _check_in_scope(fault, [order])
        if order.network_fault_id is None:
            fault_holds.orders_link(
                [order],
                fault_id=fault.pk,
                fault_number=fault.number,
                by=by,
                now=now,
                reason=f"10000号拦截：记入网络故障{fault.number}",
                intercepted=True,
            )
            fault_sms.link_sms(
                [order], fault_number=fault.number, eta=fault.eta, now=now
            )
        elif order.network_fault_id == fault.pk:
            fault_holds.order_mark_intercepted(order, by=by, now=now)
        else:
            raise InvalidInput("work_orders", gettext("该工单已关联其他网络故障。"))
        fault_event(
            fault,
            kind="intercepted",
            by=by,
            now=now,
            reason=f"10000号拦截来电，工单{order.number}",
            data={"order": order.pk},
        )
    return order


# --- restoration ------------------------------------------------------------------


def fault_restore(
    fault: NetworkFault,
    *,
    restored_at: datetime | None = None,
    by,
    now: datetime | None = None,
) -> NetworkFault:
    """Restore a confirmed fault and close every linked repair, idempotently.

    1. Lock the fault; already restored (or closed) → the fault as it is:
       a second call completes nothing and sends nothing.
    2. Confirmed → restored (compare-and-set), holds cleared.
    3. ``workorders.fault_holds.orders_complete_restored``: every open linked
       repair completes at the restoration time, resolution ``network_fault``
       (compare-and-set per order: one a technician completed first is left).
    4. ``compensation.services.claims_create_bulk``: 慢必赔 of the late
       same-day ones, as at any completion (a fault is the operator's).
    5. One restoration SMS per completed repair's customer (outbox dedupe).
    """
    now = now or timezone.now()
    restored_at = restored_at or now
    if restored_at > now:
        raise InvalidInput("restored_at", gettext("恢复时间不能晚于当前时间。"))
    with transaction.atomic():
        fault = _locked(fault)
        if fault.status in (FaultStatus.RESTORED, FaultStatus.CLOSED):
            return fault
        if restored_at < fault.started_at:
            raise InvalidInput("restored_at", gettext("恢复时间不能早于故障开始时间。"))
        _move(
            fault,
            FaultStatus.RESTORED,
            by=by,
            now=now,
            reason="故障恢复",
            fields={"restored_at": restored_at},
        )
        fault_holds.fault_holds_clear(fault_id=fault.pk)
        done = fault_holds.orders_complete_restored(
            fault.pk,
            fault_number=fault.number,
            restored_at=restored_at,
            by=by,
            now=now,
            force_majeure_evidence=fault.force_majeure_evidence,
        )
        claims = claims_create_bulk(done, by=by, now=now)
        # as at any completion: the vendors' months moved (定责 marks)
        vendor_months_liability_refresh(vendor_months_of(done), by=by, now=now)
        fault_sms.restored_sms(
            done,
            fault_id=fault.pk,
            fault_number=fault.number,
            restored_at=restored_at,
            now=now,
        )
        fault_event(
            fault,
            kind="restored",
            by=by,
            now=now,
            reason=f"随故障竣工{len(done)}张工单",
            data={"completed": len(done), "claims": len(claims)},
        )
    return fault


def order_reopen(order: WorkOrder, *, note: str, by, now: datetime | None = None):
    """A linked repair whose problem remains goes back to the queue (SPEC §13).

    Its completion at the restoration leaves its vendor's month, so the
    vendor's 定责 marks are refreshed for that month, in the same transaction.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = WorkOrder.objects.select_related("technician").get(pk=order.pk)
        was = vendor_months_of([order])
        order = fault_holds.work_order_reopen_after_fault(
            order, note=note, by=by, now=now
        )
        vendor_months_liability_refresh(was, by=by, now=now)
    return order


def order_substitute(order: WorkOrder, *, substitute: str, by, now=None) -> WorkOrder:
    if not (substitute or "").strip():
        raise InvalidInput("substitute", gettext("请填写替代措施。"))
    return fault_holds.order_substitute_set(
        order, substitute=substitute.strip()[:255], by=by, now=now or timezone.now()
    )
