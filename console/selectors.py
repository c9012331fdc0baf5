"""Read queries for the console pages: one function per panel.

Every function starts from the scoped querysets of the apps below
(``orders_visible_to``, ``approvals_visible_to``), so district scoping and a
technician's "own orders only" hold on every page and every partial. Each
panel costs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from compensation.models import Claim
from complaints.models import Callback, Complaint, ComplaintSubCategory
from complaints.selectors import callbacks_due, complaint_policy
from dispatch import selectors as dispatch_selectors
from dispatch.models import RotaKind
from dispatch.services import rota_violations
from dispatch_center.roles import Role, roles_of
from org.models import Area, District, PackageArea, RegionGroup, Technician
from sla.models import Approval, ApprovalStatus, SlaEvent, SlaEventKind
from sla.selectors import approvals_visible_to
from workorders import rules as wo_rules
from workorders.models import Customer, WorkOrder, WorkOrderEvent
from workorders.selectors import order_timeline, orders_visible_to, service_policy

from . import presenters, rules

PAGE_SIZE = 50
PANEL_LIMIT = 20
OPEN = sorted(wo_rules.OPEN_STATES)
QUEUE_ORDER = ("queue_rank", "sla_deadline", "accepted_at", "id")


def user_district_id(user) -> int | None:
    """The district a scoped user works in; None for city-wide users."""
    profile = getattr(user, "staff_profile", None)
    return profile.district_id if profile is not None else None


def user_technician(user) -> Technician | None:
    return getattr(user, "technician", None)


# --- the dispatcher desk -----------------------------------------------------------


@dataclass
class FilterOptions:
    districts: list[District]
    areas: list[Area]
    groups: list[RegionGroup]


def filter_options(user, *, chosen=None) -> FilterOptions:
    """Districts, areas and groups the user may filter by (three queries).

    With ``chosen`` (a polled panel's query string) only the district, area
    and group it names, if the user may filter by them: enough to validate
    the filters without reading a province's thousand groups on every poll
    (none named, no query)."""
    if chosen is not None and not any(
        _named_ids(chosen, name) for name in ("district", "area", "group")
    ):
        return FilterOptions([], [], [])  # the usual poll: nothing to validate
    district_id = user_district_id(user)
    districts = District.objects.all()
    areas = Area.objects.all()
    groups = RegionGroup.objects.all()
    if chosen is not None:
        districts = districts.filter(pk__in=_named_ids(chosen, "district"))
        areas = areas.filter(pk__in=_named_ids(chosen, "area"))
        groups = groups.filter(pk__in=_named_ids(chosen, "group"))
    if district_id is not None:
        districts = districts.filter(pk=district_id)
        areas = areas.filter(district_id=district_id)
        groups = groups.filter(area__district_id=district_id)
    return FilterOptions(
        list(districts.only("id", "code", "name")),
        list(areas.only("id", "code", "name", "district_id")),
        list(groups.only("id", "code", "name", "area_id")),
    )


def _named_ids(data, field: str) -> list[int]:
    value = data.get(field, "")
    return [int(value)] if value.isdigit() else []


def _filtered(qs: QuerySet[WorkOrder], filters: dict) -> QuerySet[WorkOrder]:
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    if filters.get("area"):
        qs = qs.filter(group__area_id=filters["area"])
    if filters.get("group"):
        qs = qs.filter(group_id=filters["group"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("flag"):
        qs = qs.filter(dispatch_flag=filters["flag"])
    if filters.get("vip"):
        qs = qs.filter(customer__level__in=sorted(wo_rules.VIP_LEVELS))
    if filters.get("same_day"):
        qs = qs.filter(is_same_day=True)
    # the search ("q") is desk_selectors.search_ids: two indexed selections
    return qs


@dataclass
class OrderRow:
    """One order as a list shows it: the order and its countdown."""

    order: WorkOrder
    tone: str
    minutes_left: int
    is_vip: bool
    #: when the countdown turns to warning (None: no warning point), for the
    #: browser to recolour it without a new render
    warn_at: datetime | None = None
    #: the desk's words and links of the row (``presenters.row_texts``)
    text: object = None


def order_rows(orders, now: datetime) -> list[OrderRow]:
    policy = service_policy().sla
    rows = []
    for order in orders:
        rows.append(
            OrderRow(
                order=order,
                tone=rules.sla_tone(
                    now=now,
                    accepted_at=order.accepted_at,
                    sla_deadline=order.sla_deadline,
                    warn_percent_used=policy.warn_percent_used,
                    warn_minutes_before=policy.warn_minutes_before,
                    suspended=order.status == wo_rules.SUSPENDED,
                ),
                minutes_left=rules.minutes_left(now, order.sla_deadline),
                is_vip=order.customer.level in wo_rules.VIP_LEVELS,
                warn_at=rules.warn_at(
                    accepted_at=order.accepted_at,
                    sla_deadline=order.sla_deadline,
                    warn_percent_used=policy.warn_percent_used,
                    warn_minutes_before=policy.warn_minutes_before,
                ),
            )
        )
    return rows


@dataclass
class QueuePage:
    rows: list[OrderRow]
    page: Page
    total: int


def queue_page(user, filters: dict, *, page: int | str, now: datetime) -> QueuePage:
    """Open orders in queue order (VIP and same-day first, then the internal
    deadline, then entry time), one page at a time: a count and one joined
    select, whatever the size of the queue."""
    qs = _filtered(orders_visible_to(user).filter(status__in=OPEN), filters)
    paginator = Paginator(qs.order_by(*QUEUE_ORDER), PAGE_SIZE)
    current = paginator.get_page(page)
    return QueuePage(order_rows(current.object_list, now), current, paginator.count)


@dataclass
class TechnicianRow:
    technician: Technician
    facts: object  # dispatch.rules.Tech


def pending_approvals(user) -> list[Approval]:
    return list(
        _pending_approvals(user).select_related("order__technician")[:PANEL_LIMIT]
    )


def _pending_approvals(user) -> QuerySet[Approval]:
    return approvals_visible_to(user).filter(status=ApprovalStatus.PENDING)


def panel_totals(user) -> dict[str, int]:
    """What the desk's badges count: every row, not the ``PANEL_LIMIT`` shown."""
    return {
        "approvals_total": _pending_approvals(user).count(),
        "stuck_total": _stuck(user).count(),
    }


def sla_feed(user, *, now: datetime, hours: int = 24) -> list[SlaEvent]:
    """Warnings, first-response misses and escalations of the last ``hours``."""
    qs = SlaEvent.objects.filter(
        kind__in=[
            SlaEventKind.WARNING,
            SlaEventKind.FIRST_RESPONSE,
            SlaEventKind.ESCALATION,
        ],
        at__gte=now - timedelta(hours=hours),
    ).select_related("order")
    district_id = user_district_id(user)
    if district_id is not None:
        qs = qs.filter(order__district_id=district_id)
    return list(qs.order_by("-at", "-id")[:PANEL_LIMIT])


def _stuck(user) -> QuerySet[WorkOrder]:
    return (
        orders_visible_to(user)
        .filter(status=wo_rules.PENDING)
        .exclude(dispatch_flag="")
    )


def stuck_orders(user, *, now: datetime) -> list[OrderRow]:
    """Pending orders flagged 无人可派 or handed back (申请改派)."""
    return order_rows(_stuck(user).order_by(*QUEUE_ORDER)[:PANEL_LIMIT], now)


@dataclass
class RotaPanel:
    group: RegionGroup | None
    week_start: date
    days: list[date]
    rows: list[tuple[Technician, list[str]]]
    violations: list[str]


def rota_panel(user, *, group_id, week_start: date) -> RotaPanel:
    """The rest rota of one group for one week, with what breaks the rules."""
    groups = filter_options(user).groups
    group = next((g for g in groups if str(g.pk) == str(group_id)), None)
    if group is None and groups:
        group = groups[0]
    days = [week_start + timedelta(days=i) for i in range(7)]
    if group is None:
        return RotaPanel(None, week_start, days, [], [])
    technicians = list(group.technicians.order_by("code"))
    entries = dispatch_selectors.rota_week(technicians, week_start)
    labels = dict(RotaKind.choices)
    rows = [
        (t, [labels.get(entries.get(t.code, {}).get(day, ""), "") for day in days])
        for t in technicians
    ]
    return RotaPanel(group, week_start, days, rows, rota_violations(group, week_start))


def group_in_scope(user, group_id) -> RegionGroup | None:
    return next(
        (g for g in filter_options(user).groups if str(g.pk) == str(group_id)), None
    )


# --- the hotline desk -----------------------------------------------------------------


@dataclass
class HotlineResult:
    query: str
    customer: object | None = None
    open_rows: list[OrderRow] = field(default_factory=list)
    past: list[WorkOrder] = field(default_factory=list)
    called_back: set[int] = field(default_factory=set)


def hotline_search(user, query: str, *, now: datetime) -> HotlineResult:
    """A customer's orders by phone, order number or CRM order id.

    Open orders first (with the countdown), then the 20 latest others.
    """
    query = (query or "").strip()
    result = HotlineResult(query)
    if not query:
        return result
    visible = orders_visible_to(user)
    # each on its own index, unordered: an OR across the two, cut to the first
    # row by id, walks every order when the text is a phone (minutes at 10M)
    hit = next(iter(visible.filter(number=query).order_by()[:1]), None)
    if hit is None:
        by_crm = visible.filter(crm_order_id=query).exclude(crm_order_id="")
        hit = next(iter(by_crm.order_by()[:1]), None)
    phone = hit.customer.phone if hit else query
    # the customers first (phone index), then their orders (customer index):
    # one query across the join lets the planner walk every order by date
    # looking for the phone, minutes at ten million orders kept
    customers = list(Customer.objects.filter(phone=phone).values_list("id", flat=True))
    orders = list(
        visible.filter(customer_id__in=customers).order_by("-accepted_at", "-id")[:50]
    )
    if hit and all(o.pk != hit.pk for o in orders):
        orders.insert(0, hit)
    if not orders:
        return result
    result.customer = orders[0].customer
    open_orders = [o for o in orders if o.status in wo_rules.OPEN_STATES]
    result.open_rows = order_rows(
        sorted(open_orders, key=lambda o: o.sla_deadline), now
    )
    result.past = [o for o in orders if o.status not in wo_rules.OPEN_STATES][:20]
    result.called_back = set(
        Callback.objects.filter(work_order__in=result.past).values_list(
            "work_order_id", flat=True
        )
    )
    return result


def package_areas_for(user) -> QuerySet[PackageArea]:
    qs = PackageArea.objects.select_related("group__area").order_by("code")
    district_id = user_district_id(user)
    if district_id is not None:
        qs = qs.filter(group__area__district_id=district_id)
    return qs


def complaint_sub_categories() -> QuerySet[ComplaintSubCategory]:
    return ComplaintSubCategory.objects.filter(active=True).order_by(
        "category", "sort_order", "code"
    )


def callbacks_queue(user, *, now: datetime) -> list[WorkOrder]:
    """Completed orders due a callback (回访), oldest completion first."""
    return list(_callbacks_due(user, now=now)[:PANEL_LIMIT])


#: The 待回访 badge counts up to this many; past it the desk says "more than
#: 1,000" (at province scale ~100,000 completions sit inside the window and
#: an exact count cost 0.5–1 s of the database on every hotline lookup).
CALLBACKS_COUNT_CAP = 1000


def callbacks_due_total(user, *, now: datetime) -> int:
    """How many callbacks are due in all (the badge), not only those listed:
    counted up to ``CALLBACKS_COUNT_CAP + 1`` (a LIMITed count, oldest
    completions first on the ``completed_at`` index)."""
    return _callbacks_due(user, now=now)[: CALLBACKS_COUNT_CAP + 1].count()


def _callbacks_due(user, *, now: datetime) -> QuerySet[WorkOrder]:
    return callbacks_due(orders_visible_to(user), now=now, policy=complaint_policy())


# --- the technician's phone pages ----------------------------------------------------


def technician_today(user, *, now: datetime) -> tuple[list[OrderRow], list[WorkOrder]]:
    """The technician's open orders by deadline, and what they completed today."""
    mine = orders_visible_to(user)
    open_orders = mine.filter(status__in=OPEN).order_by("deadline", "id")
    midnight = datetime.combine(
        wo_rules.local(now).date(), datetime.min.time(), tzinfo=wo_rules.LOCAL_TZ
    )
    done = mine.filter(completed_at__gte=midnight).order_by("-completed_at")
    return order_rows(open_orders, now), list(done[:PANEL_LIMIT])


# --- one order ------------------------------------------------------------------------


@dataclass
class OrderPage:
    row: OrderRow
    timeline: list[tuple[WorkOrderEvent, list[str]]]
    approvals: list[Approval]
    claim: Claim | None
    complaints: list[Complaint]
    callback: Callback | None
    pending_approval: Approval | None


def order_page(order: WorkOrder, *, now: datetime) -> OrderPage:
    """Everything about one order (a fixed handful of queries)."""
    events = list(order_timeline(order))
    approvals = list(
        Approval.objects.filter(order=order)
        .select_related("requested_by", "decided_by")
        .order_by("requested_at", "id")
    )
    return OrderPage(
        row=order_rows([order], now)[0],
        timeline=[(e, presenters.event_details(e)) for e in events],
        approvals=approvals,
        claim=Claim.objects.filter(work_order=order).first(),
        complaints=list(
            Complaint.objects.filter(work_order=order)
            .select_related("sub_category")
            .order_by("received_at")
        ),
        callback=Callback.objects.filter(work_order=order).first(),
        pending_approval=next(
            (a for a in approvals if a.status == ApprovalStatus.PENDING), None
        ),
    )


def can_dispatch(user) -> bool:
    return bool(roles_of(user) & {Role.DISPATCHER, Role.SUPERVISOR})
