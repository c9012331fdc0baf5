"""Read side of 慢必赔: lists, the monthly paid list, vendor liability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from org.models import Vendor
from workorders import rules as wo_rules
from workorders.models import DelayCause, Status, WorkOrder

from . import rules
from .models import Claim, ClaimStatus, LiableParty

#: Claims that are not due: they count in no liability, share or total.
NOT_DUE = (ClaimStatus.EXEMPT, ClaimStatus.REJECTED)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``YYYY-MM`` → [first instant, first instant of next month) in local time."""
    try:
        year, mon = (int(part) for part in month.split("-"))
        start = date(year, mon, 1)
    except ValueError as exc:
        raise ValueError("month must be YYYY-MM") from exc
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    tz = wo_rules.LOCAL_TZ
    return (
        datetime.combine(start, datetime.min.time(), tzinfo=tz),
        datetime.combine(end, datetime.min.time(), tzinfo=tz),
    )


def claims_visible_to(user) -> QuerySet[Claim]:
    qs = Claim.objects.select_related("work_order", "vendor", "district", "technician")
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.district_id is not None:
        qs = qs.filter(district_id=profile.district_id)
    return qs


@dataclass
class PaidList:
    month: str
    claims: list[Claim]
    total_count: int
    total_amount: Decimal
    by_district: list[dict]
    by_vendor: list[dict]


def paid_list(month: str, *, base: QuerySet[Claim] | None = None) -> PaidList:
    """每月已补偿清单: claims paid in the month, with totals per district and vendor."""
    start, end = month_bounds(month)
    qs = (base if base is not None else Claim.objects.all()).filter(
        status=ClaimStatus.PAID, paid_at__gte=start, paid_at__lt=end
    )
    totals = qs.aggregate(n=Count("id"), amount=Sum("amount"))
    by_district = list(
        qs.values("district__code", "district__name")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("district__code")
    )
    by_vendor = list(
        qs.values("vendor__code", "vendor__name")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("vendor__code")
    )
    return PaidList(
        month=month,
        claims=list(
            qs.select_related("work_order", "district", "vendor").order_by(
                "paid_at", "id"
            )
        ),
        total_count=totals["n"] or 0,
        total_amount=totals["amount"] or Decimal("0.00"),
        by_district=by_district,
        by_vendor=by_vendor,
    )


@dataclass
class VendorStatement:
    vendor: Vendor
    month: str
    figures: rules.VendorMonth
    liability: rules.Liability


def vendor_liability_statement(
    month: str, threshold: Decimal, *, vendor_id: int | None = None
) -> list[VendorStatement]:
    """定责 per vendor for a month (SPEC §6): share of same-day orders late for
    installer reasons among those its technicians completed in the month.

    Only due claims (not exempt, not rejected) make an order late: an
    excused or rejected delay is not the vendor's.
    """
    start, end = month_bounds(month)
    done = WorkOrder.objects.filter(
        is_same_day=True,
        status__in=[Status.COMPLETED, Status.CLOSED],
        completed_at__gte=start,
        completed_at__lt=end,
        technician__vendor__isnull=False,
    )
    if vendor_id is not None:
        done = done.filter(technician__vendor_id=vendor_id)
    orders = dict(
        done.values_list("technician__vendor_id")
        .annotate(n=Count("id"))
        .values_list("technician__vendor_id", "n")
    )
    late = {
        row["vendor_id"]: row
        for row in Claim.objects.filter(
            work_order__in=done, delay_cause=DelayCause.INSTALLER
        )
        .exclude(status__in=NOT_DUE)
        .values("vendor_id")
        .annotate(n=Count("id"), due=Sum("amount"))
    }
    statements = []
    for vendor in Vendor.objects.filter(pk__in=set(orders) | set(late)).order_by(
        "code"
    ):
        row = late.get(vendor.pk, {"n": 0, "due": None})
        figures = rules.VendorMonth(
            same_day_orders=orders.get(vendor.pk, 0),
            installer_late=row["n"],
            installer_compensation=row["due"] or Decimal("0"),
        )
        statements.append(
            VendorStatement(
                vendor, month, figures, rules.vendor_liability(figures, threshold)
            )
        )
    return statements


def acceptance_errors(month: str) -> list[dict]:
    """受理失误: compensation attributed to the staff who accepted the order."""
    start, end = month_bounds(month)
    return list(
        Claim.objects.filter(
            liable_party=LiableParty.ACCEPTANCE_STAFF,
            completed_at__gte=start,
            completed_at__lt=end,
        )
        .exclude(status__in=NOT_DUE)
        .values("accepted_by__username")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("accepted_by__username")
    )
