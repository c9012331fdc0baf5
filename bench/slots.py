"""A day's appointment slots of one region group over millions of kept orders.

    .venv/bin/python bench/slots.py                       # 10M orders (long)
    .venv/bin/python bench/slots.py --orders 1000000      # what fits a shared box
    .venv/bin/python bench/slots.py --help

1. a throwaway PostgreSQL 15 (``bench/_pg.py``: temporary directory, free
   loopback port, ``fsync=off``), ``migrate`` in this process;
2. 1,000 region groups of 5 technicians (one package area each) and
   ``--orders`` completed orders loaded with ``INSERT … SELECT … FROM
   generate_series`` in chunks: spread evenly over the groups and ``--days``
   days, each with an appointment in one of the four day slots, so a group
   has ``orders / groups / days`` appointments a day (10 at 10M); then the
   secondary indexes and ``VACUUM ANALYZE``;
3. timed, ``--repeat`` times each over random groups and days (median and
   p95): ``dispatch.slot_selectors.day_slots`` (what ``GET /api/v1/slots/``
   computes: policy, staff, rota, the 工时池 and the day's appointments) and,
   as the baseline, a bare indexed ``SELECT count(*)`` of the group's
   appointments that day; the SQL statements of one ``day_slots`` are counted.

The cost must follow the orders booked that day in that group, not the table
(target: under 20 ms with 10M orders). Prints a markdown row for RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ``python bench/slots.py``: bench/ would shadow the apps; the root goes first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench._pg import Postgres, insert_select  # noqa: E402

GROUPS = 1_000
PER_GROUP = 5


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def execute(sql: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def load(orders: int, days: int, first_day: dt.date, chunk: int) -> None:
    from org.models import Area, District, PackageArea, RegionGroup, Technician
    from workorders.models import Customer, WorkOrder

    district = District.objects.create(code="D1", name="区局")
    area = Area.objects.create(
        code="A1", name="片区", district=district, area_type="urban_core"
    )
    for model, count, overrides in [
        (
            RegionGroup,
            GROUPS,
            {"code": "'G' || g", "name": "'组' || g", "area_id": str(area.pk)},
        ),
        (
            PackageArea,
            GROUPS,
            {"code": "'P' || g", "name": "'包区' || g", "group_id": "g"},
        ),
        (
            Technician,
            GROUPS * PER_GROUP,
            {
                "code": "'T' || g",
                "name": "'工程师' || g",
                "phone": "'138' || lpad(g::text, 8, '0')",
                "group_id": f"(g - 1) / {PER_GROUP} + 1",
                "skills": """'["ftth_broadband"]'::jsonb""",
                "after_hours": f"mod(g, {PER_GROUP}) = 0",
            },
        ),
        (
            Customer,
            1,
            {"name": "'客户'", "phone": "'13900000000'", "created_at": "now()"},
        ),
    ]:
        sql, params = insert_select(
            model, f"generate_series(1, {count}) AS g", overrides
        )
        execute(sql, params)
    customer = Customer.objects.get()
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(
        hours=8
    )  # local midnight of the first day
    # row g: group 1 + g mod G, day (g / G) mod D, slot hour 8/10/14/16
    appt = (
        f"timestamptz '{start.isoformat()}' + (mod(g / {GROUPS}, {days}) * interval '1 day')"
        " + (CASE mod(g / 7, 4) WHEN 0 THEN 8 WHEN 1 THEN 10 WHEN 2 THEN 14 ELSE 16 END)"
        " * interval '1 hour'"
    )
    overrides = {
        "number": "'B' || g",
        "source": "'crm'",
        "kind": "'install'",
        "product": "'ftth_broadband'",
        "status": "'completed'",
        "customer_id": str(customer.pk),
        "address": "'地址'",
        "package_area_id": f"1 + mod(g, {GROUPS})",
        "group_id": f"1 + mod(g, {GROUPS})",
        "district_id": str(district.pk),
        "deadline_basis": "'bench'",
        "accepted_at": f"({appt}) - interval '2 days'",
        "deadline": f"({appt}) + interval '2 hours'",
        "commitment_deadline": f"({appt}) + interval '2 hours'",
        "sla_deadline": f"({appt}) + interval '2 hours'",
        "appointment_start": appt,
        "appointment_end": f"({appt}) + interval '2 hours'",
        "completed_at": f"({appt}) + interval '1 hour'",
        "customer_token": "md5(g::text)",
        "created_at": "now()",
        "updated_at": "now()",
    }
    done = 0
    while done < orders:
        last = min(orders, done + chunk)
        sql, params = insert_select(
            WorkOrder, f"generate_series({done + 1}, {last}) AS g", overrides
        )
        t0 = time.perf_counter()
        execute(sql, params)
        log(f"orders {last:,} ({time.perf_counter() - t0:.1f} s)")
        done = last


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=1_000)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    pg = Postgres("slots", synchronous_commit="off", shared_buffers="512MB")
    try:
        pg.start()
        os.environ.update(
            DATABASE_URL=pg.url,
            DJANGO_SETTINGS_MODULE="dispatch_center.settings",
            DISPATCH_VAR_DIR=str(pg.tmp / "var"),
            LOG_LEVEL="WARNING",
            DEBUG="false",
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from dispatch import slot_selectors
        from dispatch.slot_rules import day_bounds

        log("migrating")
        call_command("migrate", verbosity=0)
        first_day = dt.date(2024, 1, 1)
        t0 = time.perf_counter()
        load(args.orders, args.days, first_day, args.chunk)
        pg.psql("VACUUM ANALYZE;\n")
        log(f"loaded in {time.perf_counter() - t0:.0f} s")
        rng = random.Random(17)
        now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

        def pick():
            return rng.randint(1, GROUPS), first_day + dt.timedelta(
                days=rng.randrange(args.days)
            )

        def slots():
            group, day = pick()
            slot_selectors.day_slots(
                group_id=group,
                kind="install",
                product="ftth_broadband",
                day=day,
                now=now,
            )

        def bare():
            group, day = pick()
            lo, hi = day_bounds(day)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM workorders_workorder WHERE group_id = %s "
                    "AND appointment_start >= %s AND appointment_start < %s",
                    [group, lo, hi],
                )
                cursor.fetchone()

        timed(slots, 20)  # warm the caches
        timed(bare, 20)
        slots_med, slots_p95 = timed(slots, args.repeat)
        bare_med, bare_p95 = timed(bare, args.repeat)
        statements = []
        with connection.execute_wrapper(
            lambda ex, sql, params, many, ctx: (
                statements.append(sql) or ex(sql, params, many, ctx)
            )
        ):
            slots()
        per_day = args.orders / GROUPS / args.days
        print(
            f"| {args.orders:,} | {per_day:g} | {slots_med:.2f} / {slots_p95:.2f} | "
            f"{bare_med:.2f} / {bare_p95:.2f} | {slots_med / bare_med:.1f}× | "
            f"{len(statements)} |"
        )
    finally:
        pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
