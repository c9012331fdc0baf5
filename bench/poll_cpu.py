"""CPU per poll of the desk's polled panels (issue 18): full render and 304.

    .venv/bin/python bench/poll_cpu.py                   # 20,000 open orders
    .venv/bin/python bench/poll_cpu.py --orders 5000 --runs 40
    .venv/bin/python bench/poll_cpu.py --profile queue     # cProfile of a render

bench/console.py's organisation (48 technicians) and open orders in a
throwaway SQLite database (or ``DATABASE_URL``; ``--postgres``: a throwaway
PostgreSQL 15, so that the CPU measured is the web process's alone, SQLite
running its queries in-process), a city-wide dispatcher as
in the Locust run, then for each panel the web process's CPU time
(``time.process_time``) per request through Django's test client: the full
render (no ``If-None-Match``) and, where the panel sends an ETag, the
unchanged poll (``304``). Median of ``--runs`` after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PANELS = {
    "queue": "/console/dispatch/queue/",
    "side": "/console/dispatch/side/",
    "technicians": "/console/dispatch/technicians/",
    "counts": "/console/dispatch/counts/",
}


def cpu_ms(client, url: str, runs: int, **headers) -> tuple[str, int, int]:
    """Median/least CPU ms, the status and the number of SQL statements (the
    least is the steadier figure on a shared machine)."""
    from django.db import connection

    client.get(url, **headers)  # warm-up
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(url, **headers).status_code
    cpu = []
    for _ in range(runs):
        started = time.process_time()
        client.get(url, **headers)
        cpu.append((time.process_time() - started) * 1000)
    shown = f"{statistics.median(cpu):.1f}/{min(cpu):.1f}"
    return shown, status, len(statements)


def profile(client, url: str, runs: int, **headers) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url, **headers)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--profile", choices=sorted(PANELS), help="cProfile that panel's full render"
    )
    parser.add_argument(
        "--not-modified", action="store_true", help="profile its 304 instead"
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="a throwaway PostgreSQL 15: the CPU is then the web process's only",
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-polls-"))
    os.environ["DISPATCH_VAR_DIR"] = str(scratch)
    os.environ.setdefault("POLICY_CACHE_SECONDS", "30")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch_center.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    pg = None
    if args.postgres:
        from bench._pg import Postgres

        pg = Postgres("polls", shared_buffers="256MB")
        pg.start()
        os.environ["DATABASE_URL"] = pg.url
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth.models import Group, User
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.utils import timezone

        from bench.console import load_orders, organisation
        from org.services import org_import

        setup_test_environment()
        settings.ALLOWED_HOSTS = ["*"]
        settings.DEBUG = False
        call_command("migrate", verbosity=0)
        org_import(organisation())
        user = User.objects.create_user("bench-dispatcher", password="x")
        user.groups.add(Group.objects.get(name="dispatcher"))
        load_orders(args.orders, timezone.now(), random.Random(9))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"{args.orders:,} open orders on {connection.vendor}", flush=True)
        client = Client()
        client.force_login(user)
        print(f"CPU ms per request, median/least of {args.runs}")
        print(f"{'panel':14} {'full':>10} {'SQL':>4} {'304':>10} {'SQL':>4}")
        for name, url in PANELS.items():
            full, status, statements = cpu_ms(client, url, args.runs)
            etag = client.get(url).get("ETag")
            unchanged = "—"
            if etag:
                ms, status, n = cpu_ms(client, url, args.runs, HTTP_IF_NONE_MATCH=etag)
                unchanged = f"{ms:>10} {n:>4}" if status == 304 else f"({status})"
            print(f"{name:14} {full:>10} {statements:>4} {unchanged}", flush=True)
        if args.profile:
            url, headers = PANELS[args.profile], {}
            if args.not_modified:
                headers["HTTP_IF_NONE_MATCH"] = client.get(url)["ETag"]
            profile(client, url, args.runs, **headers)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
