"""Quality reports over 10 million orders: rollups against the raw table.

    .venv/bin/python bench/reports.py                      # 10M orders, ~25 min
    .venv/bin/python bench/reports.py --orders 1000000     # a quick run
    .venv/bin/python bench/reports.py --help

Everything runs on this machine and is torn down at the end (also on Ctrl-C
or SIGTERM):

1. a throwaway PostgreSQL 15 (initdb in a temporary directory, a free
   loopback port, ``fsync=off``; as the ``postgres`` user via ``runuser`` when
   we are root);
2. Django in this process against it: ``migrate``; a province-sized
   organisation (20 districts, 40 areas, 1,000 region groups, 2,000 package
   areas, 4 vendors, 5,000 technicians) and 1,000,000 customers;
3. ``--orders`` work orders over ``--days`` days up to yesterday (16,667 a day
   at 10M / 600), each table loaded with one ``INSERT … SELECT … FROM
   generate_series`` per chunk (never the ORM; the column list comes from the
   model, every column not set explicitly takes its model default), with the
   order table's secondary indexes dropped during the load and rebuilt after
   it; then the records the reports read besides orders, derived from the
   orders with ``INSERT … SELECT … FROM workorders_workorder``: callbacks
   (10 % of completed orders), complaints (0.5 %), urges (2.5 %),
   escalations (1.7 %), 慢必赔 claims (late same-day orders), approved
   suspensions (1 %), and a weekly rest rota for every technician;
   ``VACUUM ANALYZE``;
4. the rollups of the last ``--rollup-days`` days (default: the 13 months the
   measured reports need, and the month before) with ``services.rollup_day``,
   as the nightly job and ``manage.py reports_backfill`` do, in ``--workers``
   processes, then the month grains of the complete months
   (``services.rollup_months``);
5. the measurements, each ``--repeat`` times (median): the last complete
   month's report by district and by technician and the 12-month trend,
   through the API view (server time: request in, JSON out, no HTTP), with
   every SQL statement captured (none may read ``workorders_workorder`` or
   another raw table) and re-run under ``EXPLAIN ANALYZE`` (sum of execution
   times); beside them the same month computed from the raw records (the
   queries of ``reports.raw``, grouped by district) with the shipped btree
   indexes, with BRIN indexes on the time columns instead, and with no index
   (sequential scan); and the incremental refresh of one day
   (``services.rollup_day`` of yesterday);
6. prints a table, markdown rows for bench/RESULTS.md and the machine line,
   and writes bench/out/reports-<date>-<time>.json.

Targets (issue 8): the monthly report by district < 100 ms and by technician
< 500 ms, the 12-month trend < 300 ms of server time, none of them reading
the raw order table. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import re
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench._pg import Postgres, insert_select  # noqa: E402

TARGETS_MS = {
    "month_by_district": 100,
    "month_by_technician": 500,
    "trend_12_months": 300,
    # issue 18: a page of the monthly report by technician
    "month_by_technician_page_uncached": 200,
    # no target: the whole report as a spreadsheet, for comparison
    "month_by_technician_xlsx_uncached": 10_000,
}
RAW_TABLES = (
    "workorders_workorder",
    "workorders_customer",
    "complaints_callback",
    "complaints_complaint",
    "sla_slaevent",
    "sla_approval",
    "compensation_claim",
    "dispatch_rotaentry",
)

DISTRICTS, AREAS, GROUPS, PACKAGES, VENDORS, TECHNICIANS = 20, 40, 1000, 2000, 4, 5000
CUSTOMERS = 1_000_000


def log(msg: str) -> None:
    print(f"[bench] {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def database_size(pg: Postgres) -> str:
    out = pg.psql("SELECT pg_size_pretty(pg_database_size('postgres'));\n")
    return [line.strip() for line in out.splitlines() if line.strip()][-2]


# --- Django, in this process --------------------------------------------------------


def setup_django(pg: Postgres) -> None:
    os.environ.update(
        DATABASE_URL=pg.url,
        DJANGO_SETTINGS_MODULE="dispatch_center.settings",
        DISPATCH_VAR_DIR=str(pg.tmp / "var"),
        NOTIFICATION_KICK="false",
        POLICY_CACHE_SECONDS="3600",
        LOG_LEVEL="WARNING",
        DEBUG="false",
        DB_CONN_MAX_AGE="0",
    )
    import django

    django.setup()


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def load_org() -> None:
    from org.models import Area, District, PackageArea, RegionGroup, Technician, Vendor

    steps = [
        (
            District,
            DISTRICTS,
            {"code": "'D' || lpad(g::text, 3, '0')", "name": "'区局' || g"},
        ),
        (
            Area,
            AREAS,
            {
                "code": "'A' || lpad(g::text, 3, '0')",
                "name": "'片区' || g",
                "district_id": f"(g - 1) / {AREAS // DISTRICTS} + 1",
                "area_type": "CASE WHEN mod(g, 5) = 0 THEN 'rural' ELSE 'urban_core' END",
                "same_day_enabled": "mod(g, 5) <> 0",
            },
        ),
        (
            RegionGroup,
            GROUPS,
            {
                "code": "'G' || lpad(g::text, 4, '0')",
                "name": "'区域组' || g",
                "area_id": f"(g - 1) / {GROUPS // AREAS} + 1",
            },
        ),
        (
            PackageArea,
            PACKAGES,
            {
                "code": "'P' || lpad(g::text, 4, '0')",
                "name": "'小包区' || g",
                "group_id": f"(g - 1) / {PACKAGES // GROUPS} + 1",
            },
        ),
        (
            Vendor,
            VENDORS,
            {"code": "'V' || g", "name": "'外包公司' || g"},
        ),
        (
            Technician,
            TECHNICIANS,
            {
                "code": "'T' || lpad(g::text, 5, '0')",
                "name": "'工程师' || g",
                "phone": "'138' || lpad(g::text, 8, '0')",
                "group_id": f"(g - 1) / {TECHNICIANS // GROUPS} + 1",
                "home_package_area_id": f"((g - 1) / {TECHNICIANS // GROUPS}) * 2 + 1",
                "vendor_id": f"CASE WHEN mod(g, 10) < 6 THEN NULL ELSE 1 + mod(g, {VENDORS}) END",
                "skills": """'["ftth_broadband", "itv_hd", "fixed_phone"]'::jsonb""",
            },
        ),
    ]
    for model, count, overrides in steps:
        sql, params = insert_select(
            model, f"generate_series(1, {count}) AS g", overrides
        )
        execute(sql, params)
    from workorders.models import Customer

    sql, params = insert_select(
        Customer,
        f"generate_series(1, {CUSTOMERS}) AS g",
        {
            "name": "'客户' || g",
            "phone": "'139' || lpad(g::text, 8, '0')",
            "level": "CASE mod(g, 20) WHEN 0 THEN 'diamond' WHEN 1 THEN 'gold' "
            "WHEN 2 THEN 'silver' ELSE 'ordinary' END",
            "created_at": "now()",
        },
    )
    execute(sql, params)


def order_overrides() -> dict[str, str]:
    """Row g: entered at ``s.acc`` (an even pace over the days, ``order_source``).

    Deterministic pseudo-random attributes from ``mod(g * prime, n)``: 70 %
    repairs, 25 % installs, 5 % moves; 10 % without technician (remote
    repairs, pending); 2 % cancelled; completion 0.5–30.4 h after entry
    (about 10 % of the 24 h deadlines missed); 40 % under 当日装/当日修;
    8 % of repairs repeat faults; first contact 0–44 min after dispatch.
    """
    accepted = "s.acc"
    pa = f"(1 + mod(g * 7, {PACKAGES}))"
    grp = f"(({pa} - 1) / {PACKAGES // GROUPS} + 1)"
    district = f"(({grp} - 1) / {GROUPS // DISTRICTS} + 1)"
    per_group = TECHNICIANS // GROUPS
    no_tech = "(mod(g, 10) = 0)"
    cancelled = "(mod(g, 50) = 7)"
    kind = "CASE WHEN mod(g, 20) < 14 THEN 'repair' WHEN mod(g, 20) < 19 THEN 'install' ELSE 'move' END"
    completed = "s.done"
    deadline = "s.due"
    dispatched = "s.disp"
    return {
        "number": "'B' || lpad(g::text, 10, '0')",
        "source": "CASE WHEN mod(g, 20) < 14 THEN 'hotline' ELSE 'crm' END",
        "kind": kind,
        "product": "CASE mod(g * 13, 10) WHEN 0 THEN 'ftth_broadband' WHEN 1 THEN 'ftth_broadband' "
        "WHEN 2 THEN 'ftth_broadband' WHEN 3 THEN 'ftth_broadband' WHEN 4 THEN 'ftth_broadband' "
        "WHEN 5 THEN 'itv_hd' WHEN 6 THEN 'itv_hd' WHEN 7 THEN 'fixed_phone' "
        "WHEN 8 THEN 'fttb_broadband' ELSE 'other' END",
        "status": f"CASE WHEN {cancelled} THEN 'cancelled' ELSE 'completed' END",
        "customer_id": f"1 + mod(g * 31, {CUSTOMERS})",
        "address": "'地址' || g",
        "package_area_id": pa,
        "group_id": grp,
        "district_id": district,
        "is_same_day": "mod(g, 5) < 2",
        "deadline_basis": "'bench'",
        "accepted_at": accepted,
        "deadline": deadline,
        "commitment_deadline": deadline,
        "sla_deadline": f"{deadline} + CASE WHEN mod(g, 100) = 1 THEN interval '2 hours' ELSE interval '0' END",
        "dispatched_at": dispatched,
        "first_response_due": f"({dispatched}) + interval '30 minutes'",
        "first_contact_at": f"({dispatched}) + mod(g, 45) * interval '1 minute'",
        "appointment_end": f"CASE WHEN mod(g, 20) >= 14 THEN {accepted} + interval '20 hours' END",
        "arrived_at": f"CASE WHEN {no_tech} THEN NULL ELSE ({completed}) - interval '30 minutes' END",
        "completed_at": completed,
        # g / PACKAGES, not g: the package area already fixes g mod 5
        "technician_id": f"CASE WHEN {no_tech} THEN NULL ELSE ({grp} - 1) * {per_group} + 1 + mod(g / {PACKAGES}, {per_group}) END",
        "is_repeat_fault": "mod(g, 20) < 14 AND mod(g * 17, 100) < 8",
        "resolution": f"CASE WHEN {cancelled} THEN '' WHEN {no_tech} AND mod(g, 20) < 14 THEN 'remote' ELSE 'onsite' END",
        "created_at": accepted,
        "updated_at": accepted,
    }


def order_source(
    first: int, last: int, total: int, start: dt.datetime, days: int
) -> str:
    """Rows g of generate_series with the times every column derives from,
    computed once per row (see ``order_overrides``)."""
    step = days * 86400 / total
    return (
        "(SELECT g, acc, acc + interval '24 hours' AS due, "
        "CASE WHEN mod(g, 10) = 0 THEN NULL ELSE acc + interval '10 minutes' END AS disp, "
        "CASE WHEN mod(g, 50) = 7 THEN NULL "
        "ELSE acc + (0.5 + mod(g * 37, 300) / 10.0) * interval '1 hour' END AS done "
        f"FROM (SELECT g, timestamptz '{start.isoformat()}' + (g - 1) * "
        f"interval '{step:.6f} seconds' AS acc "
        f"FROM generate_series({first}, {last}) AS g) AS t) AS s"
    )


def order_secondary_indexes() -> list[tuple[str, str]]:
    rows = []
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "LEFT JOIN pg_constraint c ON c.conname = i.indexname "
            "WHERE i.tablename = 'workorders_workorder' AND c.conname IS NULL"
        )
        rows = cursor.fetchall()
    return rows


def load_orders(total: int, days: int, today: dt.date, chunk: int) -> dict:
    """The orders, then the records derived from them."""
    from compensation.models import Claim
    from complaints.models import Callback, Complaint, ComplaintSubCategory
    from dispatch.models import RotaEntry
    from reports import rules
    from sla.models import Approval, SlaEvent
    from workorders.models import WorkOrder

    timings = {}
    start = rules.day_bounds(today - dt.timedelta(days=days))[0]
    indexes = order_secondary_indexes()
    for name, _definition in indexes:
        execute(f"DROP INDEX {name}")
    log(f"dropped {len(indexes)} secondary indexes of the order table for the load")
    overrides = order_overrides()
    started = time.perf_counter()
    for first in range(1, total + 1, chunk):
        last = min(first + chunk - 1, total)
        sql, params = insert_select(
            WorkOrder, order_source(first, last, total, start, days), overrides
        )
        execute(sql, params)
        log(f"orders {last:,} / {total:,} ({time.perf_counter() - started:.0f} s)")
    timings["orders_s"] = time.perf_counter() - started
    started = time.perf_counter()
    for _name, definition in indexes:
        execute(definition)
    timings["order_indexes_s"] = time.perf_counter() - started
    log(f"rebuilt {len(indexes)} indexes in {timings['order_indexes_s']:.0f} s")

    started = time.perf_counter()
    wo = "workorders_workorder w"
    derived = [
        (
            Callback,
            f"{wo} WHERE w.completed_at IS NOT NULL AND mod(w.id, 10) = 3",
            {
                "work_order_id": "w.id",
                "contact": "3 + mod(w.id, 3)",
                "punctuality": "2 + mod(w.id, 4)",
                "skill": "4 + mod(w.id, 2)",
                "attitude": "3 + mod(w.id * 7, 3)",
                "satisfied": "mod(w.id, 7) <> 0",
                "at": "w.completed_at + interval '1 day'",
            },
        ),
        (
            Complaint,
            f"{wo} WHERE mod(w.id, 200) = 11",
            {
                "number": "'C' || lpad(w.id::text, 10, '0')",
                "channel": "'hotline_10000'",
                "phone": "'13900000000'",
                "customer_name": "'客户'",
                "customer_id": "w.customer_id",
                "work_order_id": "CASE WHEN mod(w.id, 400) = 11 THEN w.id END",
                "category": "CASE mod(w.id, 3) WHEN 0 THEN 'product_quality' "
                "WHEN 1 THEN 'marketing_channel' ELSE 'service_support' END",
                "sub_category_id": f"{ComplaintSubCategory.objects.order_by('pk').values_list('pk', flat=True).first()}",
                "status": "'closed'",
                "received_at": "w.accepted_at + interval '2 days'",
                "commitment_due": "w.accepted_at + interval '3 days'",
                "district_id": "w.district_id",
                "created_at": "w.accepted_at + interval '2 days'",
                "updated_at": "w.accepted_at + interval '2 days'",
            },
        ),
        (
            SlaEvent,
            f"{wo} WHERE mod(w.id, 40) = 5",
            {
                "order_id": "w.id",
                "kind": "'urge'",
                "checkpoint": "'1'",
                "at": "w.accepted_at + interval '3 hours'",
            },
        ),
        (
            SlaEvent,
            f"{wo} WHERE mod(w.id, 60) = 9",
            {
                "order_id": "w.id",
                "kind": "'escalation'",
                "checkpoint": "'escalation:1'",
                "level": "1",
                "at": "w.sla_deadline",
            },
        ),
        (
            Claim,
            f"{wo} WHERE w.is_same_day AND w.completed_at > w.commitment_deadline",
            {
                "work_order_id": "w.id",
                "kind": "CASE WHEN w.kind = 'repair' THEN 'same_day_repair' ELSE 'same_day_install' END",
                "status": "CASE WHEN mod(w.id, 9) = 0 THEN 'exempt' ELSE 'paid' END",
                "deadline": "w.commitment_deadline",
                "completed_at": "w.completed_at",
                "days_late": "1",
                "amount": "CASE WHEN w.kind = 'repair' THEN 10 ELSE 20 END",
                "district_id": "w.district_id",
                "phone": "'13900000000'",
                "pay_by": "w.completed_at + interval '7 days'",
                "payment_key": "gen_random_uuid()",
                "created_at": "w.completed_at",
            },
        ),
        (
            Approval,
            f"{wo} WHERE mod(w.id, 100) = 1 AND w.technician_id IS NOT NULL",
            {
                "order_id": "w.id",
                "kind": "'suspend'",
                "status": "'approved'",
                "reason": "'customer'",
                "requested_at": "w.accepted_at + interval '1 hour'",
                "decided_at": "w.accepted_at + interval '90 minutes'",
            },
        ),
    ]
    for model, source, fields in derived:
        sql, params = insert_select(model, source, fields)
        rows = execute(sql, params)
        log(f"{model._meta.db_table}: {rows:,} rows")
    first_monday = start.date() - dt.timedelta(days=start.date().weekday())
    weeks = (today - first_monday).days // 7 + 1
    sql, params = insert_select(
        RotaEntry,
        f"generate_series(1, {TECHNICIANS}) AS t, generate_series(0, {weeks - 1}) AS wk",
        {
            "technician_id": "t",
            # most rest once a week; every 13th technician-week has no day off
            "date": f"date '{first_monday}' + wk * 7 + mod(t + wk, 7)",
            "kind": "'rest'",
        },
    )
    sql += " WHERE mod(t * 7 + wk, 13) <> 0"
    rows = execute(sql, params)
    log(f"dispatch_rotaentry: {rows:,} rows")
    timings["derived_s"] = time.perf_counter() - started
    return timings


# --- rollups -------------------------------------------------------------------------


def _rollup_worker(args) -> list[tuple[str, int, float]]:
    url, var_dir, days = args
    os.environ.update(DATABASE_URL=url, DISPATCH_VAR_DIR=var_dir)
    import django

    django.setup()
    from reports import services

    out = []
    for iso in days:
        result = services.rollup_day(dt.date.fromisoformat(iso))
        out.append((iso, result.rows, result.seconds))
    return out


def build_rollups(pg: Postgres, first: dt.date, last: dt.date, workers: int) -> dict:
    days = [
        (first + dt.timedelta(days=i)).isoformat()
        for i in range((last - first).days + 1)
    ]
    from django.db import connections

    connections.close_all()
    started = time.perf_counter()
    parts = [days[i::workers] for i in range(workers)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        results = [
            r
            for part in pool.map(
                _rollup_worker, [(pg.url, str(pg.tmp / "var"), p) for p in parts]
            )
            for r in part
        ]
    seconds = time.perf_counter() - started
    from reports import services

    started = time.perf_counter()
    months = services.rollup_months(first, last)
    months_s = time.perf_counter() - started
    per_day = [s for _d, _r, s in results]
    return {
        "months": months,
        "months_s": round(months_s, 1),
        "days": len(results),
        "rows": sum(r for _d, r, _s in results),
        "wall_s": round(seconds, 1),
        "per_day_median_s": round(statistics.median(per_day), 3),
        "workers": workers,
    }


# --- measurements -------------------------------------------------------------------


def explain_ms(sql: str, params) -> tuple[float, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return float(re.search(r"Execution Time: ([0-9.]+) ms", plan).group(1)), plan


def tables_of(sql: str) -> set[str]:
    return set(re.findall(r'(?:FROM|JOIN) "(\w+)"', sql))


def measure(
    name: str, call, repeat: int, *, warm_up: bool = True, capture: bool = True
) -> dict:
    """Time ``call`` (median of ``repeat`` after a warm-up): wall time and this
    process's CPU time (``time.process_time``: the machine is shared, so the
    CPU a request costs says more than its wall time); capture its SQL,
    check no raw table is read, and sum the SQL's EXPLAIN ANALYZE times."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if warm_up:
        call()  # warm-up: connection, caches, the server's buffers
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    statements = []
    if capture:
        with CaptureQueriesContext(connection) as captured:
            call()
        statements = [q["sql"] for q in captured.captured_queries]
    tables = set().union(*(tables_of(s) for s in statements)) if statements else set()
    raw_read = sorted(tables & set(RAW_TABLES))
    executions, plans = [], []
    for sql in statements:
        ms, plan = explain_ms(sql, None)
        executions.append(ms)
        plans.append(plan)
    biggest = max(range(len(executions)), key=executions.__getitem__, default=None)
    result = {
        "name": name,
        "wall_ms_median": round(statistics.median(walls), 1),
        "wall_ms_min": round(min(walls), 1),
        "cpu_ms_median": round(statistics.median(cpus), 1),
        "sql_statements": len(statements),
        "sql_execution_ms": round(sum(executions), 1),
        "tables": sorted(tables),
        "raw_tables_read": raw_read,
        "slowest_plan": plans[biggest] if plans else "",
    }
    log(
        f"{name}: {result['wall_ms_median']} ms server time, "
        f"{result['cpu_ms_median']} ms CPU, "
        f"{len(statements)} statements, SQL {result['sql_execution_ms']} ms, "
        f"raw tables read: {raw_read or 'none'}"
    )
    return result


def api_call(params: dict, user):
    from rest_framework.test import APIRequestFactory, force_authenticate

    from reports.api.views import QualityReportView

    view = QualityReportView.as_view()
    factory = APIRequestFactory()

    def call():
        request = factory.get("/api/v1/reports/quality/", params)
        force_authenticate(request, user=user)
        response = view(request)
        assert response.status_code == 200, getattr(response, "data", "")
        if hasattr(response, "render"):  # the xlsx is a plain HttpResponse
            response.render()
        return response

    return call


def uncached(call):
    """``call`` with the per-process caches emptied first (a cold report)."""
    from dispatch_center.caching import process_caches_clear

    def cold():
        process_caches_clear()
        return call()

    return cold


def compare_issue_18(month, today, manager, args) -> list[dict]:
    """The monthly report by technician, page 1 (50 rows) afresh each time:
    before (the whole report summed in Python, then sliced) and after
    (``reports.paged``), both as a plain call + JSON rendering; then the same
    page through the API view, cached; then the whole xlsx written from one
    computed report by the old writer and the streamed one."""
    from rest_framework.renderers import JSONRenderer

    from reports import paged, selectors

    sys.path.insert(0, str(ROOT / "bench"))
    import _xlsx_before

    renderer = JSONRenderer()

    def before():
        report = selectors.quality_report(month, "technician", today=today)
        return renderer.render(selectors.report_payload(report, page=1, page_size=50))

    def after():
        return renderer.render(
            paged.report_page(month, "technician", page=1, page_size=50, today=today)
        )

    before_payload = json.loads(uncached(before)())
    after_payload = json.loads(uncached(after)())
    assert before_payload == after_payload, "paged != whole report"
    log(f"page 1 before == after ({after_payload['count']} rows in all)")
    results = [
        measure("page_uncached_before", uncached(before), args.repeat),
        measure("page_uncached_after", uncached(after), args.repeat),
        measure(
            "page_cached_api",
            api_call(
                {
                    "period": "month",
                    "date": month.start.isoformat(),
                    "by": "technician",
                },
                manager,
            ),
            args.repeat,
        ),
    ]
    report = selectors.quality_report(month, "technician", today=today)
    for name, write in (
        ("xlsx_write_before", _xlsx_before.report_xlsx),
        ("xlsx_write_after", exports_of().report_xlsx),
    ):
        results.append(
            measure(
                name,
                lambda write=write: write(report),
                args.xlsx_repeat,
                warm_up=False,
                capture=False,
            )
        )
    return results


def exports_of():
    from reports import exports

    return exports


def raw_month_by_district(period) -> dict:
    """The month computed from the raw records: every source query of
    ``reports.raw`` over the month, grouped by district (what a report would
    cost without rollups). Returns SQL execution ms and the plans."""
    from django.db import connection

    from reports import raw

    start, end = period.bounds()
    policy = raw.report_policy()
    by_source: dict[str, dict] = {}
    for name, (source, counter) in raw.counter_definitions(policy).items():
        by_source.setdefault(source, {})[name] = counter
    total, plans = 0.0, {}
    for source_name, counters in by_source.items():
        source = raw.SOURCES[source_name]
        qs = (
            source.in_range(start, end)
            .values(source.path("district_id"))
            .annotate(**{n: c.aggregate() for n, c in counters.items()})
            .order_by()
        )
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            sql = cursor.mogrify(sql, params).decode()
        ms, plan = explain_ms(sql, None)
        total += ms
        plans[source_name] = (round(ms, 1), plan)
    return {"sql_execution_ms": round(total, 1), "plans": plans}


def simple_raw_sql(period) -> str:
    """One query, the kind of a hand-written monthly report: orders completed
    in the month by district with five counters (completed, repairs, repairs
    on time, same-day orders, same-day on time)."""
    start, end = period.bounds()
    return (
        "SELECT district_id, count(*), "
        "count(*) FILTER (WHERE kind = 'repair'), "
        "count(*) FILTER (WHERE kind = 'repair' AND completed_at <= sla_deadline), "
        "count(*) FILTER (WHERE is_same_day), "
        "count(*) FILTER (WHERE is_same_day AND completed_at <= commitment_deadline) "
        "FROM workorders_workorder "
        f"WHERE completed_at >= '{start.isoformat()}' AND completed_at < '{end.isoformat()}' "
        "GROUP BY district_id"
    )


def raw_variants(period) -> dict:
    """The raw month three ways: the shipped btree indexes; BRIN indexes on the
    time columns instead (the btree ones dropped inside a transaction that is
    rolled back); no time index at all (sequential scans)."""
    from django.db import connection, transaction

    time_columns = {
        "workorders_workorder": ["accepted_at", "completed_at", "dispatched_at"],
        "complaints_callback": ["at"],
        "complaints_complaint": ["received_at"],
        "compensation_claim": ["completed_at"],
        "sla_approval": ["requested_at"],
        "sla_slaevent": ["at"],
    }
    out = {"btree": raw_month_by_district(period)}
    out["btree"]["simple_ms"], _plan = explain_ms(simple_raw_sql(period), None)
    log(
        f"raw month, btree indexes: {out['btree']['sql_execution_ms']} ms "
        f"(one simple query: {out['btree']['simple_ms']} ms)"
    )

    def drop_time_indexes(cursor):
        cursor.execute(
            "SELECT schemaname, indexname, tablename, indexdef FROM pg_indexes "
            "WHERE tablename = ANY(%s)",
            [list(time_columns)],
        )
        for _schema, name, table, definition in cursor.fetchall():
            cols = re.search(r"\((.*?)\)", definition).group(1)
            first = cols.split(",")[0].strip().strip('"')
            if (
                first in time_columns[table]
                or (table == "sla_slaevent" and name == "slaevent_kind_at")
                or (table == "sla_approval" and name == "approval_queue")
            ):
                cursor.execute(f'DROP INDEX "{name}"')

    for variant in ("brin", "seqscan"):
        started = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cursor:
                drop_time_indexes(cursor)
                if variant == "brin":
                    for table, columns in time_columns.items():
                        for column in columns:
                            cursor.execute(
                                f"CREATE INDEX bench_brin_{table}_{column} "
                                f"ON {table} USING brin ({column})"
                            )
                    cursor.execute("ANALYZE")
            out[variant] = raw_month_by_district(period)
            out[variant]["simple_ms"], out[variant]["simple_plan"] = explain_ms(
                simple_raw_sql(period), None
            )
            transaction.set_rollback(True)
        log(
            f"raw month, {variant}: {out[variant]['sql_execution_ms']} ms "
            f"(one simple query: {out[variant]['simple_ms']} ms; "
            f"setup {time.perf_counter() - started:.0f} s)"
        )
    return out


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgres": "15",
        "date": dt.date.today().isoformat(),
        "load_average_at_end": os.getloadavg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=600, help="history length")
    parser.add_argument("--chunk", type=int, default=1_000_000, help="rows per INSERT")
    parser.add_argument(
        "--rollup-days",
        type=int,
        default=0,
        help="days to roll up, back from yesterday (default: the 13 months measured)",
    )
    parser.add_argument("--workers", type=int, default=2, help="rollup processes")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-raw", action="store_true", help="no raw-table runs")
    parser.add_argument(
        "--only-page",
        action="store_true",
        help="issue 18 only: the monthly report by technician, page 1 uncached "
        "before/after and its xlsx before/after, in this run",
    )
    parser.add_argument(
        "--xlsx-repeat", type=int, default=1, help="runs of each xlsx writer"
    )
    args = parser.parse_args()

    pg = Postgres(
        "reports",
        synchronous_commit="off",
        full_page_writes="off",
        shared_buffers="2GB",
        work_mem="64MB",
        maintenance_work_mem="1GB",
        max_wal_size="16GB",
        checkpoint_timeout="30min",
        max_parallel_maintenance_workers="2",
    )

    def stop(signum, frame):  # SIGTERM/SIGHUP: clean up like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    results: dict = {"args": vars(args)}
    try:
        pg.start()
        setup_django(pg)
        from django.contrib.auth.models import Group, User
        from django.core.management import call_command
        from django.utils import timezone

        from reports import rules, services

        log("migrating")
        call_command("migrate", verbosity=0)
        today = rules.local_day(timezone.now())
        started = time.perf_counter()
        load_org()
        results["load"] = load_orders(args.orders, args.days, today, args.chunk)
        pg.psql("VACUUM ANALYZE;\n")
        results["load"]["total_s"] = round(time.perf_counter() - started, 1)
        results["load"]["database_size"] = database_size(pg)
        log(
            f"loaded in {results['load']['total_s']} s, {results['load']['database_size']}"
        )

        month = rules.last_complete_period(rules.MONTH, today)
        months = rules.last_periods(month, 12)
        first_needed = rules.previous_period(months[0]).start  # trend + comparison
        yesterday = today - dt.timedelta(days=1)
        first = (
            yesterday - dt.timedelta(days=args.rollup_days - 1)
            if args.rollup_days
            else min(first_needed, month.start - dt.timedelta(days=31))
        )
        log(f"rolling up {first} .. {yesterday} in {args.workers} processes")
        results["rollup"] = build_rollups(pg, first, yesterday, args.workers)
        pg.psql("VACUUM ANALYZE reports_dailyrollup;\n")
        log(f"rollups: {results['rollup']}")

        manager = User.objects.create_user("bench-manager")
        manager.groups.add(Group.objects.get(name="manager"))
        manager = User.objects.select_related("staff_profile").get(pk=manager.pk)
        date = month.start.isoformat()
        compared = compare_issue_18(month, today, manager, args)
        measured = (
            []
            if args.only_page
            else [
                measure(
                    "month_by_district",
                    api_call(
                        {"period": "month", "date": date, "by": "district"}, manager
                    ),
                    args.repeat,
                ),
                measure(
                    "month_by_technician",
                    api_call(
                        {"period": "month", "date": date, "by": "technician"}, manager
                    ),
                    args.repeat,
                ),
                # issue 18: page 1 (50 rows) computed afresh each time (the
                # process's cache of closed periods emptied before every call) ...
                measure(
                    "month_by_technician_page_uncached",
                    uncached(
                        api_call(
                            {"period": "month", "date": date, "by": "technician"},
                            manager,
                        )
                    ),
                    args.repeat,
                ),
                # ... and the xlsx, always whole (uncached too)
                measure(
                    "month_by_technician_xlsx_uncached",
                    uncached(
                        api_call(
                            {
                                "period": "month",
                                "date": date,
                                "by": "technician",
                                "format": "xlsx",
                            },
                            manager,
                        )
                    ),
                    args.repeat,
                ),
                measure(
                    "trend_12_months",
                    lambda: services.selectors.trend(month, 12, today=today),
                    args.repeat,
                ),
            ]
        )
        results["measured"] = measured + compared
        refresh = []
        for _ in range(3):
            refresh.append(services.rollup_day(yesterday).seconds)
        results["refresh_one_day_s"] = round(statistics.median(refresh), 3)
        results["refresh_rows"] = services.rollup_day(yesterday).rows
        log(f"refresh of one day: {results['refresh_one_day_s']} s")
        if not args.skip_raw:
            results["raw_month_by_district"] = raw_variants(month)
        results["month"] = month.label
    finally:
        pg.stop()

    info = machine()
    ok = print_report(results, info)
    return 0 if ok else 1


def target_text(name: str) -> str:
    return f"< {TARGETS_MS[name]} ms" if name in TARGETS_MS else ""


def print_report(results: dict, info: dict) -> bool:
    ok = True
    print()
    print(f"month measured: {results.get('month')}; load: {results.get('load')}")
    print(f"rollups: {results.get('rollup')}")
    print(
        f"\n{'measurement':<22} {'server ms':>10} {'SQL ms':>8} {'stmts':>6} {'target':>7}  raw tables"
    )
    for m in results.get("measured", []):
        target = TARGETS_MS.get(m["name"], float("inf"))
        good = m["wall_ms_median"] < target and not m["raw_tables_read"]
        ok &= good
        print(
            f"{m['name']:<22} {m['wall_ms_median']:>10} {m['sql_execution_ms']:>8} "
            f"{m['sql_statements']:>6} {target:>7}  {m['raw_tables_read'] or 'none'}"
            f"{'' if good else '  MISSED'}"
        )
    raw = results.get("raw_month_by_district")
    if raw:
        print(
            "\nraw month by district (SQL execution ms), every metric: "
            + ", ".join(f"{k} {v['sql_execution_ms']}" for k, v in raw.items())
        )
        print(
            "raw month by district (SQL execution ms), one simple query: "
            + ", ".join(f"{k} {v['simple_ms']}" for k, v in raw.items())
        )
    print(
        f"incremental refresh of one day: {results.get('refresh_one_day_s')} s "
        f"({results.get('refresh_rows')} rollup rows)"
    )
    print(f"targets met: {ok}")
    for m in results.get("measured", []):
        print(f"\nslowest statement of {m['name']}:\n{m['slowest_plan']}")
    print("\nmarkdown rows for bench/RESULTS.md:")
    print(
        "| measurement | server time (median) | SQL execution (EXPLAIN ANALYZE) | statements | raw order table read | target | CPU of this process (median) |"
    )
    print("|---|---:|---:|---:|---|---:|---:|")
    for m in results.get("measured", []):
        print(
            f"| {m['name']} | {m['wall_ms_median']:.1f} ms | {m['sql_execution_ms']:.1f} ms "
            f"| {m['sql_statements']} | {'yes' if m['raw_tables_read'] else 'no'} "
            f"| {target_text(m['name'])} "
            f"| {m['cpu_ms_median']:.1f} ms |"
        )
    if raw:
        for k, v in raw.items():
            print(
                f"| raw month by district, every metric, {k} | | "
                f"{v['sql_execution_ms']:.1f} ms | | yes | |"
            )
            print(
                f"| raw month by district, one simple query, {k} | | "
                f"{v['simple_ms']:.1f} ms | 1 | yes | |"
            )
    print(
        f"\nmachine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, "
        f"PostgreSQL {info['postgres']} (fsync=off), {info['date']}, "
        f"load average at the end {tuple(round(x, 2) for x in info['load_average_at_end'])}"
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = OUT_DIR / f"reports-{stamp}.json"
    out.write_text(
        json.dumps(
            {"machine": info, "results": results},
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    )
    print(f"details: {out.relative_to(ROOT)}")
    return ok


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
