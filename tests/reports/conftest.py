"""Quality-report fixtures: hand-made orders and records with known answers.

Records are written straight to the database (no API): each test states
exactly which times and flags its orders have, and the expected figures
follow from the definitions in ``reports.rules``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine

from compensation.models import Claim
from complaints.models import Callback, Complaint, ComplaintSubCategory
from org.models import District, PackageArea, Technician
from sla.models import Approval, SlaEvent
from tests.conftest import client_for, local_time, make_user
from workorders.models import Customer, WorkOrder

QUALITY = "/api/v1/reports/quality/"
#: The day most tests fill; "now" is a few days later, so it is history.
DAY = dt.date(2026, 11, 16)  # a Monday
NOW = local_time(2026, 11, 20, 10, 0)

_numbers = itertools.count(1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def manager_user(org):
    return make_user("mgr1", "manager")


@pytest.fixture
def manager(manager_user):
    return client_for(manager_user)


def at(day: dt.date, hour=10, minute=0, second=0) -> dt.datetime:
    return local_time(day.year, day.month, day.day, hour, minute, second)


def customer(level="ordinary", phone=None) -> Customer:
    n = next(_numbers)
    return Customer.objects.create(
        name=f"客户{n}", phone=phone or f"139{n:08d}", level=level, segment="public"
    )


def order(
    *,
    kind="repair",
    product="ftth_broadband",
    package_area="P1",
    accepted_at=None,
    deadline=None,
    completed_at=None,
    technician: str | None = "T1",
    level="ordinary",
    cust: Customer | None = None,
    **fields,
) -> WorkOrder:
    """An order of ``package_area`` entered at ``accepted_at`` (default DAY
    09:00) with ``deadline`` (default +24 h; ``sla_deadline`` and
    ``commitment_deadline`` follow unless given); completed (status
    ``completed``) when ``completed_at`` is given."""
    area = PackageArea.objects.select_related("group__area").get(code=package_area)
    accepted_at = accepted_at or at(DAY, 9)
    deadline = deadline or accepted_at + dt.timedelta(hours=24)
    fields.setdefault("sla_deadline", deadline)
    fields.setdefault("commitment_deadline", deadline)
    if completed_at is not None:
        fields.setdefault("status", "completed")
        fields.setdefault("resolution", "onsite")
    else:
        fields.setdefault("status", "dispatched" if technician else "pending")
    n = next(_numbers)
    return WorkOrder.objects.create(
        number=f"R{n:06d}",
        source="hotline" if kind == "repair" else "crm",
        kind=kind,
        product=product,
        customer=cust or customer(level),
        address=f"地址{n}",
        package_area=area,
        group=area.group,
        district_id=area.group.area.district_id,
        accepted_at=accepted_at,
        deadline=deadline,
        completed_at=completed_at,
        technician=Technician.objects.get(code=technician) if technician else None,
        **fields,
    )


def callback(wo: WorkOrder, *, when=None, satisfied=True, **scores) -> Callback:
    values = {"contact": 5, "punctuality": 5, "skill": 5, "attitude": 5, **scores}
    return Callback.objects.create(
        work_order=wo, satisfied=satisfied, at=when or at(DAY, 15), **values
    )


def complaint(
    *, wo: WorkOrder | None = None, district=None, category="service_support", when=None
) -> Complaint:
    n = next(_numbers)
    received = when or at(DAY, 11)
    sub = ComplaintSubCategory.objects.filter(category=category).first()
    return Complaint.objects.create(
        number=f"C{n:06d}",
        channel="hotline_10000",
        phone="13900000000",
        customer_name="王女士",
        work_order=wo,
        category=category,
        sub_category=sub,
        received_at=received,
        commitment_due=received + dt.timedelta(hours=24),
        district=District.objects.get(code=district) if district else None,
        created_at=received,
        updated_at=received,
    )


def sla_event(wo: WorkOrder, kind: str, *, when=None, checkpoint=None) -> SlaEvent:
    return SlaEvent.objects.create(
        order=wo,
        kind=kind,
        checkpoint=checkpoint or f"{kind}:{next(_numbers)}",
        at=when or at(DAY, 12),
    )


def claim(wo: WorkOrder, amount="10.00", status="pending_review", **fields) -> Claim:
    return Claim.objects.create(
        work_order=wo,
        kind="same_day_repair" if wo.kind == "repair" else "same_day_install",
        status=status,
        deadline=wo.commitment_deadline,
        completed_at=wo.completed_at,
        days_late=1,
        amount=Decimal(amount),
        district=wo.district,
        phone=wo.customer.phone,
        pay_by=wo.completed_at + dt.timedelta(days=7),
        created_at=wo.completed_at,
        **fields,
    )


def approval(wo: WorkOrder, kind="suspend", status="approved", when=None) -> Approval:
    return Approval.objects.create(
        order=wo,
        kind=kind,
        status=status,
        reason="customer",
        customer_confirmed=kind == "reschedule",
        requested_at=when or at(DAY, 13),
    )


def day_report(client, day=DAY, by="district", period="day", **params) -> dict:
    response = client.get(
        QUALITY, {"period": period, "date": day.isoformat(), "by": by, **params}
    )
    assert response.status_code == 200, response.content[:500]
    return response.json()
