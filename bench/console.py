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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=9)
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


def load_orders(count: int, now, rng: random.Random) -> None:
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
                name=f"客户{i}",
                phone=f"139{i:08d}",
                level=rng.choice(levels),
                address=f"某路{i}号",
            )
            for i in range(count)
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
        orders.append(
            WorkOrder(
                number=f"B{i:09d}",
                source="crm",
                kind=rng.choice(["install", "repair", "move"]),
                product="ftth_broadband",
                status=status,
                customer=customer,
                address=customer.address,
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


def measure(client, url: str, runs: int) -> dict:
    from django.db import connection

    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "url": url,
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
        "max_ms": round(times[-1], 1),
        "queries": len(queries),
        "bytes": len(response.content),
    }


def main() -> int:
    args = parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-console-"))
    os.environ["DISPATCH_VAR_DIR"] = str(scratch)
    os.environ.setdefault("POLICY_CACHE_SECONDS", "30")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch_center.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
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
        load_orders(args.orders, now, random.Random(args.seed))
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
            "side panels (polled)": "/console/dispatch/side/",
        }
        results = {name: measure(client, url, args.runs) for name, url in pages.items()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n{'page':32} {'median':>8} {'p90':>8} {'max':>8} {'queries':>8}")
    for name, r in results.items():
        print(
            f"{name:32} {r['median_ms']:>6.1f}ms {r['p90_ms']:>6.1f}ms "
            f"{r['max_ms']:>6.1f}ms {r['queries']:>8}"
        )
    print("\nmarkdown rows:")
    for name, r in results.items():
        print(
            f"| {name} | {args.orders:,} | {r['median_ms']} ms | {r['p90_ms']} ms "
            f"| {r['max_ms']} ms | {r['queries']} |"
        )
    desk = results["desk"]["p90_ms"]
    verdict = "met" if desk < TARGET_MS else "MISSED"
    print(f"\ntarget: desk p90 {desk} ms < {TARGET_MS:.0f} ms: {verdict}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"console-{dt.date.today():%Y%m%d}.json"
    out.write_text(
        json.dumps(
            {
                "orders": args.orders,
                "runs": args.runs,
                "database": connection.vendor,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if desk < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
