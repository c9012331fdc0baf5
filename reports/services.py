"""The writes of the quality reports: rollups, stored reports, published warnings."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone

from dispatch_center.roles import Role
from notifications.models import Channel
from notifications.services import Message, notifications_enqueue, render
from org.models import District
from workorders.models import WorkOrder

from . import exports, raw, rules, selectors
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
from .rules.dims import Dims
from .rules.periods import Period

log = logging.getLogger("reports")

#: The nightly job fills at most this many days never rolled up per run
#: (a first run on years of history continues the next night; use
#: ``manage.py reports_backfill`` to do it at once).
CATCH_UP_DAYS = 400

WARNING_TEXT = (
    "【质量预警】{period}{scope}{metric}为{value}，{direction}目标{target}"
    "（样本{sample}）。请分析原因并提出改善措施。"
)
READY_TEXT = (
    "【质量{kind}】{scope}{period}质量分析已生成：受理{received}单，竣工{completed}单，"
    "障碍修复及时率{repair_on_time}，投诉{complaints}件，慢必赔{compensation}元。"
    "请到“定时报表”下载。"
)


# --- rollups --------------------------------------------------------------------------


@dataclass
class RollupResult:
    day: date
    rows: int
    seconds: float


def _coarser(fine: dict[Dims, dict]) -> dict[tuple[int, Dims], dict]:
    """The technician-grain counters summed up to the group and district grains."""
    rows: dict[tuple[int, Dims], dict] = {}
    for dims, counters in fine.items():
        for level, key in (
            (Level.TECHNICIAN, dims),
            (Level.GROUP, Dims(dims.district, dims.group, rules.NONE, dims.vendor)),
            (Level.DISTRICT, Dims(dims.district)),
        ):
            total = rows.setdefault((level, key), rules.empty_counters())
            rules.add_counters(total, counters)
    return rows


def rollup_day(
    day: date, *, now: datetime | None = None, policy: ReportPolicy | None = None
) -> RollupResult:
    """Recompute the rollup of one local calendar day (idempotent).

    1. Refuse today and later: today's figures stay live.
    2. Compute the day's counters from the raw rows at the technician grain
       (``raw.day_counters``) and sum them up to the group and district grains.
    3. In one transaction delete the day's rows and marker and insert the new
       ones: a day is always complete or absent, and running it twice gives
       the same rows.
    """
    now = now or timezone.now()
    if day >= rules.local_day(now):
        raise ValueError(f"{day} is not over yet: today's figures stay live")
    started = time.perf_counter()
    policy = policy or raw.report_policy()
    fine = raw.day_counters(day, policy=policy)
    rows = sorted(_coarser(fine).items())
    with transaction.atomic():
        DailyRollup.objects.filter(day=day).delete()
        RollupDay.objects.filter(day=day).delete()
        # the month's grains no longer add up: ``rollup_month`` rebuilds them
        RollupMonth.objects.filter(month=day.replace(day=1)).delete()
        _insert_rows(day, rows)
        seconds = time.perf_counter() - started
        RollupDay.objects.create(
            day=day, computed_at=now, rows=len(rows), seconds=seconds
        )
    return RollupResult(day, len(rows), seconds)


_DIMS = ("level", "day", "district_id", "group_id", "technician_id", "vendor_id")


def _table() -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in (*_DIMS, *rules.COUNTERS))
    return quote(DailyRollup._meta.db_table), columns


def _insert_rows(day: date, rows: list[tuple[tuple[int, Dims], dict]]) -> None:
    """A multi-row ``INSERT … VALUES`` per batch: ``bulk_create`` prepares each
    of ~50 values per row through its field and took half of a day's rollup."""
    if not rows:
        return
    table, columns = _table()
    ops = connection.ops
    day_value = ops.adapt_datefield_value(day)
    width = len(_DIMS) + len(rules.COUNTERS)
    limit = connection.features.max_query_params or 50_000
    batch = max(1, min(1000, limit // width))
    placeholder = "(" + ", ".join(["%s"] * width) + ")"
    decimals = set(rules.DECIMAL_COUNTERS)
    with connection.cursor() as cursor:
        for first in range(0, len(rows), batch):
            chunk = rows[first : first + batch]
            params: list = []
            for (level, dims), counters in chunk:
                params += [
                    int(level),
                    day_value,
                    dims.district,
                    dims.group,
                    dims.technician,
                    dims.vendor,
                ]
                params += [
                    ops.adapt_decimalfield_value(counters[name], 14, 2)
                    if name in decimals
                    else counters[name]
                    for name in rules.COUNTERS
                ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "
                + ", ".join([placeholder] * len(chunk)),
                params,
            )


#: month grain ← day grain
MONTH_LEVELS = (
    (Level.GROUP_MONTH, Level.GROUP),
    (Level.TECHNICIAN_MONTH, Level.TECHNICIAN),
)


def rollup_month(month: date, *, now: datetime | None = None) -> int | None:
    """Rebuild the month grains of a complete month from its day rows.

    Only for a month that is over and whose days are all rolled up (else
    None: reports keep summing day rows). One transaction: delete the month
    rows and insert ``SUM(...) GROUP BY`` of the day rows, with the marker.
    """
    now = now or timezone.now()
    period = rules.period_of(rules.MONTH, month)
    if period.end >= rules.local_day(now) or missing_days(period.start, period.end):
        return None
    table, columns = _table()
    quote = connection.ops.quote_name
    sums = ", ".join(f"SUM({quote(c)})" for c in rules.COUNTERS)
    dims = ", ".join(quote(c) for c in _DIMS[2:])
    start = connection.ops.adapt_datefield_value(period.start)
    end = connection.ops.adapt_datefield_value(period.end)
    with transaction.atomic():
        RollupMonth.objects.filter(month=period.start).delete()
        DailyRollup.objects.filter(
            level__in=[m for m, _d in MONTH_LEVELS], day=period.start
        ).delete()
        rows = 0
        with connection.cursor() as cursor:
            for month_level, day_level in MONTH_LEVELS:
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) "
                    f"SELECT %s, %s, {dims}, {sums} FROM {table} "
                    f"WHERE {quote('level')} = %s AND {quote('day')} >= %s "
                    f"AND {quote('day')} <= %s GROUP BY {dims}",
                    [int(month_level), start, int(day_level), start, end],
                )
                rows += cursor.rowcount
        RollupMonth.objects.create(month=period.start, computed_at=now, rows=rows)
    return rows


def rollup_months(first: date, last: date, *, now: datetime | None = None) -> int:
    """Rebuild the month grains of the complete months touching ``first..last``."""
    now = now or timezone.now()
    month, done = first.replace(day=1), 0
    while month <= last:
        if rollup_month(month, now=now) is not None:
            done += 1
        month = rules.next_period(rules.period_of(rules.MONTH, month)).start
    return done


def rollup_range(
    first: date, last: date, *, now: datetime | None = None
) -> list[RollupResult]:
    """Recompute every day of ``first..last`` (each in its own transaction)."""
    now = now or timezone.now()
    policy = raw.report_policy()
    results = []
    day = first
    while day <= last:
        results.append(rollup_day(day, now=now, policy=policy))
        day += timedelta(days=1)
    rollup_months(first, last, now=now)
    return results


def earliest_day() -> date | None:
    """The local day of the first order ever entered (index on ``accepted_at``)."""
    first = WorkOrder.objects.aggregate(first=Min("accepted_at"))["first"]
    return rules.local_day(first) if first else None


def missing_days(first: date, last: date) -> list[date]:
    have = set(
        RollupDay.objects.filter(day__gte=first, day__lte=last).values_list(
            "day", flat=True
        )
    )
    return [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if first + timedelta(days=i) not in have
    ]


def rollup_nightly(*, now: datetime | None = None, days: int | None = None) -> dict:
    """``reports.rollup``: recompute the last ``days`` days (default from the
    policy; late changes such as cancellations or revoked exemptions are taken
    in) and fill the days never rolled up since the first order (at most
    ``CATCH_UP_DAYS`` per run, newest first)."""
    now = now or timezone.now()
    policy = raw.report_policy()
    yesterday = rules.local_day(now) - timedelta(days=1)
    window = days if days is not None else policy.recompute_days
    recent = [yesterday - timedelta(days=i) for i in range(window)]
    first = earliest_day()
    gaps = []
    if first is not None and first <= yesterday:
        gaps = [d for d in missing_days(first, yesterday) if d not in recent]
        gaps = sorted(gaps, reverse=True)[:CATCH_UP_DAYS]
    days_done = sorted(recent + gaps)
    results = [rollup_day(day, now=now, policy=policy) for day in days_done]
    months = 0
    if days_done:
        months = rollup_months(days_done[0], days_done[-1], now=now)
    return {
        "days": len(results),
        "months": months,
        "recomputed": len(recent),
        "filled": len(gaps),
        "rows": sum(r.rows for r in results),
        "seconds": round(sum(r.seconds for r in results), 3),
    }


def rollup_ensure(period: Period, *, now: datetime) -> int:
    """Roll up the days of ``period`` (before today) that never were; returns how many."""
    yesterday = rules.local_day(now) - timedelta(days=1)
    last = min(period.end, yesterday)
    if period.start > last:
        return 0
    gaps = missing_days(period.start, last)
    policy = raw.report_policy()
    for day in gaps:
        rollup_day(day, now=now, policy=policy)
    if not RollupMonth.objects.filter(month=period.start.replace(day=1)).exists():
        rollup_months(period.start, period.end, now=now)
    return len(gaps)


# --- who is told ----------------------------------------------------------------------


@dataclass(frozen=True)
class Manager:
    user_id: int
    username: str
    district_id: int | None


def managers() -> list[Manager]:
    rows = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.MANAGER)
        .values_list("id", "username", "staff_profile__district_id")
        .order_by("id")
        .distinct()
    )
    return [Manager(*row) for row in rows]


def managers_of(people: list[Manager], district_id: int | None) -> list[Manager]:
    """The managers responsible for a scope: those scoped to the district (or,
    when it has none, the city-wide ones); city-wide managers for the city."""
    if district_id is not None:
        mine = [m for m in people if m.district_id == district_id]
        if mine:
            return mine
    return [m for m in people if m.district_id is None]


def _messages(
    people: list[Manager], *, topic: str, body: str, key: str, subject_id: int
) -> list[Message]:
    return [
        Message(
            channel=Channel.STAFF,
            recipient=m.username,
            recipient_user_id=m.user_id,
            topic=topic,
            body=body,
            dedupe_key=f"{key}:{m.user_id}",
            subject_type=topic,
            subject_id=subject_id,
        )
        for m in people
    ]


# --- warnings (发布预警) ----------------------------------------------------------------


@dataclass
class Scope:
    district_id: int | None
    name: str
    counters: dict


def _scopes(report_by_district: selectors.Report) -> list[Scope]:
    current = report_by_district.current
    scopes = [Scope(None, "全市", current.totals_counters)]
    for row in current.rows:
        if row.ident > 0:
            scopes.append(Scope(row.ident, row.name, row.counters))
    return scopes


def warnings_publish(
    report_by_district: selectors.Report, *, now: datetime
) -> list[QualityWarning]:
    """Publish a warning for each metric that missed its target in the period,
    city-wide and per district; each (period, metric, scope) once.

    1. For each active target of the period's kind and each scope (the city,
       and each district when the target is per district), compute the metric
       from the scope's counters; skip rates measured on fewer than
       ``min_sample`` records.
    2. A miss creates the ``QualityWarning`` row; a row that already exists
       (a second run) is left alone and nobody is told again.
    3. The responsible managers get a staff notice through the outbox, in the
       same transaction (deduplicated per warning and user).
    """
    period = report_by_district.period
    people = managers()
    published = []
    for target in MetricTarget.objects.filter(active=True).order_by("metric"):
        if not target.applies_to(period.kind):
            continue
        metric = rules.METRICS_BY_KEY.get(target.metric)
        if metric is None:
            continue
        for scope in _scopes(report_by_district):
            if scope.district_id is not None and not target.per_district:
                continue
            value = rules.metric_value(metric, scope.counters, period_kind=period.kind)
            sample = rules.sample_of(metric, scope.counters)
            if sample is not None and sample < target.min_sample:
                continue
            if not rules.breaches(value, target.value, target.direction):
                continue
            warning = _warning_create(
                period, metric, target, scope, value, sample, people, now=now
            )
            if warning is not None:
                published.append(warning)
    return published


def _warning_create(
    period: Period,
    metric: rules.Metric,
    target: MetricTarget,
    scope: Scope,
    value,
    sample: int | None,
    people: list[Manager],
    *,
    now: datetime,
) -> QualityWarning | None:
    exists = QualityWarning.objects.filter(
        period=period.kind, start=period.start, metric=metric.key
    )
    exists = (
        exists.filter(district__isnull=True)
        if scope.district_id is None
        else exists.filter(district_id=scope.district_id)
    )
    if exists.exists():
        return None
    recipients = managers_of(people, scope.district_id)
    body = render(
        "reports_warning",
        WARNING_TEXT,
        period=f"{rules.PERIOD_LABELS[period.kind]}{period.label}",
        scope=scope.name,
        metric=metric.label,
        value=rules.formatted(metric, value),
        direction="低于" if target.direction == rules.MINIMUM else "高于",
        target=rules.formatted(metric, target.value),
        sample=sample if sample is not None else "-",
    )
    try:
        with transaction.atomic():
            warning = QualityWarning.objects.create(
                period=period.kind,
                start=period.start,
                end=period.end,
                metric=metric.key,
                district_id=scope.district_id,
                value=Decimal(str(value)),
                target=target.value,
                direction=target.direction,
                sample=sample,
                published_at=now,
                recipients=[m.username for m in recipients],
            )
            notifications_enqueue(
                _messages(
                    recipients,
                    topic="reports_warning",
                    body=body,
                    key=f"reports:warning:{warning.pk}",
                    subject_id=warning.pk,
                ),
                now=now,
            )
    except IntegrityError:
        return None  # a concurrent run published it
    return warning


# --- scheduled reports ---------------------------------------------------------------


@dataclass
class PublishResult:
    period: Period
    rolled_up: int = 0
    reports: list[StoredReport] = field(default_factory=list)
    warnings: list[QualityWarning] = field(default_factory=list)


def _stored_exists(period: Period, district_id: int | None) -> bool:
    qs = StoredReport.objects.filter(period=period.kind, start=period.start)
    if district_id is None:
        return qs.filter(district__isnull=True).exists()
    return qs.filter(district_id=district_id).exists()


def stored_report_create(
    period: Period,
    *,
    district: District | None,
    now: datetime,
    people: list[Manager],
    today: date,
) -> StoredReport | None:
    """Generate, keep and announce the report of ``period`` for one scope (the
    city when ``district`` is None); None when it already exists."""
    district_id = district.pk if district else None
    if _stored_exists(period, district_id):
        return None
    policy = raw.report_policy()
    reports = [
        selectors.quality_report(
            period, by, district_id=district_id, today=today, policy=policy
        )
        for by in rules.GROUPINGS
    ]
    scope = district.name if district else "全市"
    content = exports.full_report_xlsx(reports, scope=scope)
    by_district = reports[0]
    totals = by_district.current.totals
    body = render(
        "reports_ready",
        READY_TEXT,
        kind=rules.PERIOD_LABELS[period.kind],
        scope=scope,
        period=period.label,
        received=totals["orders_received"],
        completed=totals["orders_completed"],
        repair_on_time=rules.formatted(
            rules.METRICS_BY_KEY["repair_on_time_rate"], totals["repair_on_time_rate"]
        ),
        complaints=totals["complaints"],
        compensation=totals["compensation_amount"],
    )
    try:
        with transaction.atomic():
            stored = StoredReport.objects.create(
                period=period.kind,
                start=period.start,
                end=period.end,
                district=district,
                generated_at=now,
                summary=selectors.report_payload(by_district),
                xlsx=content,
                size=len(content),
            )
            notifications_enqueue(
                _messages(
                    managers_of(people, district_id),
                    topic="reports_ready",
                    body=body,
                    key=f"reports:ready:{stored.pk}",
                    subject_id=stored.pk,
                ),
                now=now,
            )
    except IntegrityError:
        return None  # a concurrent run stored it
    return stored


def report_publish(kind: str, *, now: datetime | None = None) -> PublishResult:
    """The scheduled daily/weekly/monthly report of the last complete period.

    1. Roll up the days of the period (and of the previous one, for the
       comparison) that never were, so the report reads rollups only.
    2. Store the city-wide report and one per district with district-scoped
       managers, each announced to its managers through the outbox.
    3. Publish the warnings of the metrics that missed their targets.
    Running it again for the same period adds nothing.
    """
    now = now or timezone.now()
    today = rules.local_day(now)
    period = rules.last_complete_period(kind, today)
    result = PublishResult(period)
    result.rolled_up = rollup_ensure(period, now=now) + rollup_ensure(
        rules.previous_period(period), now=now
    )
    people = managers()
    scoped = {m.district_id for m in people if m.district_id is not None}
    scopes: list[District | None] = [None]
    scopes += list(District.objects.filter(pk__in=scoped).order_by("code"))
    for district in scopes:
        stored = stored_report_create(
            period, district=district, now=now, people=people, today=today
        )
        if stored is not None:
            result.reports.append(stored)
    report_by_district = selectors.quality_report(period, rules.DISTRICT, today=today)
    result.warnings = warnings_publish(report_by_district, now=now)
    return result
