"""The callbacks due (回访 queue, SPEC §8) at province scale: the hotline
desk's "待回访" panel and the agents' callback queue read
``complaints.selectors.callbacks_due`` — completed orders still inside
their callback window (a few days) and not called back.

Its filter was an OR of two (kind, completed_at) ranges, which PostgreSQL
could not answer from the completed_at index: it walked every kept order
(issue 18's Locust trial: ~29 s at 10M kept orders). The selector now adds
the longer window's start as a plain range. This measures the panel's two
statements (the first 50, the count) with ``EXPLAIN (ANALYZE, BUFFERS)`` on a
cluster kept by ``bench/console_load.py --data-dir DIR --load-only``: the
former filter (rebuilt here) and the selector as it is, in the same run.

    .venv/bin/python bench/callbacks_due.py --data-dir /tmp/load-pg

The cluster is migrated (timed) with ``fsync=on`` and stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._pg import Postgres  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
INDEX = "wo_completed_at"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def former(orders, *, now, policy):
    """The selector before the change: only the OR of the two windows."""
    from django.db.models import Q

    from workorders.models import Kind, Status

    install_from = now - dt.timedelta(days=policy.callback_install_days)
    repair_from = now - dt.timedelta(days=policy.callback_repair_days)
    return (
        orders.filter(status__in=[Status.COMPLETED, Status.CLOSED])
        .filter(
            Q(kind__in=[Kind.INSTALL, Kind.MOVE], completed_at__gte=install_from)
            | Q(kind=Kind.REPAIR, completed_at__gte=repair_from)
        )
        .filter(completed_at__lte=now, callback__isnull=True)
        .order_by("completed_at", "id")
    )


def statements(now, selector) -> list[tuple[str, str, list]]:
    """The panel's two statements: the first page and its count."""
    from complaints.selectors import complaint_policy
    from workorders.models import WorkOrder

    due = selector(WorkOrder.objects.all(), now=now, policy=complaint_policy())
    page_sql, page_params = due[:50].query.sql_with_params()
    count = due.order_by().values("pk")
    count_sql, count_params = count.query.sql_with_params()
    return [
        ("first 50", page_sql, list(page_params)),
        ("count", f"SELECT count(*) FROM ({count_sql}) AS c", list(count_params)),
    ]


def explain(cursor, sql: str, params: list) -> tuple[float, str]:
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return float(found.group(1)), plan


def measure(cursor, now, selector, repeat: int) -> dict:
    result = {}
    for name, sql, params in statements(now, selector):
        times, plan = [], ""
        for _ in range(repeat):
            ms, plan = explain(cursor, sql, params)
            times.append(ms)
        result[name] = {
            "first_ms": times[0],  # cold-ish: the first read after a restart
            "median_ms": sorted(times)[len(times) // 2],
            "plan": plan,
        }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not (args.data_dir / "kept.json").exists():
        raise SystemExit(
            f"no kept cluster in {args.data_dir} (console_load --load-only)"
        )
    kept = json.loads((args.data_dir / "kept.json").read_text())
    pg = Postgres(
        "callbacks", fsync=True, data_dir=args.data_dir, shared_buffers="256MB"
    )
    try:
        pg.start()
        os.environ.update(
            DATABASE_URL=pg.url,
            DJANGO_SETTINGS_MODULE="dispatch_center.settings",
            DISPATCH_VAR_DIR=str(pg.tmp / "var"),
            LOG_LEVEL="WARNING",
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        started = time.perf_counter()
        call_command("migrate", verbosity=1)
        migrate_s = time.perf_counter() - started
        log(f"migrated in {migrate_s:.0f} s")
        now = timezone.now()
        from complaints.selectors import callbacks_due

        with connection.cursor() as cursor:
            # an index an earlier version of this script made (it duplicated
            # reports_wo_completed_at): gone, so both selections see the
            # indexes a real database has
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
            cursor.execute(
                "DELETE FROM django_migrations WHERE app = 'workorders' "
                "AND name = '0015_completed_at_index'"
            )
            cursor.execute("SELECT count(*) FROM workorders_workorder")
            orders = cursor.fetchone()[0]
            log(f"{orders:,} orders")
            baseline = measure(cursor, now, former, args.repeat)
            indexed = measure(cursor, now, callbacks_due, args.repeat)
    finally:
        pg.stop_server()
    result = {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "orders": orders,
        "kept": kept,
        "migrate_s": round(migrate_s, 1),
        "former": baseline,
        "now": indexed,
    }
    OUT_DIR.mkdir(exist_ok=True)
    out = OUT_DIR / f"callbacks-due-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"orders: {orders:,}; migrate {migrate_s:.0f} s")
    print(
        "| statement | former filter: first / median | bounded filter: first / median |"
    )
    print("|---|---:|---:|")
    for name in baseline:
        b, i = baseline[name], indexed[name]
        print(
            f"| {name} | {b['first_ms']:,.1f} / {b['median_ms']:,.1f} ms "
            f"| {i['first_ms']:,.1f} / {i['median_ms']:,.1f} ms |"
        )
    print(f"details: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
