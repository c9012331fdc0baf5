"""A complaint about a late same-day order re-checks its 慢必赔 claim."""

import pytest

from compensation.models import Claim
from tests.conftest import local_time
from workorders.models import WorkOrderEvent

from .conftest import completed_order, open_complaint

pytestmark = pytest.mark.django_db

LATE = local_time(2026, 11, 17, 9, 0)  # a same-day repair of Monday, done Tuesday


def test_an_exemption_without_evidence_falls_when_the_customer_complains(
    crm, dispatcher, tech1, hotline, clock
):
    # given a late same-day repair, exempt for a customer cause nobody proved
    order_id = completed_order(
        crm, dispatcher, tech1, clock, done_at=LATE, delay_cause="customer"
    )
    claim = Claim.objects.get(work_order_id=order_id)
    assert (claim.status, claim.exemption, claim.evidence) == ("exempt", "customer", "")

    # when the customer complains about that order
    clock.move_to(local_time(2026, 11, 17, 10, 0))
    open_complaint(hotline, work_order=order_id, sub_category="repair_delay")

    # then the customer's account prevails: the compensation is due
    claim.refresh_from_db()
    assert claim.status == "pending_review"
    assert claim.exemption_revoked_at == local_time(2026, 11, 17, 10, 0)
    reasons = WorkOrderEvent.objects.filter(order_id=order_id, kind="compensation")
    assert any("撤销免责" in e.reason for e in reasons)


def test_an_exemption_with_evidence_stands(crm, dispatcher, tech1, hotline, clock):
    order_id = completed_order(
        crm,
        dispatcher,
        tech1,
        clock,
        done_at=LATE,
        delay_cause="customer",
        evidence="REC-20261116-001",
    )
    clock.move_to(local_time(2026, 11, 17, 10, 0))
    open_complaint(hotline, work_order=order_id, sub_category="repair_delay")
    claim = Claim.objects.get(work_order_id=order_id)
    assert (claim.status, claim.evidence) == ("exempt", "REC-20261116-001")


def test_a_complaint_on_an_order_without_a_claim_changes_nothing(
    crm, dispatcher, tech1, hotline, clock
):
    order_id = completed_order(
        crm, dispatcher, tech1, clock, done_at=local_time(2026, 11, 16, 15)
    )
    clock.move_to(local_time(2026, 11, 17, 10, 0))
    assert open_complaint(hotline, work_order=order_id)["work_order"] == order_id
    assert not Claim.objects.filter(work_order_id=order_id).exists()
