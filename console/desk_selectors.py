"""Reads of the dispatcher desk that must stay cheap at millions of orders.

- The queue selects a page of ids from an index (``wo_queue_open``, or
  ``wo_district_queue_open`` for a district) before joining anything.
- A poll first reads its panel's change marker (``desk_markers``); an
  unchanged panel answers ``304`` from it, and the queue's count is kept per
  marker.
- Search matches parts of phones, names, addresses and order numbers through
  trigram indexes on PostgreSQL (whole values only below three characters).

Every function starts from ``orders_visible_to`` or the user's district, so a
scoped dispatcher sees only their district in every panel, search and count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from dispatch_center.caching import ProcessCache
from dispatch_center.prepared import Prepared
from network_faults.selectors import faults_on_map
from org.models import Technician
from sla.models import Approval, ApprovalStatus, SlaEvent, SlaEventKind
from sla.selectors import approvals_visible_to
from workorders import rules as wo_rules
from workorders.models import Customer, WorkOrder
from workorders.selectors import orders_visible_to, service_policy

from . import desk_rules, rules
from .selectors import (
    OPEN,
    OrderRow,
    _filtered,
    order_rows,
    user_district_id,
)

PAGE_SIZE = 50
#: Customers a partial search looks at; more means the text is too vague.
SEARCH_CUSTOMERS = 500
SEARCH_LIMIT = 50
#: Open orders drawn on the map at most (the most urgent first).
MAP_LIMIT = 5000
FEED_HOURS = 24

_counts = ProcessCache("POLICY_CACHE_SECONDS")
_prepared = Prepared()


# --- the queue -------------------------------------------------------------------------


#: The queue counts its orders up to this many (20 pages); past it the desk
#: says "more than 1,000" and pages on without a total: a poll never counts
#: every open order.
COUNT_CAP = 1000


@dataclass
class QueuePageInfo:
    """A page of the queue; ``num_pages`` is None past ``COUNT_CAP`` orders."""

    number: int
    has_next: bool
    num_pages: int | None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


@dataclass
class QueuePage:
    rows: list[OrderRow]
    page: QueuePageInfo
    total: int
    sort: str
    search: str = ""
    search_partial: bool = True
    search_truncated: bool = False

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def count_cap(self) -> int:
        return COUNT_CAP


def _fetch_rows(user, ids: list[int], now: datetime) -> list[OrderRow]:
    """The orders of ``ids`` with their joins, in the order of ``ids``."""
    found = {o.pk: o for o in orders_visible_to(user).filter(pk__in=ids)}
    return order_rows([found[i] for i in ids if i in found], now)


#: The queue's filters that are values (ids, choices); ``vip`` and
#: ``same_day`` only switch a condition on.
_QUEUE_VALUES = ("district", "area", "group", "kind", "status", "flag")
_QUEUE_IDS = ("scope", "district", "area", "group")


@dataclass(frozen=True)
class QueueScope:
    """The queue's open orders for a desk user and the desk's valid filters,
    as values (the user's district, ``scope``, as ``orders_visible_to``
    scopes a desk user; the filters' ids and choices) and switches."""

    values: dict
    switches: tuple[str, ...]

    @classmethod
    def of(cls, user, filters: dict) -> QueueScope:
        values = {k: filters[k] for k in _QUEUE_VALUES if filters.get(k)}
        if user_district_id(user) is not None:
            values["scope"] = user_district_id(user)
        values = {k: int(v) if k in _QUEUE_IDS else v for k, v in values.items()}
        return cls(values, tuple(k for k in ("vip", "same_day") if filters.get(k)))

    @property
    def shape(self) -> tuple:
        return (*sorted(self.values), *self.switches)

    def orders(self, values: dict):
        """The open orders of ``values`` (this scope's, or their stand-ins)."""
        qs = WorkOrder.objects.filter(status__in=OPEN)
        if "scope" in values:
            qs = qs.filter(district_id=values["scope"])
        return _filtered(qs, {**values, **dict.fromkeys(self.switches, True)})


def _queue_total(user, filters: dict, scope: QueueScope, marker: str | None) -> int:
    """The number of orders up to ``COUNT_CAP + 1`` (a LIMITed count), kept
    per change marker: one count per change in the scope, not per poll."""

    def build(v) -> tuple[str, list]:
        capped = scope.orders(v).order_by().values("id")[: COUNT_CAP + 1]
        sql, params = capped.query.sql_with_params()
        return f"SELECT COUNT(*) FROM ({sql}) capped", list(params)

    def count() -> int:
        return _prepared.rows(("queue-count", *scope.shape), build, scope.values)[0][0]

    if marker is None:
        return count()
    key = ("queue-count", user_district_id(user), tuple(sorted(filters.items())))
    return _counts.get((*key, marker), count)


def _page_number(value, total: int) -> int:
    try:
        number = max(1, int(value))
    except (TypeError, ValueError):
        number = 1
    if total <= COUNT_CAP:
        number = min(number, max(1, -(-total // PAGE_SIZE)))
    return number


@dataclass(frozen=True)
class QueueSlice:
    """One page of the queue before any join: the capped count, the page
    number, and the ``(id, updated_at)`` of its orders in order (one more
    than a page: is there a next page?). ``updated_at`` as the database
    driver gives it (a string on SQLite): the page marker compares it."""

    total: int
    number: int
    pairs: tuple[tuple[int, datetime | str], ...]


def queue_slice(
    user, filters: dict, *, page: int | str, sort: str | None, marker=None
) -> QueueSlice:
    """The count, capped and kept per change marker, and the ids of the page
    (with their last change) from the queue index in the chosen order (SPEC
    §4 queue order by default), without joins. Not for a search. Both
    statements are compiled once per process and shape (which filters, which
    sort, which page): a poll during the CRM's burst, its change marker new
    each time, runs them without building them."""
    sort_key, ordering = desk_rules.queue_sort(sort)
    scope = QueueScope.of(user, filters)
    total = _queue_total(user, filters, scope, marker)
    number = _page_number(page, total)
    offset = (number - 1) * PAGE_SIZE
    pairs = _prepared.rows(
        ("queue-page", *scope.shape, sort_key, offset),
        lambda v: (
            scope.orders(v)
            .order_by(*ordering)
            .values_list("id", "updated_at")[offset : offset + PAGE_SIZE + 1]
        ),
        scope.values,
    )
    return QueueSlice(total, number, tuple(pairs))


def queue_page(
    user,
    filters: dict,
    *,
    page: int | str,
    sort: str | None,
    now: datetime,
    marker: str | None = None,
    known: QueueSlice | None = None,
) -> QueuePage:
    """One page of open orders; search mode when ``filters["q"]`` is set.

    1. the page's slice (``queue_slice``; ``known`` when the poll already
       read it for its ETag);
    2. the joined rows of those ids only.
    """
    filters = dict(filters)
    text, partial = desk_rules.search_term(filters.pop("q", ""))
    sort_key, ordering = desk_rules.queue_sort(sort)
    if text:
        return _search_page(user, filters, text, partial, sort_key, ordering, now)
    found = known or queue_slice(user, filters, page=page, sort=sort, marker=marker)
    ids = [pk for pk, _at in found.pairs]
    info = QueuePageInfo(
        number=found.number,
        has_next=len(ids) > PAGE_SIZE,
        num_pages=None
        if found.total > COUNT_CAP
        else max(1, -(-found.total // PAGE_SIZE)),
    )
    rows = _fetch_rows(user, ids[:PAGE_SIZE], now)
    return QueuePage(rows, info, found.total, sort_key)


def search_ids(qs, text: str, partial: bool) -> tuple[list[int], bool]:
    """Ids of the newest orders of ``qs`` matching ``text`` (at most 50), and
    whether the customers matched were too many to look at all of them.

    Two index-backed selections merged, never one OR across a join (which
    the planner can only answer by scanning): the orders matching by number,
    CRM id or address, and the orders of the customers matching by phone or
    name (up to ``SEARCH_CUSTOMERS``).
    """
    if partial:
        customers = Customer.objects.filter(
            Q(phone__contains=text) | Q(name__contains=text)
        )
        direct = (
            Q(number__contains=text.upper())
            | Q(address__contains=text)
            | Q(crm_order_id=text)
        )
    else:
        customers = Customer.objects.filter(Q(phone=text) | Q(name=text))
        direct = Q(number=text.upper()) | Q(crm_order_id=text)
    customer_ids = list(customers.values_list("id", flat=True)[: SEARCH_CUSTOMERS + 1])
    truncated = len(customer_ids) > SEARCH_CUSTOMERS
    newest = ("-accepted_at", "-id")
    found = list(
        qs.filter(direct)
        .order_by(*newest)
        .values_list("id", "accepted_at")[:SEARCH_LIMIT]
    )
    if customer_ids:
        found += list(
            qs.filter(customer_id__in=customer_ids[:SEARCH_CUSTOMERS])
            .order_by(*newest)
            .values_list("id", "accepted_at")[:SEARCH_LIMIT]
        )
    unique = dict(found)
    ranked = sorted(unique.items(), key=lambda p: (p[1], p[0]), reverse=True)
    return [pk for pk, _at in ranked[:SEARCH_LIMIT]], truncated


def _search_page(user, filters, text, partial, sort_key, ordering, now) -> QueuePage:
    """The newest 50 orders in scope (any status unless filtered) matching
    ``text``, in the chosen order (queue order by default)."""
    qs = _filtered(orders_visible_to(user), filters)
    ids, truncated = search_ids(qs, text, partial)
    if ids and sort_key:
        ids = list(
            WorkOrder.objects.filter(pk__in=ids)
            .order_by(*ordering)
            .values_list("id", flat=True)
        )
    rows = _fetch_rows(user, ids, now)
    if not sort_key:
        rows.sort(
            key=lambda r: (
                r.order.status not in wo_rules.OPEN_STATES,
                *(getattr(r.order, f) for f in desk_rules.QUEUE_ORDER),
            )
        )
    info = QueuePageInfo(number=1, has_next=False, num_pages=1)
    return QueuePage(rows, info, len(rows), sort_key, text, partial, truncated)


# --- live counts for the navigation ---------------------------------------------------


@dataclass(frozen=True)
class DeskCounts:
    stuck: int
    escalations: int
    warnings: int
    approvals: int

    def as_dict(self) -> dict:
        return {
            "stuck": self.stuck,
            "escalations": self.escalations,
            "warnings": self.warnings,
            "approvals": self.approvals,
        }


def desk_counts(user, *, now: datetime) -> DeskCounts:
    """无人可派 / 申请改派 orders, escalations and warnings of the last 24 hours,
    approvals waiting: four counts over small indexed sets (the flagged
    pending orders, a day of SLA events, the pending approvals)."""
    district_id = user_district_id(user)
    events = SlaEvent.objects.filter(at__gte=now - timedelta(hours=FEED_HOURS))
    if district_id is not None:
        events = events.filter(order__district_id=district_id)
    return DeskCounts(
        stuck=stuck_pending(user).count(),
        escalations=events.filter(kind=SlaEventKind.ESCALATION).count(),
        warnings=events.filter(
            kind__in=[SlaEventKind.WARNING, SlaEventKind.FIRST_RESPONSE]
        ).count(),
        approvals=approvals_pending(user).count(),
    )


def stuck_pending(user):
    """The scope's pending orders flagged 无人可派 / 申请改派 (their own
    partial index, ``wo_flagged_pending``)."""
    return stuck_pending_in(user_district_id(user))


def stuck_pending_in(district_id: int | None):
    """``stuck_pending`` of a district (None: city-wide)."""
    stuck = WorkOrder.objects.filter(status=wo_rules.PENDING).exclude(dispatch_flag="")
    if district_id is not None:
        stuck = stuck.filter(district_id=district_id)
    return stuck


def approvals_pending(user):
    return approvals_visible_to(user).filter(status=ApprovalStatus.PENDING)


def approvals_pending_in(district_id: int | None):
    """``approvals_pending`` of a desk user of a district (None: city-wide),
    scoped as ``approvals_visible_to`` scopes staff: by the order's district."""
    pending = Approval.objects.filter(status=ApprovalStatus.PENDING)
    if district_id is not None:
        pending = pending.filter(order__district_id=district_id)
    return pending


# --- the map ------------------------------------------------------------------------------


def map_points(user, filters: dict, *, now: datetime) -> dict:
    """Open orders (most urgent first, up to ``MAP_LIMIT``) with their SLA
    tone, on their own coordinates or else their package area's, the
    technicians' last reported positions, and the suspected and confirmed
    network faults at their package areas, all within the user's scope."""
    filters = {k: v for k, v in filters.items() if k != "q"}
    qs = _filtered(orders_visible_to(user).filter(status__in=OPEN), filters)
    policy = service_policy().sla
    orders = []
    for row in qs.order_by(*desk_rules.QUEUE_ORDER).values_list(
        "id",
        "number",
        "status",
        "accepted_at",
        "sla_deadline",
        "lat",
        "lng",
        "package_area__lat",
        "package_area__lng",
    )[:MAP_LIMIT]:
        pk, number, status, accepted, deadline, lat, lng, plat, plng = row
        lat, lng = (lat, lng) if lat is not None and lng is not None else (plat, plng)
        if lat is None or lng is None:
            continue
        tone = rules.sla_tone(
            now=now,
            accepted_at=accepted,
            sla_deadline=deadline,
            warn_percent_used=policy.warn_percent_used,
            warn_minutes_before=policy.warn_minutes_before,
            suspended=status == wo_rules.SUSPENDED,
        )
        orders.append(
            {"id": pk, "number": number, "lat": lat, "lng": lng, "tone": tone}
        )
    techs = Technician.objects.filter(last_lat__isnull=False, last_lng__isnull=False)
    district_id = user_district_id(user) or filters.get("district")
    if district_id:
        techs = techs.filter(group__area__district_id=district_id)
    if filters.get("area"):
        techs = techs.filter(group__area_id=filters["area"])
    if filters.get("group"):
        techs = techs.filter(group_id=filters["group"])
    technicians = [
        {
            "code": code,
            "name": name,
            "lat": lat,
            "lng": lng,
            "at": wo_rules.local(at).strftime("%m-%d %H:%M") if at else "",
        }
        for code, name, lat, lng, at in techs.order_by("code").values_list(
            "code", "name", "last_lat", "last_lng", "last_position_at"
        )
    ]
    faults = faults_on_map(
        user,
        district_id=filters.get("district"),
        area_id=filters.get("area"),
        group_id=filters.get("group"),
    )
    return {"orders": orders, "technicians": technicians, "faults": faults}
