"""Read queries for work orders, the console, the API and tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from django.db import connection
from django.db.models import Q, QuerySet

from dispatch_center.caching import ProcessCache
from dispatch_center.roles import Role, roles_of

from . import rules
from .models import (
    CalendarOverride,
    ServicePolicy,
    StandardLimitRow,
    WorkOrder,
    WorkOrderEvent,
)
from .workcalendar import WorkingCalendar, official_year_known


@dataclass(frozen=True)
class PolicySnapshot:
    deadline: rules.DeadlinePolicy
    first_response_minutes: int
    sla: rules.SlaPolicy = field(default_factory=rules.SlaPolicy)
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    repeat_fault_days: int = 30
    urges_to_escalate: int = 2
    hold_non_urgent_notices: bool = True


_policies = ProcessCache("POLICY_CACHE_SECONDS")


def service_policy() -> PolicySnapshot:
    """The deadline policy, cached per process for ``POLICY_CACHE_SECONDS``.

    Intake is the hot path; the policy changes a few times a year. An edit in
    the admin is in force everywhere within the cache period.
    """
    return _policies.get(None, _policy_load)


def _policy_load() -> PolicySnapshot:
    row = ServicePolicy.objects.order_by("pk").first() or ServicePolicy()
    limits = tuple(r.as_rule() for r in StandardLimitRow.objects.all())
    calendar = working_calendar(row)
    return PolicySnapshot(
        deadline=rules.DeadlinePolicy(
            cutoff=row.same_day_cutoff,
            same_day_products=frozenset(row.same_day_products),
            same_day_segments=frozenset(row.same_day_segments),
            mandatory_area_types=frozenset(row.mandatory_area_types),
            repair_after_cutoff_hours=row.repair_after_cutoff_hours,
            late_install_counts_as_same_day=row.late_install_counts_as_same_day,
            standard_limits=limits,
            calendar=calendar,
        ),
        first_response_minutes=row.first_response_minutes,
        sla=rules.SlaPolicy(
            warn_percent_used=row.warn_percent_used,
            warn_minutes_before=row.warn_minutes_before,
            escalation_offsets=tuple(
                timedelta(minutes=m) for m in row.escalation_offsets_minutes
            ),
        ),
        calendar=calendar,
        repeat_fault_days=row.repeat_fault_days,
        urges_to_escalate=row.urges_to_escalate,
        hold_non_urgent_notices=row.hold_non_urgent_notices,
    )


def working_calendar(row: ServicePolicy) -> WorkingCalendar:
    """The working window of the policy with every local override (a few
    dozen rows a year; the snapshot caches them with the policy)."""
    overrides = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
    return WorkingCalendar(
        day_start=row.work_day_start,
        day_end=row.work_day_end,
        overrides=MappingProxyType(overrides),
    )


def calendar_gaps(today: date) -> list[tuple[int, int]]:
    """This and next year when the installed chinesecalendar lacks their
    official calendar, each with the number of local overrides entered."""
    gaps = []
    for year in (today.year, today.year + 1):
        if not official_year_known(year):
            count = CalendarOverride.objects.filter(date__year=year).count()
            gaps.append((year, count))
    return gaps


def policy_cache_clear() -> None:
    _policies.clear()


def orders_visible_to(user) -> QuerySet[WorkOrder]:
    """Orders the user may see: technicians their own, scoped users their district."""
    qs = WorkOrder.objects.select_related(
        "customer", "package_area", "technician", "group", "district"
    )
    roles = roles_of(user)
    if not roles:
        return qs.none()
    if roles == {Role.TECHNICIAN}:
        technician = getattr(user, "technician", None)
        return qs.filter(technician=technician) if technician else qs.none()
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.district_id is not None:
        qs = qs.filter(district_id=profile.district_id)
    return qs


def order_timeline(order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    return order.events.select_related("actor").order_by("at", "id")


# The lowest transaction id still running other than our own (PostgreSQL
# leaves the reader's own id out of the snapshot's list), or the next id to
# be handed out when none runs: every change stamped below it has committed
# or rolled back for good. One snapshot is read once, so both ends agree.
_PG_FEED_HORIZON = """
SELECT COALESCE(
    (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s.snap) AS x),
    pg_snapshot_xmax(s.snap)::text::bigint
) FROM (SELECT pg_current_snapshot() AS snap) AS s
"""


def change_feed_horizon() -> int | None:
    """The change_seq below which the feed is final, or None for no bound.

    PostgreSQL stamps a change with its transaction's id (migration
    workorders.0007), handed out when the transaction first writes, so a
    transaction that started earlier can commit later. A reader that went
    past such a change would never see it: the feed therefore stops below
    the oldest transaction still running, and catches up once it ends.
    SQLite serialises writers, so its numbers are already in commit order.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_PG_FEED_HORIZON)
        return cursor.fetchone()[0]


def change_feed(
    queryset: QuerySet[WorkOrder], *, after: tuple[int, int] | None
) -> QuerySet[WorkOrder]:
    """Orders of ``queryset`` changed after the position ``after``, oldest first.

    A position is ``(change_seq, id)`` of the last order read. Read from
    ``None`` and then from each page's last position, a client sees every
    committed change once, in order: never a gap, never the same change
    twice (an order changed again later comes again, with its new state).
    """
    horizon = change_feed_horizon()
    if horizon is not None:
        queryset = queryset.filter(change_seq__lt=horizon)
    if after is not None:
        seq, pk = after
        queryset = queryset.filter(Q(change_seq__gt=seq) | Q(change_seq=seq, id__gt=pk))
    return queryset.order_by("change_seq", "id")
