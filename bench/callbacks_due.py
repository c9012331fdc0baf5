"""The callbacks due (回访 queue, SPEC §8) at province scale: the hotline
desk's "待回访" panel and the agents' callback queue read
``complaints.selectors.callbacks_due`` — completed orders still inside
their callback window (a few days) and not called back.

Without an index that starts with ``completed_at`` PostgreSQL walks every
kept order for it (issue 18's Locust trial: ~29 s at 10M kept orders). This
measures the panel's statements with ``EXPLAIN (ANALYZE, BUFFERS)`` on a
cluster kept by ``bench/console_load.py --data-dir DIR --load-only``, first
without the ``wo_completed_at`` index (the baseline, dropped for the
run) and then with it, in the same run; the index is left as the migration
made it (``workorders 0015_completed_at_index``).

    .venv/bin/python bench/callbacks_due.py --data-dir /tmp/load-pg

The cluster is started with ``fsync=on`` and stopped at the end.
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


def statements(now) -> list[tuple[str, str, list]]:
    """The panel's two statements: the first page and its count."""
    from complaints.selectors import callbacks_due, complaint_policy
    from workorders.models import WorkOrder

    due = callbacks_due(WorkOrder.objects.all(), now=now, policy=complaint_policy())
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


def measure(cursor, now, repeat: int) -> dict:
    result = {}
    for name, sql, params in statements(now):
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
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM workorders_workorder")
            orders = cursor.fetchone()[0]
            log(f"{orders:,} orders; dropping {INDEX} for the baseline")
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
            baseline = measure(cursor, now, args.repeat)
            log("creating the index as the migration does")
            started = time.perf_counter()
            cursor.execute(
                f"CREATE INDEX {INDEX} ON workorders_workorder (completed_at)"
            )
            cursor.execute("ANALYZE workorders_workorder")
            build_s = time.perf_counter() - started
            indexed = measure(cursor, now, args.repeat)
    finally:
        pg.stop_server()
    result = {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "orders": orders,
        "kept": kept,
        "migrate_s": round(migrate_s, 1),
        "index_build_s": round(build_s, 1),
        "baseline": baseline,
        "indexed": indexed,
    }
    OUT_DIR.mkdir(exist_ok=True)
    out = OUT_DIR / f"callbacks-due-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(
        f"orders: {orders:,}; migrate {migrate_s:.0f} s; index built in {build_s:.1f} s"
    )
    print("| statement | without index: first / median | with index: first / median |")
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
