"""The counters of one day computed from the raw rows (orders, callbacks, ...).

This is the one place that says which record counts where: the nightly rollup
stores what ``day_counters`` returns, today's live figures are ``day_counters``
of today, and the drill-down lists the rows behind a counter with the same
filters (``Source.rows``). Each source is read with one grouped query over an
indexed time range of one day:

=============  ===========================  ====================================
source         records                      the day they belong to
=============  ===========================  ====================================
accepted       work orders                  entry time (录入时间, ``accepted_at``)
completed      work orders                  completion (竣工时间, ``completed_at``)
dispatched     work orders                  last dispatch (``dispatched_at``)
callback       callbacks (回访)              ``Callback.at``
complaint      complaints (投诉)             ``Complaint.received_at``
sla_event      urges and escalations        ``SlaEvent.at``
claim          慢必赔 claims (not exempt)    the order's completion (``Claim.completed_at``)
approval       approved suspend/reschedule  the request (``Approval.requested_at``)
rota           technicians' rest weeks      the Monday of the week
=============  ===========================  ====================================
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Model,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from compensation.models import Claim, ClaimStatus
from complaints.models import Callback, CallbackChannel, Complaint, ComplaintCategory
from dispatch.models import RotaEntry
from dispatch.selectors import dispatch_policy, work_hours_table
from org.models import Product, Technician
from sla.models import Approval, ApprovalKind, ApprovalStatus, SlaEvent, SlaEventKind
from workorders import rules as wo_rules
from workorders.models import Kind, Resolution, Status, WorkOrder

from . import rules
from .models import ReportPolicy
from .rules.dims import Dims

CANCELLED = Q(status=Status.CANCELLED)
REPAIR = Q(kind=Kind.REPAIR)
VIP = Q(customer__level__in=sorted(wo_rules.VIP_LEVELS))
BROADBAND = Q(product__in=[Product.FTTH_BROADBAND, Product.FTTB_BROADBAND])
ITV = Q(product=Product.ITV_HD)
PHONE = Q(product=Product.FIXED_PHONE)
REMOTE = Q(resolution=Resolution.REMOTE)
ON_TIME_INTERNAL = Q(completed_at__lte=F("sla_deadline"))
# The commitment (慢必赔 clock) is never moved by suspensions or reschedules;
# orders from before it was stored fall back to the deadline.
ON_TIME_COMMITMENT = Q(
    completed_at__lte=Coalesce(F("commitment_deadline"), F("deadline"))
)
KEPT_DUE = Q(kind__in=[Kind.INSTALL, Kind.MOVE], appointment_end__isnull=False)
APPOINTED = Q(appointment_end__isnull=False)
KEPT = Q(arrived_at__isnull=False, arrived_at__lte=F("appointment_end")) | Q(
    arrived_at__isnull=True, completed_at__lte=F("appointment_end")
)


@dataclass(frozen=True)
class Counter:
    """What one counter counts: the rows matching ``rows`` (``Count``), or the
    sum of ``total`` over them."""

    rows: Q
    total: object | None = None

    def aggregate(self):
        if self.total is None:
            return Count("pk", filter=self.rows) if self.rows else Count("pk")
        return Coalesce(
            Sum(self.total, filter=self.rows or None),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )


@dataclass(frozen=True)
class Source:
    name: str
    model: type[Model]
    time_field: str
    #: path from the record to its work order ("" for the order itself)
    order_path: str
    base: Q = field(default_factory=Q)
    label: str = ""

    def path(self, name: str) -> str:
        return f"{self.order_path}__{name}" if self.order_path else name

    @property
    def dim_paths(self) -> tuple[str, ...]:
        paths = (
            self.path("district_id"),
            self.path("group_id"),
            self.path("technician_id"),
            self.path("technician__vendor_id"),
        )
        if self.model is Complaint:
            paths += ("district_id",)  # the responsible district when unlinked
        return paths

    def dims(self, row: dict) -> Dims:
        district = row[self.path("district_id")]
        if self.model is Complaint and row[self.path("district_id")] is None:
            district = row["district_id"]
        technician = row[self.path("technician_id")]
        return Dims(
            district=district or rules.NONE,
            group=row[self.path("group_id")] or rules.NONE,
            technician=technician or rules.NONE,
            vendor=rules.vendor_dim(
                technician, row[self.path("technician__vendor_id")]
            ),
        )

    def in_range(self, start: datetime, end: datetime) -> QuerySet:
        return self.model.objects.filter(
            self.base,
            **{f"{self.time_field}__gte": start, f"{self.time_field}__lt": end},
        )

    def dims_q(self, grouping: str, ident: int) -> Q:
        """Rows of one report key (an org id or a sentinel) of ``grouping``."""
        if grouping == rules.VENDOR:
            if ident == rules.NONE:
                return Q(**{f"{self.path('technician')}__isnull": True})
            if ident == rules.OWN_STAFF:
                return Q(
                    **{
                        f"{self.path('technician')}__isnull": False,
                        f"{self.path('technician__vendor')}__isnull": True,
                    }
                )
            return Q(**{self.path("technician__vendor_id"): ident})
        name = {
            rules.DISTRICT: "district",
            rules.GROUP: "group",
            rules.TECHNICIAN: "technician",
        }[grouping]
        if ident == rules.NONE:
            q = Q(**{f"{self.path(name)}__isnull": True})
        else:
            q = Q(**{f"{self.path(name)}_id": ident})
        if self.model is Complaint and grouping == rules.DISTRICT:
            unlinked = Q(work_order__isnull=True) & (
                Q(district__isnull=True)
                if ident == rules.NONE
                else Q(district_id=ident)
            )
            linked = Q(work_order__isnull=False) & q
            return linked | unlinked
        return q


SOURCES = {
    s.name: s
    for s in (
        Source("accepted", WorkOrder, "accepted_at", "", label=_("工单(按录入时间)")),
        Source("completed", WorkOrder, "completed_at", "", label=_("工单(按竣工时间)")),
        Source(
            "dispatched", WorkOrder, "dispatched_at", "", label=_("工单(按派单时间)")
        ),
        Source("callback", Callback, "at", "work_order", label=_("回访")),
        Source("complaint", Complaint, "received_at", "work_order", label=_("投诉")),
        Source(
            "sla_event",
            SlaEvent,
            "at",
            "order",
            base=Q(kind__in=[SlaEventKind.URGE, SlaEventKind.ESCALATION]),
            label=_("催单/升级"),
        ),
        Source(
            "claim",
            Claim,
            "completed_at",
            "work_order",
            base=~Q(status__in=[ClaimStatus.EXEMPT, ClaimStatus.REJECTED]),
            label=_("慢必赔"),
        ),
        Source(
            "approval",
            Approval,
            "requested_at",
            "order",
            base=Q(status=ApprovalStatus.APPROVED),
            label=_("挂起/改约"),
        ),
    )
}


def workload_hours_expression():
    """Standard work-hours (工时池) of an order by kind and product."""
    default = dispatch_policy().default_work_hours
    whens = [
        When(kind=kind, product=product, then=Value(hours))
        for (kind, product), hours in sorted(work_hours_table().items())
    ]
    output = DecimalField(max_digits=8, decimal_places=2)
    if not whens:
        return Value(default, output_field=output)
    return Case(*whens, default=Value(default), output_field=output)


def counter_definitions(policy: ReportPolicy) -> dict[str, tuple[str, Counter]]:
    """counter name → (source name, what it counts), for ``policy``."""
    repair_ok = REPAIR & ~CANCELLED
    good = policy.callback_good_score
    definitions = {
        # entry date
        "received": ("accepted", Counter(Q())),
        "cancelled": ("accepted", Counter(CANCELLED)),
        "repair_received": ("accepted", Counter(repair_ok)),
        "repeat_faults": ("accepted", Counter(repair_ok & Q(is_repeat_fault=True))),
        "repair_received_vip": ("accepted", Counter(repair_ok & VIP)),
        "repeat_faults_vip": (
            "accepted",
            Counter(repair_ok & VIP & Q(is_repeat_fault=True)),
        ),
        "repair_received_ordinary": ("accepted", Counter(repair_ok & ~VIP)),
        "repeat_faults_ordinary": (
            "accepted",
            Counter(repair_ok & ~VIP & Q(is_repeat_fault=True)),
        ),
        "repair_received_broadband_vip": (
            "accepted",
            Counter(repair_ok & BROADBAND & VIP),
        ),
        "repeat_faults_broadband_vip": (
            "accepted",
            Counter(repair_ok & BROADBAND & VIP & Q(is_repeat_fault=True)),
        ),
        "repair_received_broadband_ordinary": (
            "accepted",
            Counter(repair_ok & BROADBAND & ~VIP),
        ),
        "repeat_faults_broadband_ordinary": (
            "accepted",
            Counter(repair_ok & BROADBAND & ~VIP & Q(is_repeat_fault=True)),
        ),
        # completion date
        "completed": ("completed", Counter(Q())),
        "sd_install_due": (
            "completed",
            Counter(Q(kind=Kind.INSTALL, is_same_day=True)),
        ),
        "sd_install_on_time": (
            "completed",
            Counter(Q(kind=Kind.INSTALL, is_same_day=True) & ON_TIME_COMMITMENT),
        ),
        "sd_repair_due": ("completed", Counter(REPAIR & Q(is_same_day=True))),
        "sd_repair_on_time": (
            "completed",
            Counter(REPAIR & Q(is_same_day=True) & ON_TIME_COMMITMENT),
        ),
        "repair_done": ("completed", Counter(REPAIR)),
        "repair_on_time": ("completed", Counter(REPAIR & ON_TIME_INTERNAL)),
        "repair_done_broadband": ("completed", Counter(REPAIR & BROADBAND)),
        "repair_on_time_broadband": (
            "completed",
            Counter(REPAIR & BROADBAND & ON_TIME_INTERNAL),
        ),
        "repair_done_itv": ("completed", Counter(REPAIR & ITV)),
        "repair_on_time_itv": ("completed", Counter(REPAIR & ITV & ON_TIME_INTERNAL)),
        "repair_done_phone": ("completed", Counter(REPAIR & PHONE)),
        "repair_on_time_phone": (
            "completed",
            Counter(REPAIR & PHONE & ON_TIME_INTERNAL),
        ),
        "remote_resolved": ("completed", Counter(REPAIR & REMOTE)),
        "remote_resolved_broadband": (
            "completed",
            Counter(REPAIR & BROADBAND & REMOTE),
        ),
        "kept_due": ("completed", Counter(KEPT_DUE)),
        "kept": ("completed", Counter(KEPT_DUE & KEPT)),
        "appointments_due": ("completed", Counter(APPOINTED)),
        "appointments_kept": ("completed", Counter(APPOINTED & KEPT)),
        "onsite_done": ("completed", Counter(~REMOTE)),
        "workload_hours": (
            "completed",
            Counter(~REMOTE, total=workload_hours_expression()),
        ),
        # dispatch date
        "dispatched": ("dispatched", Counter(Q())),
        "first_response_on_time": (
            "dispatched",
            Counter(
                Q(
                    first_contact_at__isnull=False,
                    first_contact_at__lte=F("first_response_due"),
                )
            ),
        ),
        # callbacks
        "callbacks": ("callback", Counter(Q())),
        "satisfied": ("callback", Counter(Q(satisfied=True))),
        "callbacks_page": ("callback", Counter(Q(channel=CallbackChannel.PAGE))),
        "callbacks_phone": ("callback", Counter(Q(channel=CallbackChannel.PHONE))),
        "cb_contact_good": ("callback", Counter(Q(contact__gte=good))),
        "cb_punctuality_good": ("callback", Counter(Q(punctuality__gte=good))),
        "cb_skill_good": ("callback", Counter(Q(skill__gte=good))),
        "cb_attitude_good": ("callback", Counter(Q(attitude__gte=good))),
        # complaints
        "complaints": ("complaint", Counter(Q())),
        "complaints_product_quality": (
            "complaint",
            Counter(Q(category=ComplaintCategory.PRODUCT_QUALITY)),
        ),
        "complaints_marketing_channel": (
            "complaint",
            Counter(Q(category=ComplaintCategory.MARKETING_CHANNEL)),
        ),
        "complaints_service_support": (
            "complaint",
            Counter(Q(category=ComplaintCategory.SERVICE_SUPPORT)),
        ),
        "complaints_order_linked": (
            "complaint",
            Counter(Q(work_order__isnull=False)),
        ),
        # SLA events
        "urges": ("sla_event", Counter(Q(kind=SlaEventKind.URGE))),
        "escalations": ("sla_event", Counter(Q(kind=SlaEventKind.ESCALATION))),
        # claims
        "compensation_count": ("claim", Counter(Q())),
        "compensation_amount": ("claim", Counter(Q(), total=F("amount"))),
        # approvals
        "suspensions": ("approval", Counter(Q(kind=ApprovalKind.SUSPEND))),
        "reschedules": ("approval", Counter(Q(kind=ApprovalKind.RESCHEDULE))),
    }
    return definitions


#: Counters that do not come from a ``Source`` (see ``rota_counters``).
ROTA_COUNTERS = ("rota_weeks", "rota_weeks_rested")


def report_policy() -> ReportPolicy:
    """The policy row (unsaved defaults when the admin deleted it)."""
    return ReportPolicy.objects.order_by("pk").first() or ReportPolicy()


def day_counters(day: date, *, policy: ReportPolicy | None = None) -> dict[Dims, dict]:
    """Every counter of ``day`` per (district, group, technician, vendor).

    One grouped query per source over ``[day 00:00, next day 00:00)`` local
    time, plus the rest rota on Mondays. Only non-empty keys are returned.
    """
    policy = policy or report_policy()
    start, end = rules.day_bounds(day)
    result: dict[Dims, dict] = defaultdict(rules.empty_counters)
    by_source: dict[str, dict[str, Counter]] = defaultdict(dict)
    for name, (source, counter) in counter_definitions(policy).items():
        by_source[source][name] = counter
    for source_name, counters in by_source.items():
        source = SOURCES[source_name]
        rows = (
            source.in_range(start, end)
            .values(*source.dim_paths)
            .annotate(**{name: c.aggregate() for name, c in counters.items()})
            .order_by()
        )
        for row in rows:
            target = result[source.dims(row)]
            for name in counters:
                target[name] += row[name] or 0
    if day.weekday() == 0:
        for dims, counters in rota_counters(day).items():
            rules.add_counters(result[dims], counters)
    return {
        dims: counters
        for dims, counters in result.items()
        if not rules.is_empty(counters)
    }


def rota_counters(monday: date) -> dict[Dims, dict]:
    """轮休: each technician's week starting ``monday``: rested if the rota has
    at least one rest, leave or off day for them that week. Technicians are
    counted in their current group (and its area's district) and vendor."""
    off = set(
        RotaEntry.objects.filter(date__gte=monday, date__lte=monday + timedelta(days=6))
        .values_list("technician_id", flat=True)
        .distinct()
    )
    result: dict[Dims, dict] = {}
    for tech_id, group_id, district_id, vendor_id in Technician.objects.values_list(
        "id", "group_id", "group__area__district_id", "vendor_id"
    ).order_by("id"):
        dims = Dims(
            district=district_id,
            group=group_id,
            technician=tech_id,
            vendor=rules.vendor_dim(tech_id, vendor_id),
        )
        counters = result.setdefault(dims, rules.empty_counters())
        counters["rota_weeks"] += 1
        counters["rota_weeks_rested"] += int(tech_id in off)
    return result


# --- drill-down -------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillDown:
    """The rows behind a metric: ``rows`` (with ``counted``: in the numerator)."""

    source: Source
    rows: QuerySet
    numerator_label: str


def drill_down(
    metric: rules.Metric,
    start: datetime,
    end: datetime,
    *,
    grouping: str | None = None,
    ident: int | None = None,
    district_id: int | None = None,
    policy: ReportPolicy | None = None,
) -> DrillDown | None:
    """The records a metric counted in ``[start, end)``; None for the rest rota."""
    definitions = counter_definitions(policy or report_policy())
    if metric.num not in definitions:
        return None
    source_name, numerator = definitions[metric.num]
    source = SOURCES[source_name]
    # A rate lists its denominator's rows, marking those in the numerator; a
    # count or a sum lists the rows it counted.
    base = definitions[metric.den][1].rows if metric.den else numerator.rows
    qs = source.in_range(start, end).filter(base)
    if grouping is not None and ident is not None:
        qs = qs.filter(source.dims_q(grouping, ident))
    if district_id is not None:
        qs = qs.filter(source.dims_q(rules.DISTRICT, district_id))
    counted = numerator.rows if metric.den else Q()
    qs = qs.annotate(
        counted=Case(When(counted, then=Value(True)), default=Value(False))
        if counted
        else Value(True)
    )
    related = _related(source)
    if related:
        qs = qs.select_related(*related)
    return DrillDown(
        source=source,
        rows=qs.order_by(source.time_field, "pk"),
        numerator_label=metric.label,
    )


def _related(source: Source) -> list[str]:
    order = source.order_path
    names = ["district", "group", "technician", "customer"]
    if not order:
        return names
    related = [f"{order}__{n}" for n in names]
    if source.model is Complaint:
        related.append("district")
    return related
