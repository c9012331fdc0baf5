"""Table-driven tests of the pure deadline and transition rules (no database)."""

import datetime as dt

import pytest

from dispatch_center.errors import InvalidTransition
from workorders import rules
from workorders.rules import DeadlinePolicy, StandardLimit

SH = rules.LOCAL_TZ
POLICY = DeadlinePolicy(
    cutoff=dt.time(16, 0),
    same_day_products=frozenset({"ftth_broadband", "itv_hd"}),
    same_day_segments=frozenset({"public"}),
    mandatory_area_types=frozenset({"urban_core", "county_town"}),
    repair_after_cutoff_hours=24,
    late_install_counts_as_same_day=False,
    standard_limits=(
        StandardLimit("repair", None, True, 4),
        StandardLimit("repair", None, False, 24),
        StandardLimit("repair", None, None, 24),
        StandardLimit("install", None, None, 72),
        StandardLimit("move", None, None, 72),
        StandardLimit("repair", "fixed_phone", True, 6),
    ),
)


def at(day, hour, minute=0, second=0):
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=SH)


def intake(**kw):
    args = {
        "kind": "install",
        "product": "ftth_broadband",
        "level": "ordinary",
        "segment": "public",
        "area_type": "urban_core",
        "area_same_day_enabled": True,
        "same_day_requested": True,
        "accepted_at": at(20, 10),
        "appointment_end": None,
        "policy": POLICY,
    }
    args.update(kw)
    return rules.intake_deadline(**args)


@pytest.mark.parametrize(
    ("kind", "accepted", "same_day", "deadline"),
    [
        ("install", at(20, 15, 59, 59), True, at(20, 23, 59, 59)),
        ("install", at(20, 0, 0, 0), True, at(20, 23, 59, 59)),
        ("repair", at(20, 15, 59, 59), True, at(20, 23, 59, 59)),
        # at 16:00:00 exactly the same-day promise no longer applies
        ("repair", at(20, 16, 0, 0), True, at(21, 16, 0, 0)),
        ("repair", at(20, 23, 30), True, at(21, 23, 30)),
        ("install", at(20, 16, 0, 0), False, at(23, 16, 0, 0)),
    ],
)
def test_same_day_cutoff_edges(kind, accepted, same_day, deadline):
    result = intake(kind=kind, accepted_at=accepted)
    assert (result.is_same_day, result.deadline) == (same_day, deadline)


def test_cutoff_is_local_time_not_utc():
    # 07:59:59Z is 15:59:59 in Shanghai: still before the cutoff
    accepted = dt.datetime(2026, 11, 20, 7, 59, 59, tzinfo=dt.UTC)
    result = intake(kind="repair", accepted_at=accepted)
    assert result.deadline == at(20, 23, 59, 59)
    assert result.deadline.utcoffset() == dt.timedelta(hours=8)


def test_late_install_with_appointment_is_due_at_appointment_end():
    result = intake(accepted_at=at(20, 17), appointment_end=at(21, 12))
    assert (result.is_same_day, result.deadline) == (False, at(21, 12))


def test_late_install_without_appointment_follows_the_first_appointment():
    result = intake(accepted_at=at(20, 17))
    assert result.follows_appointment is True
    assert result.deadline == at(23, 17)


def test_late_install_counts_when_policy_says_missed_appointments_count():
    policy = DeadlinePolicy(
        **{**POLICY.__dict__, "late_install_counts_as_same_day": True}
    )
    result = intake(accepted_at=at(20, 17), appointment_end=at(21, 12), policy=policy)
    assert result.is_same_day is True


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"segment": "government_enterprise"}, "政企 excluded"),
        ({"segment": "campus"}, "校园 excluded"),
        ({"product": "fixed_phone"}, "product not in scope"),
        ({"product": "fttb_broadband"}, "FTTB not in scope"),
        ({"kind": "move"}, "moves are not same-day"),
        ({"same_day_requested": False}, "customer declined"),
        ({"area_type": "rural", "area_same_day_enabled": False}, "rural, switch off"),
    ],
)
def test_out_of_scope_orders_are_not_same_day(overrides, why):
    assert intake(**overrides).is_same_day is False, why


def test_rural_area_with_switch_on_is_in_scope():
    result = intake(area_type="rural", area_same_day_enabled=True)
    assert result.is_same_day is True


def test_urban_core_is_mandatory_even_with_switch_off():
    result = intake(area_type="urban_core", area_same_day_enabled=False)
    assert result.is_same_day is True


@pytest.mark.parametrize(
    ("kind", "product", "level", "hours"),
    [
        ("repair", "fttb_broadband", "diamond", 4),
        ("repair", "fttb_broadband", "silver", 4),
        ("repair", "fttb_broadband", "ordinary", 24),
        ("repair", "fixed_phone", "gold", 6),  # product-specific row wins
        ("install", "fixed_phone", "gold", 72),
        ("move", "ftth_broadband", "ordinary", 72),
    ],
)
def test_standard_limit_table(kind, product, level, hours):
    result = intake(
        kind=kind, product=product, level=level, segment="government_enterprise"
    )
    assert result.deadline == at(20, 10) + dt.timedelta(hours=hours)


def test_out_of_scope_appointment_sets_the_deadline():
    result = intake(kind="move", appointment_end=at(22, 18))
    assert result.deadline == at(22, 18)


def test_missing_standard_limit_is_an_error():
    with pytest.raises(LookupError):
        rules.standard_limit_hours("install", "other", "ordinary", ())


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        rules.end_of_local_day(dt.datetime(2026, 11, 20, 10))


@pytest.mark.parametrize(
    ("src", "dst", "allowed"),
    [
        ("pending", "dispatched", True),
        ("pending", "accepted", False),
        ("dispatched", "accepted", True),
        ("dispatched", "dispatched", True),  # reassign
        ("accepted", "appointed", True),
        ("appointed", "on_site", True),
        ("on_site", "completed", True),
        ("on_site", "dispatched", False),
        ("completed", "closed", True),
        ("completed", "cancelled", False),
        ("cancelled", "pending", False),
        ("closed", "completed", False),
        ("pending", "cancelled", True),
    ],
)
def test_transitions(src, dst, allowed):
    if allowed:
        rules.check_transition(src, dst)
    else:
        with pytest.raises(InvalidTransition):
            rules.check_transition(src, dst)
