"""The slots a console form offers (SPEC §14): a select of slots, never a free
date-time input.

- A booking made ahead (a later day, a reschedule) offers only the slots with
  room that have not started: ``dispatch.slot_selectors.open_slots``.
- A first contact may agree a visit today at any time (the 当日修 promise
  outranks the plan): today's slots that have not ended are all offered, a
  full one marked as overfilling it.

The services check again (``dispatch.slot_services``); a choice that filled up
meanwhile is their 409, shown on the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import formats
from django.utils.translation import gettext as _

from dispatch.slot_rules import local_date
from dispatch.slot_selectors import day_slots, open_slots, slot_policy
from workorders import rules as wo_rules


@dataclass(frozen=True)
class SlotChoice:
    start: datetime
    end: datetime
    label: str

    @property
    def value(self) -> str:
        return wo_rules.local(self.start).isoformat()


def _label(start: datetime, end: datetime, note: str = "") -> str:
    start, end = wo_rules.local(start), wo_rules.local(end)
    day = formats.date_format(start, _("n月j日 D"))
    return f"{day} {start:%H:%M}–{end:%H:%M}{note}"


def slot_choices(
    order, *, now: datetime, same_day: bool, cache: dict | None = None
) -> list[tuple[str, list[SlotChoice]]]:
    """[(day label, [choices])] for ``order``'s group, days with a choice only.

    ``same_day``: today's slots not yet ended, full ones too (first contact);
    otherwise today's and later days' open slots only. ``cache`` (one dict per
    page) shares the figures between the cards of one technician's page.
    """
    cache = {} if cache is None else cache
    key = (order.group_id, order.kind, order.product, same_day)
    if key in cache:
        return cache[key]
    today = local_date(now)
    days = []
    for offset in range(slot_policy().booking_days + 1):
        day = today + timedelta(days=offset)
        if offset == 0 and same_day:
            figures = [
                f
                for f in day_slots(
                    group_id=order.group_id,
                    kind=order.kind,
                    product=order.product,
                    day=day,
                    now=now,
                )
                if f.slot.end > now
            ]
        else:
            figures = open_slots(
                group_id=order.group_id,
                kind=order.kind,
                product=order.product,
                day=day,
                now=now,
            )
        choices = [
            SlotChoice(
                f.slot.start,
                f.slot.end,
                _label(
                    f.slot.start,
                    f.slot.end,
                    _("（已约满，当日上门仍可预约）") if f.available <= 0 else "",
                ),
            )
            for f in figures
        ]
        if choices:
            days.append((formats.date_format(day, _("n月j日 D")), choices))
    cache[key] = days
    return days


def order_slot(order, *, now: datetime):
    """The figures of the slot holding ``order``'s appointment (an open order
    only), so the desk sees a slot a same-day visit overfilled; else None."""
    if order.appointment_start is None or order.status not in wo_rules.OPEN_STATES:
        return None
    figures = day_slots(
        group_id=order.group_id,
        kind=order.kind,
        product=order.product,
        day=local_date(order.appointment_start),
        now=now,
    )
    return next(
        (f for f in figures if f.slot.start <= order.appointment_start < f.slot.end),
        None,
    )
