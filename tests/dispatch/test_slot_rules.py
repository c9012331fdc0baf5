"""Appointment slot rules (SPEC §14), table-driven, no database."""

from datetime import date, time
from decimal import Decimal

import pytest

from dispatch import slot_rules as r
from tests.conftest import local_time

DAY = date(2026, 11, 21)
SPANS = r.parse_spans([["10:00", "12:00"], ["08:00", "10:00"]])
LATE = r.parse_spans([["18:00", "20:00"]])


def test_spans_are_sorted_and_must_end_after_they_start():
    assert SPANS == [(time(8), time(10)), (time(10), time(12))]
    with pytest.raises(ValueError):
        r.parse_spans([["10:00", "10:00"]])


def test_after_hours_slots_open_only_where_someone_works_them():
    assert len(r.day_slots(DAY, SPANS, LATE, after_hours_staffed=False)) == 2
    slots = r.day_slots(DAY, SPANS, LATE, after_hours_staffed=True)
    assert [s.after_hours for s in slots] == [False, False, True]


@pytest.mark.parametrize(
    ("at", "slot_start"),
    [
        (local_time(2026, 11, 21, 8, 0), 8),
        (local_time(2026, 11, 21, 9, 59, 59), 8),
        (
            local_time(2026, 11, 21, 10, 0),
            10,
        ),  # a start on the boundary is the later slot
        (local_time(2026, 11, 21, 11, 59, 59), 10),
        (local_time(2026, 11, 21, 12, 0), None),  # the end is not in the slot
        (local_time(2026, 11, 21, 7, 59, 59), None),
    ],
)
def test_an_appointment_counts_in_the_slot_containing_its_start(at, slot_start):
    slots = r.day_slots(DAY, SPANS, LATE, after_hours_staffed=False)
    found = r.slot_containing(slots, at)
    assert (found.start.hour if found else None) == slot_start


@pytest.mark.parametrize(
    ("booked_hours", "fits"),
    [(Decimal("2"), True), (Decimal("2.01"), False), (Decimal("4"), False)],
)
def test_a_booking_fits_only_within_the_hours_on_duty(booked_hours, fits):
    # two technicians in a 2-hour slot: 4 hours; an install takes 2
    assert r.slot_has_room(Decimal("4"), booked_hours, Decimal("2")) is fits


def test_figures_count_orders_of_the_asked_kind_and_show_an_overfilled_slot():
    slot = r.day_slots(DAY, SPANS, LATE, after_hours_staffed=False)[0]
    f = r.slot_figures(
        slot,
        capacity_hours=Decimal("4"),
        booked_hours=Decimal("5"),
        booked=3,
        order_hours=Decimal("2"),
    )
    assert (f.capacity, f.booked, f.available, f.overfilled) == (2, 3, 0, True)


@pytest.mark.parametrize(
    ("start", "ahead"),
    [
        (local_time(2026, 11, 20, 23, 59, 59), False),
        (local_time(2026, 11, 21, 0, 0), True),
    ],
)
def test_a_later_local_day_is_a_booking_made_ahead(start, ahead):
    assert r.is_booked_ahead(start, local_time(2026, 11, 20, 10, 0)) is ahead
