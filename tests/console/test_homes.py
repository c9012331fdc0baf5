"""Each role lands on its work and its numbers: managers (figures against
target, warnings, escalations by level, overdue complaints, claims nearing
the pay limit), finance (to audit, pay-by nearing, paid this month),
supervisors (approvals waiting)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from compensation.models import Claim, ClaimStatus
from complaints.services import ComplaintIn, complaint_create
from sla.services import approval_request
from tests.conftest import local_time, make_user
from tests.payroll.conftest import make_order

pytestmark = pytest.mark.django_db

NOW = local_time(2026, 11, 20, 10, 0)
HOME = "/console/home/"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def claim(order, *, status=ClaimStatus.PENDING_REVIEW, pay_by, amount="10.00", **kw):
    return Claim.objects.create(
        work_order=order,
        kind="same_day_repair",
        status=status,
        deadline=order.completed_at - timedelta(days=1),
        completed_at=order.completed_at,
        days_late=1,
        amount=Decimal(amount),
        district=order.district,
        phone=order.customer.phone,
        pay_by=pay_by,
        created_at=order.completed_at,
        **kw,
    )


def done(phone: str, package_area="P1", days_ago=2):
    return make_order(
        "T1",
        completed_at=NOW - timedelta(days=days_ago),
        kind="repair",
        phone=phone,
        package_area=package_area,
    )


def test_finance_lands_on_claims_to_audit_pay_by_nearing_and_paid(org, clock):
    # two to audit, one of them due for payment tomorrow (warned 2 days ahead)
    claim(done("13900000001"), pay_by=NOW + timedelta(days=1))
    claim(done("13900000002"), pay_by=NOW + timedelta(days=5))
    # one approved, past its pay-by: still to pay and listed as late
    late = claim(
        done("13900000003"),
        status=ClaimStatus.APPROVED,
        pay_by=NOW - timedelta(hours=1),
    )
    # paid this month and last month
    claim(
        done("13900000004"),
        status=ClaimStatus.PAID,
        pay_by=NOW,
        paid_at=local_time(2026, 11, 1, 0, 0),
        amount="20.00",
    )
    claim(
        done("13900000005"),
        status=ClaimStatus.PAID,
        pay_by=NOW,
        paid_at=local_time(2026, 10, 31, 23, 59, 59),
    )
    client = as_user(make_user("fin1", "finance"))
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == HOME
    page = response.content.decode()
    assert '<strong id="to-audit">2</strong>' in page
    assert '<strong id="to-pay">1</strong>' in page
    assert '<strong id="near-limit">2</strong>' in page
    assert '<strong id="paid-month">1</strong>' in page and "20.00 元" in page
    assert f'data-claim="{late.pk}"' in page


def test_manager_lands_on_figures_escalations_complaints_and_claims(org, clock):
    for level, phone in ((1, "13900000011"), (1, "13900000012"), (3, "13900000013")):
        order = make_order(None, completed_at=None, status="pending", phone=phone)
        order.escalation_level = level
        order.save(update_fields=["escalation_level"])
    complaint = complaint_create(
        data=ComplaintIn(
            channel="hotline_10000",
            phone="13900000020",
            customer_name="王女士",
            category="service_support",
            sub_category="install_delay",
        ),
        by=make_user("agent1", "hotline_agent"),
        now=NOW - timedelta(minutes=6),  # front desk limit: 5 minutes
    )
    near = claim(done("13900000030"), pay_by=NOW + timedelta(hours=5))
    page = as_user(make_user("mgr1", "manager")).get(HOME).content.decode()
    assert "今日与本月关键指标" in page and "障碍修复及时率" in page
    assert '<strong data-level="1">2</strong>' in page
    assert '<strong data-level="2">0</strong>' in page
    assert '<strong data-level="3">1</strong>' in page
    assert complaint.number in page and "超时投诉 1 件" in page
    assert f'data-claim="{near.pk}"' in page


def test_a_district_scoped_manager_sees_only_its_district(org, clock):
    other = claim(done("13900000040", package_area="P3"), pay_by=NOW)
    page = as_user(make_user("mgr2", "manager", district="D1")).get(HOME)
    assert f'data-claim="{other.pk}"' not in page.content.decode()


def test_supervisor_lands_on_approvals_waiting(org, clock):
    supervisor = make_user("sup1", "supervisor")
    order = make_order("T1", completed_at=None, status="accepted")
    approval_request(
        order,
        kind="suspend",
        reason="customer",
        note="客户出差",
        by=supervisor,
        now=NOW - timedelta(minutes=90),
    )
    response = as_user(supervisor).get("/", follow=True)
    assert response.redirect_chain[-1][0] == HOME
    page = response.content.decode()
    assert "待审核的挂起/改约申请 1 条" in page and order.number in page
    assert "1小时30分" in page


def test_the_home_is_not_for_other_roles(org, clock):
    for role in ("dispatcher", "hotline_agent", "technician", "department_handler"):
        assert as_user(make_user("u-" + role, role)).get(HOME).status_code == 403
