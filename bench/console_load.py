"""The console under 500 users: Locust against gunicorn + PostgreSQL.

    .venv/bin/python bench/console_load.py                   # 10M kept orders (long load)
    .venv/bin/python bench/console_load.py --kept 1000000 --minutes 6
    .venv/bin/python bench/console_load.py --help

Everything on this machine, loopback only, bounded in time, torn down at the
end (also on Ctrl-C / SIGTERM):

1. a throwaway PostgreSQL 15 with ``fsync=on`` (absolute figures);
2. bench/reports.py's province: 20 districts, 1,000 region groups, 2,000
   package areas, 5,000 technicians, 1,000,000 customers, and ``--kept``
   closed orders over ``--days`` days (with their callbacks, complaints,
   urges, claims), loaded with ``INSERT … SELECT`` (10M takes ~25 min here);
   then ``--open`` open orders (60 % pending, the rest assigned, VIP and
   same-day ones, urges, escalations, 无人可派 flags) spread over the groups;
   ``VACUUM ANALYZE``;
3. 50 dispatcher and 10 hotline-agent sessions (made in the database: no
   password hashing under load) and a CRM token; ``--citywide`` (0.1) of the
   dispatchers see the whole province, the others one district each (round
   robin over the 20); the agents see the whole province;
4. gunicorn with the project's ``gunicorn.conf.py`` (CPUs + 1 sync workers);
   no Celery worker or beat runs (the load is the web's);
5. ``locust --headless`` with bench/locustfile_console.py (Locust's
   FastHttpUser: the load generator's CPU is part of the machine) for ``--minutes``:
   500 dispatchers polling the queue and side panels every 15 s (ramped up
   over the first minute), 5 hotline agents doing 50 lookups a minute, and
   25 CRM clients posting 100 orders/s from minute 2 for 2 minutes;
6. CPU seconds per component from /proc (gunicorn master + workers, every
   PostgreSQL process, locust), Locust's percentiles per request name, and a
   JSON file in bench/out/console-load-<date>-<time>.json.

Targets (issue 18): p95 < 300 ms, p99 < 1 s, no errors.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import reports as province  # noqa: E402
from bench._pg import Postgres, free_port  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
TICK = os.sysconf("SC_CLK_TCK")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kept", type=int, default=10_000_000, help="closed orders")
    parser.add_argument("--days", type=int, default=600, help="days of history")
    parser.add_argument("--open", type=int, default=20_000, help="open orders")
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--users", type=int, default=500, help="dispatchers")
    parser.add_argument(
        "--hotline-agents",
        type=int,
        default=5,
        help="hotline agents, 10 lookups a minute each (0: none)",
    )
    parser.add_argument(
        "--citywide",
        type=float,
        default=0.1,
        help="share of the dispatchers who see the whole province; the others "
        "see one district each (SPEC §7: level 1 is the district's dispatchers)",
    )
    parser.add_argument("--burst-start", type=float, default=120)
    parser.add_argument("--burst-seconds", type=float, default=120)
    parser.add_argument("--burst-rate", type=float, default=100)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the PostgreSQL cluster with the province and the kept orders "
        "here (loaded once, with fsync=off; measured with fsync=on)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="--data-dir already holds a complete load: skip it",
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="load the kept orders into --data-dir and stop",
    )
    parser.add_argument(
        "--start-at",
        metavar="HH:MM",
        help="prepare (open orders, gunicorn), then wait for this UTC time "
        "before the load starts (a quiet window)",
    )
    args = parser.parse_args()
    if (args.reuse or args.load_only) and not args.data_dir:
        parser.error("--reuse and --load-only need --data-dir")
    return args


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def load_open(count: int, rng: random.Random) -> None:
    """Open orders over the province's groups, like bench/console.py's."""
    from django.utils import timezone

    from org.models import PackageArea, Technician
    from workorders.models import WorkOrder

    now = timezone.now()
    packages = list(PackageArea.objects.select_related("group__area"))
    by_group: dict[int, list] = {}
    for t in Technician.objects.only("id", "group_id"):
        by_group.setdefault(t.group_id, []).append(t)
    assigned = ["dispatched", "accepted", "appointed", "on_site", "suspended"]
    orders = []
    for i in range(count):
        package = packages[i % len(packages)]
        status = "pending" if rng.random() < 0.6 else rng.choice(assigned)
        accepted = now - dt.timedelta(minutes=rng.randint(30, 20 * 60))
        deadline = now + dt.timedelta(minutes=rng.randint(-180, 600))
        same_day = rng.random() < 0.5
        orders.append(
            WorkOrder(
                number=f"L{i:09d}",
                source="crm",
                kind=rng.choice(["install", "repair", "move"]),
                product="ftth_broadband",
                status=status,
                customer_id=1 + i,
                address=f"某路{i}号",
                package_area=package,
                group=package.group,
                district=package.group.area.district,
                is_same_day=same_day,
                queue_rank=0 if same_day else 1,
                accepted_at=accepted,
                deadline=deadline,
                sla_deadline=deadline,
                commitment_deadline=deadline,
                technician=rng.choice(by_group[package.group_id])
                if status != "pending"
                else None,
                urge_count=rng.choice([0, 0, 0, 1, 2]),
                escalation_level=rng.choice([0, 0, 0, 1, 2]),
                dispatch_flag="no_candidate"
                if status == "pending" and rng.random() < 0.02
                else "",
                created_at=accepted,
                updated_at=accepted,
            )
        )
    WorkOrder.objects.bulk_create(orders, batch_size=2000)


LOAD_SETTINGS = {  # the one-off load: speed, not the figure
    "shared_buffers": "2GB",
    "max_wal_size": "8GB",
    "maintenance_work_mem": "512MB",
}
RUN_SETTINGS = {"max_connections": "100", "shared_buffers": "256MB"}


def load_kept(args, pg: Postgres) -> dict:
    """Migrate, the province and the kept (closed) orders; VACUUM ANALYZE."""
    from django.core.management import call_command
    from django.db import connection

    from workorders.models import WorkOrder

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    province.load_org()
    timings = province.load_orders(
        args.kept, args.days, dt.date.today() - dt.timedelta(days=1), args.chunk
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "kept": args.kept,
        "days": args.days,
        "kept_max_id": WorkOrder.objects.order_by("-id").values_list("id", flat=True)[
            0
        ],
        "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_s": round(time.perf_counter() - started, 1),
        "timings": timings,
        "database_size": province.database_size(pg),
    }


def reset_run_data(kept_max_id: int) -> dict:
    """A reused cluster: drop what an earlier run added, keep the kept orders."""
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    from workorders.models import WorkOrder

    started = time.perf_counter()
    orders, _ = WorkOrder.objects.filter(id__gt=kept_max_id).delete()
    User.objects.filter(username__contains="-load").delete()
    Session.objects.all().delete()
    return {
        "deleted_objects": orders,
        "reset_s": round(time.perf_counter() - started, 1),
    }


def sessions(path: Path, rng: random.Random, citywide: float) -> None:
    """Session cookies for dispatchers and agents, a CRM token, lookups."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from org.models import District, PackageArea, StaffProfile

    districts = list(District.objects.order_by("code"))

    def user_sessions(role: str, count: int, citywide: float = 1.0) -> list[str]:
        """Sessions of ``count`` users; the first ``citywide`` share see the
        whole province, the others one district each (round robin)."""
        group = Group.objects.get(name=role)
        keys = []
        for i in range(count):
            user = User.objects.create_user(f"{role}-load-{i}", password=None)
            user.groups.add(group)
            if i >= round(count * citywide):
                StaffProfile.objects.create(
                    user=user, district=districts[i % len(districts)]
                )
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            keys.append(store.session_key)
        return keys

    crm = User.objects.create_user("crm-load", password=None)
    crm.groups.add(Group.objects.get(name="crm"))
    data = {
        "dispatcher": user_sessions("dispatcher", 50, citywide),
        "agent": user_sessions("hotline_agent", 10),
        "crm_token": Token.objects.create(user=crm).key,
        "phones": [f"139{rng.randrange(1, 1_000_000):08d}" for _ in range(2000)],
        "package_areas": list(PackageArea.objects.values_list("code", flat=True)),
    }
    path.write_text(json.dumps(data))


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (
                int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
            )
        except (OSError, IndexError):
            pass
    return total / TICK


def wait_until(hh_mm: str) -> None:
    """Sleep until the next ``hh_mm`` UTC (now if it is less than an hour ago)."""
    now = dt.datetime.now(dt.UTC)
    hour, minute = map(int, hh_mm.split(":"))
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if at < now - dt.timedelta(hours=1):
        at += dt.timedelta(days=1)
    if at > now:
        log(f"ready; waiting until {at:%H:%M} UTC")
        time.sleep((at - now).total_seconds())


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine spent (/proc/stat, all CPUs)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout.split()
    return [int(p) for p in out]


def postgres_pids(pg: Postgres) -> list[int]:
    pid = int((pg.data / "postmaster.pid").read_text().split()[0])
    return [pid, *children(pid)]


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    meta_path = args.data_dir / "kept.json" if args.data_dir else None
    if args.reuse and not (meta_path and meta_path.exists()):
        raise SystemExit(f"--reuse: no complete load in {args.data_dir}")
    if args.data_dir and not args.reuse and (args.data_dir / "data").exists():
        raise SystemExit(f"{args.data_dir} holds a cluster: --reuse it or remove it")
    loading = not args.reuse
    pg = Postgres(
        "console-load",
        # a kept cluster is loaded with fsync=off (loading speed is not the figure)
        # and restarted with fsync=on before anything is measured
        fsync=not args.data_dir,
        data_dir=args.data_dir,
        **(LOAD_SETTINGS if loading and args.data_dir else RUN_SETTINGS),
    )
    procs: list[subprocess.Popen] = []

    def stop(signum, frame):
        sys.exit(143)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    info = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": province.machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    try:
        pg.start()
        province.setup_django(pg)
        from django.core.management import call_command
        from django.db import connection

        if loading:
            kept = load_kept(args, pg)
            log(f"kept orders loaded in {kept['load_s']} s: {kept['database_size']}")
            if meta_path:
                meta_path.write_text(json.dumps(kept, indent=1))
        else:
            kept = json.loads(meta_path.read_text())
            call_command("migrate", verbosity=0)  # code merged since the load
            log(f"reusing {args.data_dir}: {kept['kept']:,} kept orders")
        info["kept"] = kept
        if args.load_only:
            return 0
        if args.data_dir:
            connection.close()
            pg.settings = RUN_SETTINGS
            pg.restart(fsync=True)
            info["reset"] = reset_run_data(kept["kept_max_id"])
        started = time.perf_counter()
        load_open(args.open, rng)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        info["open_load_s"] = round(time.perf_counter() - started, 1)
        info["database_size"] = province.database_size(pg)
        log(f"open orders loaded in {info['open_load_s']} s: {info['database_size']}")
        sessions_file = pg.tmp / "sessions.json"
        sessions(sessions_file, rng, args.citywide)
        connection.close()

        port = free_port()
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT),  # this tree, whatever an editable install says
            POLICY_CACHE_SECONDS="30",
            LOG_LEVEL="WARNING",
            NOTIFICATION_KICK="false",
            DB_CONN_MAX_AGE="60",
            # the per-token throttle (100/s by default) off, as in bench/intake.py:
            # the burst is exactly its rate and must not be cut by it
            API_THROTTLE_TOKEN_RATE="",
        )
        gunicorn = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "dispatch_center.wsgi:application",
                "-b",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=open(pg.tmp / "gunicorn.log", "w"),
            stderr=subprocess.STDOUT,
        )
        procs.append(gunicorn)
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("gunicorn did not answer /healthz")
        # warm every worker once (connections, caches) before measuring
        total_users = args.users + args.hotline_agents + 25
        csv_prefix = pg.tmp / "locust"
        lenv = dict(env)
        lenv.update(
            SESSIONS_FILE=str(sessions_file),
            DISPATCHERS=str(args.users),
            HOTLINE_USERS=str(args.hotline_agents),
            CRM_USERS="25",
            BURST_START=str(args.burst_start),
            BURST_SECONDS=str(args.burst_seconds),
            BURST_RATE=str(args.burst_rate),
        )
        gunicorn_pids = [gunicorn.pid, *children(gunicorn.pid)]
        before = {
            "gunicorn": cpu_seconds(gunicorn_pids),
            "postgres": cpu_seconds(postgres_pids(pg)),
        }
        if args.start_at:
            wait_until(args.start_at)
        info["measured_from"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        busy_before = machine_busy_seconds()
        loads = [load_average()]
        wall = time.perf_counter()
        locust = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                str(ROOT / "bench/locustfile_console.py"),
                "--headless",
                "-u",
                str(total_users),
                "-r",
                str(max(1, total_users // 60)),
                "-t",
                f"{int(args.minutes * 60)}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(csv_prefix),
                "--csv-full-history",
                "--only-summary",
                "--stop-timeout",
                "20",
            ],
            cwd=ROOT,
            env=lenv,
            start_new_session=True,
            stdout=open(pg.tmp / "locust.log", "w"),
            stderr=subprocess.STDOUT,
        )
        procs.append(locust)
        locust_cpu = 0.0
        started_at = time.perf_counter()
        samples = []  # (seconds into the run, CPU seconds per component so far)
        while locust.poll() is None:
            time.sleep(5)
            gunicorn_pids = sorted({*gunicorn_pids, *children(gunicorn.pid)})
            locust_cpu = max(locust_cpu, cpu_seconds([locust.pid]))
            loads.append(load_average())
            samples.append(
                (
                    time.perf_counter() - started_at,
                    cpu_seconds(gunicorn_pids) - before["gunicorn"],
                    cpu_seconds(postgres_pids(pg)) - before["postgres"],
                    locust_cpu,
                )
            )
        info["cpu_during_burst"] = burst_cpu(
            samples, args.burst_start, args.burst_seconds
        )
        wall = time.perf_counter() - wall
        busy = machine_busy_seconds() - busy_before
        after = {
            "gunicorn": cpu_seconds(gunicorn_pids),
            "postgres": cpu_seconds(postgres_pids(pg)),
        }
        cpu = {k: round(after[k] - before[k], 1) for k in after}
        cpu["locust"] = round(locust_cpu, 1)
        cpu["other"] = round(max(0.0, busy - sum(cpu.values())), 1)
        info["load_average_1min"] = {
            "start": loads[0],
            "mean": round(sum(loads) / len(loads), 2),
            "max": max(loads),
        }
        info["wall_s"] = round(wall, 1)
        info["cpu_s"] = cpu
        info["cpu_share_of_2_cores"] = {
            k: round(v / wall / 2, 3) for k, v in cpu.items()
        }
        with open(f"{csv_prefix}_stats.csv") as f:
            info["stats"] = list(csv.DictReader(f))
        with open(f"{csv_prefix}_failures.csv") as f:
            info["failures"] = list(csv.DictReader(f))
        info["timeline"] = timeline(Path(f"{csv_prefix}_stats_history.csv"))
        info["locust_tail"] = (pg.tmp / "locust.log").read_text()[-3000:]
        OUT_DIR.mkdir(exist_ok=True)
        path = OUT_DIR / f"console-load-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(info, indent=1, default=str))
        print_table(info)
        print(f"\nwritten {path}")
        return 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(proc.pid, signal.SIGKILL)
        pg.stop()


def burst_cpu(samples: list[tuple], start: float, seconds: float) -> dict:
    """CPU seconds per component between the samples nearest the burst's
    start and end (5 s apart), and their share of the two cores."""
    if len(samples) < 2:
        return {}
    first = min(samples, key=lambda s: abs(s[0] - start))
    last = min(samples, key=lambda s: abs(s[0] - start - seconds))
    wall = last[0] - first[0]
    if wall <= 0:
        return {}
    names = ("gunicorn", "postgres", "locust")
    cpu = {n: round(last[i + 1] - first[i + 1], 1) for i, n in enumerate(names)}
    return {
        "from_s": round(first[0], 1),
        "to_s": round(last[0], 1),
        "cpu_s": cpu,
        "share_of_2_cores": {n: round(v / wall / 2, 3) for n, v in cpu.items()},
    }


def timeline(history: Path, step: int = 30) -> list[dict]:
    """All requests' p95 and p99 (Locust's sliding 10-s window) and rate per
    ``step`` seconds of the run: the start's cold caches and first full
    renders, the burst and what follows it apart."""
    if not history.exists():
        return []
    with open(history) as f:
        rows = [r for r in csv.DictReader(f) if r["Name"] == "Aggregated"]
    if not rows:
        return []
    t0 = int(rows[0]["Timestamp"])
    buckets: dict[int, list[dict]] = {}
    for row in rows:
        if row["95%"] in ("N/A", "0"):
            continue
        buckets.setdefault((int(row["Timestamp"]) - t0) // step, []).append(row)
    return [
        {
            "from_s": k * step,
            "p95_max_ms": max(float(r["95%"]) for r in rs),
            "p99_max_ms": max(float(r["99%"]) for r in rs),
            "req_s": round(sum(float(r["Requests/s"]) for r in rs) / len(rs), 1),
        }
        for k, rs in sorted(buckets.items())
    ]


def print_table(info: dict) -> None:
    print("\n| request | count | fails | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in info["stats"]:
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | "
            f"{float(row['Max Response Time']):.0f} | {float(row['Requests/s']):.1f} |"
        )
    print(f"\nCPU seconds over {info['wall_s']} s: {info['cpu_s']}")
    print(f"share of the 2 cores: {info['cpu_share_of_2_cores']}")
    print(f"during the CRM burst: {info.get('cpu_during_burst')}")
    print(f"load average (1 min) during the run: {info['load_average_1min']}")
    print(f"machine: {info['machine']}")
    if info.get("timeline"):
        print("\n| from s | p95 ms (max of 10-s windows) | p99 ms | req/s |")
        print("|---:|---:|---:|---:|")
        for t in info["timeline"]:
            print(
                f"| {t['from_s']} | {t['p95_max_ms']:.0f} | {t['p99_max_ms']:.0f} "
                f"| {t['req_s']} |"
            )


if __name__ == "__main__":
    sys.exit(main())
