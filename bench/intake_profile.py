"""Where one CRM create spends its CPU, in process (issue 18).

    .venv/bin/python bench/intake_profile.py               # timings + statements
    .venv/bin/python bench/intake_profile.py --profile 40  # and cProfile's top 40
    .venv/bin/python bench/intake_profile.py --fsync

Sets up the same throwaway PostgreSQL, organisation and CRM token as
``bench/intake.py`` (its ``Environment``), then runs Django in this process
with the benchmark's settings (``bench.floor_settings``: the whole
application plus the floor view, ``POLICY_CACHE_SECONDS=30``, the per-token
throttle off as in the documented command) and posts,
through Django's test client with the token (every middleware, DRF, the
service, the response):

1. ``--creates`` orders for known customers (the load's 90 %) and as many
   floor rows (``POST /bench/floor/``), alternating, timing each request's
   CPU (``time.process_time``) and wall time: the intake's CPU over the
   floor's is what ``bench/intake.py``'s ratio measures, without gunicorn,
   the load generator and PostgreSQL's own CPU; and the CPU of the
   PostgreSQL backend serving this process over each request (its
   ``/proc/<pid>/schedstat``, in nanoseconds: index maintenance, triggers,
   planning), which other load on the machine barely disturbs;
2. the statements of one warm create, listed;
3. with ``--profile N``: cProfile over the creates, the top N functions by
   cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.intake import Environment, order  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creates", type=int, default=400)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--fsync", action="store_true")
    args = parser.parse_args()

    env = Environment(workers=None, fsync=args.fsync)
    try:
        env.start_postgres()
        env.prepare_database()
        os.environ.update(env.django_env())
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor_settings"
        os.environ["API_THROTTLE_TOKEN_RATE"] = ""  # as the bench command
        return run(env, args)
    finally:
        env.stop()


def run(env: Environment, args) -> int:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {env.token}")
    rng = random.Random(18)
    phones = [f"139{n:08d}" for n in range(50)]
    seq = iter(range(10**9))

    def create(phone=None):
        body = order(f"P-{next(seq)}", phone or rng.choice(phones), rng)
        r = client.post("/api/v1/work-orders/", body, content_type="application/json")
        assert r.status_code == 201, r.content
        return r

    def floor():
        r = client.post(
            "/bench/floor/",
            {"payload": f"F-{next(seq)}"},
            content_type="application/json",
        )
        assert r.status_code == 201, r.content

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")

    def backend_ns() -> int:
        return int(backend.read_text().split()[0])

    for phone in phones:  # known customers, warm caches
        create(phone)
    for _ in range(20):
        floor()

    cpu = {"intake": [], "floor": []}
    wall = {"intake": [], "floor": []}
    db = {"intake": 0, "floor": 0}
    for _ in range(args.creates):
        for name, call in (("intake", create), ("floor", floor)):
            c0, w0, d0 = time.process_time(), time.perf_counter(), backend_ns()
            call()
            db[name] += backend_ns() - d0
            cpu[name].append(1000 * (time.process_time() - c0))
            wall[name].append(1000 * (time.perf_counter() - w0))

    print(f"{args.creates} requests each, in process (Django test client):")
    for name in ("intake", "floor"):
        print(
            f"  {name:7} CPU mean {statistics.fmean(cpu[name]):6.2f} ms, "
            f"median {statistics.median(cpu[name]):6.2f} ms; "
            f"wall median {statistics.median(wall[name]):6.2f} ms; "
            f"PostgreSQL CPU mean {db[name] / 1e6 / args.creates:5.2f} ms"
        )
    ratio = statistics.fmean(cpu["floor"]) / statistics.fmean(cpu["intake"])
    print(f"  floor CPU / intake CPU = {100 * ratio:.1f} %")

    with CaptureQueriesContext(connection) as q:
        create()
    print(f"\nstatements of a warm create for a known customer: {len(q)}")
    for i, item in enumerate(q.captured_queries, 1):
        print(f"  {i}. {item['sql'][:160]}")

    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits
        profiler.enable()
        for _ in range(args.creates):
            create()
        profiler.disable()
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.profile)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
