"""Intake: orders created from the CRM, the hotline or self-service."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import IdempotencyConflict, InvalidInput
from dispatch_center.history import CREATED, history_record
from org.models import PackageArea
from org.selectors import package_area_for_intake

from .. import fault_holds, rules
from ..models import (
    Customer,
    EventKind,
    Kind,
    Status,
    WorkOrder,
    new_customer_token,
)
from ..selectors import service_policy
from .appointments import _check_appointment
from .events import event_record


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


def _new_number(kind: str, at: datetime) -> str:
    prefix = {Kind.INSTALL: "Z", Kind.MOVE: "Y", Kind.REPAIR: "X"}[kind]
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"{prefix}{rules.local(at):%y%m%d}{tail}"


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
