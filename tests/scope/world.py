"""Two districts with one of everything each: what the scope walk probes with.

``own`` is D1, the scoped user's district; ``foreign`` is D2. Every object of a
side carries a marker unique to that side (order numbers, customer names,
technician codes), so a page or list that leaks the foreign side is caught by
looking for the marker in the body. Objects are written straight to the
database (or through the intake service) — the walk is about who may reach
them, not how they came to be.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from compensation.models import Claim
from complaints.models import Complaint, ComplaintSubCategory, PenaltyTicket
from dispatch.models import RotaEntry
from org.models import Area, District, PackageArea, RegionGroup, Technician
from payroll.models import Adjustment, PayrollLine, PayrollRun
from reports.models import QualityWarning, StoredReport
from sla.models import Approval
from tests.conftest import local_time, make_user
from workorders.models import Status, WorkOrder
from workorders.services import CustomerIn, OrderIn, work_order_create

#: The moment every probe runs at (a Friday morning, working hours).
NOW = local_time(2026, 11, 20, 10, 0)
#: Roles of the scoped walker: every staff desk, none of the system accounts.
STAFF_ROLES = ("dispatcher", "supervisor", "manager", "finance", "hotline_agent")


@dataclass
class Side:
    """One district's objects."""

    label: str
    district: District
    area: Area
    group: RegionGroup
    package_area: PackageArea
    tech: Technician
    pending: WorkOrder
    dispatched: WorkOrder
    done: WorkOrder
    claim: Claim
    approval: Approval
    complaint: Complaint
    penalty: PenaltyTicket
    line: PayrollLine
    adjustment: Adjustment
    stored: StoredReport
    warning: QualityWarning
    extra: dict = field(default_factory=dict)  # for probes added by other apps

    @property
    def marker(self) -> str:
        """A string only this side's pages and lists show (its pending order)."""
        return self.pending.number

    @property
    def customer_marker(self) -> str:
        return self.pending.customer.name


@dataclass
class World:
    own: Side
    foreign: Side
    run: PayrollRun
    scoped_user: object
    technician_user: object  # the own side's technician (``actor="technician"``)


def _order(label: str, package_area: str, phone: str, suffix: str) -> WorkOrder:
    order, _ = work_order_create(
        data=OrderIn(
            source="crm",
            kind="repair",
            product="ftth_broadband",
            customer=CustomerIn(name=f"{label}客户{suffix}", phone=phone),
            address=f"{label}地址{suffix}",
            package_area=package_area,
            crm_order_id=f"SCOPE-{label}-{suffix}",
            accepted_at=NOW - dt.timedelta(hours=2),
        ),
        by=None,
    )
    return WorkOrder.objects.select_related("customer", "group", "district").get(
        pk=order.pk
    )


def _side(
    label: str,
    district_code: str,
    package_area_code: str,
    tech_code: str,
    phone_base: int,
    run: PayrollRun,
) -> Side:
    district = District.objects.get(code=district_code)
    package_area = PackageArea.objects.select_related("group__area").get(
        code=package_area_code
    )
    group = package_area.group
    tech = Technician.objects.get(code=tech_code)
    Technician.objects.filter(pk=tech.pk).update(max_open_orders=50)
    pending = _order(label, package_area_code, f"139{phone_base:08d}", "待派")
    dispatched = _order(label, package_area_code, f"139{phone_base + 1:08d}", "已派")
    done = _order(label, package_area_code, f"139{phone_base + 2:08d}", "竣工")
    WorkOrder.objects.filter(pk=dispatched.pk).update(
        status=Status.DISPATCHED, technician=tech, dispatched_at=NOW
    )
    WorkOrder.objects.filter(pk=done.pk).update(
        status=Status.COMPLETED,
        technician=tech,
        dispatched_at=NOW - dt.timedelta(hours=1),
        completed_at=NOW - dt.timedelta(minutes=30),
        resolution="onsite",
    )
    for order in (dispatched, done):
        order.refresh_from_db()
    now = timezone.now()
    claim = Claim.objects.create(
        work_order=done,
        kind="same_day_repair",
        deadline=NOW - dt.timedelta(hours=1),
        completed_at=done.completed_at,
        days_late=1,
        amount=Decimal("10.00"),
        district=district,
        phone=done.customer.phone,
        pay_by=NOW + dt.timedelta(days=7),
        created_at=now,
        technician=tech,
    )
    approval = Approval.objects.create(
        order=dispatched,
        kind="suspend",
        reason="customer",
        requested_at=now,
        requested_by=tech.user,
    )
    complaint = Complaint.objects.create(
        number=f"TS-{label}",
        channel="hotline_10000",
        phone=pending.customer.phone,
        customer_name=pending.customer.name,
        work_order=pending,
        category="service_support",
        sub_category=ComplaintSubCategory.objects.order_by("pk").first(),
        received_at=now,
        commitment_due=now + dt.timedelta(hours=24),
        district=district,
        created_at=now,
        updated_at=now,
    )
    penalty = PenaltyTicket.objects.create(
        complaint=complaint,
        technician=tech,
        amount=Decimal("50.00"),
        reason=f"{label}处罚",
        month="2026-11",
        report_due=now + dt.timedelta(days=7),
        created_at=now,
    )
    zero = Decimal("0")
    line = PayrollLine.objects.create(
        run=run,
        technician=tech,
        district=district,
        cert_level=tech.cert_level,
        post_wage=zero,
        base_hours=zero,
        worked_hours=zero,
        paid_hours=zero,
        orders=0,
        paid_orders=0,
        piece_wage=zero,
        rewards=zero,
        penalties=zero,
        total=zero,
        grade="B",
        grade_coefficient=Decimal("1"),
        callbacks=0,
        satisfied=0,
        repairs=0,
        repeat_faults=0,
        complaints=0,
    )
    adjustment = Adjustment.objects.create(
        technician=tech,
        month="2026-11",
        kind="reward",
        amount=Decimal("30.00"),
        reason=f"{label}奖励",
        created_at=now,
    )
    stored = StoredReport.objects.create(
        period="day",
        start=dt.date(2026, 11, 19),
        end=dt.date(2026, 11, 19),
        district=district,
        generated_at=now,
        xlsx=b"PK-not-really",
    )
    warning = QualityWarning.objects.create(
        period="day",
        start=dt.date(2026, 11, 19),
        end=dt.date(2026, 11, 19),
        metric="repair_on_time_rate",
        value=Decimal("0.5"),
        target=Decimal("0.9699"),
        direction="min",
        published_at=now,
        district=district,
    )
    RotaEntry.objects.create(technician=tech, date=dt.date(2026, 11, 18), kind="rest")
    paid = _order(label, package_area_code, f"139{phone_base + 3:08d}", "已赔")
    WorkOrder.objects.filter(pk=paid.pk).update(
        status=Status.COMPLETED,
        technician=tech,
        completed_at=NOW - dt.timedelta(days=1),
        resolution="onsite",
    )
    paid.refresh_from_db()
    Claim.objects.create(
        work_order=paid,
        kind="same_day_repair",
        status="paid",
        deadline=NOW - dt.timedelta(days=2),
        completed_at=paid.completed_at,
        days_late=1,
        amount=Decimal("10.00"),
        district=district,
        phone=paid.customer.phone,
        pay_by=NOW + dt.timedelta(days=6),
        paid_at=NOW - dt.timedelta(hours=3),
        created_at=now,
        technician=tech,
    )
    return Side(
        label=label,
        district=district,
        area=group.area,
        group=group,
        package_area=package_area,
        tech=tech,
        pending=pending,
        dispatched=dispatched,
        done=done,
        claim=claim,
        approval=approval,
        complaint=complaint,
        penalty=penalty,
        line=line,
        adjustment=adjustment,
        stored=stored,
        warning=warning,
        extra={"paid": paid},
    )


def build_world() -> World:
    """Both districts (the ``org`` fixture must be loaded), and the users."""
    zero = Decimal("0")
    run = PayrollRun.objects.create(
        month="2026-11",
        version=1,
        created_at=timezone.now(),
        post_wage=zero,
        piece_wage=zero,
        rewards=zero,
        penalties=zero,
        total=zero,
    )
    own = _side("本区", "D1", "P1", "T1", 10_000_000, run)
    foreign = _side("外区", "D2", "P3", "T3", 20_000_000, run)
    scoped = make_user("scope-walker", *STAFF_ROLES, district="D1")
    return World(
        own=own,
        foreign=foreign,
        run=run,
        scoped_user=scoped,
        technician_user=own.tech.user,
    )
