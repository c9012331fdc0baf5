"""慢必赔 at its edges, through the API: whole seconds, the cap, exemptions that
cover only their own delay, complaints before completion, the 5 % vendor line."""

import pytest
import time_machine

from compensation.models import Claim
from compensation.services import compensation_recheck_after_complaint
from tests.conftest import client_for, local_time, make_user, order_payload
from workorders.models import WorkOrder

URL = "/api/v1/work-orders/"
CLAIMS = "/api/v1/compensations/"
APPROVALS = "/api/v1/approvals/"
MON_10 = local_time(2026, 11, 16, 10, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(MON_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def finance(org):
    return client_for(make_user("fin1", "finance"))


@pytest.fixture
def manager(org):
    return client_for(make_user("mgr1", "manager"))


def ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def on_site(crm, dispatcher, tech, clock, *, ref="W1", code="T1", phone=None):
    """A same-day repair entered Mon 10:00, worked until the technician is on site."""
    clock.move_to(MON_10)
    customer = {"phone": phone} if phone else {}
    order_id = ok(
        crm.post(
            URL,
            order_payload(
                crm_order_id=ref,
                kind="repair",
                accepted_at="2026-11-16T10:00:00+08:00",
                customer=customer,
            ),
            format="json",
        ),
        201,
    )["id"]
    ok(dispatcher.post(f"{URL}{order_id}/dispatch/", {"technician": code}, "json"))
    ok(tech.post(f"{URL}{order_id}/accept/"))
    ok(
        tech.post(
            f"{URL}{order_id}/contact/",
            {
                "appointment_start": "2026-11-16T11:00:00+08:00",
                "appointment_end": "2026-11-16T12:00:00+08:00",
            },
            format="json",
        )
    )
    ok(tech.post(f"{URL}{order_id}/arrive/"))
    return order_id


def complete(tech, clock, order_id, done_at, cause=None, evidence=""):
    clock.move_to(done_at)
    return ok(
        tech.post(
            f"{URL}{order_id}/complete/",
            {"resolution": "onsite", "delay_cause": cause, "evidence": evidence},
            format="json",
        )
    )


def suspend_8h_for_the_customer(tech, supervisor, clock, order_id, evidence=""):
    """Suspended Mon 12:00–20:00 for a customer reason (approved, then resumed)."""
    clock.move_to(local_time(2026, 11, 16, 11, 30))
    approval = ok(
        tech.post(
            f"{URL}{order_id}/suspend/",
            {"reason": "customer", "note": "客户临时外出", "evidence": evidence},
            format="json",
        ),
        202,
    )
    clock.move_to(local_time(2026, 11, 16, 12, 0))
    ok(supervisor.post(f"{APPROVALS}{approval['id']}/approve/", {}, format="json"))
    clock.move_to(local_time(2026, 11, 16, 20, 0))
    ok(tech.post(f"{URL}{order_id}/resume/"))


def claim_of(client, order_id):
    results = ok(client.get(f"{CLAIMS}?work_order={order_id}"))["results"]
    return results[0] if results else None


# --- "the same day" at whole seconds ------------------------------------------


def test_half_a_second_before_midnight_is_on_time_for_claims_and_reports(
    crm, dispatcher, tech1, finance, manager, clock
):
    order_id = on_site(crm, dispatcher, tech1, clock)
    done = complete(
        tech1, clock, order_id, local_time(2026, 11, 16, 23, 59, 59, 500_000)
    )
    assert done["completed_at"] == "2026-11-16T23:59:59+08:00"
    assert claim_of(finance, order_id) is None
    report = ok(manager.get("/api/v1/reports/quality/?period=day&date=2026-11-16"))[
        "totals"
    ]
    assert report["same_day_repair_rate"] == 1.0
    assert report["compensation_count"] == 0


def test_one_second_after_midnight_is_a_day_late(
    crm, dispatcher, tech1, finance, clock
):
    order_id = on_site(crm, dispatcher, tech1, clock)
    complete(tech1, clock, order_id, local_time(2026, 11, 17, 0, 0, 0, 500_000))
    claim = claim_of(finance, order_id)
    assert (claim["days_late"], claim["amount"]) == (1, "10.00")


@pytest.mark.parametrize(
    ("done_at", "days", "amount"),
    [
        (local_time(2026, 11, 25, 23, 59, 59), 9, "90.00"),
        (local_time(2026, 11, 26, 23, 59, 59), 10, "100.00"),
        (local_time(2026, 11, 27, 0, 0, 0), 11, "100.00"),  # the cap
    ],
)
def test_the_hundred_yuan_cap(
    crm, dispatcher, tech1, finance, clock, done_at, days, amount
):
    order_id = on_site(crm, dispatcher, tech1, clock)
    complete(tech1, clock, order_id, done_at)
    claim = claim_of(finance, order_id)
    assert (claim["days_late"], claim["amount"]) == (days, amount)


# --- an exemption covers only the delay its cause produced --------------------


def test_an_8h_customer_suspension_does_not_excuse_two_days_late_for_the_installer(
    crm, dispatcher, tech1, supervisor, finance, clock
):
    # given a same-day repair suspended 8 h for the customer
    order_id = on_site(crm, dispatcher, tech1, clock)
    suspend_8h_for_the_customer(tech1, supervisor, clock, order_id)
    # when it is finished two days late for the installer's reasons
    complete(tech1, clock, order_id, local_time(2026, 11, 18, 23, 59, 59), "installer")
    # then the claim is due for what the suspension does not explain
    claim = claim_of(finance, order_id)
    assert (claim["status"], claim["exemption"]) == ("pending_review", None)
    assert (claim["days_late"], claim["amount"]) == (2, "20.00")
    assert claim["excused_seconds"] == 8 * 3600


@pytest.mark.parametrize(
    ("done_at", "status", "days", "amount"),
    [
        # 8 h late, 8 h suspended for the customer: fully explained
        (local_time(2026, 11, 17, 7, 59, 59), "exempt", 1, "10.00"),
        (local_time(2026, 11, 17, 8, 0, 0), "pending_review", 1, "10.00"),
        # 32 h late − 8 h = exactly a day; one second more is two
        (local_time(2026, 11, 18, 7, 59, 59), "pending_review", 1, "10.00"),
        (local_time(2026, 11, 18, 8, 0, 0), "pending_review", 2, "20.00"),
    ],
)
def test_the_suspended_time_comes_off_the_lateness(
    crm, dispatcher, tech1, supervisor, finance, clock, done_at, status, days, amount
):
    order_id = on_site(crm, dispatcher, tech1, clock)
    suspend_8h_for_the_customer(tech1, supervisor, clock, order_id)
    complete(tech1, clock, order_id, done_at, "installer")
    claim = claim_of(finance, order_id)
    assert (claim["status"], claim["days_late"], claim["amount"]) == (
        status,
        days,
        amount,
    )
    if status == "exempt":
        assert claim["exemption"] == "customer"


# --- a complaint revokes an unproven exemption whenever it was filed ----------


def test_a_complaint_filed_while_the_order_is_open_revokes_the_exemption(
    crm, dispatcher, tech1, hotline, finance, clock
):
    order_id = on_site(crm, dispatcher, tech1, clock)
    clock.move_to(local_time(2026, 11, 16, 18, 0))
    ok(
        hotline.post(
            "/api/v1/complaints/",
            {
                "channel": "hotline_10000",
                "phone": "13912345678",
                "customer_name": "王女士",
                "work_order": order_id,
                "category": "service_support",
                "sub_category": "repair_delay",
                "description": "说好今天修，到现在没修好",
            },
            format="json",
        ),
        201,
    )
    complete(tech1, clock, order_id, local_time(2026, 11, 17, 9, 0), "customer")
    claim = claim_of(finance, order_id)
    assert (claim["status"], claim["exemption"]) == ("pending_review", None)
    assert claim["amount"] == "10.00"


def test_a_complaint_filed_while_open_leaves_a_proven_exemption(
    crm, dispatcher, tech1, finance, clock
):
    order_id = on_site(crm, dispatcher, tech1, clock)
    order = WorkOrder.objects.get(pk=order_id)
    compensation_recheck_after_complaint(order, by=None, now=MON_10)
    complete(
        tech1, clock, order_id, local_time(2026, 11, 17, 9, 0), "customer", "REC-7"
    )
    claim = claim_of(finance, order_id)
    assert (claim["status"], claim["exemption"], claim["evidence"]) == (
        "exempt",
        "customer",
        "REC-7",
    )


def test_a_later_complaint_stops_excusing_an_unproven_suspension(
    crm, dispatcher, tech1, supervisor, finance, clock
):
    # 30 h late, 8 h suspended for the customer without evidence: 22 h → 1 day
    order_id = on_site(crm, dispatcher, tech1, clock)
    suspend_8h_for_the_customer(tech1, supervisor, clock, order_id)
    complete(tech1, clock, order_id, local_time(2026, 11, 18, 5, 59, 59), "installer")
    assert claim_of(finance, order_id)["amount"] == "10.00"
    # the customer complains: the suspension is no longer taken out
    order = WorkOrder.objects.get(pk=order_id)
    compensation_recheck_after_complaint(
        order, by=None, now=local_time(2026, 11, 18, 9)
    )
    claim = claim_of(finance, order_id)
    assert (claim["status"], claim["days_late"], claim["amount"]) == (
        "pending_review",
        2,
        "20.00",
    )
    assert claim["excused_seconds"] == 0


# --- the vendor's part at the 5 % line -----------------------------------------


def test_the_vendor_is_liable_only_while_it_bears_a_part(
    crm, dispatcher, tech2, finance, manager, clock
):
    """T2 works for vendor V1: 1 late of 19 is 5.26 % (the vendor bears 0.50),
    1 of 20 is exactly 5 % and 1 of 21 below it (the vendor bears nothing)."""

    def job(n, done_at, cause=None):
        order_id = on_site(
            crm,
            dispatcher,
            tech2,
            clock,
            ref=f"V-{n}",
            code="T2",
            phone=f"1390000{n:04d}",
        )
        complete(tech2, clock, order_id, done_at, cause)
        return order_id

    def liability():
        return ok(manager.get(f"{CLAIMS}liability/?month=2026-11"))[0]

    late = job(0, local_time(2026, 11, 17, 9, 0), "installer")  # 10 yuan
    for n in range(1, 19):
        job(n, local_time(2026, 11, 16, 15, 0))
    assert (liability()["share"], liability()["vendor_amount"]) == ("0.0526", "0.50")
    assert Claim.objects.get(work_order_id=late).liable_party == "vendor"

    job(19, local_time(2026, 11, 16, 15, 0))  # 1 of 20: exactly 5 %
    assert (liability()["share"], liability()["vendor_amount"]) == ("0.0500", "0.00")
    assert claim_of(finance, late)["liable_party"] == "branch"

    # a second installer-late order: 2 of 21 — then its claim is rejected and
    # only due claims count: 1 of 21, the vendor bears nothing again
    second = job(20, local_time(2026, 11, 17, 9, 0), "installer")
    assert liability()["installer_late"] == 2
    assert claim_of(finance, late)["liable_party"] == "vendor"
    claim_id = claim_of(finance, second)["id"]
    ok(finance.post(f"{CLAIMS}{claim_id}/reject/", {"reason": "重复工单"}, "json"))
    row = liability()
    assert (row["installer_late"], row["share"], row["vendor_amount"]) == (
        1,
        "0.0476",
        "0.00",
    )
    assert claim_of(finance, late)["liable_party"] == "branch"


# --- many orders at once (a fault's restoration) assessed on the same facts ------


def test_facts_read_in_bulk_are_the_facts_of_each_order(
    crm, dispatcher, tech1, supervisor, hotline, clock
):
    from compensation import facts

    suspended = on_site(crm, dispatcher, tech1, clock, ref="W1")
    suspend_8h_for_the_customer(tech1, supervisor, clock, suspended)
    complained = on_site(crm, dispatcher, tech1, clock, ref="W2", phone="13912345670")
    ok(
        hotline.post(
            "/api/v1/complaints/",
            {
                "channel": "hotline_10000",
                "phone": "13912345670",
                "customer_name": "王女士",
                "work_order": complained,
                "category": "service_support",
                "sub_category": "repair_delay",
                "description": "说好今天修，到现在没修好",
            },
            format="json",
        ),
        201,
    )
    plain = on_site(crm, dispatcher, tech1, clock, ref="W3", phone="13912345671")
    orders = list(WorkOrder.objects.filter(pk__in=[suspended, complained, plain]))

    bulk_pauses = facts.pauses_many(orders)
    assert {o.pk: facts.pauses(o) for o in orders} == bulk_pauses
    assert len(bulk_pauses[suspended]) == 1 and bulk_pauses[plain] == []
    assert facts.complained_many(orders) == {complained}
    assert {o.pk for o in orders if facts.complained(o)} == {complained}
