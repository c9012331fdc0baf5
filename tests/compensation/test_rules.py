"""The 慢必赔 amount, exemption and liability rules at their edges."""

import datetime as dt
from decimal import Decimal

import pytest

from compensation import rules

SH = dt.timezone(dt.timedelta(hours=8))
POLICY = rules.AmountPolicy(
    install_amount=Decimal("20"),
    repair_per_day=Decimal("10"),
    repair_cap=Decimal("100"),
    day_hours=24,
)
MON_DEADLINE = dt.datetime(2026, 11, 16, 23, 59, 59, tzinfo=SH)


def late(**delta):
    return MON_DEADLINE + dt.timedelta(**delta)


@pytest.mark.parametrize(
    ("completed", "days", "amount"),
    [
        (MON_DEADLINE - dt.timedelta(hours=3), 0, "0.00"),
        (MON_DEADLINE, 0, "0.00"),  # exactly on the deadline is on time
        (late(seconds=1), 1, "10.00"),  # one second late is a whole day
        (late(hours=24), 1, "10.00"),
        (late(hours=24, seconds=1), 2, "20.00"),
        (late(days=9), 9, "90.00"),
        (late(days=9, seconds=1), 10, "100.00"),
        (late(days=10), 10, "100.00"),
        (late(days=10, seconds=1), 11, "100.00"),  # the cap
        (late(days=40), 40, "100.00"),
    ],
)
def test_repair_amounts(completed, days, amount):
    assert rules.compensation_amount(
        rules.SAME_DAY_REPAIR, MON_DEADLINE, completed, POLICY
    ) == (
        days,
        Decimal(amount),
    )


def test_spec_examples():
    # reported Mon 10:00 → due Mon 23:59:59; repaired Tue 09:00 → 10 yuan; Wed 09:00 → 20
    tue_9 = dt.datetime(2026, 11, 17, 9, tzinfo=SH)
    wed_9 = dt.datetime(2026, 11, 18, 9, tzinfo=SH)
    assert rules.compensation_amount(
        "same_day_repair", MON_DEADLINE, tue_9, POLICY
    ) == (1, Decimal("10.00"))
    assert rules.compensation_amount(
        "same_day_repair", MON_DEADLINE, wed_9, POLICY
    ) == (2, Decimal("20.00"))
    # reported Mon 17:00 (after 16:00) → due Tue 17:00; repaired Tue 18:00 → 10 yuan
    tue_17 = dt.datetime(2026, 11, 17, 17, tzinfo=SH)
    tue_18 = dt.datetime(2026, 11, 17, 18, tzinfo=SH)
    assert rules.compensation_amount("same_day_repair", tue_17, tue_18, POLICY) == (
        1,
        Decimal("10.00"),
    )


@pytest.mark.parametrize(
    ("completed", "amount"),
    [(MON_DEADLINE, "0.00"), (late(seconds=1), "20.00"), (late(days=5), "20.00")],
)
def test_install_is_a_flat_amount(completed, amount):
    assert rules.compensation_amount(
        rules.SAME_DAY_INSTALL, MON_DEADLINE, completed, POLICY
    )[1] == Decimal(amount)


def test_amounts_are_configurable():
    policy = rules.AmountPolicy(Decimal("30"), Decimal("15.50"), Decimal("50"), 24)
    assert rules.compensation_amount(
        "same_day_repair", MON_DEADLINE, late(days=3, seconds=1), policy
    ) == (
        4,
        Decimal("50.00"),
    )
    assert rules.compensation_amount(
        "same_day_repair", MON_DEADLINE, late(days=2), policy
    )[1] == Decimal("31.00")


@pytest.mark.parametrize(
    ("area_type", "causes", "expected"),
    [
        ("rural", ["installer"], "rural"),
        ("urban_core", ["customer"], "customer"),
        ("urban_core", ["third_party"], "third_party"),
        ("urban_core", ["force_majeure"], "force_majeure"),
        ("county_town", ["installer"], None),
        ("urban_core", ["network_resource"], None),
        ("urban_core", ["acceptance_error"], None),
        ("urban_core", [], None),
        (
            "urban_core",
            ["installer", "customer"],
            "customer",
        ),  # a suspension for the customer
    ],
)
def test_exemptions(area_type, causes, expected):
    assert rules.exemption(area_type=area_type, causes=causes) == expected


@pytest.mark.parametrize(
    ("orders", "late", "comp", "share", "vendor", "branch"),
    [
        (
            100,
            5,
            "50.00",
            "0.0500",
            "0.00",
            "50.00",
        ),  # exactly 5%: nothing for the vendor
        (1000, 51, "510.00", "0.0510", "10.00", "500.00"),  # just above
        (100, 10, "200.00", "0.1000", "100.00", "100.00"),  # half of it above the line
        (100, 0, "0.00", "0", "0.00", "0.00"),
        (0, 0, "0.00", None, "0.00", "0.00"),
        (
            3,
            1,
            "10.00",
            "0.3333",
            "8.50",
            "1.50",
        ),  # rounding to the fen, sums stay exact
    ],
)
def test_vendor_liability_at_the_5_percent_line(
    orders, late, comp, share, vendor, branch
):
    result = rules.vendor_liability(
        rules.VendorMonth(orders, late, Decimal(comp)), Decimal("0.05")
    )
    assert result.share == (Decimal(share) if share is not None else None)
    assert (result.vendor_amount, result.branch_amount) == (
        Decimal(vendor),
        Decimal(branch),
    )
    assert result.vendor_amount + result.branch_amount == Decimal(comp)
