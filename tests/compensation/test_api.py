"""慢必赔 through the API: claims on completion, audit, payout, exemptions."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine

from compensation.models import Claim, Recharge
from compensation.tasks import scan
from notifications.models import Notification
from org.models import Area
from tests.conftest import client_for, local_time, make_user, order_payload
from workorders.models import WorkOrderEvent

URL = "/api/v1/work-orders/"
CLAIMS = "/api/v1/compensations/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(local_time(2026, 11, 16, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def finance(org):
    return client_for(make_user("fin1", "finance"))


@pytest.fixture
def manager(org):
    return client_for(make_user("mgr1", "manager"))


def finished(
    crm,
    dispatcher,
    tech,
    clock,
    *,
    done_at,
    ref="W1",
    delay_cause=None,
    evidence="",
    **overrides,
):
    """Enter at Mon 10:00, work it, complete at ``done_at``; return the order id."""
    overrides.setdefault("kind", "repair")
    overrides.setdefault("accepted_at", "2026-11-16T10:00:00+08:00")
    order_id = crm.post(
        URL, order_payload(crm_order_id=ref, **overrides), format="json"
    ).json()["id"]
    assert (
        dispatcher.post(
            f"{URL}{order_id}/dispatch/", {"technician": "T1"}, format="json"
        ).status_code
        == 200
    )
    tech.post(f"{URL}{order_id}/accept/")
    tech.post(
        f"{URL}{order_id}/contact/",
        {
            "appointment_start": "2026-11-16T11:00:00+08:00",
            "appointment_end": "2026-11-16T12:00:00+08:00",
        },
        format="json",
    )
    tech.post(f"{URL}{order_id}/arrive/")
    clock.move_to(done_at)
    response = tech.post(
        f"{URL}{order_id}/complete/",
        {"resolution": "onsite", "delay_cause": delay_cause, "evidence": evidence},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return order_id


def claim_of(client, order_id):
    results = client.get(f"{CLAIMS}?work_order={order_id}").json()["results"]
    return results[0] if results else None


def test_late_same_day_repair_gets_a_claim_at_completion(
    crm, dispatcher, tech1, finance, clock
):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 17, 9, 0)
    )
    claim = claim_of(finance, order_id)
    assert claim["kind"] == "same_day_repair"
    assert (claim["days_late"], claim["amount"], claim["status"]) == (
        1,
        "10.00",
        "pending_review",
    )
    assert claim["exemption"] is None
    assert claim["deadline"] == "2026-11-16T23:59:59+08:00"
    assert claim["pay_by"] == "2026-11-24T09:00:00+08:00"  # completion + 7 natural days
    assert claim["liable_party"] == "branch"
    event = WorkOrderEvent.objects.get(order_id=order_id, kind="compensation")
    assert "10.00" in event.reason


def test_two_days_late_is_twenty(crm, dispatcher, tech1, finance, clock):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 18, 9, 0)
    )
    assert claim_of(finance, order_id)["amount"] == "20.00"


def test_on_time_order_gets_no_claim(crm, dispatcher, tech1, finance, clock):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 16, 23, 59, 59)
    )
    assert claim_of(finance, order_id) is None


def test_order_outside_the_commitment_gets_no_claim(
    crm, dispatcher, tech1, finance, clock
):
    order_id = finished(
        crm,
        dispatcher,
        tech1,
        clock,
        done_at=local_time(2026, 11, 20, 9, 0),
        customer={"segment": "government_enterprise"},
    )
    assert claim_of(finance, order_id) is None


def test_late_install_is_twenty_flat(crm, dispatcher, tech1, finance, clock):
    order_id = finished(
        crm,
        dispatcher,
        tech1,
        clock,
        kind="install",
        done_at=local_time(2026, 11, 19, 9, 0),
    )
    assert claim_of(finance, order_id)["amount"] == "20.00"


def test_rural_area_is_exempt_and_recorded(crm, dispatcher, tech1, finance, clock):
    Area.objects.filter(code="A3").update(same_day_enabled=True)
    from org.models import Technician

    Technician.objects.filter(code="T1").update(
        group=Technician.objects.get(code="T3").group
    )
    order_id = crm.post(
        URL,
        order_payload(
            crm_order_id="RU",
            kind="repair",
            package_area="P4",
            accepted_at="2026-11-16T10:00:00+08:00",
        ),
        format="json",
    ).json()["id"]
    dispatcher.post(f"{URL}{order_id}/dispatch/", {"technician": "T1"}, format="json")
    clock.move_to(local_time(2026, 11, 17, 12))
    dispatcher.post(
        f"{URL}{order_id}/complete/", {"resolution": "remote"}, format="json"
    )
    claim = claim_of(finance, order_id)
    assert (claim["status"], claim["exemption"], claim["amount"]) == (
        "exempt",
        "rural",
        "10.00",
    )
    response = client_for(make_user("mgr9", "manager")).post(
        f"{CLAIMS}{claim['id']}/revoke-exemption/", {"reason": "试试"}, format="json"
    )
    assert response.status_code == 409  # rural is a scope rule, not a claim of fact


def test_customer_cause_with_evidence_is_exempt_and_can_be_revoked_by_hand(
    crm, dispatcher, tech1, finance, manager, clock
):
    order_id = finished(
        crm,
        dispatcher,
        tech1,
        clock,
        done_at=local_time(2026, 11, 17, 9, 0),
        delay_cause="customer",
        evidence="REC-20261116-001",
    )
    claim = claim_of(finance, order_id)
    assert (claim["status"], claim["exemption"], claim["evidence"]) == (
        "exempt",
        "customer",
        "REC-20261116-001",
    )
    assert (
        manager.post(
            f"{CLAIMS}{claim['id']}/revoke-exemption/", {"reason": ""}, format="json"
        ).status_code
        == 400
    )
    body = manager.post(
        f"{CLAIMS}{claim['id']}/revoke-exemption/",
        {"reason": "录音显示客户在家"},
        format="json",
    ).json()
    assert (body["status"], body["exemption"]) == ("pending_review", "customer")
    assert body["exemption_revoked_at"] == "2026-11-17T09:00:00+08:00"


def test_complaint_recheck_revokes_only_an_exemption_without_evidence(
    crm, dispatcher, tech1, clock
):
    from compensation.services import compensation_recheck_after_complaint
    from workorders.models import WorkOrder

    proven = finished(
        crm,
        dispatcher,
        tech1,
        clock,
        ref="A",
        done_at=local_time(2026, 11, 17, 9),
        delay_cause="third_party",
        evidence="电力局停电通知",
    )
    clock.move_to(local_time(2026, 11, 16, 10, 0))
    unproven = finished(
        crm,
        dispatcher,
        tech1,
        clock,
        ref="B",
        done_at=local_time(2026, 11, 17, 9),
        delay_cause="customer",
        customer={"phone": "13900000001"},
    )
    now = local_time(2026, 11, 18, 9)
    for order_id in (proven, unproven):
        compensation_recheck_after_complaint(
            WorkOrder.objects.get(id=order_id), by=None, now=now
        )
    assert Claim.objects.get(work_order_id=proven).status == "exempt"
    assert Claim.objects.get(work_order_id=unproven).status == "pending_review"


def test_audit_then_pay_exactly_once_with_sms(crm, dispatcher, tech1, finance, clock):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 17, 9)
    )
    claim_id = claim_of(finance, order_id)["id"]
    assert (
        finance.post(f"{CLAIMS}{claim_id}/pay/").json()["code"] == "invalid_transition"
    )
    assert (
        finance.post(
            f"{CLAIMS}{claim_id}/approve/", {"note": "核实"}, format="json"
        ).json()["status"]
        == "approved"
    )
    first = finance.post(f"{CLAIMS}{claim_id}/pay/")
    second = finance.post(f"{CLAIMS}{claim_id}/pay/")
    assert (first.status_code, second.status_code) == (200, 200)
    assert (
        first.json()["status"] == "paid"
        and first.json()["paid_at"] == "2026-11-17T09:00:00+08:00"
    )
    assert second.json()["payment_ref"] == first.json()["payment_ref"]
    assert Recharge.objects.count() == 1
    assert Recharge.objects.get().amount == Decimal("10.00")
    sms = Notification.objects.get(topic="compensation_sms")
    assert sms.recipient == "13912345678" and "10.00元" in sms.body


class FailsOnceGateway:
    """Charges (remembered outside the database), then times out once."""

    charged: dict = {}
    fail_next = True

    def recharge(self, *, key, phone, account, amount, claim_id):
        first_time = key not in FailsOnceGateway.charged
        FailsOnceGateway.charged.setdefault(key, amount)
        if first_time and FailsOnceGateway.fail_next:
            FailsOnceGateway.fail_next = False
            raise TimeoutError("recharge platform timed out")
        return f"EXT-{key}"


def test_gateway_timeout_then_retry_charges_once(
    crm, dispatcher, tech1, finance, clock, settings
):
    settings.RECHARGE_GATEWAY = "tests.compensation.test_api.FailsOnceGateway"
    FailsOnceGateway.charged, FailsOnceGateway.fail_next = {}, True
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 17, 9)
    )
    claim_id = claim_of(finance, order_id)["id"]
    finance.post(f"{CLAIMS}{claim_id}/approve/")
    failed = finance.post(f"{CLAIMS}{claim_id}/pay/")
    assert (failed.status_code, failed.json()["code"]) == (503, "payment_failed")
    assert Claim.objects.get(id=claim_id).status == "approved"
    assert finance.post(f"{CLAIMS}{claim_id}/pay/").json()["status"] == "paid"
    assert list(FailsOnceGateway.charged.values()) == [Decimal("10.00")]


def test_reject_needs_a_reason(crm, dispatcher, tech1, finance, clock):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 17, 9)
    )
    claim_id = claim_of(finance, order_id)["id"]
    assert (
        finance.post(
            f"{CLAIMS}{claim_id}/reject/", {"reason": ""}, format="json"
        ).status_code
        == 400
    )
    body = finance.post(
        f"{CLAIMS}{claim_id}/reject/", {"reason": "重复工单"}, format="json"
    ).json()
    assert (body["status"], body["review_note"]) == ("rejected", "重复工单")


def test_bulk_approve_is_all_or_nothing(crm, dispatcher, tech1, finance, clock):
    a = finished(
        crm, dispatcher, tech1, clock, ref="A", done_at=local_time(2026, 11, 17, 9)
    )
    clock.move_to(local_time(2026, 11, 16, 10, 0))
    b = finished(
        crm,
        dispatcher,
        tech1,
        clock,
        ref="B",
        done_at=local_time(2026, 11, 17, 9),
        customer={"phone": "13900000001"},
    )
    ids = [claim_of(finance, a)["id"], claim_of(finance, b)["id"]]
    bad = finance.post(f"{CLAIMS}approve/", {"ids": [*ids, 999999]}, format="json")
    assert bad.status_code == 400 and "999999" in bad.json()["ids"][0]
    assert set(Claim.objects.values_list("status", flat=True)) == {"pending_review"}
    good = finance.post(f"{CLAIMS}approve/", {"ids": ids}, format="json")
    assert [c["status"] for c in good.json()] == ["approved", "approved"]


def test_only_finance_pays(crm, dispatcher, tech1, finance, manager, clock, hotline):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 17, 9)
    )
    claim_id = claim_of(finance, order_id)["id"]
    manager.post(f"{CLAIMS}{claim_id}/approve/")
    assert manager.post(f"{CLAIMS}{claim_id}/pay/").status_code == 403
    assert hotline.post(f"{CLAIMS}{claim_id}/approve/").status_code == 403
    assert tech1.get(CLAIMS).status_code == 403


def test_list_filters(crm, dispatcher, tech1, finance, clock):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 17, 9)
    )
    assert finance.get(f"{CLAIMS}?month=2026-11").json()["count"] == 1
    assert finance.get(f"{CLAIMS}?month=2026-10").json()["count"] == 0
    assert finance.get(f"{CLAIMS}?status=paid").json()["count"] == 0
    assert finance.get(f"{CLAIMS}?month=11-2026").status_code == 400
    assert finance.get(f"{CLAIMS}?work_order={order_id}").json()["count"] == 1


def test_pay_limit_warnings_once_each(crm, dispatcher, tech1, finance, clock):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 17, 9)
    )
    claim = Claim.objects.get(work_order_id=order_id)
    clock.move_to(claim.pay_by - dt.timedelta(days=2, seconds=1))
    assert scan.apply().get() == {"nearing": 0, "overdue": 0}
    clock.move_to(claim.pay_by - dt.timedelta(days=2))
    assert scan.apply().get() == {"nearing": 1, "overdue": 0}
    assert scan.apply().get() == {"nearing": 0, "overdue": 0}
    clock.move_to(claim.pay_by)
    assert scan.apply().get() == {"nearing": 0, "overdue": 1}
    assert scan.apply().get() == {"nearing": 0, "overdue": 0}
    notices = Notification.objects.filter(
        topic="compensation_pay_limit", recipient_user__username="fin1"
    )
    assert notices.count() == 2


def test_monthly_paid_list_json_and_xlsx_agree(crm, dispatcher, tech1, finance, clock):
    order_id = finished(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 18, 9)
    )
    claim_id = claim_of(finance, order_id)["id"]
    finance.post(f"{CLAIMS}{claim_id}/approve/")
    finance.post(f"{CLAIMS}{claim_id}/pay/")
    body = finance.get(f"{CLAIMS}paid-list/?month=2026-11").json()
    assert (body["total_count"], body["total_amount"]) == (1, "20.00")
    assert body["by_district"] == [
        {"code": "D1", "name": "海州区局", "count": 1, "amount": "20.00"}
    ]
    response = finance.get(f"{CLAIMS}paid-list/?month=2026-11&format=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["已补偿清单", "按区局", "按外包公司"]
    rows = list(book["已补偿清单"].values)
    assert rows[0][0] == "工单号" and rows[1][8] == 20 and rows[-1][8] == 20
    assert list(book["按区局"].values)[1][2:] == (1, 20)
    assert finance.get(f"{CLAIMS}paid-list/?month=2026-10").json()["total_count"] == 0


def test_vendor_liability_statement(crm, dispatcher, tech2, manager, clock):
    # T2 (vendor V1) finishes two same-day repairs, one late for installer reasons: 50 %
    def job(ref, phone, done_at, cause):
        clock.move_to(local_time(2026, 11, 16, 10, 0))
        order_id = crm.post(
            URL,
            order_payload(
                crm_order_id=ref,
                kind="repair",
                accepted_at="2026-11-16T10:00:00+08:00",
                customer={"phone": phone},
            ),
            format="json",
        ).json()["id"]
        dispatcher.post(
            f"{URL}{order_id}/dispatch/", {"technician": "T2"}, format="json"
        )
        tech2.post(f"{URL}{order_id}/accept/")
        tech2.post(
            f"{URL}{order_id}/contact/",
            {
                "appointment_start": "2026-11-16T11:00:00+08:00",
                "appointment_end": "2026-11-16T12:00:00+08:00",
            },
            format="json",
        )
        tech2.post(f"{URL}{order_id}/arrive/")
        clock.move_to(done_at)
        tech2.post(
            f"{URL}{order_id}/complete/",
            {"resolution": "onsite", "delay_cause": cause},
            format="json",
        )

    job("V-1", "13900000011", local_time(2026, 11, 16, 15), None)
    job(
        "V-2", "13900000012", local_time(2026, 11, 19, 9), "installer"
    )  # 3 days: 30 yuan
    rows = manager.get(f"{CLAIMS}liability/?month=2026-11").json()
    assert rows == [
        {
            "vendor": "V1",
            "name": "某通服公司",
            "month": "2026-11",
            "same_day_orders": 2,
            "installer_late": 1,
            "share": "0.5000",
            "installer_compensation": "30.00",
            "vendor_amount": "27.00",
            "branch_amount": "3.00",
        }
    ]
    claim = Claim.objects.get(work_order__crm_order_id="V-2")
    assert (claim.liable_party, claim.vendor.code) == ("vendor", "V1")
