"""Concurrent ``pay`` calls on PostgreSQL, with a gateway that fails once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from compensation.models import Claim, ClaimStatus
from compensation.services import PaymentFailed, claim_pay, claims_pay
from org.models import District
from tests.conftest import make_user
from workorders.services import CustomerIn, OrderIn, work_order_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class SharedFlakyGateway:
    """A recharge platform: idempotent by key, first call times out after charging."""

    lock = threading.Lock()
    charged: dict = {}
    calls = 0

    def recharge(self, *, key, phone, account, amount, claim_id):
        with SharedFlakyGateway.lock:
            SharedFlakyGateway.calls += 1
            first = SharedFlakyGateway.calls == 1
            SharedFlakyGateway.charged.setdefault(key, amount)
        if first:
            raise TimeoutError("platform timed out after charging")
        return f"EXT-{key}"


def test_concurrent_pay_with_a_flaky_gateway_pays_exactly_once(org, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the row lock is what is tested")
    settings.RECHARGE_GATEWAY = "tests.compensation.test_concurrency.SharedFlakyGateway"
    SharedFlakyGateway.charged, SharedFlakyGateway.calls = {}, 0
    payer = make_user("fin-race", "finance")
    order, _ = work_order_create(
        data=OrderIn(
            source="crm",
            kind="repair",
            product="ftth_broadband",
            customer=CustomerIn(name="客户", phone="13900000001"),
            address="地址",
            package_area="P1",
            crm_order_id="PAY-RACE",
        ),
        by=None,
    )
    claim = Claim.objects.create(
        work_order=order,
        kind="same_day_repair",
        status=ClaimStatus.APPROVED,
        deadline=order.deadline,
        completed_at=order.deadline,
        days_late=3,
        amount=Decimal("30.00"),
        district=District.objects.get(code="D1"),
        phone="13900000001",
        pay_by=order.deadline,
        created_at=order.deadline,
    )
    barrier = threading.Barrier(8)
    outcomes = []

    def pay():
        try:
            barrier.wait()
            for _attempt in range(3):  # a caller retries after "not confirmed"
                try:
                    outcomes.append(claim_pay(claim.pk, by=payer).status)
                    return
                except PaymentFailed:
                    outcomes.append("failed")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert outcomes.count("failed") == 1
    assert outcomes.count("paid") == 8
    assert SharedFlakyGateway.charged == {claim.payment_key: Decimal("30.00")}
    assert SharedFlakyGateway.calls == 2  # the timeout, then the one that confirmed
    assert claim.history.filter(status=ClaimStatus.PAID).count() == 1


class CountingGateway:
    lock = threading.Lock()
    calls: list = []

    def recharge(self, *, key, phone, account, amount, claim_id):
        with CountingGateway.lock:
            CountingGateway.calls.append(claim_id)
        return f"EXT-{key}"


def test_overlapping_bulk_payments_recharge_each_claim_once(org, settings):
    """Two finance users pay overlapping batches at the same moment (the
    console's 批量充值): every claim is recharged exactly once and both
    batches report every one of their claims as paid."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the row lock is what is tested")
    settings.RECHARGE_GATEWAY = "tests.compensation.test_concurrency.CountingGateway"
    CountingGateway.calls = []
    ids = []
    for n in range(4):
        order, _ = work_order_create(
            data=OrderIn(
                source="crm",
                kind="repair",
                product="ftth_broadband",
                customer=CustomerIn(name="客户", phone=f"1390000010{n}"),
                address="地址",
                package_area="P1",
                crm_order_id=f"BULK-{n}",
            ),
            by=None,
        )
        ids.append(
            Claim.objects.create(
                work_order=order,
                kind="same_day_repair",
                status=ClaimStatus.APPROVED,
                deadline=order.deadline,
                completed_at=order.deadline,
                days_late=1,
                amount=Decimal("10.00"),
                district=District.objects.get(code="D1"),
                phone=f"1390000010{n}",
                pay_by=order.deadline,
                created_at=order.deadline,
            ).pk
        )
    payers = [make_user("fin-a", "finance"), make_user("fin-b", "finance")]
    batches = [ids[:3], ids[1:]]  # the middle two are in both
    barrier = threading.Barrier(2)
    results = []

    def pay(batch, payer):
        try:
            barrier.wait()
            results.append(claims_pay(batch, by=payer))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=pay, args=(b, p))
        for b, p in zip(batches, payers, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(CountingGateway.calls) == sorted(ids)
    assert set(Claim.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        ClaimStatus.PAID
    }
    assert all(not r.failed for r in results)
    assert sum(len(r.paid) + len(r.already) for r in results) == 6


def test_concurrent_completions_leave_the_vendor_marks_consistent(org):
    """T2 (vendor V1) has 1 installer-late order of 19 (5.26 %: the vendor bears
    a part). Two more complete at the same time, one on time, one late for the
    installer: 2 of 21 (9.5 %), so both late claims must say ``vendor`` —
    whichever transaction commits last must have seen the other's order."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the vendor row lock is what is tested")
    from compensation.services import order_complete
    from org.models import Technician
    from tests.conftest import local_time
    from workorders.models import WorkOrder

    boss = make_user("disp-race", "dispatcher")
    t2 = Technician.objects.get(code="T2")
    entered = local_time(2026, 11, 16, 10, 0)
    on_time, late = local_time(2026, 11, 16, 15, 0), local_time(2026, 11, 17, 9, 0)

    def on_site(n):
        order, _ = work_order_create(
            data=OrderIn(
                source="crm",
                kind="repair",
                product="ftth_broadband",
                customer=CustomerIn(name="客户", phone=f"1390000{n:04d}"),
                address="地址",
                package_area="P1",
                crm_order_id=f"VR-{n}",
                accepted_at=entered,
            ),
            by=None,
            now=entered,
        )
        WorkOrder.objects.filter(pk=order.pk).update(
            status="on_site", technician=t2, dispatched_at=entered
        )
        return WorkOrder.objects.get(pk=order.pk)

    first = order_complete(
        on_site(0), resolution="onsite", delay_cause="installer", by=boss, now=late
    )
    for n in range(1, 19):
        order_complete(on_site(n), resolution="onsite", by=boss, now=on_time)
    assert Claim.objects.get(work_order=first).liable_party == "vendor"

    racers = [(on_site(19), "", on_time), (on_site(20), "installer", late)]
    barrier = threading.Barrier(2)
    errors = []

    def complete(order, cause, when):
        try:
            barrier.wait()
            order_complete(
                order, resolution="onsite", delay_cause=cause, by=boss, now=when
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete, args=r) for r in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    parties = set(
        Claim.objects.filter(vendor__code="V1").values_list("liable_party", flat=True)
    )
    assert Claim.objects.filter(vendor__code="V1").count() == 2
    assert parties == {"vendor"}
