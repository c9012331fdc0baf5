"""Payroll test helpers: orders written straight to the database, the clock
early in December (November is the month paid), managers and finance."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from complaints.models import (
    Callback,
    Complaint,
    ComplaintSubCategory,
    PenaltyStatus,
    PenaltyTicket,
)
from org.models import PackageArea, Technician
from payroll.models import TechnicianPay
from tests.conftest import client_for, local_time, make_user
from workorders.models import Customer, WorkOrder

RUNS = "/api/v1/payroll/runs/"
MY_LINES = "/api/v1/payroll/my-lines/"
ADJUSTMENTS = "/api/v1/payroll/adjustments/"
DEC_3 = local_time(2026, 12, 3, 10, 0)

_numbers = itertools.count(1)


@pytest.fixture
def clock():
    with time_machine.travel(DEC_3, tick=False) as traveller:
        yield traveller


@pytest.fixture
def manager_user(org):
    return make_user("mgr1", "manager")


@pytest.fixture
def manager(manager_user):
    return client_for(manager_user)


@pytest.fixture
def finance(org):
    return client_for(make_user("fin1", "finance"))


def set_base(code: str, hours: str, post_wage: str | None = None) -> None:
    """Give one technician their own base workload (and post wage)."""
    TechnicianPay.objects.update_or_create(
        technician=Technician.objects.get(code=code),
        defaults={
            "base_hours": Decimal(hours),
            "post_wage": Decimal(post_wage) if post_wage else None,
        },
    )


def make_order(
    technician: str | None,
    *,
    completed_at,
    kind: str = "install",
    product: str = "ftth_broadband",
    arrived_at=None,
    is_same_day: bool = False,
    deadline=None,
    resolution: str = "onsite",
    status: str = "completed",
    phone: str = "13900000000",
    is_repeat_fault: bool = False,
    accepted_at=None,
    package_area: str = "P1",
) -> WorkOrder:
    """A completed order as the workflow leaves it (no API round trips)."""
    pa = PackageArea.objects.select_related("group__area").get(code=package_area)
    customer, _ = Customer.objects.get_or_create(
        phone=phone, defaults={"name": "客户", "package_area": pa}
    )
    reference = completed_at or timezone.now()
    accepted = accepted_at or reference - timedelta(hours=3)
    deadline = deadline or reference + timedelta(days=1)
    return WorkOrder.objects.create(
        number=f"PW{next(_numbers):07d}",
        source="crm",
        kind=kind,
        product=product,
        status=status,
        customer=customer,
        address="通灌北路 1 号",
        package_area=pa,
        group=pa.group,
        district=pa.group.area.district,
        accepted_at=accepted,
        deadline=deadline,
        sla_deadline=deadline,
        commitment_deadline=deadline if is_same_day else None,
        is_same_day=is_same_day,
        technician=Technician.objects.get(code=technician) if technician else None,
        dispatched_at=accepted if technician else None,
        arrived_at=arrived_at
        or (completed_at - timedelta(hours=1) if completed_at else None),
        completed_at=completed_at,
        resolution=resolution if completed_at else "",
        is_repeat_fault=is_repeat_fault,
    )


def callback(order: WorkOrder, *, satisfied: bool, at=None) -> Callback:
    return Callback.objects.create(
        work_order=order,
        contact=5,
        punctuality=5,
        skill=5 if satisfied else 2,
        attitude=5 if satisfied else 2,
        satisfied=satisfied,
        at=at or order.completed_at + timedelta(days=1),
    )


def penalty(technician: str, amount: str, *, month: str = "2026-11", published=True):
    """A published 处罚单 against a technician, on its own complaint."""
    now = timezone.now()
    complaint = Complaint.objects.create(
        number=f"TS{next(_numbers):07d}",
        channel="hotline_10000",
        phone="13900000000",
        customer_name="王女士",
        category="service_support",
        sub_category=ComplaintSubCategory.objects.order_by("pk").first(),
        received_at=now,
        commitment_due=now + timedelta(days=1),
        created_at=now,
        updated_at=now,
        outcome="human",
    )
    return PenaltyTicket.objects.create(
        complaint=complaint,
        technician=Technician.objects.get(code=technician),
        amount=Decimal(amount),
        reason="爽约",
        month=month,
        status=PenaltyStatus.PUBLISHED if published else PenaltyStatus.DRAFT,
        report_due=now + timedelta(days=7),
        created_at=now,
    )


def create_run(client, month="2026-11", expect=201) -> dict:
    response = client.post(RUNS, {"month": month}, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def lines_by_code(client, run_id) -> dict[str, dict]:
    response = client.get(f"{RUNS}{run_id}/lines/")
    assert response.status_code == 200, response.json()
    return {line["technician"]: line for line in response.json()["results"]}


def act(client, run_id, action, expect=200) -> dict:
    response = client.post(f"{RUNS}{run_id}/{action}/")
    assert response.status_code == expect, response.json()
    return response.json()
