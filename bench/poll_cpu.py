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


def burst_cpu(client, url: str, runs: int, create) -> tuple[str, int]:
    """The CRM's burst: a new order before each poll (not timed), the poll
    with the ETag of the last answer. Median/least CPU ms, and how many of
    the polls were answered 304."""
    etag = client.get(url).get("ETag")
    cpu, not_modified = [], 0
    for _ in range(runs):
        create()
        headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
        started = time.process_time()
        response = client.get(url, **headers)
        cpu.append((time.process_time() - started) * 1000)
        not_modified += response.status_code == 304
        etag = response.get("ETag") or etag
    return f"{statistics.median(cpu):.1f}/{min(cpu):.1f}", not_modified


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


def crm_order_maker():
    """A function that creates one order as the CRM does (the API's service),
    in a random package area, each a second later than the last."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from org.models import PackageArea
    from workorders import services as wo_services

    areas = list(PackageArea.objects.values_list("code", flat=True))
    rng = random.Random(5)
    count = iter(range(1, 10**9))
    start = timezone.now()

    def create() -> None:
        n = next(count)
        data = wo_services.OrderIn(
            source="crm",
            kind=rng.choice(["install", "repair"]),
            product="ftth_broadband",
            customer=wo_services.CustomerIn(name="王女士", phone=f"137{n:08d}"),
            address="通灌北路 1 号",
            package_area=rng.choice(areas),
            crm_order_id=f"BURST-{n}",
        )
        with time_machine.travel(start + dt.timedelta(seconds=n), tick=False):
            wo_services.work_order_create(data=data, by=None)

    return create


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
        create = crm_order_maker()
        print(f"during a burst (a new order before each poll), {args.runs} polls")
        for name, url in PANELS.items():
            ms, not_modified = burst_cpu(client, url, args.runs, create)
            print(f"{name:14} {ms:>10}  {not_modified} × 304", flush=True)
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
