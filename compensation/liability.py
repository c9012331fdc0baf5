"""定责 marks on claims: ``vendor`` only while the vendor bears a part (SPEC §6)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from dispatch_center.history import history_record
from org.models import Vendor
from workorders.models import DelayCause, EventKind
from workorders.services import event_record

from . import selectors
from .models import Claim, CompensationPolicy, LiableParty


def _threshold():
    policy = CompensationPolicy.objects.order_by("pk").first() or CompensationPolicy()
    return policy.vendor_threshold


def vendor_month_liability_refresh(
    vendor_id: int | None, at: datetime, *, by=None, now: datetime
) -> int:
    """定责 marks: a vendor's installer-caused claims of ``at``'s month say
    ``vendor`` only while the vendor bears a non-zero part of them.

    The vendor's month (share of its same-day orders late for installer
    reasons, due claims only) changes with every same-day completion and
    every claim that becomes or stops being due, so each of those calls
    this. Returns how many claims changed party (each recorded).
    """
    if vendor_id is None:
        return 0
    # One refresh per vendor at a time: two completions committing side by
    # side would each miss the other's order and leave stale marks. The lock
    # (vendor row, always taken after the order's) makes the second read the
    # month after the first has committed.
    list(Vendor.objects.select_for_update().filter(pk=vendor_id).values_list("pk"))
    month = f"{timezone.localtime(at):%Y-%m}"
    statements = selectors.vendor_liability_statement(
        month, _threshold(), vendor_id=vendor_id
    )
    bears = bool(statements) and statements[0].liability.vendor_amount > 0
    start, end = selectors.month_bounds(month)
    claims = Claim.objects.filter(
        vendor_id=vendor_id,
        completed_at__gte=start,
        completed_at__lt=end,
        delay_cause=DelayCause.INSTALLER,
    )
    due = ~Q(status__in=selectors.NOT_DUE)
    to_vendor = claims.filter(due).exclude(liable_party=LiableParty.VENDOR)
    to_branch = claims.filter(liable_party=LiableParty.VENDOR)
    if bears:
        to_branch = to_branch.exclude(due)
    else:
        to_vendor = to_vendor.none()
    changed = 0
    for queryset, party, text in (
        (to_vendor, LiableParty.VENDOR, "外包公司承担超出比例线部分"),
        (to_branch, LiableParty.BRANCH, "外包公司本月未超出比例线，由分公司承担"),
    ):
        for claim in queryset.select_related("work_order"):
            Claim.objects.filter(pk=claim.pk).update(liable_party=party)
            claim.liable_party = party
            history_record(claim, by=by, at=now, reason=f"定责：{text}")
            event_record(
                claim.work_order,
                kind=EventKind.COMPENSATION,
                by=by,
                now=now,
                reason=f"慢必赔定责：{text}",
                data={"claim": claim.pk, "liable_party": party},
            )
            changed += 1
    return changed


def vendor_months_liability_refresh(
    touched: Iterable[tuple[int | None, datetime | None]], *, by=None, now: datetime
) -> int:
    """``vendor_month_liability_refresh`` once per (vendor, month) touched.

    For changes of many orders at once (a fault's restoration, a reopen):
    ``touched`` holds (vendor id, completion time) of every same-day order
    whose completion appeared or disappeared. Vendors are locked in id order,
    so two bulk changes cannot deadlock on them.
    """
    months: dict[tuple[int, str], datetime] = {}
    for vendor_id, at in touched:
        if vendor_id is not None and at is not None:
            months.setdefault((vendor_id, f"{timezone.localtime(at):%Y-%m}"), at)
    return sum(
        vendor_month_liability_refresh(
            vendor_id, months[(vendor_id, m)], by=by, now=now
        )
        for vendor_id, m in sorted(months)
    )


def vendor_months_of(orders) -> list[tuple[int | None, datetime | None]]:
    """(vendor, completion) of the same-day orders done by outsourced technicians;
    orders need ``technician`` loaded."""
    return [
        (o.technician.vendor_id, o.completed_at)
        for o in orders
        if o.is_same_day and o.technician_id and o.completed_at is not None
    ]
