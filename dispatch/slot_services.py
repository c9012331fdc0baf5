"""Booking appointments into slots (预约服务, SPEC §14).

The flows here own intake-with-appointment and first contact: they compose the
work-order services (``work_order_create``, ``work_order_contact``) with the
slot check in one transaction, and every entry point (the CRM API, the hotline's
and the technician's pages) calls them. A reschedule is checked where it is
approved (``sla.services``), through ``slot_reserve``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import Conflict, InvalidInput
from org.selectors import package_area_for_intake
from workorders import services as wo_services
from workorders.models import WorkOrder
from workorders.sla_services import work_order_check_worker

from . import slot_rules as rules
from . import slot_selectors as selectors
from .models import SlotLock


def slot_check(
    *,
    group_id: int,
    kind: str,
    product: str,
    start: datetime,
    now: datetime,
    exclude_order_id: int | None = None,
    field: str = "appointment_start",
) -> rules.Slot:
    """The slot holding ``start`` if it has room for one more order, else raise.

    A start outside every slot of its day is a 400 naming ``field``; a slot
    whose booked hours leave no room for this order is a 409 ``slot_full``.
    """
    day = rules.local_date(start)
    loads = selectors.slot_loads(
        group_id=group_id,
        product=product,
        day=day,
        now=now,
        exclude_order_id=exclude_order_id,
    )
    load = next((x for x in loads if x.slot.start <= start < x.slot.end), None)
    if load is None:
        raise InvalidInput(
            field, gettext("预约开始时间不在任何预约时段内，请选择可预约的时段。")
        )
    if not rules.slot_has_room(
        load.capacity_hours, load.booked_hours, selectors.order_hours(kind, product)
    ):
        raise Conflict(
            gettext("该预约时段已约满，请选择其他时段。"),
            code="slot_full",
        )
    return load.slot


def slot_reserve(
    *,
    group_id: int,
    kind: str,
    product: str,
    start: datetime,
    now: datetime,
    exclude_order_id: int | None = None,
    field: str = "appointment_start",
) -> rules.Slot:
    """Check the slot under its lock; call inside the booking's transaction.

    1. Find the slot (400 if none), then create its lock row if missing
       (``ON CONFLICT DO NOTHING``) and lock it ``FOR UPDATE``: concurrent
       bookings of the same slot queue here.
    2. Count again under the lock: READ COMMITTED gives each statement a fresh
       snapshot, so the second booking sees the first one's committed order.
    3. The caller writes the order in the same transaction; the lock is held
       until it commits.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("slot_reserve must run inside the booking transaction")
    slot = slot_check(
        group_id=group_id,
        kind=kind,
        product=product,
        start=start,
        now=now,
        exclude_order_id=exclude_order_id,
        field=field,
    )
    SlotLock.objects.bulk_create(
        [SlotLock(group_id=group_id, start=slot.start)], ignore_conflicts=True
    )
    SlotLock.objects.select_for_update().get(group_id=group_id, start=slot.start)
    return slot_check(
        group_id=group_id,
        kind=kind,
        product=product,
        start=start,
        now=now,
        exclude_order_id=exclude_order_id,
        field=field,
    )


def _replayed(data: wo_services.OrderIn, idempotency_key: str) -> bool:
    if data.crm_order_id:
        return WorkOrder.objects.filter(crm_order_id=data.crm_order_id).exists()
    if idempotency_key:
        return WorkOrder.objects.filter(idempotency_key=idempotency_key).exists()
    return False


def order_intake(
    *,
    data: wo_services.OrderIn,
    by,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> tuple[WorkOrder, bool]:
    """Create an order; an appointment given at intake is a booking made ahead.

    Without an appointment this is ``work_order_create`` and nothing more (the
    intake's query budget is unchanged). With one: the slot is reserved under
    its lock and the order created in the same transaction. A replay of an
    order already created goes straight to ``work_order_create`` (its answer
    is the first order, whatever the slot holds now).
    """
    if (
        data.appointment_start is None
        or data.appointment_end is None
        or data.appointment_end <= data.appointment_start  # the intake names it
        or _replayed(data, idempotency_key)
    ):
        return wo_services.work_order_create(
            data=data, by=by, idempotency_key=idempotency_key, now=now
        )
    now = now or timezone.now()
    area = package_area_for_intake(data.package_area)
    if area is None:  # let the intake name the field as it always does
        return wo_services.work_order_create(
            data=data, by=by, idempotency_key=idempotency_key, now=now
        )
    with transaction.atomic():
        slot_reserve(
            group_id=area.group_id,
            kind=data.kind,
            product=data.product,
            start=data.appointment_start,
            now=now,
        )
        return wo_services.work_order_create(
            data=data, by=by, idempotency_key=idempotency_key, now=now
        )


def order_contact(
    order: WorkOrder,
    *,
    appointment_start: datetime,
    appointment_end: datetime,
    by,
    now: datetime | None = None,
) -> WorkOrder:
    """First contact (→ appointed). A visit agreed for today is accepted at any
    time (the 当日修 promise outranks the plan) and still counts in its slot;
    a later day is a booking made ahead and must fit a slot with room."""
    now = now or timezone.now()
    work_order_check_worker(order, by)  # "not yours" before anything about slots
    if (
        not rules.is_booked_ahead(appointment_start, now)
        or appointment_end <= appointment_start  # the contact names it
    ):
        return wo_services.work_order_contact(
            order,
            appointment_start=appointment_start,
            appointment_end=appointment_end,
            by=by,
            now=now,
        )
    with transaction.atomic():
        slot_reserve(
            group_id=order.group_id,
            kind=order.kind,
            product=order.product,
            start=appointment_start,
            now=now,
            exclude_order_id=order.pk,
        )
        return wo_services.work_order_contact(
            order,
            appointment_start=appointment_start,
            appointment_end=appointment_end,
            by=by,
            now=now,
        )
