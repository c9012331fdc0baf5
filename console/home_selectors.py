"""Read queries of the role homes: each role's work and its numbers.

Every figure starts from a scoped queryset (``orders_visible_to``,
``claims_visible_to``, ``complaints_for_desk``, ``approvals_visible_to``,
the reports' district scope), so a district-scoped user sees their district.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from compensation.models import ClaimStatus
from compensation.selectors import claims_visible_to, month_bounds
from compensation.services import compensation_policy
from complaints import rules as complaint_rules
from complaints.selectors import complaints_for_desk
from reports import rules as report_rules
from reports import selectors as report_selectors
from sla.models import ApprovalStatus
from sla.selectors import approvals_visible_to
from workorders import rules as wo_rules
from workorders.selectors import orders_visible_to

LIST_LIMIT = 10
#: The figures on the manager's home, today and this month, against target.
KEY_METRICS = (
    "orders_received",
    "orders_completed",
    "same_day_install_rate",
    "same_day_repair_rate",
    "repair_on_time_rate",
    "first_response_rate",
    "satisfaction_rate",
    "complaints",
    "compensation_amount",
)


@dataclass
class Figure:
    label: str
    today: str
    month: str
    target: str
    today_status: str
    month_status: str


def _status(metric, value, target, counters) -> str:
    if target is None or value is None:
        return ""
    sample = report_rules.sample_of(metric, counters)
    if sample is not None and sample < target.min_sample:
        return ""
    return (
        "bad"
        if report_rules.breaches(value, target.value, target.direction)
        else "good"
    )


def key_figures(user, *, today) -> list[Figure]:
    """Today's and this month's totals of the key metrics, with their targets."""
    district_id = report_selectors.scope_district_id(user)
    policy = report_selectors.report_policy()
    targets = report_selectors.targets()
    sections = {}
    for kind in (report_rules.DAY, report_rules.MONTH):
        period = report_rules.period_of(kind, today)
        sections[kind] = report_selectors.section(
            period,
            report_rules.DISTRICT,
            district_id=district_id,
            today=today,
            policy=policy,
        )
    figures = []
    for key in KEY_METRICS:
        metric = report_rules.METRICS_BY_KEY[key]
        target = targets.get(key)
        day, month = sections[report_rules.DAY], sections[report_rules.MONTH]
        figures.append(
            Figure(
                label=str(metric.label),
                today=report_rules.formatted(metric, day.totals[key]),
                month=report_rules.formatted(metric, month.totals[key]),
                target=report_rules.formatted(metric, target.value) if target else "",
                today_status=_status(
                    metric, day.totals[key], target, day.totals_counters
                ),
                month_status=_status(
                    metric, month.totals[key], target, month.totals_counters
                ),
            )
        )
    return figures


@dataclass
class ManagerHome:
    figures: list[Figure]
    warned_orders: int
    escalations: list[dict]
    quality_warnings: list
    overdue_complaints: list
    overdue_complaints_count: int
    claims_near_limit: list
    claims_near_limit_count: int


def _claims_near_limit(user, *, now: datetime):
    """Claims not yet paid whose 7-day pay limit falls within the warning days
    (or has passed), the nearest first."""
    policy = compensation_policy()
    horizon = now + timedelta(days=policy.warn_days_before)
    return (
        claims_visible_to(user)
        .filter(
            status__in=[ClaimStatus.PENDING_REVIEW, ClaimStatus.APPROVED],
            pay_by__lte=horizon,
        )
        .order_by("pay_by", "id")
    )


def manager_home(user, *, now: datetime, today) -> ManagerHome:
    open_orders = orders_visible_to(user).filter(status__in=wo_rules.OPEN_STATES)
    levels = dict(
        open_orders.filter(escalation_level__gt=0)
        .order_by()
        .values_list("escalation_level")
        .annotate(n=Count("id"))
        .values_list("escalation_level", "n")
    )
    overdue = complaints_for_desk(user).filter(
        status__in=complaint_rules.STEPS, current_step_due__lt=now
    )
    near = _claims_near_limit(user, now=now)
    return ManagerHome(
        figures=key_figures(user, today=today),
        warned_orders=open_orders.filter(
            sla_warnings_sent__gt=0, escalation_level=0
        ).count(),
        escalations=[{"level": lv, "count": levels.get(lv, 0)} for lv in (1, 2, 3)],
        quality_warnings=list(
            report_selectors.warnings_visible_to(user).filter(
                published_at__gte=now - timedelta(days=7)
            )[:LIST_LIMIT]
        ),
        overdue_complaints=list(overdue.order_by("current_step_due")[:LIST_LIMIT]),
        overdue_complaints_count=overdue.count(),
        claims_near_limit=list(near[:LIST_LIMIT]),
        claims_near_limit_count=near.count(),
    )


@dataclass
class FinanceHome:
    to_audit: int
    to_audit_amount: Decimal
    to_pay: int
    to_pay_amount: Decimal
    near_limit: list
    near_limit_count: int
    paid_count: int
    paid_amount: Decimal
    month: str


def finance_home(user, *, now: datetime, today) -> FinanceHome:
    claims = claims_visible_to(user).order_by()
    month = f"{today:%Y-%m}"
    start, end = month_bounds(month)
    zero = Decimal("0.00")
    figures = claims.aggregate(
        to_audit=Count("id", filter=Q(status=ClaimStatus.PENDING_REVIEW)),
        to_audit_amount=Sum("amount", filter=Q(status=ClaimStatus.PENDING_REVIEW)),
        to_pay=Count("id", filter=Q(status=ClaimStatus.APPROVED)),
        to_pay_amount=Sum("amount", filter=Q(status=ClaimStatus.APPROVED)),
        paid=Count(
            "id",
            filter=Q(status=ClaimStatus.PAID, paid_at__gte=start, paid_at__lt=end),
        ),
        paid_amount=Sum(
            "amount",
            filter=Q(status=ClaimStatus.PAID, paid_at__gte=start, paid_at__lt=end),
        ),
    )
    near = _claims_near_limit(user, now=now)

    def money(value) -> Decimal:
        return Decimal(value or zero).quantize(zero)

    return FinanceHome(
        to_audit=figures["to_audit"],
        to_audit_amount=money(figures["to_audit_amount"]),
        to_pay=figures["to_pay"],
        to_pay_amount=money(figures["to_pay_amount"]),
        near_limit=list(near[:LIST_LIMIT]),
        near_limit_count=near.count(),
        paid_count=figures["paid"],
        paid_amount=money(figures["paid_amount"]),
        month=month,
    )


@dataclass
class SupervisorHome:
    approvals: list
    approvals_count: int
    oldest_minutes: int | None
    complaints_waiting: int
    complaints_overdue: int


def supervisor_home(user, *, now: datetime) -> SupervisorHome:
    pending = approvals_visible_to(user).filter(status=ApprovalStatus.PENDING)
    approvals = list(pending.select_related("order__technician")[:LIST_LIMIT])
    oldest = None
    if approvals:
        oldest = int((now - approvals[0].requested_at).total_seconds() // 60)
    back_office = complaints_for_desk(user).filter(
        status__in=[
            complaint_rules.REVIEW,
            complaint_rules.CITY,
            complaint_rules.CALLBACK,
        ]
    )
    return SupervisorHome(
        approvals=approvals,
        approvals_count=pending.count(),
        oldest_minutes=oldest,
        complaints_waiting=back_office.count(),
        complaints_overdue=back_office.filter(current_step_due__lt=now).count(),
    )
