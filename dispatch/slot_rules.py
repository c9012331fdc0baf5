"""Pure rules of appointment slots (预约时段, SPEC §14): no ORM, no clock.

A slot's capacity is counted in standard work-hours (工时池): the hours of the
technicians on duty in it, against the standard hours of what is booked in it.
A booking made ahead fits when what is booked plus the new order's hours stays
within that; a same-day visit is never refused, and may overfill its slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    after_hours: bool = False

    @property
    def hours(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds()) / Decimal(3600)


@dataclass(frozen=True)
class SlotFigures:
    """What the CRM and the forms see of one slot, in orders of one kind."""

    slot: Slot
    capacity: int
    booked: int
    available: int
    overfilled: bool


def parse_spans(raw) -> list[tuple[time, time]]:
    """``[["08:00", "10:00"], ...]`` → sorted ``(start, end)`` times; a span
    that does not end after it starts is a configuration error."""
    spans = []
    for start, end in raw or []:
        a, b = time.fromisoformat(start), time.fromisoformat(end)
        if b <= a:
            raise ValueError(f"slot {start}-{end} must end after it starts")
        spans.append((a, b))
    return sorted(spans)


def day_slots(
    day: date,
    spans: list[tuple[time, time]],
    after_hours_spans: list[tuple[time, time]],
    *,
    after_hours_staffed: bool,
) -> list[Slot]:
    """The day's slots; the after-hours ones only where someone works them."""
    slots = [
        Slot(
            datetime.combine(day, a, tzinfo=LOCAL_TZ),
            datetime.combine(day, b, tzinfo=LOCAL_TZ),
        )
        for a, b in spans
    ]
    if after_hours_staffed:
        slots += [
            Slot(
                datetime.combine(day, a, tzinfo=LOCAL_TZ),
                datetime.combine(day, b, tzinfo=LOCAL_TZ),
                after_hours=True,
            )
            for a, b in after_hours_spans
        ]
    return sorted(slots, key=lambda s: s.start)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=1)


def slot_containing(slots: list[Slot], at: datetime) -> Slot | None:
    """The slot whose [start, end) holds ``at``: 10:00 is in 10–12, not 08–10."""
    for slot in slots:
        if slot.start <= at < slot.end:
            return slot
    return None


def slot_capacity_hours(
    slot: Slot, *, day_staff: int, after_hours_staff: int
) -> Decimal:
    """Technician-hours on duty in the slot."""
    staff = after_hours_staff if slot.after_hours else day_staff
    return slot.hours * staff


def slot_has_room(
    capacity_hours: Decimal, booked_hours: Decimal, order_hours: Decimal
) -> bool:
    """A booking made ahead fits when it does not take the slot past its hours."""
    return booked_hours + order_hours <= capacity_hours


def _orders(hours: Decimal, per_order: Decimal) -> int:
    if per_order <= 0:
        return 0
    return int((hours / per_order).to_integral_value(rounding=ROUND_FLOOR))


def slot_figures(
    slot: Slot,
    *,
    capacity_hours: Decimal,
    booked_hours: Decimal,
    booked: int,
    order_hours: Decimal,
) -> SlotFigures:
    """Capacity and room in orders of the asked kind; ``booked`` is the count
    of appointments whatever their kind (their hours are what fills the slot)."""
    free = max(capacity_hours - booked_hours, Decimal(0))
    return SlotFigures(
        slot=slot,
        capacity=_orders(capacity_hours, order_hours),
        booked=booked,
        available=_orders(free, order_hours),
        overfilled=booked_hours > capacity_hours,
    )


def is_booked_ahead(start: datetime, now: datetime) -> bool:
    """An appointment on a later (local) day than now is a booking made ahead."""
    return start.astimezone(LOCAL_TZ).date() > now.astimezone(LOCAL_TZ).date()


def local_date(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()
