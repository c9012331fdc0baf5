"""Change markers of the desk's polled panels: what a poll reads to answer
``304`` without selecting or rendering the panel.

- ``change_marker``: the scope's orders (one index probe).
- ``queue_marker``: what the queue's page shows of its orders, kept per
  change marker: a new order landing outside the page changes nothing.
- ``side_marker``: the flagged pending orders, the approvals, the SLA events.
- ``counts_marker``: the navigation counts, but for the 24-hour window.
- ``technicians_marker``: the technicians of the page shown, their rota today
  and the orders that make their load (two statements bounded by the
  page's 20 technicians, whatever the number of orders or technicians).

A marker is a string; the views hash it into the ETag with who asks, the
language and the query string (``desk_rules.poll_etag``). The side, counts and
technicians markers run SQL built with the ORM once per process and shape
(``dispatch_center.prepared``): compiling it on every poll cost more CPU than
the poll's whole ``304``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Q, Subquery

from dispatch import selectors as dispatch_selectors
from dispatch.models import RotaEntry
from dispatch_center.caching import ProcessCache
from dispatch_center.prepared import Prepared, aggregate_of, scalars
from sla.models import Approval, ApprovalStatus, SlaEvent
from workorders.models import Status, WorkOrder
from workorders.selectors import orders_visible_to

from . import desk_rules
from .desk_selectors import (
    COUNT_CAP,
    PAGE_SIZE,
    QueueSlice,
    approvals_pending_in,
    queue_slice,
    stuck_pending_in,
    user_district_id,
)
from .desk_technicians import (
    TECH_STATES,
    TECHNICIANS_PER_PAGE,
    technician_scope,
    technicians_in,
)

_queue_markers = ProcessCache("POLICY_CACHE_SECONDS")
_policies = ProcessCache("POLICY_CACHE_SECONDS")
_prepared = Prepared()


def change_marker(user) -> str:
    """What changes whenever an order in the user's scope changes: the latest
    ``updated_at`` of the scope's orders, read from the end of an index
    (``wo_district_updated`` / ``wo_updated``), whatever the number of orders.

    Every write of an order sets ``updated_at`` (the services pass ``now``; a
    new order gets the time it is saved). A change stamped earlier than one
    already seen (a transaction that commits after a later one) or at the
    very same instant is not seen here; the next change in the scope shows it,
    and the queue's page marker, kept ``POLICY_CACHE_SECONDS`` at most, reads
    the page's own ``updated_at`` again after that.
    """
    found = orders_visible_to(user).aggregate(at=Max("updated_at"))["at"]
    return found.isoformat() if found else ""


def side_marker(user) -> str:
    """What changes whenever the side panels (approvals waiting, 无人可派
    orders, the SLA feed) may show something else: the scope's flagged
    pending orders (how many, their newest change: their own partial index,
    so a new order of the CRM's burst, unflagged, changes nothing), the
    newest approval and the number pending, the newest SLA event. The
    approvals and events are read city-wide (a change in another district
    refreshes the panel too, never the other way round). One statement,
    compiled once per process."""
    scope = _district_scope(user)

    def build(values) -> tuple[str, list]:
        stuck = stuck_pending_in(values.get("district"))
        return scalars(
            aggregate_of(stuck, Count("id")),
            aggregate_of(stuck, Max("updated_at")),
            aggregate_of(Approval.objects.all(), Max("id")),
            aggregate_of(
                Approval.objects.filter(status=ApprovalStatus.PENDING), Count("id")
            ),
            aggregate_of(SlaEvent.objects.all(), Max("id")),
        )

    (found,) = _prepared.rows(("side", *scope), build, scope)
    return "|".join(map(str, found))


def counts_marker(user) -> str:
    """What the navigation counts show, but for the events leaving their 24
    hours (the views add the window bucket): the 无人可派 and approvals counts
    themselves (small indexed sets) and the newest SLA event (one probe)
    instead of counting a day of events. One statement, compiled once per
    process."""
    scope = _district_scope(user)

    def build(values) -> tuple[str, list]:
        district_id = values.get("district")
        return scalars(
            aggregate_of(stuck_pending_in(district_id), Count("id")),
            aggregate_of(approvals_pending_in(district_id), Count("id")),
            aggregate_of(SlaEvent.objects.all(), Max("id")),
        )

    (found,) = _prepared.rows(("counts", *scope), build, scope)
    return "|".join(map(str, found))


def _district_scope(user) -> dict:
    district_id = user_district_id(user)
    return {} if district_id is None else {"district": district_id}


@dataclass
class QueueMarker:
    """``shown``: what the queue's page shows of its orders; ``slice`` and
    ``filters``: what was read for it (None when kept from an earlier poll)."""

    shown: str
    slice: QueueSlice | None = None
    filters: dict | None = None


def queue_marker(
    user,
    *,
    query: str,
    filters: Callable[[], dict],
    page,
    sort: str | None,
    search: bool,
    marker: str,
) -> QueueMarker:
    """What the queue's page shows of its orders.

    The capped count, the page, whether there is a next one, and the id and
    last change of each order on it: an order changing, arriving on or
    leaving the page changes it; a new order landing on a later page (the
    CRM's burst, mostly) does not. Kept per query string and change marker:
    while nothing in the scope changes, a poll reads the marker only and
    validates no filter (``filters`` is called on a miss). A search shows
    closed orders too and is not paged: its marker is the change marker.
    """
    if search:
        return QueueMarker(marker)
    read = QueueMarker("")

    def load() -> str:
        read.filters = filters()
        read.slice = found = queue_slice(
            user, read.filters, page=page, sort=sort, marker=marker
        )
        # kept as a digest: one small string a query and change, not 50 rows
        return desk_rules.poll_etag(
            found.total if found.total <= COUNT_CAP else "more",
            found.number,
            len(found.pairs) > PAGE_SIZE,
            found.pairs[:PAGE_SIZE],
        )

    key = ("queue-page", user_district_id(user), query, marker)
    read.shown = _queue_markers.get(key, load)
    return read


def technicians_marker(
    user, filters: dict, *, text: str, state: str, page, now: datetime
) -> str:
    """What the technicians panel shows, without its facts or its render:
    two statements bounded by the page's 20 technicians (compiled once per
    process and shape), whatever the numbers of technicians and orders.

    1. the technicians of the page (of every match under a state filter):
       what the rows show of them (name, code, group, status, capacity, the
       time of the last position), their rota entry today, and how many match
       (a count of the scope's technicians, an index-only count);
    2. their load, per technician: how many orders they hold, how many they
       completed today, the newest change among those (an order leaving a
       technician lowers a count; one arriving or changing moves the newest
       change);
    3. the day (the workload counts today's completions) and the standard
       work hours that turn orders into hours (kept per process like the
       other policies: an edit shows within ``POLICY_CACHE_SECONDS``).
    """
    today = dispatch_selectors.local_today(now)
    scope = technician_scope(user, filters, text=text)
    values = {**scope, "today": today}
    if state in TECH_STATES:
        rows = _prepared.rows(("technicians", *scope), _shown_technicians, values)
        total = len(rows)
    else:
        rows, total = _technicians_page(scope, values, page)
    load = _technicians_load([r[0] for r in rows], now)
    return repr((total, rows, load, today, _work_hours()))


def _shown_technicians(values):
    """What the rows show of the technicians of a scope, with their rota entry
    today and how many match (the same on every row)."""
    rota_today = RotaEntry.objects.filter(
        technician_id=OuterRef("pk"), date=values["today"]
    ).values("kind")[:1]
    matches = aggregate_of(technicians_in(values), Count("id"))
    return (
        technicians_in(values)
        .annotate(rota_today=Subquery(rota_today), matches=Subquery(matches))
        .values_list(
            "id",
            "name",
            "code",
            "group__name",
            "status",
            "max_open_orders",
            "last_position_at",
            "rota_today",
            "matches",
        )
    )


def _technicians_page(scope: dict, values: dict, page) -> tuple[list, int]:
    """The rows of the page and how many match, in one statement; past the
    last page, the last one as the panel shows it (the paginator's count and
    page)."""
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1  # as the paginator: not a number, the first page
    if number >= 1:
        offset = (number - 1) * TECHNICIANS_PER_PAGE
        rows = _prepared.rows(
            ("technicians-page", *scope, offset),
            lambda v: _shown_technicians(v)[offset : offset + TECHNICIANS_PER_PAGE],
            values,
        )
        if rows or number == 1:
            return rows, rows[0][-1] if rows else 0
    shown = _shown_technicians(values)
    current = Paginator(shown, TECHNICIANS_PER_PAGE).get_page(page)
    return list(current.object_list), current.paginator.count


def _technicians_load(ids: list[int], now: datetime) -> list[tuple]:
    """Per technician of ``ids``: orders held, orders completed today, the
    newest change among those. A page's ids go through one compiled statement
    (the list padded to a page with its last id: the same SQL for any page);
    a state filter's every match, through the ORM."""
    if not ids:
        return []
    midnight = dispatch_selectors.local_midnight(now)

    def build(values):
        held = Q(status__in=dispatch_selectors.OCCUPYING)
        done = Q(
            completed_at__gte=values["midnight"],
            status__in=[Status.COMPLETED, Status.CLOSED],
        )
        wanted = [v for k, v in values.items() if k != "midnight"]
        return (
            WorkOrder.objects.filter(technician_id__in=wanted)
            .filter(held | done)
            .order_by()
            .values("technician_id")
            .annotate(
                held=Count("id", filter=held),
                done=Count("id", filter=done),
                at=Max("updated_at"),
            )
            .values_list("technician_id", "held", "done", "at")
        )

    if len(ids) > TECHNICIANS_PER_PAGE:
        return sorted(build({"midnight": midnight, **dict(enumerate(ids))}))
    padded = ids + ids[-1:] * (TECHNICIANS_PER_PAGE - len(ids))
    values = {f"t{n}": pk for n, pk in enumerate(padded)}
    values["midnight"] = midnight
    return sorted(_prepared.rows("technicians-load", build, values))


def _work_hours() -> tuple:
    def load() -> tuple:
        return (
            tuple(sorted(dispatch_selectors.work_hours_table().items())),
            dispatch_selectors.dispatch_policy().default_work_hours,
        )

    return _policies.get("work-hours", load)
