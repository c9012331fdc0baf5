"""Intake: orders created from the CRM, the hotline or self-service."""

from __future__ import annotations

import hashlib
import json
import secrets
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import IdempotencyConflict, InvalidInput
from dispatch_center.history import CREATED, history_linked
from dispatch_center.inserts import InsertPlan, insert_linked
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
from .customers import customer_match
from .events import event_linked


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
        """A stable hash of the request content, for idempotent replays.

        The JSON of ``asdict(self)``, byte for byte (orders stored before
        must still match their replays); built from the two flat dataclasses
        directly, as ``asdict``'s deep copy costs more than the hash. An
        ``extra`` (free-form, may nest anything) takes ``asdict`` itself.
        """
        if self.extra:
            payload = asdict(self)
        else:
            payload = {**vars(self), "customer": vars(self.customer), "extra": {}}
        return hashlib.sha256(
            json.dumps(
                payload, sort_keys=True, default=str, ensure_ascii=False
            ).encode()
        ).hexdigest()


#: 32 characters (no 0/O, 1/I): a random byte modulo 32 picks each uniformly
_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _new_number(kind: str, at: datetime) -> str:
    prefix = {Kind.INSTALL: "Z", Kind.MOVE: "Y", Kind.REPAIR: "X"}[kind]
    # six random bytes in one read of the system's generator, not six
    tail = "".join(_NUMBER_ALPHABET[b % 32] for b in secrets.token_bytes(6))
    return f"{prefix}{rules.local(at):%y%m%d}{tail}"


def _customer_changes(customer: Customer | None, c: CustomerIn) -> list[str]:
    """The attributes the CRM changes on a known customer (it is the master
    of customer data: its latest name, level and segment win)."""
    if customer is None:
        return []
    return [
        attr
        for attr in ("name", "level", "segment")
        if getattr(customer, attr) != getattr(c, attr)
    ]


def _customer_save(
    customer: Customer | None,
    changed: list[str],
    data: OrderIn,
    package_area: PackageArea,
    *,
    by,
    now: datetime,
) -> Customer:
    """Create the customer with its history row (one statement on
    PostgreSQL, ``insert_linked``, as the order's), or write the CRM's
    changes to the known one (simple-history records that)."""
    c = data.customer
    if customer is None:
        customer = Customer(
            name=c.name,
            phone=c.phone,
            account=c.account,
            level=c.level,
            segment=c.segment,
            address=data.address,
            package_area=package_area,
        )
        insert_linked(
            customer,
            _customer_plan(),
            [history_linked(customer, by=by, at=now, reason="", kind=CREATED)],
        )
        return customer
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
       (with its history row and timeline line) all or nothing, with the
       deadline of SPEC §5 (``_insert_order``).
    3. A replay (same ``crm_order_id`` or ``Idempotency-Key``) hits the unique
       constraint: same content → the existing order (created=False),
       different content → ``IdempotencyConflict``. Inserting first and
       letting the constraint decide keeps the hot path to two statements
       (the customer, the order with its records) and is safe when a
       retried CRM call races its original.
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
        order = _insert_order(data, by, idempotency_key, fingerprint, accepted_at, now)
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


@cache
def _customer_plan() -> InsertPlan:
    return InsertPlan(Customer)


@cache
def _order_plan() -> InsertPlan:
    return InsertPlan(WorkOrder)


def _insert_order(
    data, by, idempotency_key, fingerprint, accepted_at, now
) -> WorkOrder:
    """Judge the order, then write it with its records.

    1. Everything that can refuse it (package area, deadline, appointment)
       before any write.
    2. Read the customer (with their previous repair) and, for a repair, the
       fault probe.
    3. Write: the order, its history row and its ``created`` timeline line
       in one statement (``insert_linked``). In the usual case (a known
       customer the CRM does not change, no fault hold, no caller's
       transaction) that statement is the only write and is atomic by
       itself, so no transaction is opened (no ``BEGIN``/``COMMIT`` round
       trips). A new or changed customer, a fault link, or a caller's
       transaction (whose savepoint a replay's lookup needs) write inside
       ``atomic()``, all or nothing as before.
    """
    package_area = package_area_for_intake(data.package_area)
    if package_area is None:
        raise InvalidInput(
            "package_area",
            gettext("未知的小包区：%(code)s。") % {"code": data.package_area},
        )
    area = package_area.group.area
    c = data.customer
    policy = service_policy()
    # The CRM is the master of customer data: the order is judged by the
    # level and segment it sends, which a known customer's row takes below.
    intake = rules.intake_deadline(
        kind=data.kind,
        product=data.product,
        level=c.level,
        segment=c.segment,
        area_type=area.area_type,
        area_same_day_enabled=area.same_day_enabled,
        same_day_requested=data.same_day_requested,
        accepted_at=accepted_at,
        appointment_end=data.appointment_end,
        policy=policy.deadline,
    )
    if data.appointment_start and intake.appointment_next_day:
        _check_appointment(
            accepted_at, data.appointment_start, data.appointment_end, True
        )
    repair = data.kind == Kind.REPAIR
    customer = customer_match(
        phone=c.phone,
        account=c.account,
        repair_product=data.product if repair else None,
        accepted_at=accepted_at,
    )
    changed = _customer_changes(customer, c)
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
        if repair
        else None
    )
    alone = (
        customer is not None
        and not changed
        and (probe is None or probe.fault_id is None)
        and not transaction.get_connection().in_atomic_block
    )
    with nullcontext() if alone else transaction.atomic():
        customer = _customer_save(customer, changed, data, package_area, by=by, now=now)
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
        insert_linked(
            order,
            _order_plan(),
            [
                history_linked(order, by=by, at=now, reason=intake.basis, kind=CREATED),
                event_linked(
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
                ),
            ],
        )
        fault_holds.intake_after_insert(order, probe, by=by, now=now)
    return order
