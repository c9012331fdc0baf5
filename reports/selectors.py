"""Read side of the quality reports: period reports, trends, names, scope.

A report reads the daily rollups for the days before today that have been
rolled up (``RollupDay``), and computes from the raw rows only

- today (its figures stay live), and
- days before today not rolled up yet (e.g. yesterday between midnight and
  the nightly job), at most ``ReportPolicy.live_gap_days`` of them; older
  gaps are listed as ``missing_days`` and count as empty until
  ``manage.py reports_backfill`` fills them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from dispatch_center.caching import ProcessCache
from dispatch_center.roles import Role, roles_of
from org.models import District, RegionGroup, Technician, Vendor

from . import raw, rules
from .models import (
    DailyRollup,
    Level,
    MetricTarget,
    QualityWarning,
    ReportPolicy,
    RollupDay,
    RollupMonth,
    StoredReport,
)
from .rules.periods import Period

#: The rollup grain that answers each grouping, and its key column.
LEVEL_OF = {
    rules.DISTRICT: Level.DISTRICT,
    rules.GROUP: Level.GROUP,
    rules.VENDOR: Level.GROUP,
    rules.TECHNICIAN: Level.TECHNICIAN,
}
#: The month grain for a complete, rolled-up month (see ``Level``).
MONTH_LEVEL_OF = {
    rules.GROUP: Level.GROUP_MONTH,
    rules.VENDOR: Level.GROUP_MONTH,
    rules.TECHNICIAN: Level.TECHNICIAN_MONTH,
}
KEY_FIELD = {
    rules.DISTRICT: "district_id",
    rules.GROUP: "group_id",
    rules.VENDOR: "vendor_id",
    rules.TECHNICIAN: "technician_id",
}
SUMS = {name: Sum(name) for name in rules.COUNTERS}

READER_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.DISPATCHER)


def report_policy() -> ReportPolicy:
    return raw.report_policy()


def local_today(now: datetime | None = None) -> date:
    return rules.local_day(now or timezone.now())


def scope_district_id(user) -> int | None:
    """The district a user is limited to (``org.StaffProfile``), or None."""
    profile = getattr(user, "staff_profile", None)
    return profile.district_id if profile is not None else None


def can_read(user) -> bool:
    return bool(roles_of(user) & set(READER_ROLES))


# --- counters of a period --------------------------------------------------------------


@dataclass
class Counted:
    """Counters per key (an org id or a sentinel) of one grouping, and where
    they came from."""

    by_key: dict[int, dict]
    live_days: list[date] = field(default_factory=list)
    missing_days: list[date] = field(default_factory=list)


def plan_days(
    first: date, last: date, *, today: date, policy: ReportPolicy
) -> tuple[tuple[date, date] | None, list[date], list[date]]:
    """Split ``first..last`` into (rolled-up range to read, live days, missing days)."""
    yesterday = today - timedelta(days=1)
    rolled_last = min(last, yesterday)
    rollup_range = (first, rolled_last) if first <= rolled_last else None
    live: list[date] = []
    missing: list[date] = []
    if rollup_range:
        have = set(
            RollupDay.objects.filter(day__gte=first, day__lte=rolled_last).values_list(
                "day", flat=True
            )
        )
        gaps = [
            first + timedelta(days=i)
            for i in range((rolled_last - first).days + 1)
            if first + timedelta(days=i) not in have
        ]
        # the most recent gaps are the ones the nightly job has not reached
        live = gaps[max(0, len(gaps) - policy.live_gap_days) :]
        missing = gaps[: len(gaps) - len(live)]
    if first <= today <= last:
        live.append(today)
    return rollup_range, live, missing


def period_counters(
    period: Period,
    by: str,
    *,
    district_id: int | None = None,
    today: date | None = None,
    policy: ReportPolicy | None = None,
) -> Counted:
    """Counters of ``period`` per key of ``by``, limited to ``district_id``."""
    today = today or local_today()
    policy = policy or report_policy()
    rollup_range, live_days, missing = plan_days(
        period.start, period.end, today=today, policy=policy
    )
    key_field = KEY_FIELD[by]
    by_key: dict[int, dict] = defaultdict(rules.empty_counters)
    if rollup_range:
        level, first, last = rollup_grain(
            period, by, rollup_range, whole=not (live_days or missing)
        )
        qs = DailyRollup.objects.filter(level=level, day__gte=first, day__lte=last)
        if district_id is not None:
            qs = qs.filter(district_id=district_id)
        for row in _sum_rows(qs, key_field):
            by_key[row.pop(key_field)] = rules.counters_from_row(row)
    for day in live_days:
        for dims, counters in raw.day_counters(day, policy=policy).items():
            if district_id is None or dims.district == district_id:
                rules.add_counters(by_key[dims.of(by)], counters)
    return Counted(dict(by_key), live_days, missing)


def rollup_grain(
    period: Period, by: str, rollup_range: tuple[date, date], *, whole: bool
) -> tuple[int, date, date]:
    """The rollup rows that answer ``rollup_range`` of ``period`` by ``by``:
    (level, first day, last day). A complete month whose days are all rolled
    up (``whole``: no live or missing day) is read at the month grain."""
    if (
        whole
        and period.kind == rules.MONTH
        and by in MONTH_LEVEL_OF
        and rollup_range == (period.start, period.end)
        and RollupMonth.objects.filter(month=period.start).exists()
    ):
        return MONTH_LEVEL_OF[by], period.start, period.start
    return LEVEL_OF[by], rollup_range[0], rollup_range[1]


def _sum_rows(qs, key_field: str):
    """``SUM`` of every counter per ``key_field``, as dicts.

    Run on the bare cursor: the ORM's per-value converters cost more than the
    query itself for the ~5,000 rows of a monthly report by technician. The
    values are ints and Decimals (PostgreSQL) or numbers (SQLite), which
    ``rules.counters_from_row`` turns into counters.
    """
    sql, params = (
        qs.values(key_field).annotate(**SUMS).order_by().query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def daily_totals(
    first: date,
    last: date,
    *,
    district_id: int | None = None,
    today: date | None = None,
    policy: ReportPolicy | None = None,
) -> Counted:
    """Counters per day (``by_key`` is keyed by ``date.toordinal()``), for trends."""
    today = today or local_today()
    policy = policy or report_policy()
    rollup_range, live_days, missing = plan_days(
        first, last, today=today, policy=policy
    )
    by_day: dict[int, dict] = defaultdict(rules.empty_counters)
    if rollup_range:
        qs = DailyRollup.objects.filter(
            level=Level.DISTRICT, day__gte=rollup_range[0], day__lte=rollup_range[1]
        )
        if district_id is not None:
            qs = qs.filter(district_id=district_id)
        for row in qs.values("day").annotate(**SUMS).order_by():
            rules.add_counters(by_day[row["day"].toordinal()], row)
    for day in live_days:
        for dims, counters in raw.day_counters(day, policy=policy).items():
            if district_id is None or dims.district == district_id:
                rules.add_counters(by_day[day.toordinal()], counters)
    return Counted(dict(by_day), live_days, missing)


# --- names -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyName:
    ident: int
    key: str
    name: str


def key_names(by: str, idents) -> dict[int, KeyName]:
    """API key (org code or sentinel) and display name of each ident."""
    idents = set(idents)
    model = {
        rules.DISTRICT: District,
        rules.GROUP: RegionGroup,
        rules.TECHNICIAN: Technician,
        rules.VENDOR: Vendor,
    }[by]
    wanted = [i for i in idents if i > 0]
    rows = model.objects.values_list("pk", "code", "name")
    if len(wanted) < 200:
        rows = rows.filter(pk__in=wanted)
    # else: the whole table (at most a few thousand technicians) costs less
    # than an IN list of thousands of ids
    found = {pk: (code, name) for pk, code, name in rows if pk in idents}
    names = {}
    for ident in idents:
        if ident in found:
            code, name = found[ident]
            names[ident] = KeyName(ident, code, name)
        elif ident == rules.OWN_STAFF and by == rules.VENDOR:
            names[ident] = KeyName(ident, rules.KEY_OWN_STAFF, rules.OWN_STAFF_NAME)
        elif ident == rules.NONE:
            names[ident] = KeyName(ident, rules.KEY_NONE, rules.NONE_NAMES[by])
        else:  # deleted from the organisation since
            names[ident] = KeyName(ident, f"#{ident}", f"(已删除 #{ident})")
    return names


def ident_of(by: str, key: str) -> int | None:
    """The ident of an API key of ``by``; None when unknown."""
    if key == rules.KEY_NONE:
        return rules.NONE
    if by == rules.VENDOR and key == rules.KEY_OWN_STAFF:
        return rules.OWN_STAFF
    model = {
        rules.DISTRICT: District,
        rules.GROUP: RegionGroup,
        rules.TECHNICIAN: Technician,
        rules.VENDOR: Vendor,
    }[by]
    return model.objects.filter(code=key).values_list("pk", flat=True).first()


# --- the report --------------------------------------------------------------------------


@dataclass
class Row:
    ident: int
    key: str
    name: str
    counters: dict
    period_kind: str

    @cached_property
    def metrics(self) -> dict:
        # computed when read: a page of the API reads 50 of ~5,000 rows
        return rules.metrics_of(self.counters, period_kind=self.period_kind)


@dataclass
class Section:
    """One period's rows and totals."""

    period: Period
    rows: list[Row]
    totals_counters: dict
    totals: dict
    live_days: list[date]
    missing_days: list[date]


@dataclass
class Report:
    by: str
    district_id: int | None
    current: Section
    previous: Section

    @property
    def period(self) -> Period:
        return self.current.period


def _sort_key(row: Row):
    # real organisation units by code; the "none" and "own staff" rows last
    return (row.ident <= 0, row.key)


def section(
    period: Period,
    by: str,
    *,
    district_id: int | None = None,
    today: date | None = None,
    policy: ReportPolicy | None = None,
    names: dict[int, KeyName] | None = None,
    counted: Counted | None = None,
) -> Section:
    if counted is None:
        counted = period_counters(
            period, by, district_id=district_id, today=today, policy=policy
        )
    if period.kind == rules.DAY:
        # a day says nothing about weekly rest: leave the Monday rota out, so
        # a Monday's report lists the same keys as any other day's
        for counters in counted.by_key.values():
            counters.update(dict.fromkeys(raw.ROTA_COUNTERS, 0))
    if names is None:
        names = key_names(by, counted.by_key)
    rows = [
        Row(
            ident=ident,
            key=names[ident].key,
            name=names[ident].name,
            counters=counters,
            period_kind=period.kind,
        )
        for ident, counters in counted.by_key.items()
        if not rules.is_empty(counters)
    ]
    rows.sort(key=_sort_key)
    totals = rules.sum_counters([r.counters for r in rows])
    return Section(
        period=period,
        rows=rows,
        totals_counters=totals,
        totals=rules.metrics_of(totals, period_kind=period.kind),
        live_days=counted.live_days,
        missing_days=counted.missing_days,
    )


_closed_reports = ProcessCache("REPORT_CACHE_SECONDS", max_entries=64)


def rollup_stamp(first: date, last: date) -> tuple:
    """What a closed report's figures depend on: the rollups of its days.

    One statement: how many days are rolled up and the newest day and month
    marker. A day rolled up again gets a new marker row (delete + insert in
    ``services.rollup_day``), hence a new largest id, even within one second.
    """
    day_table = connection.ops.quote_name(RollupDay._meta.db_table)
    month_table = connection.ops.quote_name(RollupMonth._meta.db_table)
    sql = (
        f"SELECT COUNT(*), MAX(id), (SELECT MAX(id) FROM {month_table} "
        f"WHERE month >= %s AND month <= %s) FROM {day_table} "
        "WHERE day >= %s AND day <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last, first, last])
        return tuple(cursor.fetchone())


def closed_stamp(period: Period, today: date) -> tuple | None:
    """The ``rollup_stamp`` of ``period`` and the one before when both ended
    before ``today`` and every day is rolled up (their figures are final until
    a day is rolled up again); None otherwise."""
    if period.end >= today:
        return None
    previous = rules.previous_period(period)
    stamp = rollup_stamp(previous.start, period.end)
    if stamp[0] != (period.end - previous.start).days + 1:
        return None  # a day not rolled up: figures may still come in
    return stamp


def quality_report(
    period: Period,
    by: str,
    *,
    district_id: int | None = None,
    today: date | None = None,
    policy: ReportPolicy | None = None,
) -> Report:
    """The report of ``period`` by ``by`` with the previous period alongside.

    A closed period (it and the one before ended before today, every day
    rolled up) is computed once per process and kept for
    ``REPORT_CACHE_SECONDS``; the key holds the rollups' count and newest
    markers, so a day rolled up again (the nightly recompute, a backfill) is
    a new key.
    """
    today = today or local_today()
    policy = policy or report_policy()
    stamp = closed_stamp(period, today)
    if stamp is None:
        return _quality_report(
            period, by, district_id=district_id, today=today, policy=policy
        )
    key = (period.kind, period.start, by, district_id, policy.pk, stamp)
    return _closed_reports.get(
        key,
        lambda: _quality_report(
            period, by, district_id=district_id, today=today, policy=policy
        ),
    )


def _quality_report(
    period: Period,
    by: str,
    *,
    district_id: int | None,
    today: date,
    policy: ReportPolicy,
) -> Report:
    kwargs = {"district_id": district_id, "today": today, "policy": policy}
    previous = rules.previous_period(period)
    counted = period_counters(period, by, **kwargs)
    counted_before = period_counters(previous, by, **kwargs)
    names = key_names(by, set(counted.by_key) | set(counted_before.by_key))
    return Report(
        by=by,
        district_id=district_id,
        current=section(period, by, names=names, counted=counted, **kwargs),
        previous=section(previous, by, names=names, counted=counted_before, **kwargs),
    )


def _rows_payload(rows: list[Row]) -> list[dict]:
    return [{"key": r.key, "name": r.name, "metrics": r.metrics} for r in rows]


def report_payload(
    report: Report, *, page: int = 1, page_size: int | None = None
) -> dict:
    """The API's JSON (API.md: period, start, end, by, rows, totals; plus previous).

    ``page_size`` rows of this period per page, in key order, and the previous
    period's rows of the same keys; the totals are always the whole period's.
    """
    current, previous = report.current, report.previous
    rows = current.rows
    count = len(rows)
    page_size = page_size or max(count, 1)
    pages = max(1, -(-count // page_size))
    rows = rows[(page - 1) * page_size : page * page_size]
    if len(rows) == count:
        previous_rows = previous.rows
    else:
        keys = {r.ident for r in rows}
        previous_rows = [r for r in previous.rows if r.ident in keys]
    return {
        "period": current.period.kind,
        "start": current.period.start.isoformat(),
        "end": current.period.end.isoformat(),
        "by": report.by,
        "count": count,
        "page": page,
        "pages": pages,
        "rows": _rows_payload(rows),
        "totals": current.totals,
        "previous": {
            "start": previous.period.start.isoformat(),
            "end": previous.period.end.isoformat(),
            "rows": _rows_payload(previous_rows),
            "totals": previous.totals,
        },
        "live_days": [d.isoformat() for d in current.live_days],
        "missing_days": [d.isoformat() for d in current.missing_days],
    }


# --- trends ---------------------------------------------------------------------------


@dataclass
class TrendPoint:
    period: Period
    counters: dict
    metrics: dict


def trend(
    period: Period,
    count: int = 12,
    *,
    district_id: int | None = None,
    today: date | None = None,
    policy: ReportPolicy | None = None,
) -> list[TrendPoint]:
    """The ``count`` periods ending with ``period`` (e.g. 12 months), totals only."""
    periods = rules.last_periods(period, count)
    counted = daily_totals(
        periods[0].start,
        periods[-1].end,
        district_id=district_id,
        today=today,
        policy=policy,
    )
    points = []
    for p in periods:
        counters = rules.empty_counters()
        for ordinal in range(p.start.toordinal(), p.end.toordinal() + 1):
            if ordinal in counted.by_key:
                rules.add_counters(counters, counted.by_key[ordinal])
        points.append(
            TrendPoint(p, counters, rules.metrics_of(counters, period_kind=p.kind))
        )
    return points


# --- targets, warnings, stored reports ------------------------------------------------


def targets() -> dict[str, MetricTarget]:
    return {t.metric: t for t in MetricTarget.objects.filter(active=True)}


def warnings_visible_to(user):
    qs = QualityWarning.objects.select_related("district")
    district_id = scope_district_id(user)
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    return qs.order_by("-published_at", "-id")


def stored_reports_visible_to(user):
    """Scheduled reports of the user's scope: a district-scoped user gets that
    district's reports, everyone else all of them (city-wide and per district)."""
    qs = StoredReport.objects.select_related("district").defer("xlsx")
    district_id = scope_district_id(user)
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    return qs.order_by("-start", "period", "district__code")
