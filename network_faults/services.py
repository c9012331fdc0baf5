"""The only code that writes network faults (SPEC §13).

Each flow locks the fault row, moves its status with a compare-and-set,
records the fault's timeline and history, and composes the lower apps'
services for its repairs: ``workorders.fault_holds`` (holds, links, bulk
completion, customer SMS), ``compensation.services.claims_create_bulk`` (慢必赔
at completion) and ``notifications`` (staff alerts).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext

from compensation.liability import vendor_months_liability_refresh, vendor_months_of
from compensation.services import claims_create_bulk
from dispatch_center.errors import InvalidInput, InvalidTransition
from dispatch_center.history import CREATED, history_record
from dispatch_center.roles import Role
from notifications.models import Channel
from notifications.services import Message, notifications_enqueue
from org.models import PackageArea, Technician, TechnicianRole
from workorders import fault_holds, fault_sms
from workorders import rules as wo_rules
from workorders.models import Kind, WorkOrder
from workorders.services import timeline_record, work_order_create

from . import rules
from .models import FaultEvent, FaultOrigin, FaultStatus, NetworkFault


def _new_number(at: datetime) -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(secrets.choice(alphabet) for _ in range(5))
    return f"F{wo_rules.local(at):%y%m%d}{tail}"


def fault_event(
    fault: NetworkFault,
    *,
    kind: str,
    by,
    now: datetime,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
) -> FaultEvent:
    return timeline_record(
        FaultEvent,
        fault=fault,
        kind=kind,
        by=by,
        now=now,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )


def _move(
    fault: NetworkFault, to: str, *, by, now: datetime, reason: str, fields=None
) -> NetworkFault:
    """Compare-and-set the status; the loser of a race gets ``InvalidTransition``."""
    src = fault.status
    rules.check_transition(src, to)
    fields = dict(fields or {})
    if not NetworkFault.objects.filter(pk=fault.pk, status=src).update(
        status=to, **fields
    ):
        raise InvalidTransition(
            gettext("网络故障%(n)s已被他人更改，请刷新。") % {"n": fault.number}
        )
    fault.status = to
    for attr, value in fields.items():
        setattr(fault, attr, value)
    history_record(fault, by=by, at=now, reason=reason or to)
    fault_event(
        fault,
        kind="status",
        by=by,
        now=now,
        reason=reason,
        from_status=src,
        to_status=to,
    )
    return fault


def _locked(fault: NetworkFault) -> NetworkFault:
    return NetworkFault.objects.select_for_update().get(pk=fault.pk)


def _area_ids(fault: NetworkFault) -> list[int]:
    return list(fault.package_areas.values_list("pk", flat=True))


def _set_holds(fault: NetworkFault) -> None:
    fault_holds.fault_holds_set(
        fault_id=fault.pk,
        fault_number=fault.number,
        package_area_ids=_area_ids(fault),
        product=fault.product,
        since=fault.started_at,
        confirmed=fault.status == FaultStatus.CONFIRMED,
        eta=fault.eta,
        owner_id=fault.owner_id,
    )


def _districts_of(area_ids: list[int]) -> list[int]:
    return sorted(
        set(
            PackageArea.objects.filter(pk__in=area_ids).values_list(
                "group__area__district_id", flat=True
            )
        )
    )


def _alert_staff(fault: NetworkFault, *, topic: str, body: str, now: datetime) -> None:
    """Alert the dispatchers (of the fault's districts, or city-wide) and the
    technical support staff (支撑团队) of its areas, once per fault and person."""
    users = get_user_model().objects.filter(
        Q(staff_profile__isnull=True)
        | Q(staff_profile__district__isnull=True)
        | Q(staff_profile__district_id__in=fault.district_ids),
        groups__name=Role.DISPATCHER,
        is_active=True,
    )
    support = Technician.objects.filter(
        role=TechnicianRole.SUPPORT,
        group__area_id__in=PackageArea.objects.filter(pk__in=_area_ids(fault)).values(
            "group__area_id"
        ),
        user__isnull=False,
    ).values_list("user_id", "code")
    people = {u.pk: u.username for u in users}
    people.update(dict(support))
    if fault.owner_id:
        people[fault.owner_id] = fault.owner.username
    notifications_enqueue(
        [
            Message(
                channel=Channel.STAFF,
                recipient=name,
                recipient_user_id=user_id,
                topic=topic,
                body=body,
                dedupe_key=f"{topic}:{fault.pk}:{user_id}",
                subject_type="network_fault",
                subject_id=fault.pk,
            )
            for user_id, name in sorted(people.items())
        ],
        now=now,
    )


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


# --- declaration, confirmation, dismissal, ETA -------------------------------------------


def fault_declare(
    *,
    package_areas: list[str],
    product: str = "",
    cause: str,
    started_at: datetime | None = None,
    eta: datetime | None = None,
    owner=None,
    by,
    now: datetime | None = None,
) -> NetworkFault:
    """A confirmed fault declared by hand (dispatcher, technical support)."""
    now = now or timezone.now()
    started_at = started_at or now
    if not package_areas:
        raise InvalidInput("package_areas", gettext("请至少选择一个小包区。"))
    found = dict(
        PackageArea.objects.filter(code__in=package_areas).values_list("code", "pk")
    )
    unknown = sorted(set(package_areas) - set(found))
    if unknown:
        raise InvalidInput(
            "package_areas",
            gettext("未知的小包区：%(codes)s。") % {"codes": ", ".join(unknown)},
        )
    if started_at > now:
        raise InvalidInput("started_at", gettext("故障开始时间不能晚于当前时间。"))
    if eta is not None and eta <= started_at:
        raise InvalidInput("eta", gettext("预计恢复时间须晚于故障开始时间。"))
    with transaction.atomic():
        fault = NetworkFault.objects.create(
            number=_new_number(now),
            status=FaultStatus.CONFIRMED,
            origin=FaultOrigin.DECLARED,
            product=product or "",
            cause=cause,
            started_at=started_at,
            eta=eta,
            confirmed_at=now,
            owner=owner or by,
            district_ids=_districts_of(list(found.values())),
            created_at=now,
        )
        fault.package_areas.set(found.values())
        history_record(fault, by=by, at=now, reason="人工申报", kind=CREATED)
        fault_event(
            fault,
            kind="declared",
            by=by,
            now=now,
            to_status=FaultStatus.CONFIRMED,
            reason=cause,
            data={"package_areas": sorted(found)},
        )
        _set_holds(fault)
        _alert_staff(
            fault,
            topic="fault_confirmed",
            body=f"网络故障{fault.number}已确认：{cause}",
            now=now,
        )
    return fault


def fault_confirm(
    fault: NetworkFault,
    *,
    by,
    eta: datetime | None = None,
    cause: str = "",
    now: datetime | None = None,
) -> NetworkFault:
    """Suspected → confirmed: hold the scope for intake, SMS the linked customers."""
    now = now or timezone.now()
    with transaction.atomic():
        fault = _locked(fault)
        fields = {"confirmed_at": now, "owner": fault.owner or by}
        if eta is not None:
            if eta <= fault.started_at:
                raise InvalidInput("eta", gettext("预计恢复时间须晚于故障开始时间。"))
            fields["eta"] = eta
        if cause:
            fields["cause"] = cause
        _move(
            fault,
            FaultStatus.CONFIRMED,
            by=by,
            now=now,
            reason="确认故障",
            fields=fields,
        )
        _set_holds(fault)
        fault_sms.link_sms(
            list(fault_holds.linked_open_orders(fault.pk)),
            fault_number=fault.number,
            eta=fault.eta,
            now=now,
        )
    return fault


def fault_dismiss(
    fault: NetworkFault, *, reason: str, by, now: datetime | None = None
) -> NetworkFault:
    """Suspected → dismissed: its held repairs go back to normal dispatch."""
    now = now or timezone.now()
    if not (reason or "").strip():
        raise InvalidInput("reason", gettext("请填写排除原因。"))
    with transaction.atomic():
        fault = _locked(fault)
        _move(
            fault,
            FaultStatus.DISMISSED,
            by=by,
            now=now,
            reason=reason,
            fields={"dismissed_at": now, "dismiss_reason": reason[:255]},
        )
        fault_holds.fault_holds_clear(fault_id=fault.pk)
        released = fault_holds.orders_release(
            fault.pk, by=by, now=now, reason=f"疑似故障{fault.number}已排除：{reason}"
        )
        fault_event(
            fault,
            kind="released",
            by=by,
            now=now,
            reason=f"{len(released)}张工单恢复正常派单",
            data={"orders": [o.pk for o in released]},
        )
    return fault


def fault_eta_set(
    fault: NetworkFault, *, eta: datetime, by, now: datetime | None = None
) -> NetworkFault:
    """A new ETA, announced once to every linked customer of a confirmed fault."""
    now = now or timezone.now()
    with transaction.atomic():
        fault = _locked(fault)
        rules.refuse_unless(fault.status, rules.OPEN, fault.number)
        if eta <= fault.started_at:
            raise InvalidInput("eta", gettext("预计恢复时间须晚于故障开始时间。"))
        if eta == fault.eta:
            return fault
        previous = fault.eta
        NetworkFault.objects.filter(pk=fault.pk).update(eta=eta)
        fault.eta = eta
        history_record(fault, by=by, at=now, reason="调整预计恢复时间")
        fault_event(
            fault,
            kind="eta",
            by=by,
            now=now,
            reason="调整预计恢复时间",
            data={
                "eta": eta.isoformat(),
                "previous": previous.isoformat() if previous else None,
            },
        )
        _set_holds(fault)
        if fault.status == FaultStatus.CONFIRMED:
            fault_sms.eta_sms(
                list(fault_holds.linked_open_orders(fault.pk)),
                fault_id=fault.pk,
                fault_number=fault.number,
                eta=eta,
                now=now,
            )
    return fault


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


def fault_close(
    fault: NetworkFault, *, by, now: datetime | None = None
) -> NetworkFault:
    """Restored → closed (the loop is closed), idempotently: closing a closed
    fault returns it as it is; any other status is ``InvalidTransition``."""
    now = now or timezone.now()
    with transaction.atomic():
        fault = _locked(fault)
        if fault.status == FaultStatus.CLOSED:
            return fault
        return _move(
            fault,
            FaultStatus.CLOSED,
            by=by,
            now=now,
            reason="关闭",
            fields={"closed_at": now},
        )


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
