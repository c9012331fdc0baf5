"""Reads of appointment slots (SPEC §14): a day's slots of a region group.

The cost follows the orders booked that day in that group (index
``wo_group_appointment``) and the group's technicians, never the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from dispatch_center.caching import ProcessCache
from org.models import Technician, TechnicianStatus
from workorders.models import Status, WorkOrder

from . import slot_rules as rules
from .models import DispatchPolicy, SlotPolicy, WorkHourStandard


@dataclass(frozen=True)
class SlotLoad:
    slot: rules.Slot
    capacity_hours: Decimal
    booked_hours: Decimal
    booked: int


#: the slot policy and the 工时池, cached per process like the other policies
#: (``POLICY_CACHE_SECONDS``): an admin edit is in force within that time
_policies = ProcessCache("POLICY_CACHE_SECONDS")


def slot_policy() -> SlotPolicy:
    return _policies.get(
        "slots", lambda: SlotPolicy.objects.order_by("pk").first() or SlotPolicy()
    )


def _hours_table() -> tuple[dict[tuple[str, str], Decimal], Decimal]:
    def load():
        policy = DispatchPolicy.objects.order_by("pk").first() or DispatchPolicy()
        table = {(w.kind, w.product): w.hours for w in WorkHourStandard.objects.all()}
        return table, policy.default_work_hours

    return _policies.get("hours", load)


def order_hours(kind: str, product: str) -> Decimal:
    """Standard work-hours of one order (工时池), the policy's default else."""
    table, default = _hours_table()
    return table.get((kind, product), default)


def _staff(group_id: int, product: str, day: date, today: date) -> tuple[int, int]:
    """(technicians on duty that day, of whom after-hours) able to do ``product``:
    one query, the day's rota entries (rest, leave, off) excluded in it."""
    techs = [
        t
        for t in Technician.objects.filter(group_id=group_id)
        .exclude(rota_entries__date=day)
        .only("id", "skills", "after_hours", "status")
        if product in (t.skills or [])
        # today's status (leave, rest) is known; a later day follows the rota
        and (day != today or t.status == TechnicianStatus.ON_DUTY)
    ]
    return len(techs), sum(1 for t in techs if t.after_hours)


def slot_loads(
    *,
    group_id: int,
    product: str,
    day: date,
    now: datetime,
    exclude_order_id: int | None = None,
) -> list[SlotLoad]:
    """Every slot of the day with its hours on duty and the hours booked in it.

    1. The slots of the day (after-hours ones where someone works them).
    2. The group's appointments starting that day (not cancelled), each
       counted in the slot that contains its start, with its standard hours.
    """
    policy = slot_policy()
    today = rules.local_date(now)
    day_staff, late_staff = _staff(group_id, product, day, today)
    slots = rules.day_slots(
        day,
        rules.parse_spans(policy.spans),
        rules.parse_spans(policy.after_hours_spans),
        after_hours_staffed=late_staff > 0,
    )
    lo, hi = rules.day_bounds(day)
    booked = (
        WorkOrder.objects.filter(
            group_id=group_id, appointment_start__gte=lo, appointment_start__lt=hi
        )
        .exclude(status=Status.CANCELLED)
        .values_list("id", "appointment_start", "kind", "product")
    )
    hours_table, default = _hours_table()
    hours = {s.start: Decimal(0) for s in slots}
    counts = {s.start: 0 for s in slots}
    for pk, start, kind, prod in booked:
        slot = rules.slot_containing(slots, start)
        if slot is None or pk == exclude_order_id:
            continue
        hours[slot.start] += hours_table.get((kind, prod), default)
        counts[slot.start] += 1
    return [
        SlotLoad(
            slot=s,
            capacity_hours=rules.slot_capacity_hours(
                s, day_staff=day_staff, after_hours_staff=late_staff
            ),
            booked_hours=hours[s.start],
            booked=counts[s.start],
        )
        for s in slots
    ]


def day_slots(
    *, group_id: int, kind: str, product: str, day: date, now: datetime
) -> list[rules.SlotFigures]:
    """A day's slots as the CRM, the hotline and the customer see them."""
    per_order = order_hours(kind, product)
    return [
        rules.slot_figures(
            load.slot,
            capacity_hours=load.capacity_hours,
            booked_hours=load.booked_hours,
            booked=load.booked,
            order_hours=per_order,
        )
        for load in slot_loads(group_id=group_id, product=product, day=day, now=now)
    ]


def open_slots(
    *, group_id: int, kind: str, product: str, day: date, now: datetime
) -> list[rules.SlotFigures]:
    """Only the slots with room that have not started yet (for the forms)."""
    return [
        f
        for f in day_slots(
            group_id=group_id, kind=kind, product=product, day=day, now=now
        )
        if f.available > 0 and f.slot.start > now
    ]
