"""Read side of payroll: rate tables, a month's facts, runs and lines for the API.

The month's facts are read set-based: a handful of ``GROUP BY`` queries for
the quality grade and the rewards/penalties (one row per technician), and
the counted orders as one ordered stream (``counted_orders``) that the
computation walks once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from complaints.models import Callback
from complaints.selectors import penalties_for_month
from dispatch.selectors import dispatch_policy, work_hours_table
from dispatch_center.roles import Role, roles_of
from org.models import Technician
from workorders.models import Kind, Resolution, Status, WorkOrder

from . import rules
from .models import (
    Adjustment,
    AdjustmentKind,
    CertLevelPay,
    PayrollItem,
    PayrollLine,
    PayrollPolicy,
    PayrollRun,
    PieceRate,
    QualityGrade,
    RunStatus,
    TechnicianPay,
)

#: Runs a technician may see their own line in (drafts are not published).
PUBLISHED = (RunStatus.REVIEWED, RunStatus.LOCKED)


# --- rate tables -------------------------------------------------------------------


def payroll_policy() -> PayrollPolicy:
    return PayrollPolicy.objects.order_by("pk").first() or PayrollPolicy()


@dataclass(frozen=True)
class Rates:
    """Everything the computation reads from the rate tables, read once."""

    piece: dict[tuple[str, str], tuple[Decimal, Decimal]]
    hours: dict[tuple[str, str], Decimal]
    default_hours: Decimal
    same_day_coefficient: Decimal
    same_day_on_time_only: bool
    after_hours_coefficient: Decimal
    workday_start: object
    workday_end: object
    grades: list[rules.GradeRule]
    levels: dict[int, rules.PayBasis]
    overrides: dict[int, tuple[Decimal | None, Decimal | None]] = field(repr=False)

    def snapshot(self) -> dict:
        """The tables as JSON, stored on the run (what this version used)."""
        return {
            "piece_rates": [
                {
                    "kind": kind,
                    "product": product,
                    "unit_price": str(price),
                    "difficulty": str(difficulty),
                    "hours": str(self.hours.get((kind, product), self.default_hours)),
                }
                for (kind, product), (price, difficulty) in sorted(self.piece.items())
            ],
            "default_hours": str(self.default_hours),
            "same_day_coefficient": str(self.same_day_coefficient),
            "same_day_on_time_only": self.same_day_on_time_only,
            "after_hours_coefficient": str(self.after_hours_coefficient),
            "workday": [
                self.workday_start.isoformat(timespec="minutes"),
                self.workday_end.isoformat(timespec="minutes"),
            ],
            "grades": [
                {
                    "code": g.code,
                    "coefficient": str(g.coefficient),
                    "min_satisfaction": _str(g.min_satisfaction),
                    "max_repeat_rate": _str(g.max_repeat_rate),
                    "max_complaints": g.max_complaints,
                }
                for g in self.grades
            ],
            "cert_levels": [
                {
                    "cert_level": level,
                    "post_wage": str(basis.post_wage),
                    "base_hours": str(basis.base_hours),
                }
                for level, basis in sorted(self.levels.items())
            ],
            "technician_overrides": len(self.overrides),
        }

    def basis_of(self, technician_id: int, cert_level: int) -> rules.PayBasis:
        own_wage, own_hours = self.overrides.get(technician_id, (None, None))
        return rules.pay_basis(
            level=self.levels.get(cert_level),
            own_post_wage=own_wage,
            own_base_hours=own_hours,
        )


def _str(value) -> str | None:
    return None if value is None else str(value)


def rates_load() -> Rates:
    policy = payroll_policy()
    dispatch = dispatch_policy()
    return Rates(
        piece={
            (r.kind, r.product): (r.unit_price, r.difficulty)
            for r in PieceRate.objects.all()
        },
        hours=work_hours_table(),
        default_hours=dispatch.default_work_hours,
        same_day_coefficient=policy.same_day_coefficient,
        same_day_on_time_only=policy.same_day_on_time_only,
        after_hours_coefficient=policy.after_hours_coefficient,
        workday_start=dispatch.workday_start,
        workday_end=dispatch.workday_end,
        grades=[
            rules.GradeRule(
                code=g.code,
                coefficient=g.coefficient,
                min_satisfaction=g.min_satisfaction,
                max_repeat_rate=g.max_repeat_rate,
                max_complaints=g.max_complaints,
            )
            for g in QualityGrade.objects.order_by("rank", "code")
        ],
        levels={
            row.cert_level: rules.PayBasis(row.post_wage, row.base_hours)
            for row in CertLevelPay.objects.all()
        },
        overrides={
            tid: (wage, hours)
            for tid, wage, hours in TechnicianPay.objects.values_list(
                "technician_id", "post_wage", "base_hours"
            )
        },
    )


# --- the month's facts ------------------------------------------------------------------


def counted_orders(start: datetime, end: datetime) -> QuerySet[WorkOrder]:
    """Orders that count for piece pay: completed on site (现场施工) by a
    technician, completion time in [start, end). Closed orders were
    completed first, so they count too."""
    return WorkOrder.objects.filter(
        technician__isnull=False,
        resolution=Resolution.ONSITE,
        status__in=[Status.COMPLETED, Status.CLOSED],
        completed_at__gte=start,
        completed_at__lt=end,
    )


#: The columns of the order stream, in this order.
ORDER_COLUMNS = (
    "technician_id",
    "id",
    "number",
    "kind",
    "product",
    "completed_at",
    "arrived_at",
    "is_same_day",
    "promised_by",
)


def order_stream(start: datetime, end: datetime, *, chunk_size: int = 10000):
    """The counted orders by technician, then completion time, then id, as
    tuples of ``ORDER_COLUMNS``; a server-side cursor on PostgreSQL keeps
    memory flat however many orders the month has. ``promised_by`` is the
    commitment deadline (慢必赔), else the order's deadline."""
    return (
        counted_orders(start, end)
        .annotate(promised_by=Coalesce("commitment_deadline", "deadline"))
        .order_by("technician_id", "completed_at", "id")
        .values_list(*ORDER_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )


def technicians_for_pay() -> list[tuple[int, int | None, int, int | None]]:
    """(id, vendor id, cert level, district id) of every technician, by id."""
    return list(
        Technician.objects.order_by("id").values_list(
            "id", "vendor_id", "cert_level", "group__area__district_id"
        )
    )


def previous_repair_technician() -> Subquery:
    """Who a repeat fault is on: the technician of the same customer's latest
    repair of the same product completed before this order was entered, if
    that repair was done on site (a remote fix is nobody's field work)."""
    return Subquery(
        WorkOrder.objects.filter(
            kind=Kind.REPAIR,
            customer_id=OuterRef("customer_id"),
            product=OuterRef("product"),
            completed_at__lt=OuterRef("accepted_at"),
        )
        .order_by("-completed_at", "-id")
        .annotate(
            on_site_technician=Case(
                When(resolution=Resolution.ONSITE, then=F("technician_id")),
                default=None,
            )
        )
        .values("on_site_technician")[:1]
    )


@dataclass
class MonthFacts:
    """Per technician id: quality figures, rewards and penalties of a month."""

    callbacks: dict[int, tuple[int, int]]
    repairs: dict[int, int]
    repeat_faults: dict[int, int]
    complaints: dict[int, int]
    rewards: dict[int, Decimal]
    penalties: dict[int, Decimal]

    def quality(self, technician_id: int) -> rules.QualityStats:
        callbacks, satisfied = self.callbacks.get(technician_id, (0, 0))
        return rules.QualityStats(
            callbacks=callbacks,
            satisfied=satisfied,
            repairs=self.repairs.get(technician_id, 0),
            repeat_faults=self.repeat_faults.get(technician_id, 0),
            complaints=self.complaints.get(technician_id, 0),
        )


def month_facts(month: str, start: datetime, end: datetime) -> MonthFacts:
    """The month's facts per technician, one grouped query each:

    1. callbacks (回访) recorded in the month on the technician's orders, and
       how many were satisfied;
    2. the technician's counted repairs of the month;
    3. repeat faults (重复障碍) entered in the month, each on the technician of
       the customer's previous repair of that product;
    4. published complaint penalty tickets of the month (``complaints``): the
       number of distinct complaints is the responsible-complaint count,
       their amounts are penalties;
    5. management assessments (``Adjustment``): rewards and penalties.

    Nothing here reads customer compensation: it never enters pay.
    """
    callbacks = {
        tid: (n, ok)
        for tid, n, ok in Callback.objects.filter(
            at__gte=start, at__lt=end, work_order__technician__isnull=False
        )
        .order_by()
        .values("work_order__technician_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(satisfied=True)))
        .values_list("work_order__technician_id", "n", "ok")
    }
    repairs = dict(
        counted_orders(start, end)
        .filter(kind=Kind.REPAIR)
        .order_by()
        .values("technician_id")
        .annotate(n=Count("id"))
        .values_list("technician_id", "n")
    )
    repeat_faults = dict(
        WorkOrder.objects.filter(
            kind=Kind.REPAIR,
            is_repeat_fault=True,
            accepted_at__gte=start,
            accepted_at__lt=end,
        )
        .order_by()
        .annotate(on_technician=previous_repair_technician())
        .filter(on_technician__isnull=False)
        .values("on_technician")
        .annotate(n=Count("id"))
        .values_list("on_technician", "n")
    )
    complaint_sets: dict[int, set[str]] = defaultdict(set)
    penalties: dict[int, Decimal] = defaultdict(Decimal)
    for line in penalties_for_month(month):
        if line.technician_id is None:
            continue  # other staff: not on a technician's payroll
        complaint_sets[line.technician_id].add(line.complaint_number)
        penalties[line.technician_id] += line.amount
    rewards: dict[int, Decimal] = defaultdict(Decimal)
    for tid, kind, amount in (
        Adjustment.objects.filter(month=month)
        .order_by()
        .values("technician_id", "kind")
        .annotate(total=Sum("amount"))
        .values_list("technician_id", "kind", "total")
    ):
        if kind == AdjustmentKind.REWARD:
            rewards[tid] += amount
        else:
            penalties[tid] += amount
    return MonthFacts(
        callbacks=callbacks,
        repairs=repairs,
        repeat_faults=repeat_faults,
        complaints={tid: len(s) for tid, s in complaint_sets.items()},
        rewards=dict(rewards),
        penalties=dict(penalties),
    )


# --- runs and lines for the API ------------------------------------------------------------


def _district_of(user) -> int | None:
    profile = getattr(user, "staff_profile", None)
    return profile.district_id if profile is not None else None


def runs_visible_to(user) -> QuerySet[PayrollRun]:
    qs = PayrollRun.objects.select_related("created_by", "reviewed_by", "locked_by")
    return qs if roles_of(user) else qs.none()


def lines_of(run: PayrollRun, user) -> QuerySet[PayrollLine]:
    """The run's lines the user may see: a district-scoped user their district's."""
    qs = PayrollLine.objects.filter(run=run).select_related(
        "technician", "vendor", "district"
    )
    district = _district_of(user)
    if district is not None:
        qs = qs.filter(district_id=district)
    return qs.order_by("technician__code")


def my_lines(user) -> QuerySet[PayrollLine]:
    """A technician's own lines in reviewed and locked runs, newest first."""
    technician = getattr(user, "technician", None)
    if technician is None or Role.TECHNICIAN not in roles_of(user):
        return PayrollLine.objects.none()
    return (
        PayrollLine.objects.filter(technician=technician, run__status__in=PUBLISHED)
        .select_related("run", "technician", "vendor", "district")
        .order_by("-run__month", "-run__version")
    )


def items_of(line: PayrollLine) -> QuerySet[PayrollItem]:
    return PayrollItem.objects.filter(
        run_id=line.run_id, technician_id=line.technician_id
    ).order_by("seq")


#: Amount fields summed per vendor and for a whole run.
SUMMED = (
    "post_wage",
    "piece_wage",
    "rewards",
    "penalties",
    "total",
    "worked_hours",
    "paid_hours",
)


def vendor_settlement(lines: QuerySet[PayrollLine]) -> list[dict]:
    """外包结算: the vendor technicians' lines summed per vendor (same model)."""
    return list(
        lines.filter(vendor__isnull=False)
        .order_by()
        .values("vendor__code", "vendor__name")
        .annotate(
            technicians=Count("id"),
            orders=Sum("orders"),
            paid_orders=Sum("paid_orders"),
            **{name: Sum(name) for name in SUMMED},
        )
        .order_by("vendor__code")
    )


def lines_totals(lines: QuerySet[PayrollLine]) -> dict:
    totals = lines.order_by().aggregate(
        technicians=Count("id"),
        orders=Sum("orders"),
        **{name: Sum(name) for name in SUMMED},
    )
    return {k: (v if v is not None else 0) for k, v in totals.items()}


def diff_values(lines: QuerySet[PayrollLine]) -> dict[int, dict]:
    """technician id → the compared fields (plus code and name) of each line."""
    return {
        row["technician_id"]: row
        for row in lines.order_by().values(
            "technician_id",
            "technician__code",
            "technician__name",
            *rules.DIFF_FIELDS,
        )
    }


def _text(value):
    return None if value is None else str(value)


def run_diff(run: PayrollRun, other: PayrollRun, user) -> dict:
    """Differences per technician between two runs (delta = run − other),
    over the lines ``user`` may see; unchanged technicians are left out."""
    new = diff_values(lines_of(run, user))
    old = diff_values(lines_of(other, user))
    lines = []
    for tid in sorted(new.keys() | old.keys()):
        a, b = new.get(tid), old.get(tid)
        changes = rules.line_changes(a, b)
        if not changes:
            continue
        who = a or b
        lines.append(
            {
                "technician": who["technician__code"],
                "technician_name": who["technician__name"],
                "change": "added"
                if b is None
                else "removed"
                if a is None
                else "changed",
                "changes": [
                    {
                        "field": name,
                        "run": _text(value),
                        "against": _text(against),
                        "delta": _text(delta),
                    }
                    for name, (value, against, delta) in changes.items()
                ],
            }
        )
    lines.sort(key=lambda line: line["technician"])
    total = sum((row["total"] for row in new.values()), rules.ZERO)
    against_total = sum((row["total"] for row in old.values()), rules.ZERO)
    return {
        "run": run.pk,
        "against": other.pk,
        "month": run.month,
        "version": run.version,
        "against_version": other.version,
        "changed": len(lines),
        "total": total,
        "against_total": against_total,
        "total_delta": total - against_total,
        "lines": lines,
    }
