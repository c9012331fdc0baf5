"""Console pages of the quality reports (质量分析): dashboard, drill-down,
warnings and the stored scheduled reports. Read-only, for managers (and
supervisors and dispatchers); a district-scoped user sees their district."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.console import role_required
from dispatch_center.replica import read_from_replica
from org.models import District

from . import exports, raw, rules, selectors
from .api.serializers import QualityQuerySerializer

READERS = selectors.READER_ROLES
#: Metrics on the dashboard's tiles and trend chart.
TILE_METRICS = (
    "orders_received",
    "orders_completed",
    "same_day_install_rate",
    "same_day_repair_rate",
    "repair_on_time_rate",
    "install_kept_rate",
    "repeat_fault_rate",
    "first_response_rate",
    "remote_resolution_rate",
    "satisfaction_rate",
    "complaints",
    "compensation_amount",
)
TREND_RATES = (
    "repair_on_time_rate",
    "same_day_install_rate",
    "same_day_repair_rate",
    "first_response_rate",
    "install_kept_rate",
    "satisfaction_rate",
    "repeat_fault_rate",
)
TREND_COUNTS = ("orders_received", "orders_completed", "complaints", "urges")
RANK_GROUPINGS = (rules.GROUP, rules.TECHNICIAN, rules.VENDOR)
RANK_SIZE = 10


def _query(request):
    """The page's period/date/by, validated like the API (errors by field)."""
    query = QualityQuerySerializer(data=request.GET)
    if not query.is_valid():
        return None, {k: [str(m) for m in v] for k, v in query.errors.items()}
    params = query.validated_data
    today = selectors.local_today()
    period = rules.period_of(params["period"], params["date"] or today)
    return {**params, "period": period, "today": today}, None


def _scope(request) -> tuple[int | None, str]:
    district_id = selectors.scope_district_id(request.user)
    if district_id is None:
        return None, gettext("全市")
    return district_id, District.objects.get(pk=district_id).name


def _delta(metric: rules.Metric, now, before) -> str:
    if now is None or before is None:
        return ""
    if metric.kind == rules.RATE:
        points = (Decimal(str(now)) - Decimal(str(before))) * 100
        return f"{points:+.2f}个百分点"
    diff = Decimal(str(now)) - Decimal(str(before))
    return f"{diff:+}"


def _status(metric: rules.Metric, value, targets, sample) -> str:
    target = targets.get(metric.key)
    if target is None or value is None:
        return ""
    if sample is not None and sample < target.min_sample:
        return ""
    return "bad" if rules.breaches(value, target.value, target.direction) else "good"


def _drill_url(metric: rules.Metric, period, by: str | None, key: str | None) -> str:
    if metric.num in raw.ROTA_COUNTERS:
        return ""
    params = {
        "metric": metric.key,
        "period": period.kind,
        "date": period.start.isoformat(),
    }
    if by is not None:
        params.update(by=by, key=key)
    return reverse("reports-orders") + "?" + urlencode(params)


def _cells(metrics, counters, period, targets, *, by=None, key=None) -> list[dict]:
    cells = []
    for m in rules.METRICS:
        value = metrics[m.key]
        sample = rules.sample_of(m, counters)
        listed = sample if m.den else counters[m.num]
        cells.append(
            {
                "text": rules.formatted(m, value),
                "title": f"{counters[m.num]}/{sample}" if m.den else "",
                "href": _drill_url(m, period, by, key) if listed else "",
                "status": _status(m, value, targets, sample),
            }
        )
    return cells


def _ranking(section, metric: rules.Metric, targets, min_sample: int) -> dict:
    """Best and worst rows of one grouping on ``metric``: real organisation
    units (not the "no technician" row) measured on at least ``min_sample``."""
    rows = [
        r
        for r in section.rows
        if r.ident != rules.NONE
        and r.metrics[metric.key] is not None
        and (rules.sample_of(metric, r.counters) or 0) >= min_sample
    ]
    lower_first = metric.better == rules.LOWER
    rows.sort(key=lambda r: (r.metrics[metric.key], r.key), reverse=not lower_first)
    target = targets.get(metric.key)

    def entry(r):
        value = r.metrics[metric.key]
        sample = rules.sample_of(metric, r.counters)
        return {
            "key": r.key,
            "name": r.name,
            "text": rules.formatted(metric, value),
            "sample": sample,
            "status": _status(metric, value, targets, sample),
        }

    return {
        "best": [entry(r) for r in rows[:RANK_SIZE]],
        "worst": [entry(r) for r in rows[::-1][:RANK_SIZE]] if len(rows) > 1 else [],
        "count": len(rows),
        "target": rules.formatted(metric, target.value) if target else "",
    }


@role_required(*READERS)
@read_from_replica
def dashboard(request):
    """质量分析: tiles with the previous period, trends, the table by the chosen
    grouping (each figure drills down to its records), rankings, warnings."""
    query, errors = _query(request)
    if errors:
        return render(
            request,
            "reports/dashboard.html",
            {"errors": errors, "periods": rules.PERIOD_LABELS},
            status=400,
        )
    period, by, today = query["period"], query["by"], query["today"]
    district_id, scope_name = _scope(request)
    policy = selectors.report_policy()
    if query["format"] == "xlsx":
        report = selectors.quality_report(
            period, by, district_id=district_id, today=today, policy=policy
        )
        response = HttpResponse(
            exports.report_xlsx(report, scope=scope_name),
            content_type=exports.XLSX_TYPE,
        )
        response["Content-Disposition"] = (
            f'attachment; filename="quality-{period.kind}-{period.start:%Y%m%d}-{by}.xlsx"'
        )
        return response
    targets = selectors.targets()
    report = selectors.quality_report(
        period, by, district_id=district_id, today=today, policy=policy
    )
    current, previous = report.current, report.previous
    tiles = []
    for key in TILE_METRICS:
        m = rules.METRICS_BY_KEY[key]
        value = current.totals[key]
        sample = rules.sample_of(m, current.totals_counters)
        tiles.append(
            {
                "label": m.label,
                "text": rules.formatted(m, value),
                "previous": rules.formatted(m, previous.totals[key]),
                "delta": _delta(m, value, previous.totals[key]),
                "href": _drill_url(m, period, None, None),
                "status": _status(m, value, targets, sample),
                "target": rules.formatted(m, targets[key].value)
                if key in targets
                else "",
            }
        )
    rows = [
        {
            "key": r.key,
            "name": r.name,
            "cells": _cells(r.metrics, r.counters, period, targets, by=by, key=r.key),
        }
        for r in current.rows
    ]
    totals = _cells(current.totals, current.totals_counters, period, targets)
    rank_metric = rules.METRICS_BY_KEY.get(
        request.GET.get("rank", ""), rules.METRICS_BY_KEY["repair_on_time_rate"]
    )
    rankings = []
    for grouping in RANK_GROUPINGS:
        sec = (
            current
            if grouping == by
            else selectors.section(
                period, grouping, district_id=district_id, today=today, policy=policy
            )
        )
        rankings.append(
            {
                "label": rules.GROUPING_LABELS[grouping],
                **_ranking(sec, rank_metric, targets, policy.rank_min_sample),
            }
        )
    points = selectors.trend(
        period, 12, district_id=district_id, today=today, policy=policy
    )
    chart = {
        "labels": [p.period.label for p in points],
        "rates": [
            {
                "name": rules.METRICS_BY_KEY[k].label,
                "data": [
                    None if p.metrics[k] is None else round(p.metrics[k] * 100, 2)
                    for p in points
                ],
            }
            for k in TREND_RATES
        ],
        "counts": [
            {
                "name": rules.METRICS_BY_KEY[k].label,
                "data": [p.metrics[k] for p in points],
            }
            for k in TREND_COUNTS
        ],
    }
    warnings = selectors.warnings_visible_to(request.user).filter(
        period=period.kind, start=period.start
    )
    base = {"period": period.kind, "date": period.start.isoformat(), "by": by}
    return render(
        request,
        "reports/dashboard.html",
        {
            "period": period,
            "previous_period": previous.period,
            "by": by,
            "date": query["date"] or today,
            "scope_name": scope_name,
            "periods": rules.PERIOD_LABELS,
            "groupings": rules.GROUPING_LABELS,
            "period_label": rules.PERIOD_LABELS[period.kind],
            "grouping_label": rules.GROUPING_LABELS[by],
            "metrics": rules.METRICS,
            "rank_metric": rank_metric,
            "rank_min_sample": policy.rank_min_sample,
            "rank_choices": [m for m in rules.METRICS if m.kind == rules.RATE],
            "tiles": tiles,
            "rows": rows,
            "totals": totals,
            "rankings": rankings,
            "chart": chart,
            "warnings": warnings,
            "live_days": current.live_days,
            "missing_days": current.missing_days,
            "xlsx_url": "?" + urlencode({**base, "format": "xlsx"}),
            "prev_url": "?"
            + urlencode({**base, "date": previous.period.start.isoformat()}),
            "next_url": "?"
            + urlencode({**base, "date": rules.next_period(period).start.isoformat()}),
            "has_next": rules.next_period(period).start <= today,
        },
    )


@role_required(*READERS)
@read_from_replica
def orders(request):
    """Drill-down: the records behind one figure (a rate's denominator, with
    the ones in its numerator marked), paginated."""
    query, errors = _query(request)
    metric = rules.METRICS_BY_KEY.get(request.GET.get("metric", ""))
    if errors or metric is None:
        errors = errors or {"metric": ["unknown metric"]}
        return render(request, "reports/orders.html", {"errors": errors}, status=400)
    period = query["period"]
    district_id, scope_name = _scope(request)
    grouping, ident, key_name = None, None, scope_name
    if "key" in request.GET:
        grouping = query["by"]
        ident = selectors.ident_of(grouping, request.GET["key"])
        if ident is None:
            raise Http404("unknown key")
        key_name = selectors.key_names(grouping, [ident])[ident].name
    start, end = period.bounds()
    found = raw.drill_down(
        metric,
        start,
        end,
        grouping=grouping,
        ident=ident,
        district_id=district_id,
    )
    if found is None:
        raise Http404("no drill-down for this metric")
    page = Paginator(found.rows, 100).get_page(request.GET.get("page"))
    source = found.source
    records = []
    for record in page.object_list:
        order = getattr(record, source.order_path) if source.order_path else record
        at = getattr(record, source.time_field)
        records.append(
            {
                "at": timezone.localtime(at) if at else None,
                "record": str(record) if source.order_path else "",
                "order": order,
                "district": (order.district if order else None)
                or getattr(record, "district", None),
                "counted": record.counted,
            }
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "reports/orders.html",
        {
            "metric": metric,
            "period": period,
            "period_label": rules.PERIOD_LABELS[period.kind],
            "scope": key_name,
            "source": source,
            "page": page,
            "records": records,
            "is_rate": metric.den is not None,
            "query": params.urlencode(),
            "back": reverse("reports-dashboard")
            + "?"
            + urlencode(
                {
                    "period": period.kind,
                    "date": period.start.isoformat(),
                    "by": query["by"],
                }
            ),
        },
    )


@role_required(*READERS)
def warnings(request):
    """发布的质量预警 of the user's scope, newest first."""
    page = Paginator(selectors.warnings_visible_to(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "reports/warnings.html", {"page": page})


@role_required(*READERS)
def stored(request):
    """定时报表: the daily, weekly and monthly reports kept for download."""
    qs = selectors.stored_reports_visible_to(request.user)
    kind = request.GET.get("period", "")
    if kind in rules.PERIODS:
        qs = qs.filter(period=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    on_time = rules.METRICS_BY_KEY["repair_on_time_rate"]
    rows = []
    for report in page.object_list:
        totals = report.summary.get("totals", {})
        rows.append(
            {
                "report": report,
                "received": totals.get("orders_received", ""),
                "completed": totals.get("orders_completed", ""),
                "repair_on_time": rules.formatted(
                    on_time, totals.get("repair_on_time_rate")
                ),
                "complaints": totals.get("complaints", ""),
            }
        )
    return render(
        request,
        "reports/stored.html",
        {"page": page, "rows": rows, "kind": kind, "periods": rules.PERIOD_LABELS},
    )


@role_required(*READERS)
def stored_download(request, pk: int):
    report = get_object_or_404(selectors.stored_reports_visible_to(request.user), pk=pk)
    content = type(report).objects.values_list("xlsx", flat=True).get(pk=report.pk)
    response = HttpResponse(bytes(content), content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response
