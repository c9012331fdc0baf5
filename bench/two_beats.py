"""Two Celery beats at once on PostgreSQL + Redis: does anything happen twice?

    .venv/bin/python bench/two_beats.py                    # ~8 min
    .venv/bin/python bench/two_beats.py --minutes 3 --unlocked-minutes 2

Everything on this machine, loopback only, torn down at the end (also on
Ctrl-C / SIGTERM):

1. a throwaway PostgreSQL 15 (bench/_pg.py; fsync=off: this is about
   correctness, not speed) and a throwaway Redis on free loopback ports;
2. ``migrate`` and ``seed_demo --days 1 --scale SCALE`` (a city with open
   orders), a CRM token;
3. one Celery worker (all queues) and a feeder that posts ``--feed`` new
   orders every 10 s through the API (Django's test client, in process), so
   every minute's dispatch pass, SLA scan and outbox run has work;
4. phase **leader** (``--minutes``): two beats with the shipped scheduler
   (``monitoring.beat.LeaderScheduler``); halfway, the leader is killed with
   SIGKILL and the standby must take over;
5. phase **unlocked** (``--unlocked-minutes``): two beats with Celery's plain
   ``PersistentScheduler`` (``-S``), so both publish every job: the jobs'
   own locks and unique constraints must still change nothing twice;
6. per phase: publications per beat (from their logs), task runs
   (``monitoring.JobRun``), and the checks: orders dispatched twice by the
   engine, duplicate SLA records, duplicate outbox messages. Prints a table,
   writes bench/out/two-beats-<date>-<time>.json; exit 1 if a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._pg import Postgres, free_port  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
CELERY = str(ROOT / ".venv" / "bin" / "celery")

FEEDER = r"""
import itertools, random, sys, time
from django.test import Client
from org.models import PackageArea
from rest_framework.authtoken.models import Token
token = Token.objects.get(user__username="crm").key
areas = list(PackageArea.objects.values_list("code", flat=True))
client = Client(HTTP_AUTHORIZATION="Token " + token)
rng = random.Random(7)
n = itertools.count(1)
per_round = int(sys.argv[1])
while True:
    for _ in range(per_round):
        i = next(n)
        body = {
            "crm_order_id": f"TWO-BEATS-{i}", "source": "crm",
            "kind": rng.choice(["install", "repair"]), "product": "ftth_broadband",
            "customer": {"name": "压测", "phone": f"137{i:08d}"},
            "address": "测试路 1 号", "package_area": rng.choice(areas),
        }
        r = client.post("/api/v1/work-orders/", body, content_type="application/json")
        if r.status_code != 201:
            print("feeder:", r.status_code, r.content[:200], flush=True)
    time.sleep(10)
"""

CHECKS = r"""
import json, sys
from django.db import connection
from monitoring.models import JobRun
start, end = sys.argv[1], sys.argv[2]
out = {"runs": {r.name: r.runs for r in JobRun.objects.all()}}
with connection.cursor() as c:
    c.execute(
        "SELECT count(*) FROM (SELECT order_id FROM workorders_workorderevent "
        "WHERE at >= %s AND at < %s AND to_status = 'dispatched' "
        "GROUP BY order_id HAVING count(*) > 1) d", [start, end])
    out["orders_dispatched_twice"] = c.fetchone()[0]
    c.execute(
        "SELECT count(DISTINCT order_id) FROM workorders_workorderevent "
        "WHERE at >= %s AND at < %s AND to_status = 'dispatched'", [start, end])
    out["orders_dispatched"] = c.fetchone()[0]
    c.execute(
        "SELECT count(*), count(DISTINCT (order_id, kind, checkpoint)) "
        "FROM sla_slaevent WHERE at >= %s AND at < %s", [start, end])
    out["sla_records"], out["sla_records_distinct"] = c.fetchone()
    c.execute(
        "SELECT count(*), count(DISTINCT (topic, subject_type, subject_id, recipient, body)) "
        "FROM notifications_notification WHERE created_at >= %s AND created_at < %s",
        [start, end])
    out["outbox_messages"], out["outbox_messages_distinct"] = c.fetchone()
    c.execute(
        "SELECT count(*) FROM notifications_notification "
        "WHERE sent_at >= %s AND sent_at < %s", [start, end])
    out["outbox_sent"] = c.fetchone()[0]
print(json.dumps(out))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--unlocked-minutes", type=float, default=3.0)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--feed", type=int, default=10, help="orders per 10 s")
    return parser.parse_args()


class Run:
    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-two-beats-"))
        self.pg = Postgres("two-beats")
        self.redis_pid = self.tmp / "redis.pid"
        self.env = dict(os.environ)

    def manage(self, *args: str, capture=False) -> str:
        done = subprocess.run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout if capture else ""

    def spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 - closed at exit
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def stop(self, name: str, sig=signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        if self.redis_pid.exists():
            try:
                os.kill(int(self.redis_pid.read_text()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
        self.pg.stop()


def beats(run: Run, phase: str, scheduler: list[str]) -> None:
    for name in ("a", "b"):
        run.spawn(
            f"beat-{phase}-{name}",
            [
                CELERY,
                "-A",
                "dispatch_center",
                "beat",
                "-l",
                "info",
                *scheduler,
                "-s",
                str(run.tmp / f"schedule-{phase}-{name}"),
                "--pidfile",
                str(run.tmp / f"beat-{phase}-{name}.pid"),
            ],
        )
        time.sleep(3)  # a starts first and leads


def sent(text: str) -> int:
    return len(re.findall(r"Scheduler: Sending due task", text))


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def checks(run: Run, start: str, end: str) -> dict:
    return json.loads(
        run.manage(
            "shell",
            "-c",
            CHECKS.replace("sys.argv[1], sys.argv[2]", f"{start!r}, {end!r}"),
            capture=True,
        )
        .strip()
        .splitlines()[-1]
    )


def main() -> int:
    args = parse_args()
    run = Run()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result: dict = {"args": vars(args), "machine": platform.processor() or ""}
    try:
        run.pg.start()
        redis_port = free_port()
        subprocess.run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(run.redis_pid),
                "--dir",
                str(run.tmp),
            ],
            check=True,
            capture_output=True,
        )
        run.env.update(
            DATABASE_URL=run.pg.url,
            CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
            DISPATCH_VAR_DIR=str(run.tmp / "var"),
            POLICY_CACHE_SECONDS="30",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),  # this tree, whatever an editable install says
        )
        print("[bench] migrate + seed_demo", file=sys.stderr, flush=True)
        run.manage("migrate", "--noinput")
        run.manage("seed_demo", "--days", "1", "--scale", str(args.scale))
        run.manage("create_api_token", "crm")
        run.spawn(
            "worker",
            [
                CELERY,
                "-A",
                "dispatch_center",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
            ],
        )
        run.spawn(
            "feeder",
            [
                PY,
                "manage.py",
                "shell",
                "-c",
                FEEDER.replace("int(sys.argv[1])", str(args.feed)),
            ],
        )
        phases = {}
        # --- leader phase ---------------------------------------------------
        start = now_iso()
        beats(run, "leader", [])
        half = args.minutes * 30
        time.sleep(half)
        leader = next(
            (n for n in ("a", "b") if "leader now" in run.log(f"beat-leader-{n}")), None
        )
        killed_at = time.monotonic()
        if leader:
            run.stop(f"beat-leader-{leader}", signal.SIGKILL)
        time.sleep(half)
        end = now_iso()
        other = "b" if leader == "a" else "a"
        take_over = None
        log_other = run.log(f"beat-leader-{other}")
        if "leader now" in log_other:
            take_over = "yes"
        for n in ("a", "b"):
            run.stop(f"beat-leader-{n}")
        phases["leader"] = {
            "minutes": args.minutes,
            "killed": leader,
            "published": {n: sent(run.log(f"beat-leader-{n}")) for n in ("a", "b")},
            "standby_took_over": take_over,
            "kill_at_s": round(killed_at, 1),
            **checks(run, start, end),
        }
        print(json.dumps(phases["leader"], indent=1), file=sys.stderr, flush=True)
        # --- unlocked phase -------------------------------------------------
        start = now_iso()
        beats(run, "unlocked", ["-S", "celery.beat:PersistentScheduler"])
        time.sleep(args.unlocked_minutes * 60)
        end = now_iso()
        for n in ("a", "b"):
            run.stop(f"beat-unlocked-{n}")
        time.sleep(20)  # let the worker finish what was published
        phases["unlocked"] = {
            "minutes": args.unlocked_minutes,
            "published": {n: sent(run.log(f"beat-unlocked-{n}")) for n in ("a", "b")},
            **checks(run, start, end),
        }
        print(json.dumps(phases["unlocked"], indent=1), file=sys.stderr, flush=True)
        result["phases"] = phases
        result["worker_errors"] = len(re.findall(r"\] ERROR/", run.log("worker")))
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        path = out / f"two-beats-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(result, indent=1))
        print(json.dumps(result, indent=1))
        bad = any(
            p["orders_dispatched_twice"]
            or p["sla_records"] != p["sla_records_distinct"]
            or p["outbox_messages"] != p["outbox_messages_distinct"]
            for p in phases.values()
        )
        return 1 if bad else 0
    finally:
        run.close()


if __name__ == "__main__":
    sys.exit(main())
