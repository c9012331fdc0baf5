"""One monthly payroll run (issue 7): 5,000 technicians, 500,000 orders.

    .venv/bin/python bench/payroll.py                     # 100k then 500k, ~3 min
    .venv/bin/python bench/payroll.py --sizes 500000      # one size
    .venv/bin/python bench/payroll.py --technicians 2000 --sizes 50000 200000
    .venv/bin/python bench/payroll.py --help

Everything runs on this machine and is torn down at the end (also on Ctrl-C
or SIGTERM):

1. a throwaway PostgreSQL 15 (initdb in a temporary directory, a free
   loopback port, ``fsync=off`` as in /work/shared/RECIPES.md; as the
   ``postgres`` user via ``runuser`` when we are root);
2. Django in this process against it: ``migrate`` (the payroll rate tables
   get their defaults), then the data with ``INSERT … SELECT … FROM
   generate_series`` (no ORM objects; each column list comes from the model,
   so the statements follow the models as fields are added): 4 districts,
   8 areas, a region group of five per 5 technicians, the technicians (30 %
   of two vendors, cert levels 3–5, 10 % with their own base workload),
   50,000 customers, 600 published complaint penalty tickets, 1,000
   management assessments;
3. for each size (cumulative: the second size adds orders to the first):
   the completed on-site orders of November 2026 spread over the
   technicians, days and working hours (≈ 8 % completed after 18:00, 40 %
   same-day, 60 % repairs of which ≈ 3 % repeat faults), a callback for
   every fifth order, then ``VACUUM ANALYZE``;
4. one run computation (``payroll.services.payroll_run_create``) for
   November in a **fresh child process**, so that ``resource.getrusage``'s
   peak RSS is the computation's (the child reports its RSS after Django
   set-up and its peak after the run); the child checks the run (a line per
   technician, an item per order, totals = sum of lines) and also times the
   version diff against the previous run and the xlsx export;
5. prints a table, markdown rows for bench/RESULTS.md and the machine line
   (with the load average: other benchmarks may share the CPUs), and writes
   bench/out/payroll-<date>-<time>.json.

Target (issue 7): the 500,000-order run in < 60 s, memory bounded (the peak
RSS does not grow with the number of orders).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench._pg import Postgres  # noqa: E402
from bench._pg import insert_select as _pg_insert_select  # noqa: E402

TARGET_S = 60.0
MONTH = "2026-11"
MONTH_START = "2026-11-01 00:00:00+08"
NOW = "2026-12-03T10:00:00+08:00"  # computations run "early in December"
CUSTOMERS = 50_000


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def setup_django(url: str, var_dir: Path) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="dispatch_center.settings",
        DISPATCH_VAR_DIR=str(var_dir),
        NOTIFICATION_KICK="false",
        POLICY_CACHE_SECONDS="3600",
        LOG_LEVEL="WARNING",
        DEBUG="false",
    )
    import django

    django.setup()


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- loading ----------------------------------------------------------------------------


def insert_select(model, from_clause: str, overrides: dict[str, str]) -> int:
    """``bench._pg.insert_select`` run at once; the rows it inserted."""
    from django.db import connection

    sql, params = _pg_insert_select(model, from_clause.removeprefix("FROM "), overrides)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def load_org(technicians: int) -> None:
    """Districts, areas, groups of five, package areas, vendors, technicians."""
    from org.models import Area, District, PackageArea, RegionGroup, Technician, Vendor

    groups = (technicians + 4) // 5
    insert_select(
        District,
        "FROM generate_series(1, 4) AS g",
        {"code": "'D' || g", "name": "'区局' || g"},
    )
    insert_select(
        Area,
        "FROM generate_series(1, 8) AS g",
        {
            "code": "'A' || g",
            "name": "'片区' || g",
            "district_id": "(SELECT min(id) FROM org_district) + mod(g, 4)",
            "area_type": "CASE WHEN mod(g, 4) = 3 THEN 'rural' ELSE 'urban_core' END",
        },
    )
    insert_select(
        RegionGroup,
        f"FROM generate_series(1, {groups}) AS g",
        {
            "code": "'G' || g",
            "name": "'区域组' || g",
            "area_id": "(SELECT min(id) FROM org_area) + mod(g, 8)",
        },
    )
    insert_select(
        PackageArea,
        f"FROM generate_series(1, {groups}) AS g",
        {
            "code": "'P' || g",
            "name": "'小包区' || g",
            "group_id": "(SELECT min(id) FROM org_regiongroup) + g - 1",
            "lat": "34.6",
            "lng": "119.2",
        },
    )
    insert_select(
        Vendor,
        "FROM generate_series(1, 2) AS g",
        {"code": "'V' || g", "name": "'外包公司' || g"},
    )
    insert_select(
        Technician,
        f"FROM generate_series(1, {technicians}) AS g",
        {
            "code": "'T' || lpad(g::text, 5, '0')",
            "name": "'工程师' || g",
            "phone": "'138' || lpad(g::text, 8, '0')",
            "group_id": "(SELECT min(id) FROM org_regiongroup) + (g - 1) / 5",
            "home_package_area_id": "(SELECT min(id) FROM org_packagearea) + (g - 1) / 5",
            "vendor_id": "CASE WHEN mod(g, 10) < 3 "
            "THEN (SELECT min(id) FROM org_vendor) + mod(g, 2) END",
            "cert_level": "3 + mod(g, 3)",
            "after_hours": "mod(g, 4) = 0",
        },
    )


def load_people_facts(technicians: int) -> None:
    """Customers, overrides, published penalty tickets, management assessments."""
    from complaints.models import Complaint, PenaltyTicket
    from payroll.models import Adjustment, TechnicianPay
    from workorders.models import Customer

    insert_select(
        Customer,
        f"FROM generate_series(1, {CUSTOMERS}) AS g",
        {
            "name": "'客户' || g",
            "phone": "'139' || lpad(g::text, 8, '0')",
            "created_at": "now()",
        },
    )
    tech = "(SELECT min(id) FROM org_technician)"
    insert_select(
        TechnicianPay,
        f"FROM generate_series(1, {technicians // 10}) AS g",
        {
            "technician_id": f"{tech} + (g - 1) * 10",
            "base_hours": "80 + mod(g, 5) * 10",
        },
    )
    received = f"TIMESTAMPTZ '{MONTH_START}' + mod(g, 29) * interval '1 day'"
    insert_select(
        Complaint,
        "FROM generate_series(1, 600) AS g",
        {
            "number": "'TS' || lpad(g::text, 8, '0')",
            "channel": "'hotline_10000'",
            "phone": "'139' || lpad(g::text, 8, '0')",
            "customer_name": "'客户' || g",
            "category": "'service_support'",
            "sub_category_id": "(SELECT min(id) FROM complaints_complaintsubcategory)",
            "received_at": received,
            "commitment_due": f"{received} + interval '1 day'",
            "created_at": received,
            "updated_at": received,
            "status": "'closed'",
            "outcome": "'human'",
        },
    )
    insert_select(
        PenaltyTicket,
        "FROM complaints_complaint c",
        {
            "complaint_id": "c.id",
            "technician_id": f"{tech} + mod(c.id * 7, {technicians})",
            "amount": "50",
            "reason": "'爽约'",
            "month": f"'{MONTH}'",
            "status": "'published'",
            "report_due": "c.received_at + interval '7 days'",
            "reported_at": "c.received_at + interval '1 day'",
            "created_at": "c.received_at",
        },
    )
    insert_select(
        Adjustment,
        "FROM generate_series(1, 1000) AS g",
        {
            "technician_id": f"{tech} + mod(g * 13, {technicians})",
            "month": f"'{MONTH}'",
            "kind": "CASE WHEN mod(g, 3) = 0 THEN 'penalty' ELSE 'reward' END",
            "amount": "20 + mod(g, 5) * 10",
            "reason": "'管理考核'",
            "created_at": "now()",
        },
    )


def load_orders(first: int, last: int, technicians: int) -> int:
    """Completed on-site orders ``first..last`` of November, and a callback
    for every fifth. Order g goes to technician g mod T, on day g mod 30, at
    08:00 + (7g mod 660) minutes (so ≈ 8 % complete after 18:00)."""
    from complaints.models import Callback
    from workorders.models import WorkOrder

    done = (
        f"(TIMESTAMPTZ '{MONTH_START}' + mod(g, 30) * interval '1 day'"
        " + (480 + mod(g * 7, 660)) * interval '1 minute')"
    )
    accepted = f"({done} - interval '5 hours')"
    kind = (
        "CASE WHEN mod(g, 10) < 3 THEN 'install' "
        "WHEN mod(g, 10) = 3 THEN 'move' ELSE 'repair' END"
    )
    products = (
        "(ARRAY['ftth_broadband','itv_hd','fixed_phone','fttb_broadband','other'])"
    )
    same_day = "(mod(g, 5) < 2)"
    rows = insert_select(
        WorkOrder,
        f"FROM generate_series({first}, {last}) AS g "
        "JOIN org_technician t ON t.id = "
        f"(SELECT min(id) FROM org_technician) + mod(g, {technicians}) "
        "JOIN org_regiongroup rg ON rg.id = t.group_id "
        "JOIN org_area a ON a.id = rg.area_id",
        {
            "number": "'B' || lpad(g::text, 9, '0')",
            "source": "'crm'",
            "kind": kind,
            "product": f"{products}[1 + mod(g / 10, 5)]",
            "status": "'completed'",
            "customer_id": "(SELECT min(id) FROM workorders_customer) "
            f"+ mod(g * 7, {CUSTOMERS})",
            "address": "'bench address ' || g",
            "package_area_id": "t.home_package_area_id",
            "group_id": "t.group_id",
            "district_id": "a.district_id",
            "is_same_day": same_day,
            "commitment_deadline": f"CASE WHEN {same_day} THEN {done} + "
            "CASE WHEN mod(g, 20) = 0 THEN interval '-1 hour' "
            "ELSE interval '2 hours' END END",
            "accepted_at": accepted,
            "deadline": f"{accepted} + interval '24 hours'",
            "sla_deadline": f"{accepted} + interval '24 hours'",
            "dispatched_at": f"{accepted} + interval '5 minutes'",
            "arrived_at": f"{done} - interval '45 minutes'",
            "completed_at": done,
            "technician_id": "t.id",
            "resolution": "'onsite'",
            "is_repeat_fault": f"({kind}) = 'repair' AND mod(g, 33) = 0",
            "created_at": accepted,
            "updated_at": done,
        },
    )
    insert_select(
        Callback,
        "FROM workorders_workorder w "
        f"WHERE w.number BETWEEN 'B{first:09d}' AND 'B{last:09d}' AND mod(w.id, 5) = 0",
        {
            "work_order_id": "w.id",
            "contact": "5",
            "punctuality": "5",
            "skill": "4",
            "attitude": "5",
            "satisfied": "mod(w.id, 23) <> 0",
            "at": "w.completed_at + interval '6 hours'",
        },
    )
    return rows


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- the measured computation, in a child process ------------------------------------------


def child(url: str, var_dir: str) -> None:
    """Compute November once; print one JSON line with times and RSS."""
    setup_django(url, Path(var_dir))
    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models import Count, Sum

    from payroll import exports, selectors, services
    from payroll.models import PayrollItem, PayrollLine, PayrollRun

    user, _ = User.objects.get_or_create(username="bench-finance")
    connection.ensure_connection()
    rss_before = rss_mb()
    now = dt.datetime.fromisoformat(NOW)
    started = time.perf_counter()
    run = services.payroll_run_create(month=MONTH, by=user, now=now)
    seconds = time.perf_counter() - started
    rss_after = rss_mb()

    lines = PayrollLine.objects.filter(run=run)
    line_sum = lines.aggregate(total=Sum("total"))["total"]
    items = PayrollItem.objects.filter(run=run).count()
    result = {
        "version": run.version,
        "compute_s": round(seconds, 2),
        "rss_after_setup_mb": round(rss_before, 1),
        "rss_peak_mb": round(rss_after, 1),
        "technicians": run.technicians,
        "lines": lines.count(),
        "orders": run.orders,
        "items": items,
        "total": str(run.total),
        "piece_wage": str(run.piece_wage),
        "totals_match": line_sum == run.total,
        "grades": dict(
            lines.order_by()
            .values("grade")
            .annotate(n=Count("id"))
            .values_list("grade", "n")
        ),
    }
    previous = (
        PayrollRun.objects.filter(month=MONTH, version=run.version - 1).first()
        if run.version > 1
        else None
    )
    if previous is not None:
        from payroll.api.views import _diff

        started = time.perf_counter()
        diff = _diff(run, previous, user)
        result["diff_s"] = round(time.perf_counter() - started, 2)
        result["diff_changed"] = diff["changed"]
    started = time.perf_counter()
    all_lines = selectors.lines_of(run, user)
    content = exports.run_xlsx(run, all_lines, selectors.vendor_settlement(all_lines))
    result["xlsx_s"] = round(time.perf_counter() - started, 2)
    result["xlsx_kb"] = len(content) // 1024
    result["rss_peak_end_mb"] = round(rss_mb(), 1)
    print(json.dumps(result))


def compute_in_child(pg: Postgres) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", pg.url, str(pg.tmp / "var")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


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
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--technicians", type=int, default=5000)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[100_000, 500_000],
        help="cumulative order counts, one run computed at each",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    sizes = sorted(args.sizes)

    pg = Postgres(
        "payroll",
        synchronous_commit="off",
        full_page_writes="off",
        shared_buffers="256MB",
        max_wal_size="4GB",
        work_mem="64MB",
    )

    def stop(signum, frame):  # SIGTERM/SIGHUP: clean up like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    results = []
    info = machine()
    try:
        pg.start()
        setup_django(pg.url, pg.tmp / "var")
        from django.core.management import call_command
        from django.db import connection

        log("migrating")
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        load_org(args.technicians)
        load_people_facts(args.technicians)
        log(f"organisation and people loaded in {time.perf_counter() - started:.1f} s")
        loaded = 0
        for size in sizes:
            started = time.perf_counter()
            load_orders(loaded + 1, size, args.technicians)
            vacuum()
            load_s = time.perf_counter() - started
            loaded = size
            log(f"{size:,} orders loaded in {load_s:.1f} s; computing {MONTH}")
            connection.close()  # the child has the server to itself
            result = compute_in_child(pg)
            result.update(orders_loaded=size, load_s=round(load_s, 1))
            log(
                f"{size:,}: {result['compute_s']} s, peak RSS "
                f"{result['rss_peak_mb']} MB"
            )
            results.append(result)
    finally:
        pg.stop()
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    report(results, info, args.technicians)
    return 0 if all_targets_met(results) else 1


def all_targets_met(results: list[dict]) -> bool:
    ok = all(r["totals_match"] and r["items"] == r["orders"] for r in results)
    ok &= all(r["compute_s"] < TARGET_S for r in results)
    if len(results) > 1:  # memory bounded: the peak does not follow the orders
        peaks = [r["rss_peak_mb"] - r["rss_after_setup_mb"] for r in results]
        ok &= max(peaks) < 2 * max(min(peaks), 50)
    return ok


def report(results: list[dict], info: dict, technicians: int) -> None:
    print()
    print(
        f"{'orders':>9} {'techs':>6} {'compute s':>10} {'RSS setup MB':>13} "
        f"{'RSS peak MB':>12} {'items':>9} {'diff s':>7} {'xlsx s':>7} {'load s':>7}"
    )
    for r in results:
        print(
            f"{r['orders']:>9,} {r['technicians']:>6,} {r['compute_s']:>10.2f} "
            f"{r['rss_after_setup_mb']:>13.1f} {r['rss_peak_mb']:>12.1f} "
            f"{r['items']:>9,} {r.get('diff_s', '-'):>7} {r['xlsx_s']:>7} "
            f"{r['load_s']:>7}"
        )
    print(f"targets met: {all_targets_met(results)}")
    print("\nmarkdown rows for bench/RESULTS.md:")
    print(
        "| counted orders | technicians | run computation | RSS after set-up "
        "| peak RSS | items written | diff vs previous version | xlsx export |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        diff = f"{r['diff_s']} s" if "diff_s" in r else "–"
        print(
            f"| {r['orders']:,} | {r['technicians']:,} | {r['compute_s']:.1f} s "
            f"| {r['rss_after_setup_mb']:.0f} MB | {r['rss_peak_mb']:.0f} MB "
            f"| {r['items']:,} | {diff} | {r['xlsx_s']} s |"
        )
    print(
        f"\nmachine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, "
        f"PostgreSQL {info['postgres']} (fsync=off), {info['date']}, "
        f"load average {info['loadavg']} at start, {info['loadavg_end']} at end"
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = OUT_DIR / f"payroll-{stamp}.json"
    out.write_text(
        json.dumps(
            {"machine": info, "technicians": technicians, "results": results},
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"details: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
