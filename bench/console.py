"""The dispatcher desk with thousands of open orders: server time and queries.

    .venv/bin/python bench/console.py                    # 5,000 open orders
    .venv/bin/python bench/console.py --orders 20000 --runs 30

One command, nothing pre-started: a throwaway SQLite database in a temporary
directory (or the database of ``DATABASE_URL`` when set, e.g. a throwaway
PostgreSQL), removed at the end.

1. ``migrate``, an organisation of 2 districts, 4 areas, 8 region groups,
   16 package areas and 48 technicians, and a dispatcher;
2. ``--orders`` open orders spread over the groups and the open states
   (60 % pending, the rest assigned), with VIP customers, same-day orders,
   urges, escalations, 无人可派 flags and internal deadlines from 3 h overdue
   to 10 h ahead, inserted in bulk (this measures the reading side);
3. Django's test client (the whole middleware and template stack in this
   process, no network) GETs each page once to warm up, then ``--runs``
   times; the time of each request is its server time. Pages: the full desk,
   the polled queue partial, a filtered queue (one district, pending only),
   the 50th page of the queue and the polled side panels.

Prints the median, p90 and maximum per page with the number of SQL queries,
markdown rows for bench/RESULTS.md, and writes bench/out/console-<date>.json.
Target (issue 9): the desk renders in under 500 ms with 5,000 open orders.

With ``--postgres`` (issues 14 and 18) it starts a throwaway PostgreSQL 15
(``bench/_pg.py``) and adds:

4. the polled queue answered ``304`` from its ETag (an unchanged poll), the
   search, the technicians panel, the map's data and the navigation counts;
5. the queue at ``--queue-orders`` open orders (default 20,000): EXPLAIN
   ANALYZE of every statement of one queue poll, against the former
   selection (every open order joined, sorted, then cut to 50, and a COUNT)
   measured in the same run;
6. ``--search-orders`` orders in all (default 1,000,000; closed ones added
   with one ``INSERT … SELECT generate_series``): desk searches by part of a
   phone, a name, an address and an order number, timed with the trigram
   indexes and again after dropping them (the baseline).

    .venv/bin/python bench/console.py --postgres
    .venv/bin/python bench/console.py --postgres --search-orders 0   # skip step 6

Targets: desk < 500 ms with 5,000 open orders; a queue poll's SQL < 20 ms at
20,000 open orders; an unchanged poll answered 304 in < 5 ms; search < 100 ms
at 1,000,000 orders.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
TARGET_MS = 500.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇"]
STREETS = ["通灌北路", "海连东路", "朝阳中路", "解放西路", "新浦大街", "苍梧路"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--postgres", action="store_true", help="a throwaway PostgreSQL 15"
    )
    parser.add_argument("--queue-orders", type=int, default=20_000)
    parser.add_argument("--search-orders", type=int, default=1_000_000)
    return parser.parse_args()


def organisation() -> dict:
    districts = [{"code": f"D{d}", "name": f"区局{d}"} for d in (1, 2)]
    areas, groups, packages, technicians = [], [], [], []
    for a in range(4):
        areas.append(
            {
                "code": f"A{a}",
                "name": f"片区{a}",
                "district": f"D{a % 2 + 1}",
                "area_type": "urban_core",
                "same_day_enabled": True,
            }
        )
        for g in range(2):
            group = f"G{a}{g}"
            groups.append({"code": group, "name": f"组{a}{g}", "area": f"A{a}"})
            for p in range(2):
                packages.append(
                    {
                        "code": f"P{a}{g}{p}",
                        "name": f"小包区{a}{g}{p}",
                        "group": group,
                        "lat": 34.5 + a * 0.05 + p * 0.01,
                        "lng": 119.2 + g * 0.05,
                    }
                )
            for t in range(6):
                technicians.append(
                    {
                        "code": f"T{a}{g}{t}",
                        "name": f"工程师{a}{g}{t}",
                        "phone": f"1380000{a}{g}{t:02d}",
                        "group": group,
                        "home_package_area": f"P{a}{g}{t % 2}",
                        "vendor": None,
                        "cert_level": 4,
                        "skills": ["ftth_broadband", "itv_hd", "fixed_phone"],
                        "role": "technician",
                        "max_open_orders": 200,
                        "after_hours": True,
                    }
                )
    return {
        "districts": districts,
        "areas": areas,
        "groups": groups,
        "package_areas": packages,
        "vendors": [],
        "technicians": technicians,
    }


def load_orders(count: int, now, rng: random.Random, *, start: int = 0) -> None:
    from org.models import PackageArea, Technician
    from workorders.models import Customer, WorkOrder

    packages = list(PackageArea.objects.select_related("group__area"))
    by_group: dict[int, list] = {}
    for t in Technician.objects.all():
        by_group.setdefault(t.group_id, []).append(t)
    levels = ["ordinary"] * 8 + ["gold", "diamond"]
    customers = Customer.objects.bulk_create(
        [
            Customer(
                name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{i % 97}",
                phone=f"139{i:08d}",
                level=rng.choice(levels),
                address=f"{rng.choice(STREETS)}{i % 300}号{i % 7}-{i % 40}",
            )
            for i in range(start, start + count)
        ],
        batch_size=1000,
    )
    assigned = ["dispatched", "accepted", "appointed", "on_site", "suspended"]
    orders = []
    for i, customer in enumerate(customers):
        package = packages[i % len(packages)]
        status = "pending" if rng.random() < 0.6 else rng.choice(assigned)
        accepted = now - dt.timedelta(minutes=rng.randint(30, 20 * 60))
        deadline = now + dt.timedelta(minutes=rng.randint(-180, 600))
        same_day = rng.random() < 0.5
        i += start
        orders.append(
            WorkOrder(
                number=f"B{i:09d}",
                source="crm",
                kind=rng.choice(["install", "repair", "move"]),
                product="ftth_broadband",
                status=status,
                customer=customer,
                address=customer.address,
                lat=package.lat + rng.uniform(-0.01, 0.01),
                lng=package.lng + rng.uniform(-0.01, 0.01),
                package_area=package,
                group=package.group,
                district=package.group.area.district,
                is_same_day=same_day,
                queue_rank=0 if same_day or customer.level != "ordinary" else 1,
                accepted_at=accepted,
                deadline=deadline,
                sla_deadline=deadline,
                technician=(
                    rng.choice(by_group[package.group_id])
                    if status != "pending"
                    else None
                ),
                urge_count=rng.choice([0, 0, 0, 1, 2]),
                escalation_level=rng.choice([0, 0, 0, 1, 2]),
                dispatch_flag="no_candidate"
                if status == "pending" and rng.random() < 0.02
                else "",
            )
        )
    WorkOrder.objects.bulk_create(orders, batch_size=1000)


def measure(client, url: str, runs: int, *, status: int = 200, **headers) -> dict:
    from django.db import connection

    response = client.get(url, **headers)  # warm-up
    assert response.status_code == status, (url, response.status_code)
    times = []
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url, **headers)
    cpu = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == status
    times.sort()
    return {
        "url": url,
        "median_ms": round(statistics.median(times), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
        "max_ms": round(times[-1], 1),
        "queries": len(queries),
        "bytes": len(response.content),
    }


QUEUE_SQL_TARGET_MS = 20.0
NOT_MODIFIED_TARGET_MS = 5.0
SEARCH_TARGET_MS = 100.0
SEARCHES = {
    "phone, 6 digits": "000123",
    "phone, last 4 digits": "4321",
    "name, 3 characters": "王秀英",
    "address part": "海连东路12号",
    "order number part": "B00012",
    "whole name, 2 characters": "李伟",
}


def explain_ms(sql: str, params) -> tuple[float, str]:
    """Execution time EXPLAIN ANALYZE reports for one statement, and its plan."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    total = sum(
        float(line.split("Execution Time:")[1].split("ms")[0])
        for line in plan
        if "Execution Time:" in line
    ) + sum(
        float(line.split("Planning Time:")[1].split("ms")[0])
        for line in plan
        if "Planning Time:" in line
    )
    return total, "\n".join(plan)


def queue_poll_sql(client, url: str) -> list[tuple[str, object]]:
    """The SELECTs one queue poll runs on the orders (not the session's)."""
    from django.db import connection

    captured = []

    def keep(execute, sql, params, many, context):
        if "workorders_workorder" in sql:
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        assert client.get(url).status_code == 200
    return captured


def explain_queue(client, user, district: int) -> dict:
    """EXPLAIN ANALYZE of a queue poll's statements against the former
    selection (all open orders joined and sorted, then a COUNT)."""
    from django.db import connection

    from console.desk_rules import QUEUE_ORDER
    from console.selectors import OPEN
    from workorders.selectors import orders_visible_to

    out = {}
    for name, url in {
        "queue poll": "/console/dispatch/queue/",
        "queue poll, one district": f"/console/dispatch/queue/?district={district}",
        "queue poll, page 50": "/console/dispatch/queue/?page=50",
    }.items():
        statements = queue_poll_sql(client, url)
        timed = [explain_ms(sql, params) for sql, params in statements]
        out[name] = {
            "sql_ms": round(sum(t for t, _plan in timed), 2),
            "statements": len(timed),
            "plans": [plan for _t, plan in timed],
        }
    former = orders_visible_to(user).filter(status__in=OPEN).order_by(*QUEUE_ORDER)
    sql, params = former[:50].query.sql_with_params()
    joined, joined_plan = explain_ms(sql, params)
    sql, params = former.values("id").query.sql_with_params()
    counted, _plan = explain_ms(f"SELECT COUNT(*) FROM ({sql}) t", params)
    out["former: joined top 50 + COUNT"] = {
        "sql_ms": round(joined + counted, 2),
        "statements": 2,
        "plans": [joined_plan],
    }
    connection.close()
    return out


def grow_history(total: int, now) -> None:
    """Closed orders up to ``total`` with one INSERT … SELECT per table, each
    row a copy of an existing one with its own number, customer, phone, name,
    address and entry time (PostgreSQL)."""
    from django.db import connection

    from workorders.models import Customer, WorkOrder

    have = WorkOrder.objects.count()
    missing = total - have
    if missing <= 0:
        return
    customers = missing // 3
    cust_cols = [f.column for f in Customer._meta.concrete_fields if f.column != "id"]
    order_cols = [f.column for f in WorkOrder._meta.concrete_fields if f.column != "id"]
    surnames = "{" + ",".join(SURNAMES) + "}"
    given = "{" + ",".join(GIVEN) + "}"
    streets = "{" + ",".join(STREETS) + "}"
    cust_values = {
        "name": "(%(s)s::text[])[1 + g %% 20] || (%(g)s::text[])[1 + (g / 20) %% 12]"
        " || CASE WHEN g %% 3 = 0 THEN '' ELSE (g %% 97)::text END",
        "phone": "'13' || lpad((200000000 + g)::text, 9, '0')",
        "address": "(%(t)s::text[])[1 + g %% 6] || (g %% 300)::text || '号'",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM workorders_customer")
        template_customer = cursor.fetchone()[0]
        select = ", ".join(cust_values.get(c, f"c.{c}") for c in cust_cols)
        cursor.execute(
            f"INSERT INTO workorders_customer ({', '.join(cust_cols)}) "
            f"SELECT {select} FROM workorders_customer c, "
            f"generate_series(1, %(n)s) g WHERE c.id = %(tc)s",
            {
                "s": surnames,
                "g": given,
                "t": streets,
                "n": customers,
                "tc": template_customer,
            },
        )
        cursor.execute("SELECT min(id) FROM workorders_workorder")
        template_order = cursor.fetchone()[0]
        cursor.execute(
            "SELECT min(id) FROM workorders_customer WHERE phone LIKE '132%%'"
        )
        first_new = cursor.fetchone()[0]
        order_values = {
            "number": "'H' || lpad(g::text, 9, '0')",
            "crm_order_id": "''",
            "idempotency_key": "''",
            "status": "'closed'",
            "customer_id": "%(fc)s + g %% %(nc)s",
            "address": "(%(t)s::text[])[1 + (g / 7) %% 6] || (g %% 300)::text"
            " || '号' || (g %% 9)::text || '-' || (g %% 40)::text",
            "accepted_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
            "completed_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
            "closed_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
            "updated_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
            "sla_next_check_at": "NULL",
            "dispatch_flag": "''",
            # unique per order: the customer page's token (SPEC §14)
            "customer_token": "'h' || md5(g::text)",
        }
        select = ", ".join(order_values.get(c, f"w.{c}") for c in order_cols)
        cursor.execute(
            f"INSERT INTO workorders_workorder ({', '.join(order_cols)}) "
            f"SELECT {select} FROM workorders_workorder w, "
            f"generate_series(1, %(n)s) g WHERE w.id = %(to)s",
            {
                "t": streets,
                "n": missing,
                "to": template_order,
                "fc": first_new,
                "nc": customers,
                "now": now,
            },
        )
        cursor.execute("ANALYZE")


def time_searches(client, runs: int) -> dict:
    """Each search through the page, and EXPLAIN ANALYZE of its statements
    on the orders and customers (their summed SQL time)."""
    from urllib.parse import quote

    from django.db import connection

    out = {}
    for name, text in SEARCHES.items():
        url = f"/console/dispatch/queue/?q={quote(text)}"
        out[name] = measure(client, url, runs)
        captured = []

        def keep(execute, sql, params, many, context, captured=captured):
            if "workorders_" in sql and "SELECT" in sql:
                captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(keep):
            client.get(url)
        timed = [explain_ms(sql, params) for sql, params in captured]
        out[name]["sql_ms"] = round(sum(t for t, _p in timed), 2)
        out[name]["plans"] = [p for _t, p in timed]
        print(f"  {name}: SQL {out[name]['sql_ms']} ms", flush=True)
    return out


def drop_trigram_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name in (
            "wo_customer_phone_trgm",
            "wo_customer_name_trgm",
            "wo_number_trgm",
            "wo_address_trgm",
        ):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def print_table(title: str, results: dict, orders: int) -> None:
    print(f"\n{title}")
    print(
        f"{'page':36} {'median':>8} {'p90':>8} {'max':>8} {'queries':>8} {'web CPU':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:36} {r['median_ms']:>6.1f}ms {r['p90_ms']:>6.1f}ms "
            f"{r['max_ms']:>6.1f}ms {r['queries']:>8} {r['cpu_median_ms']:>6.1f}ms"
        )
    print("markdown rows:")
    for name, r in results.items():
        print(
            f"| {name} | {orders:,} | {r['median_ms']} ms | {r['p90_ms']} ms "
            f"| {r['max_ms']} ms | {r['queries']} | {r['cpu_median_ms']} ms |"
        )


def main() -> int:
    args = parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-console-"))
    os.environ["DISPATCH_VAR_DIR"] = str(scratch)
    os.environ.setdefault("POLICY_CACHE_SECONDS", "30")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch_center.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    pg = None
    if args.postgres:
        from bench._pg import Postgres

        pg = Postgres("console", shared_buffers="256MB", work_mem="16MB")
        pg.start()
        os.environ["DATABASE_URL"] = pg.url
    report: dict = {}
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.utils import timezone

        from org.models import District
        from org.services import org_import

        setup_test_environment()  # the test client's ALLOWED_HOSTS ("testserver")
        settings.ALLOWED_HOSTS = ["*"]
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        org_import(organisation())
        from django.contrib.auth.models import Group, User

        user = User.objects.create_user("bench-dispatcher", password="x")
        user.groups.add(Group.objects.get(name="dispatcher"))
        now = timezone.now()
        rng = random.Random(args.seed)
        load_orders(args.orders, now, rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"loaded {args.orders} open orders on {connection.vendor} "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        client = Client()
        client.force_login(user)
        district = District.objects.get(code="D1").pk
        pages = {
            "desk": "/console/dispatch/",
            "queue partial (polled)": "/console/dispatch/queue/",
            "queue, one district, pending": (
                f"/console/dispatch/queue/?district={district}&status=pending"
            ),
            "queue page 50": "/console/dispatch/queue/?page=50",
            "queue sorted by deadline, descending": (
                "/console/dispatch/queue/?sort=-deadline"
            ),
            "side panels (polled)": "/console/dispatch/side/",
            "technicians panel, page 2": "/console/dispatch/technicians/?tpage=2",
            "map data (JSON)": "/console/dispatch/map/",
            "navigation counts": "/console/dispatch/counts/",
            "search, phone part": "/console/dispatch/queue/?q=0001234",
        }
        results = {name: measure(client, url, args.runs) for name, url in pages.items()}
        etag = client.get("/console/dispatch/queue/")["ETag"]
        results["queue poll, unchanged (304)"] = measure(
            client,
            "/console/dispatch/queue/",
            args.runs,
            status=304,
            HTTP_IF_NONE_MATCH=etag,
        )
        report["pages"] = results
        print_table(f"pages at {args.orders:,} open orders", results, args.orders)
        if connection.vendor == "postgresql":
            more = args.queue_orders - args.orders
            if more > 0:
                load_orders(more, now, rng, start=args.orders)
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            explained = explain_queue(client, user, district)
            report["queue_sql"] = explained
            print(f"\nqueue SQL at {args.queue_orders:,} open orders (EXPLAIN ANALYZE)")
            for name, r in explained.items():
                print(
                    f"  {name:36} {r['sql_ms']:>7.2f} ms  {r['statements']} statements"
                )
            for plan in explained["queue poll"]["plans"]:
                print("    " + plan.replace("\n", "\n    "))
            etag = client.get("/console/dispatch/queue/")["ETag"]
            report["not_modified_20k"] = measure(
                client,
                "/console/dispatch/queue/",
                args.runs,
                status=304,
                HTTP_IF_NONE_MATCH=etag,
            )
            print(f"  unchanged poll (304): {report['not_modified_20k']}")
        if connection.vendor == "postgresql" and args.search_orders:
            started = time.perf_counter()
            grow_history(args.search_orders, now)
            print(
                f"\ngrew to {args.search_orders:,} orders "
                f"in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            with_index = time_searches(client, args.runs)
            print_table("search with trigram indexes", with_index, args.search_orders)
            drop_trigram_indexes()
            without = time_searches(client, max(3, args.runs // 4))
            print_table(
                "search baseline (indexes dropped)", without, args.search_orders
            )
            report["search"] = {"trigram": with_index, "baseline": without}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if pg is not None:
            from django.db import connections

            connections.close_all()
            pg.stop()

    desk = report["pages"]["desk"]["p90_ms"]
    verdicts = [("desk p90", desk, TARGET_MS)]
    verdicts.append(
        (
            "304 poll median",
            report["pages"]["queue poll, unchanged (304)"]["median_ms"],
            NOT_MODIFIED_TARGET_MS,
        )
    )
    if "queue_sql" in report:
        verdicts.append(
            (
                "queue poll SQL",
                report["queue_sql"]["queue poll"]["sql_ms"],
                QUEUE_SQL_TARGET_MS,
            )
        )
    if "search" in report:
        worst = max(r["median_ms"] for r in report["search"]["trigram"].values())
        verdicts.append(("slowest search median", worst, SEARCH_TARGET_MS))
    print()
    for name, value, target in verdicts:
        print(
            f"target: {name} {value} ms < {target:.0f} ms: {'met' if value < target else 'MISSED'}"
        )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"console-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "orders": args.orders,
                "queue_orders": args.queue_orders,
                "search_orders": args.search_orders,
                "runs": args.runs,
                "database": "postgresql" if args.postgres else "sqlite",
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                **report,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if all(v < t for _n, v, t in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
