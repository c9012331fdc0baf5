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


# --- an exemption covers only the delay its cause produced (SPEC §6) ----------


def assess(completed, *, pauses=(), cause="", evidence="", complained=False, **kw):
    return rules.assess(
        kind=kw.get("kind", rules.SAME_DAY_REPAIR),
        deadline=MON_DEADLINE,
        completed_at=completed,
        policy=POLICY,
        area_type=kw.get("area_type", "urban_core"),
        pauses=list(pauses),
        completion_cause=cause,
        completion_evidence=evidence,
        complained=complained,
    )


MON_12 = dt.datetime(2026, 11, 16, 12, tzinfo=SH)
CUSTOMER_8H = rules.Pause(MON_12, MON_12 + dt.timedelta(hours=8), "customer")


def test_a_completion_at_half_a_second_before_midnight_is_on_time():
    half = MON_DEADLINE + dt.timedelta(microseconds=500_000)  # 23:59:59.5
    assert rules.days_late(MON_DEADLINE, half) == 0
    assert assess(half) is None
    assert assess(MON_DEADLINE + dt.timedelta(seconds=1)).days_late == 1


def test_an_8h_customer_suspension_does_not_excuse_two_days_late_for_the_installer():
    found = assess(late(days=2), pauses=[CUSTOMER_8H], cause="installer")
    # 48 h late − 8 h excused = 40 h: still 2 days, due
    assert (found.exemption, found.days_late, found.amount) == ("", 2, Decimal("20.00"))
    assert found.excused == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    ("lateness", "days", "amount"),
    [
        (dt.timedelta(hours=32), 1, "10.00"),  # 32 − 8 = 24 h: exactly one day
        (dt.timedelta(hours=32, seconds=1), 2, "20.00"),  # one second more
    ],
)
def test_the_excused_time_comes_off_before_rounding_up(lateness, days, amount):
    found = assess(MON_DEADLINE + lateness, pauses=[CUSTOMER_8H], cause="installer")
    assert (found.exemption, found.days_late, found.amount) == (
        "",
        days,
        Decimal(amount),
    )


@pytest.mark.parametrize(
    ("lateness", "exempt"),
    [(dt.timedelta(hours=8), True), (dt.timedelta(hours=8, seconds=1), False)],
)
def test_a_suspension_that_covers_the_whole_delay_exempts(lateness, exempt):
    found = assess(MON_DEADLINE + lateness, pauses=[CUSTOMER_8H], cause="installer")
    assert (found.exemption == "customer") is exempt
    assert found.days_late == 1 and found.amount == Decimal("10.00")


def test_a_non_exempt_suspension_excuses_nothing():
    network = rules.Pause(CUSTOMER_8H.start, CUSTOMER_8H.end, "network_resource")
    found = assess(late(hours=6), pauses=[network], cause="installer")
    assert (found.exemption, found.excused) == ("", dt.timedelta(0))


def test_an_exempt_completion_cause_exempts_what_remains():
    found = assess(late(days=2), pauses=[CUSTOMER_8H], cause="third_party")
    assert (found.exemption, found.days_late) == ("third_party", 2)


def test_overlapping_suspensions_count_once():
    other = rules.Pause(
        MON_12 + dt.timedelta(hours=4), MON_12 + dt.timedelta(hours=10), "customer"
    )
    assert rules.merged_length([CUSTOMER_8H, other]) == dt.timedelta(hours=10)


def test_after_a_complaint_only_proven_exemptions_stand():
    unproven = assess(late(hours=6), pauses=[CUSTOMER_8H], complained=True)
    assert (unproven.exemption, unproven.days_late) == ("", 1)
    proven_pause = rules.Pause(CUSTOMER_8H.start, CUSTOMER_8H.end, "customer", "REC-1")
    proven = assess(late(hours=6), pauses=[proven_pause], complained=True)
    assert (proven.exemption, proven.evidence) == ("customer", "REC-1")
    by_cause = assess(late(hours=6), cause="customer", complained=True)
    assert by_cause.exemption == ""


def test_the_cap_holds_after_the_excused_time_comes_off():
    found = assess(late(days=30), pauses=[CUSTOMER_8H], cause="installer")
    assert (found.days_late, found.amount) == (30, Decimal("100.00"))


def test_rural_is_exempt_whatever_the_complaint():
    found = assess(late(days=2), area_type="rural", complained=True)
    assert (found.exemption, found.amount) == ("rural", Decimal("20.00"))


@pytest.mark.parametrize(
    ("late_orders", "orders", "vendor"),
    [
        (1, 21, "0.00"),  # 4.76 %: below the line
        (1, 20, "0.00"),  # exactly 5 %: the vendor bears nothing
        (1, 19, "0.50"),  # 5.26 %: just above, the vendor bears a part
    ],
)
def test_vendor_share_at_the_five_percent_line(late_orders, orders, vendor):
    month = rules.VendorMonth(orders, late_orders, Decimal("10"))
    liability = rules.vendor_liability(month, Decimal("0.05"))
    assert liability.vendor_amount == Decimal(vendor)
    assert liability.vendor_amount + liability.branch_amount == Decimal("10.00")
