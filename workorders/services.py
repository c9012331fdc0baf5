"""The only code that writes work orders.

Every status change goes through ``work_order_transition``: check the
lifecycle, compare-and-set the status, record the timeline event and the
history row, all in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.db import update_rows_where
from dispatch_center.errors import (
    AlreadyAssigned,
    Forbidden,
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    NotACandidate,
)
from dispatch_center.history import CREATED, history_record, history_row, history_save
from dispatch_center.roles import Role, roles_of
from notifications.models import Channel
from notifications.services import (
    Message,
    notifications_enqueue,
    render,
    with_customer_link,
)
from org.models import PackageArea, Technician, TechnicianStatus
from org.selectors import package_area_for_intake

from . import fault_holds, rules
from .models import (
    Customer,
    EventKind,
    Kind,
    Resolution,
    Status,
    WorkOrder,
    WorkOrderEvent,
    customer_url,
    new_customer_token,
)
from .selectors import service_policy

SYSTEM_ACTOR = "系统"


@dataclass
class CustomerIn:
    name: str
    phone: str
    account: str = ""
    level: str = "ordinary"
    segment: str = "public"


@dataclass
class OrderIn:
    source: str
    kind: str
    product: str
    customer: CustomerIn
    address: str
    package_area: str
    crm_order_id: str = ""
    lat: float | None = None
    lng: float | None = None
    same_day_requested: bool = True
    accepted_at: datetime | None = None
    appointment_start: datetime | None = None
    appointment_end: datetime | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A stable hash of the request content, for idempotent replays."""
        payload = asdict(self)
        return hashlib.sha256(
            json.dumps(
                payload, sort_keys=True, default=str, ensure_ascii=False
            ).encode()
        ).hexdigest()


def actor_name(user) -> str:
    if user is None:
        return SYSTEM_ACTOR
    return user.get_full_name() or user.get_username()


def _new_number(kind: str, at: datetime) -> str:
    prefix = {Kind.INSTALL: "Z", Kind.MOVE: "Y", Kind.REPAIR: "X"}[kind]
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"{prefix}{rules.local(at):%y%m%d}{tail}"


def event_record(
    order: WorkOrder,
    *,
    kind: str,
    by,
    now: datetime,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
) -> WorkOrderEvent:
    """Append a line to the order's timeline."""
    return WorkOrderEvent.objects.create(
        order=order,
        at=now,
        kind=kind,
        actor=by,
        actor_name=actor_name(by),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


# --- intake -------------------------------------------------------------------


def _customer_for(
    data: OrderIn, package_area: PackageArea, accepted_at: datetime
) -> Customer:
    """The customer (matched by phone, and account when given), or a new one.

    For a repair the same query brings the completion time of the customer's
    previous repair of this product (``last_repair_done_at``), for the
    repeat-fault rule: one round trip on the intake hot path, not two.
    """
    c = data.customer
    qs = Customer.objects.filter(phone=c.phone)
    if c.account:
        qs = qs.filter(account=c.account)
    if data.kind == Kind.REPAIR:
        previous = (
            WorkOrder.objects.filter(
                customer=OuterRef("pk"),
                kind=Kind.REPAIR,
                product=data.product,
                completed_at__isnull=False,
                completed_at__lte=accepted_at,
            )
            .order_by("-completed_at")
            .values("completed_at")[:1]
        )
        qs = qs.annotate(last_repair_done_at=Subquery(previous))
    customer = qs.order_by("id").first()
    if customer is None:
        return Customer.objects.create(
            name=c.name,
            phone=c.phone,
            account=c.account,
            level=c.level,
            segment=c.segment,
            address=data.address,
            package_area=package_area,
        )
    # The CRM is the master of customer data: take its latest level/segment.
    changed = [
        attr
        for attr, value in (
            ("name", c.name),
            ("level", c.level),
            ("segment", c.segment),
        )
        if getattr(customer, attr) != value
    ]
    if changed:
        for attr in changed:
            setattr(customer, attr, getattr(c, attr))
        customer.save(update_fields=changed)
    return customer


def work_order_create(
    *, data: OrderIn, by, idempotency_key: str = "", now: datetime | None = None
) -> tuple[WorkOrder, bool]:
    """Create an order from the CRM, the hotline or self-service.

    1. Check the times: entry time not in the future, appointment start < end.
    2. Insert customer (matched by phone, and account when given) and order
       in one transaction, with the deadline of SPEC §5.
    3. A replay (same ``crm_order_id`` or ``Idempotency-Key``) hits the unique
       constraint: same content → the existing order (created=False),
       different content → ``IdempotencyConflict``. Inserting first and
       letting the constraint decide keeps the hot path to one round trip
       per row and is safe when a retried CRM call races its original.
    """
    now = now or timezone.now()
    accepted_at = data.accepted_at or now
    if accepted_at > now:
        raise InvalidInput("accepted_at", gettext("录入时间不能晚于当前时间。"))
    if (data.appointment_start is None) != (data.appointment_end is None):
        raise InvalidInput("appointment_end", gettext("预约开始和结束时间须同时填写。"))
    if data.appointment_start and data.appointment_end <= data.appointment_start:
        raise InvalidInput("appointment_end", gettext("预约结束时间须晚于开始时间。"))
    if data.appointment_start:
        _check_appointment(
            accepted_at, data.appointment_start, data.appointment_end, False
        )
    fingerprint = data.fingerprint()
    try:
        with transaction.atomic():
            order = _insert_order(
                data, by, idempotency_key, fingerprint, accepted_at, now
            )
    except IntegrityError:
        existing = _find_replayed(data.crm_order_id, idempotency_key)
        if existing is None:
            raise
        if existing.request_hash != fingerprint:
            raise IdempotencyConflict(
                gettext("工单 %(number)s 已用同一请求键创建，内容与本次不同。")
                % {"number": existing.number}
            ) from None
        return existing, False
    return order, True


def _find_replayed(crm_order_id: str, idempotency_key: str) -> WorkOrder | None:
    qs = WorkOrder.objects.select_related("customer", "package_area", "technician")
    if crm_order_id:
        found = qs.filter(crm_order_id=crm_order_id).first()
        if found:
            return found
    if idempotency_key:
        return qs.filter(idempotency_key=idempotency_key).first()
    return None


def _insert_order(
    data, by, idempotency_key, fingerprint, accepted_at, now
) -> WorkOrder:
    package_area = package_area_for_intake(data.package_area)
    if package_area is None:
        raise InvalidInput(
            "package_area",
            gettext("未知的小包区：%(code)s。") % {"code": data.package_area},
        )
    area = package_area.group.area
    customer = _customer_for(data, package_area, accepted_at)
    policy = service_policy()
    intake = rules.intake_deadline(
        kind=data.kind,
        product=data.product,
        level=customer.level,
        segment=customer.segment,
        area_type=area.area_type,
        area_same_day_enabled=area.same_day_enabled,
        same_day_requested=data.same_day_requested,
        accepted_at=accepted_at,
        appointment_end=data.appointment_end,
        policy=policy.deadline,
    )
    if data.appointment_start and intake.appointment_next_day:
        # rolls the customer row back with the order (one transaction)
        _check_appointment(
            accepted_at, data.appointment_start, data.appointment_end, True
        )
    repeat_fault = rules.is_repeat_fault(
        kind=data.kind,
        accepted_at=accepted_at,
        previous_repair_completed_at=getattr(customer, "last_repair_done_at", None),
        window_days=policy.repeat_fault_days,
    )
    # SPEC §13: a repair inside a fault's scope is linked and held; one
    # statement (the hold and the detection count) on the repair path only.
    probe = (
        fault_holds.intake_probe(package_area, data.product, accepted_at)
        if data.kind == Kind.REPAIR
        else None
    )
    order = WorkOrder(
        **fault_holds.intake_link_fields(probe),
        number=_new_number(data.kind, accepted_at),
        crm_order_id=data.crm_order_id,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        source=data.source,
        kind=data.kind,
        product=data.product,
        customer=customer,
        address=data.address,
        package_area=package_area,
        group=package_area.group,
        district=area.district,
        lat=data.lat,
        lng=data.lng,
        description=data.description,
        same_day_requested=data.same_day_requested,
        is_same_day=intake.is_same_day,
        deadline=intake.deadline,
        deadline_basis=intake.basis,
        commitment_deadline=intake.deadline,
        deadline_follows_appointment=intake.follows_appointment,
        queue_rank=0 if (intake.is_same_day or customer.is_vip) else 1,
        accepted_at=accepted_at,
        appointment_start=data.appointment_start,
        appointment_end=data.appointment_end,
        is_repeat_fault=repeat_fault,
        sla_deadline=intake.deadline,
        created_by=by,
        customer_token=new_customer_token(),
    )
    order.sla_next_check_at = rules.sla_next_check(order.sla_state(), policy.sla)
    order.skip_history_when_saving = True  # written below, without the signal
    order.save(force_insert=True)
    del order.skip_history_when_saving
    history_record(order, by=by, at=now, reason=intake.basis, kind=CREATED)
    event_record(
        order,
        kind=EventKind.CREATED,
        by=by,
        now=now,
        to_status=Status.PENDING,
        reason=intake.basis,
        data={
            "source": data.source,
            "deadline": intake.deadline.isoformat(),
            **({"repeat_fault": True} if repeat_fault else {}),
        },
    )
    fault_holds.intake_after_insert(order, probe, by=by, now=now)
    return order


# --- transitions --------------------------------------------------------------


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
                WorkOrderEvent(
                    order=change.order,
                    at=now,
                    kind=change.event_kind,
                    actor=by,
                    actor_name=actor_name(by),
                    from_status=src,
                    to_status=change.to,
                    reason=change.reason,
                    data=change.data or {},
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


def _crm_callbacks(
    changed: list[tuple[WorkOrder, WorkOrderEvent]], now: datetime
) -> None:
    """Queue a signed status callback to the CRM for each CRM order that moved."""
    url = settings.CRM_CALLBACK_URL
    if not url:
        return
    notifications_enqueue(
        [
            Message(
                channel=Channel.CRM_CALLBACK,
                recipient=url,
                topic="crm_status",
                body=f"{order.crm_order_id} {event.from_status}->{event.to_status}",
                dedupe_key=f"crm:{event.pk}",
                payload={
                    "crm_order_id": order.crm_order_id,
                    "number": order.number,
                    "status": event.to_status,
                    "previous_status": event.from_status,
                    "at": now.isoformat(),
                    "technician": order.technician.code
                    if order.technician_id
                    else None,
                },
                subject_type="work_order",
                subject_id=order.pk,
            )
            for order, event in changed
            if order.crm_order_id
        ],
        now=now,
    )


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


def _ensure_may_work_on(order: WorkOrder, by) -> None:
    """A technician acts only on orders assigned to them."""
    roles = roles_of(by)
    if roles & {Role.DISPATCHER, Role.SUPERVISOR}:
        return
    if Role.TECHNICIAN in roles:
        technician = getattr(by, "technician", None)
        if technician is not None and order.technician_id == technician.pk:
            return
    raise Forbidden(gettext("只能处理派给自己的工单。"))


def technician_open_orders(technician: Technician) -> int:
    return WorkOrder.objects.filter(
        technician=technician, status__in=rules.ASSIGNED_STATES | {rules.SUSPENDED}
    ).count()


def work_order_dispatch(
    order: WorkOrder,
    *,
    technician: Technician,
    by,
    now: datetime | None = None,
    reasons: dict | None = None,
    note: str = "",
) -> WorkOrder:
    """Assign a pending order or reassign an assigned one (改派).

    1. Lock the technician row so concurrent dispatches to the same person
       queue up, then check skill, status and capacity (在途工单上限).
    2. Transition with compare-and-set (pending/dispatched/accepted/appointed
       → dispatched); the loser of a race gets ``InvalidTransition``.
    3. Record the decision and its reasons (派单理由) in the timeline.
    """
    now = now or timezone.now()
    if order.status not in (
        Status.PENDING,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.APPOINTED,
    ):
        raise InvalidTransition(
            gettext("工单状态为“%(status)s”，不能派单。")
            % {"status": rules.status_label(order.status)}
        )
    if order.technician_id == technician.pk:
        raise AlreadyAssigned(
            gettext("工单 %(number)s 已派给 %(name)s（%(code)s）。")
            % {"number": order.number, "name": technician.name, "code": technician.code}
        )
    with transaction.atomic():
        locked = Technician.objects.select_for_update().get(pk=technician.pk)
        # Re-checked under the lock: capacity may have filled since the caller
        # looked (a concurrent dispatch to the same technician).
        if order.product not in locked.skills:
            raise NotACandidate(
                gettext("%(name)s（%(code)s）不具备“%(product)s”技能。")
                % {
                    "name": locked.name,
                    "code": locked.code,
                    "product": order.get_product_display(),
                },
                reason="no_skill",
                overridable=False,
            )
        if locked.status != TechnicianStatus.ON_DUTY:
            raise NotACandidate(
                gettext("%(name)s（%(code)s）不在岗（%(status)s）。")
                % {
                    "name": locked.name,
                    "code": locked.code,
                    "status": locked.get_status_display(),
                },
                reason="on_leave" if locked.status == "leave" else "resting",
                overridable=False,
            )
        open_count = technician_open_orders(locked)
        if open_count >= locked.max_open_orders:
            raise NotACandidate(
                gettext("%(name)s（%(code)s）在途工单已满（%(open)s/%(max)s 单）。")
                % {
                    "name": locked.name,
                    "code": locked.code,
                    "open": open_count,
                    "max": locked.max_open_orders,
                },
                reason="at_capacity",
                overridable=False,
            )
        previous = order.technician.code if order.technician_id else None
        minutes = service_policy().first_response_minutes
        data = {
            "technician": locked.code,
            "technician_name": locked.name,
            "previous_technician": previous,
            "reasons": reasons or {"manual": True},
        }
        work_order_transition(
            order,
            Status.DISPATCHED,
            by=by,
            now=now,
            reason=note or ("改派" if previous else "派单"),
            fields={
                "technician": locked,
                "dispatched_at": now,
                "first_response_due": now + timedelta(minutes=minutes),
                "first_contact_at": None,
                "dispatch_flag": "",
                "dispatch_flag_reason": "",
            },
            event_kind=EventKind.DISPATCH,
            data=data,
        )
    return order


def work_order_accept(
    order: WorkOrder, *, by, now: datetime | None = None
) -> WorkOrder:
    _ensure_may_work_on(order, by)
    return work_order_transition(
        order, Status.ACCEPTED, by=by, now=now or timezone.now(), reason="接单"
    )


def _check_appointment(
    accepted_at: datetime, start: datetime, end: datetime, next_day_only: bool
) -> None:
    problem = rules.appointment_problem(
        accepted_at=accepted_at,
        start=start,
        end=end,
        next_day_only=next_day_only,
        cutoff=service_policy().deadline.cutoff,
    )
    if problem:
        raise InvalidInput(*problem)


def work_order_appointment_check(
    order: WorkOrder, *, start: datetime, end: datetime
) -> None:
    """``InvalidInput`` naming the field when ``order`` cannot be booked for
    ``start``–``end`` (``rules.appointment_problem``): at first contact and
    for every reschedule."""
    policy = service_policy().deadline
    area = order.group.area
    in_scope = rules.same_day_scope(
        kind=order.kind,
        product=order.product,
        segment=order.customer.segment,
        area_type=area.area_type,
        area_same_day_enabled=area.same_day_enabled,
        same_day_requested=order.same_day_requested,
        policy=policy,
    )
    next_day_only = rules.next_day_appointment_required(
        kind=order.kind,
        in_scope=in_scope,
        accepted_at=order.accepted_at,
        cutoff=policy.cutoff,
    )
    _check_appointment(order.accepted_at, start, end, next_day_only)


def work_order_contact(
    order: WorkOrder,
    *,
    appointment_start: datetime,
    appointment_end: datetime,
    by,
    now: datetime | None = None,
) -> WorkOrder:
    """First contact with the customer and the agreed appointment (→ appointed)."""
    now = now or timezone.now()
    _ensure_may_work_on(order, by)
    if appointment_end <= appointment_start:
        raise InvalidInput("appointment_end", gettext("预约结束时间须晚于开始时间。"))
    if appointment_end <= now:
        raise InvalidInput("appointment_end", gettext("预约结束时间须晚于当前时间。"))
    work_order_appointment_check(order, start=appointment_start, end=appointment_end)
    fields = {
        "appointment_start": appointment_start,
        "appointment_end": appointment_end,
        "first_contact_at": order.first_contact_at or now,
    }
    if order.deadline_follows_appointment:
        # a late 当日装: the agreed appointment is the promise (to the customer
        # and for 慢必赔 when the policy counts it), set once at first contact
        fields["deadline"] = appointment_end
        fields["commitment_deadline"] = appointment_end
        fields["deadline_follows_appointment"] = False
    with transaction.atomic():
        work_order_transition(
            order,
            Status.APPOINTED,
            by=by,
            now=now,
            reason="首次联系并预约",
            fields=fields,
            data={
                "appointment_start": appointment_start.isoformat(),
                "appointment_end": appointment_end.isoformat(),
            },
        )
        appointment_sms(order, by=by, now=now)
    return order


APPOINTMENT_SMS = (
    "【中国电信】您的工单{number}已预约{start}至{end}上门，"
    "装维工程师{name}（电话{phone}）。如需改约请联系工程师或拨打10000。"
)


def appointment_sms(order: WorkOrder, *, by, now: datetime) -> None:
    """Confirm the appointment to the customer by SMS, once per appointment."""
    start, end = (
        rules.local(order.appointment_start),
        rules.local(order.appointment_end),
    )
    technician = order.technician
    body = render(
        "appointment_sms",
        APPOINTMENT_SMS,
        number=order.number,
        start=f"{start:%m-%d %H:%M}",
        end=f"{end:%H:%M}" if start.date() == end.date() else f"{end:%m-%d %H:%M}",
        name=technician.name if technician else "",
        phone=technician.phone if technician else "",
        link=customer_url(order) or "",
    )
    body = with_customer_link(body, customer_url(order))
    notifications_enqueue(
        [
            Message(
                channel=Channel.SMS,
                recipient=order.customer.phone,
                topic="appointment_sms",
                body=body,
                dedupe_key=f"appointment-sms:{order.pk}:{start.isoformat()}:{end.isoformat()}",
                subject_type="work_order",
                subject_id=order.pk,
            )
        ],
        now=now,
    )
    event_record(
        order,
        kind=EventKind.NOTIFY,
        by=by,
        now=now,
        reason="预约确认短信",
        data={"channel": "sms", "recipient": order.customer.phone, "body": body},
    )


def work_order_arrive(
    order: WorkOrder, *, by, now: datetime | None = None
) -> WorkOrder:
    now = now or timezone.now()
    _ensure_may_work_on(order, by)
    return work_order_transition(
        order, Status.ON_SITE, by=by, now=now, reason="上门", fields={"arrived_at": now}
    )


def work_order_complete(
    order: WorkOrder,
    *,
    resolution: str,
    delay_cause: str = "",
    evidence: str = "",
    note: str = "",
    by,
    now: datetime | None = None,
) -> WorkOrder:
    """Report completion (报竣) at server time.

    On-site work completes from ``on_site``. A repair solved remotely by
    technical support (预处理/障碍拦截) completes from any open state before
    arrival, with or without dispatch.
    """
    now = now or timezone.now()
    roles = roles_of(by)
    if resolution == Resolution.REMOTE:
        if order.kind != Kind.REPAIR:
            raise InvalidInput("resolution", gettext("只有障碍单可以远程处理。"))
        if not roles & {Role.DISPATCHER, Role.SUPERVISOR, Role.HOTLINE_AGENT}:
            _ensure_may_work_on(order, by)
        if order.status == Status.ON_SITE:
            raise InvalidTransition(gettext("工程师已在现场，请由工程师现场竣工。"))
    else:
        _ensure_may_work_on(order, by)
        if order.status != Status.ON_SITE:
            raise InvalidTransition(
                gettext("工单状态为“%(status)s”，不能现场竣工（须先上门）。")
                % {"status": rules.status_label(order.status)}
            )
    return work_order_transition(
        order,
        Status.COMPLETED,
        by=by,
        now=now,
        reason=note or "报竣",
        fields={
            "completed_at": rules.whole_seconds(now),
            "resolution": resolution,
            "delay_cause": delay_cause or "",
            "completion_evidence": evidence,
            "completion_note": note,
        },
        data={
            "resolution": resolution,
            "delay_cause": delay_cause or None,
            "evidence": evidence,
        },
    )


def work_order_cancel(
    order: WorkOrder, *, reason: str, by, now: datetime | None = None
) -> WorkOrder:
    now = now or timezone.now()
    if not reason.strip():
        raise InvalidInput("reason", gettext("请填写撤单原因。"))
    return work_order_transition(
        order,
        Status.CANCELLED,
        by=by,
        now=now,
        reason=reason,
        fields={"cancelled_at": now, "cancel_reason": reason[:255]},
    )
