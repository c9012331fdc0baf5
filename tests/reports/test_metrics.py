"""Each metric on a small hand-made data set with a known answer.

The day is history (the clock is four days later) and not rolled up, so the
API computes it from the raw records; ``test_rollups`` shows the rollups give
the same figures.
"""

import datetime as dt
from decimal import Decimal

import pytest

from dispatch.models import RotaEntry, WorkHourStandard
from org.models import Technician
from sla.selectors import first_response_rate

from .conftest import (
    DAY,
    approval,
    at,
    callback,
    claim,
    complaint,
    customer,
    day_report,
    order,
    sla_event,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org", "clock")]


def totals(manager, day=DAY, period="day", **params):
    return day_report(manager, day, period=period, **params)["totals"]


def test_same_day_repair_two_orders_one_late_is_half(manager):
    # entered before 16:00: due the same day; entered at 17:00 the day
    # before: due 24 hours later; both completed on DAY, the second late
    order(is_same_day=True, deadline=at(DAY, 23, 59, 59), completed_at=at(DAY, 15))
    order(
        is_same_day=True,
        accepted_at=at(DAY - dt.timedelta(1), 17),
        deadline=at(DAY, 17),
        completed_at=at(DAY, 18),
    )
    # outside the commitment: not counted in the same-day rate
    order(is_same_day=False, completed_at=at(DAY, 16))
    assert totals(manager)["same_day_repair_rate"] == 0.5
    # an order belongs to the day of its completion
    assert totals(manager, DAY - dt.timedelta(1))["same_day_repair_rate"] is None


def test_a_suspension_does_not_move_the_same_day_commitment(manager):
    # an approved suspension moved the internal deadline past the completion,
    # but the 当日修 commitment (慢必赔 clock) stays where it was
    order(
        is_same_day=True,
        deadline=at(DAY, 23, 59, 59),
        commitment_deadline=at(DAY, 23, 59, 59),
        sla_deadline=at(DAY, 23, 59, 59) + dt.timedelta(hours=3),
        accepted_at=at(DAY, 1),
        completed_at=at(DAY, 23, 59, 59) + dt.timedelta(hours=1),
    )
    result = totals(manager, DAY + dt.timedelta(1))
    assert result["same_day_repair_rate"] == 0.0
    assert result["repair_on_time_rate"] == 1.0


def test_same_day_install_rate(manager):
    due = at(DAY, 23, 59, 59)
    for done in (at(DAY, 12), at(DAY, 18), at(DAY, 23, 59, 59)):
        order(kind="install", is_same_day=True, deadline=due, completed_at=done)
    order(
        kind="install",
        is_same_day=True,
        accepted_at=at(DAY - dt.timedelta(1), 10),
        deadline=at(DAY - dt.timedelta(1), 23, 59, 59),
        completed_at=at(DAY, 9),
    )
    order(kind="install", is_same_day=False, completed_at=at(DAY, 9))
    assert totals(manager)["same_day_install_rate"] == 0.75


def test_repair_on_time_rate_uses_the_internal_deadline_and_splits_by_product(
    manager,
):
    deadline = at(DAY, 18)
    order(product="ftth_broadband", deadline=deadline, completed_at=at(DAY, 17))
    order(product="fttb_broadband", deadline=deadline, completed_at=at(DAY, 19))
    order(product="fixed_phone", deadline=deadline, completed_at=at(DAY, 18))
    order(product="itv_hd", deadline=deadline, completed_at=at(DAY, 20))
    order(kind="install", deadline=deadline, completed_at=at(DAY, 20))  # no repair
    result = totals(manager)
    assert result["repair_on_time_rate"] == 0.5
    assert result["repair_on_time_rate_broadband"] == 0.5
    assert result["repair_on_time_rate_fixed_phone"] == 1.0
    assert result["repair_on_time_rate_itv"] == 0.0
    assert result["orders_completed"] == 5


def test_install_kept_rate_is_arriving_by_the_end_of_the_appointment(manager):
    end = at(DAY, 12)
    kept = {"kind": "install", "appointment_end": end, "completed_at": at(DAY, 14)}
    order(**kept, arrived_at=at(DAY, 11, 30))
    order(**kept, arrived_at=at(DAY, 12, 30))
    order(kind="move", appointment_end=end, completed_at=at(DAY, 11, 50))
    order(kind="install", completed_at=at(DAY, 14))  # no appointment: not counted
    assert totals(manager)["install_kept_rate"] == 0.6667


def test_repeat_fault_rate_vip_and_ordinary(manager):
    for level, repeat in [
        ("gold", True),
        ("diamond", False),
        ("silver", False),
        ("silver", False),
        ("ordinary", True),
        ("ordinary", False),
    ]:
        order(level=level, is_repeat_fault=repeat, technician=None)
    # a cancelled repeat fault (duplicate ticket) does not count
    order(level="ordinary", is_repeat_fault=True, status="cancelled", technician=None)
    result = totals(manager)
    assert result["repeat_fault_rate"] == round(2 / 6, 4)
    assert result["repeat_fault_rate_vip"] == 0.25
    assert result["repeat_fault_rate_ordinary"] == 0.5
    assert result["orders_received"] == 7
    assert result["orders_cancelled"] == 1


def test_broadband_repeat_faults_have_metrics_of_their_own(manager):
    # broadband: VIP 1 of 2, ordinary 1 of 4; a fixed-phone VIP repeat fault
    # counts in the all-product figures only
    for level, repeat, product in [
        ("gold", True, "ftth_broadband"),
        ("gold", False, "fttb_broadband"),
        ("ordinary", True, "ftth_broadband"),
        ("ordinary", False, "ftth_broadband"),
        ("ordinary", False, "ftth_broadband"),
        ("ordinary", False, "ftth_broadband"),
        ("diamond", True, "fixed_phone"),
    ]:
        order(level=level, is_repeat_fault=repeat, product=product, technician=None)
    result = totals(manager)
    assert result["repeat_fault_rate_broadband_vip"] == 0.5
    assert result["repeat_fault_rate_broadband_ordinary"] == 0.25
    assert result["repeat_fault_rate_vip"] == round(2 / 3, 4)
    assert result["repeat_fault_rate_ordinary"] == 0.25


def test_first_response_rate_matches_the_sla_selector(manager):
    dispatched = at(DAY, 10)
    due = dispatched + dt.timedelta(minutes=30)
    common = {"dispatched_at": dispatched, "first_response_due": due}
    order(**common, first_contact_at=dispatched + dt.timedelta(minutes=29))
    order(**common, first_contact_at=due)
    order(**common, first_contact_at=due + dt.timedelta(seconds=1))
    order(**common)  # never contacted
    start, end = at(DAY, 0), at(DAY + dt.timedelta(1), 0)
    assert totals(manager)["first_response_rate"] == 0.5
    assert first_response_rate(start, end).rate == 0.5


def test_remote_resolution_rate_among_completed_repairs(manager):
    order(completed_at=at(DAY, 10), resolution="remote", technician=None)
    order(completed_at=at(DAY, 11), resolution="remote", technician=None)
    order(completed_at=at(DAY, 12))
    order(kind="install", completed_at=at(DAY, 12))
    assert totals(manager)["remote_resolution_rate"] == 0.6667


def test_the_broadband_pre_processing_rate_counts_broadband_repairs_only(manager):
    order(completed_at=at(DAY, 10), resolution="remote", technician=None)
    order(completed_at=at(DAY, 11))
    order(completed_at=at(DAY, 11), product="fttb_broadband")
    order(
        completed_at=at(DAY, 12),
        product="fixed_phone",
        resolution="remote",
        technician=None,
    )
    result = totals(manager)
    assert result["remote_resolution_rate_broadband"] == round(1 / 3, 4)
    assert result["remote_resolution_rate"] == 0.5


def test_satisfaction_and_the_four_callback_dimensions(manager):
    done = [order(completed_at=at(DAY - dt.timedelta(1), 10)) for _ in range(4)]
    callback(done[0], satisfied=True)
    callback(done[1], satisfied=True, contact=3)
    callback(done[2], satisfied=False, punctuality=1, attitude=2)
    callback(done[3], satisfied=True, skill=4)
    result = totals(manager)
    assert result["callbacks"] == 4
    assert result["satisfaction_rate"] == 0.75
    assert result["callback_contact_rate"] == 0.75
    assert result["callback_punctuality_rate"] == 0.75
    assert result["callback_skill_rate"] == 1.0
    assert result["callback_attitude_rate"] == 0.75


def test_complaints_by_category_and_their_district(manager):
    linked = order(package_area="P3", technician="T3")
    complaint(wo=linked, category="service_support")
    complaint(district="D1", category="product_quality")
    complaint(category="marketing_channel")  # not routed to a district yet
    report = day_report(manager)
    assert report["totals"]["complaints"] == 3
    assert report["totals"]["complaints_product_quality"] == 1
    assert report["totals"]["complaints_service_support"] == 1
    assert report["totals"]["complaint_order_share"] == 0.3333
    by_key = {r["key"]: r["metrics"]["complaints"] for r in report["rows"]}
    assert by_key == {"D1": 1, "D2": 1, "": 1}


def test_urges_and_escalations(manager):
    wo = order()
    sla_event(wo, "urge")
    sla_event(wo, "urge")
    sla_event(wo, "escalation")
    sla_event(wo, "warning")  # warnings are not urges or escalations
    sla_event(wo, "urge", when=at(DAY + dt.timedelta(1), 0, 0, 0))
    result = totals(manager)
    assert (result["urges"], result["escalations"]) == (2, 1)


def test_compensation_count_and_amount_leave_exempt_claims_out(manager):
    late = {"is_same_day": True, "completed_at": at(DAY, 20)}
    claim(order(**late), "20.00")
    claim(order(**late), "10.00", status="paid")
    claim(order(**late), "30.00", status="exempt", exemption="customer")
    result = totals(manager)
    assert result["compensation_count"] == 2
    assert result["compensation_amount"] == "30.00"


def test_approved_suspensions_and_reschedules(manager):
    wo = order()
    approval(wo, "suspend")
    approval(order(), "reschedule")
    approval(order(), "suspend", status="rejected")
    result = totals(manager)
    assert (result["suspensions"], result["reschedules"]) == (1, 1)


def test_workload_in_standard_hours_of_onsite_work(manager):
    WorkHourStandard.objects.update_or_create(
        kind="repair", product="ftth_broadband", defaults={"hours": Decimal("1.50")}
    )
    WorkHourStandard.objects.update_or_create(
        kind="install", product="itv_hd", defaults={"hours": Decimal("2.25")}
    )
    order(completed_at=at(DAY, 10))
    order(completed_at=at(DAY, 11))
    order(kind="install", product="itv_hd", completed_at=at(DAY, 12))
    order(completed_at=at(DAY, 13), resolution="remote", technician=None)
    assert totals(manager)["workload_hours"] == 5.25


def test_rest_compliance_counts_technicians_with_a_day_off_in_the_week(manager):
    # three technicians; T1 rests on Wednesday, T2 is on leave on Sunday
    RotaEntry.objects.create(
        technician=Technician.objects.get(code="T1"),
        date=DAY + dt.timedelta(2),
        kind="rest",
    )
    RotaEntry.objects.create(
        technician=Technician.objects.get(code="T2"),
        date=DAY + dt.timedelta(6),
        kind="leave",
    )
    assert totals(manager, period="week")["rest_compliance_rate"] == 0.6667
    assert totals(manager)["rest_compliance_rate"] is None  # a day says nothing


def test_nothing_to_measure_gives_null_rates_and_zero_counts(manager):
    result = totals(manager)
    for key, value in result.items():
        if key.endswith("_rate") or key.endswith("_share"):
            assert value is None, key
    assert result["orders_received"] == 0
    assert result["compensation_amount"] == "0.00"


def test_rows_per_technician_and_vendor(manager):
    order(technician="T1", completed_at=at(DAY, 10))
    order(technician="T2", completed_at=at(DAY, 10))
    order(technician="T2", completed_at=at(DAY, 11))
    order(technician=None, completed_at=at(DAY, 11), resolution="remote")
    by_tech = {
        r["key"]: r["metrics"]["orders_completed"]
        for r in day_report(manager, by="technician")["rows"]
    }
    assert by_tech == {"T1": 1, "T2": 2, "": 1}
    by_vendor = {
        r["key"]: (r["name"], r["metrics"]["orders_completed"])
        for r in day_report(manager, by="vendor")["rows"]
    }
    assert by_vendor == {
        "V1": ("某通服公司", 2),
        "own": ("自有人员", 1),
        "": ("未派单/远程处理", 1),
    }
    by_group = {
        r["key"]: r["metrics"]["orders_completed"]
        for r in day_report(manager, by="group")["rows"]
    }
    assert by_group == {"G1": 4}


def test_the_same_customer_and_the_rows_sum_to_the_totals(manager):
    repeat_customer = customer("gold")
    order(cust=repeat_customer, completed_at=at(DAY, 10))
    order(cust=repeat_customer, package_area="P3", technician="T3")
    report = day_report(manager)
    assert sum(r["metrics"]["orders_received"] for r in report["rows"]) == 2
    assert report["totals"]["orders_received"] == 2
