"""Intake throughput and latency against a raw PostgreSQL INSERT baseline.

    .venv/bin/python bench/intake.py                 # 1, 4 and 16 clients
    .venv/bin/python bench/intake.py --seconds 5 --clients 1 16 --workers 2
    .venv/bin/python bench/intake.py --fsync         # PostgreSQL with fsync=on
    .venv/bin/python bench/intake.py --gunicorn-args '-k gthread --threads 4'

Everything runs on this machine over loopback and is torn down at the end
(also on Ctrl-C or SIGTERM):

1. a throwaway PostgreSQL 15 (initdb in a temporary directory, a free port,
   ``fsync=off`` as in /work/shared/RECIPES.md; as the ``postgres`` user
   via ``runuser`` when we are root);
2. ``manage.py migrate``, ``import_org`` of a small organisation and a CRM
   user with a token;
3. gunicorn as in production: ``gunicorn.conf.py`` (sync workers, CPUs + 1)
   and the production settings shape (``DATABASE_URL``,
   ``POLICY_CACHE_SECONDS=30``, its own ``DISPATCH_VAR_DIR``);
4. for each client count: that many threads, each with its own HTTP/1.1
   connection (``http.client``: the load generator shares the CPUs, so it is
   kept light), POST the API.md example order with a unique ``crm_order_id``
   until the time or request budget is used up; 90 % of the orders are for
   known customers (a pool of phones created during warm-up);
5. for each client count: ``pgbench`` with a one-row INSERT script into a
   scratch table, the baseline the intake rate is compared with.

Prints a table (clients, orders/s, p50 ms, p99 ms, raw INSERT/s, ratio %),
markdown rows for bench/RESULTS.md, and writes bench/out/intake-<date>.json.
Target (issue 2): at 16 clients >= 3 % of the raw INSERT rate ("about 270
orders/s here", from the issue's 9,000/s baseline) and p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client as http_client
import json
import os
import platform
import random
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on sys.path, not ROOT
    sys.path.insert(0, str(ROOT))

from bench._pg import Postgres, free_port, pg_bin_dir  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent

TARGET_RATIO = 0.03
TARGET_P99_MS = 100.0
# The issue's own reading of that ratio on these 2 CPUs: "raw INSERT runs near
# 9,000/s at 16 clients ... (about 270 orders/s here)". pgbench measures 5-6x
# that baseline on this machine, so the rate is judged against both.
ISSUE_BASELINE_PER_S = 9000.0
TARGET_ORDERS_PER_S = TARGET_RATIO * ISSUE_BASELINE_PER_S

ORG = {
    "districts": [
        {"code": "D1", "name": "海州区局"},
        {"code": "D2", "name": "灌云县分公司"},
    ],
    "areas": [
        {
            "code": "A1",
            "name": "新浦片区",
            "district": "D1",
            "area_type": "urban_core",
            "same_day_enabled": True,
        },
        {
            "code": "A2",
            "name": "伊山镇",
            "district": "D2",
            "area_type": "county_town",
            "same_day_enabled": True,
        },
    ],
    "groups": [
        {"code": "G1", "name": "新浦一组", "area": "A1"},
        {"code": "G2", "name": "伊山一组", "area": "A2"},
    ],
    "package_areas": [
        {"code": "P1", "name": "通灌小区", "group": "G1", "lat": 34.60, "lng": 119.22},
        {"code": "P2", "name": "海连小区", "group": "G1", "lat": 34.61, "lng": 119.20},
        {"code": "P3", "name": "伊山小区", "group": "G2", "lat": 34.30, "lng": 119.25},
    ],
    "vendors": [{"code": "V1", "name": "某通服公司"}],
    "technicians": [
        {
            "code": f"T{i}",
            "name": f"工程师{i}",
            "phone": f"138000000{i:02d}",
            "group": "G1" if i % 2 else "G2",
            "home_package_area": "P1" if i % 2 else "P3",
            "vendor": None,
            "cert_level": 4,
            "skills": ["ftth_broadband", "itv_hd"],
            "role": "technician",
            "max_open_orders": 8,
            "after_hours": False,
        }
        for i in range(1, 7)
    ],
}
PACKAGE_AREAS = [p["code"] for p in ORG["package_areas"]]
PRODUCTS = ["ftth_broadband", "ftth_broadband", "itv_hd", "fixed_phone"]

CREATE_TOKEN = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
user = User.objects.create_user("bench-crm", password=None)
user.groups.add(Group.objects.get(name="crm"))
print(Token.objects.create(user=user).key)
"""

# SQL statements of one create through the whole stack (Django's test client
# in a fresh process: the first create is cold, with empty per-process
# caches; the second warm). POLICY_CACHE_SECONDS=30 as under gunicorn.
STATEMENTS = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
key = Token.objects.get(user__username="bench-crm").key
client = Client(HTTP_AUTHORIZATION="Token " + key)
counts = []
for n in range(3):
    body = {"crm_order_id": f"STMT-{n}", "source": "crm", "kind": "repair",
            "product": "ftth_broadband", "customer": {"name": "王", "phone": f"1380000000{n}"},
            "address": "路 1 号", "package_area": "P1"}
    with CaptureQueriesContext(connection) as q:
        r = client.post("/api/v1/work-orders/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    counts.append(len(q))
print(json.dumps({"cold": counts[0], "warm": counts[2]}))
"""

PGBENCH_SCRIPT = "INSERT INTO bench_raw_insert (payload) VALUES ('one row');\n"


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def gunicorn_conf_workers() -> int:
    """The worker count gunicorn.conf.py gives this machine."""
    values: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), values)
    return int(values["workers"])


# --- the environment: PostgreSQL, Django, gunicorn ---------------------------


class Environment:
    def __init__(
        self, workers: int | None, fsync: bool, gunicorn_args: tuple[str, ...] = ()
    ):
        self.workers = workers  # None: gunicorn.conf.py's (CPUs + 1)
        self.gunicorn_args = gunicorn_args
        self.fsync = fsync
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-intake-"))
        self.pg = Postgres("intake", fsync=fsync, max_connections="100")
        self.web: subprocess.Popen | None = None
        self.web_log = None
        self.web_port = 0
        self.token = ""

    @property
    def database_url(self) -> str:
        return self.pg.url

    def django_env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            DATABASE_URL=self.database_url,
            DISPATCH_VAR_DIR=str(self.tmp / "var"),
            POLICY_CACHE_SECONDS="30",
            DEBUG="false",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            # this tree first, whatever an editable install maps the apps to
            PYTHONPATH=str(ROOT),
        )
        return env

    def start_postgres(self) -> None:
        self.pg.start()

    def manage(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.django_env(),
            input=stdin,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise RuntimeError(f"manage.py {' '.join(args)} failed")
        return result.stdout

    def prepare_database(self) -> None:
        log("migrating")
        self.manage("migrate", "--noinput")
        org_file = self.tmp / "org.json"
        org_file.write_text(json.dumps(ORG, ensure_ascii=False), encoding="utf-8")
        self.manage("import_org", str(org_file))
        self.token = self.manage("shell", "-c", CREATE_TOKEN).strip().splitlines()[-1]
        self.psql(
            "CREATE TABLE bench_raw_insert (id bigserial PRIMARY KEY, "
            "payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )

    def psql(self, sql: str) -> str:
        return self.pg.psql(f"{sql};\n", tuples_only=True)

    def start_web(self) -> None:
        self.web_port = free_port()
        self.web_log = open(self.tmp / "web.log", "wb")  # Django's own log lines
        self.workers = self.workers or gunicorn_conf_workers()
        log(f"gunicorn: {self.workers} workers on 127.0.0.1:{self.web_port}")
        self.web = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "bench.floor_wsgi",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.web_port}",
                "--error-logfile",
                str(self.tmp / "gunicorn.log"),
                *self.gunicorn_args,
            ],
            cwd=ROOT,
            env=self.django_env(),
            stdout=self.web_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop it as a whole
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                tail = (self.tmp / "gunicorn.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"gunicorn exited:\n{tail}")
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def server_cpu(self) -> dict[int, tuple[str, float]]:
        """pid -> ("web" | "db", CPU seconds so far) for gunicorn and PostgreSQL.

        Read from /proc: robust to other load on the machine, unlike rates.
        ``CpuMeter`` turns snapshots into CPU used over a level.
        """
        postmaster = 0
        try:
            postmaster = int((self.pg.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
        web_root = self.web.pid if self.web is not None else -1
        snapshot = {}
        for pid, ppid, cpu in _all_processes():
            if web_root in (pid, ppid):
                snapshot[pid] = ("web", cpu)
            elif postmaster in (pid, ppid):
                snapshot[pid] = ("db", cpu)
        return snapshot

    def show_web_log(self, lines: int = 40) -> None:
        path = self.tmp / "web.log"
        if path.exists():
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            log("last lines of the web server's log:\n" + "\n".join(tail))

    def stop(self) -> None:
        if self.web is not None and self.web.poll() is None:
            try:
                os.killpg(self.web.pid, signal.SIGTERM)
                self.web.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.web.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.web.wait(timeout=5)
        if self.web_log is not None:
            self.web_log.close()
        self.pg.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _all_processes():
    """(pid, ppid, utime+stime seconds) for every process we can read."""
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15
        yield int(entry), int(fields[1]), (int(fields[11]) + int(fields[12])) / tick


def machine_cpu() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine so far, from /proc/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = [
            int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]
        ]
    except (OSError, ValueError):
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / tick, steal / tick


class CpuMeter:
    """Web and database CPU seconds over a level, sampled a few times a second.

    Per process, so that backends which end during the level (a connection
    recycled after CONN_MAX_AGE) lose at most one sampling interval, and
    processes which start during it count from zero.
    """

    def __init__(self, env: Environment, interval: float = 0.5):
        self.env = env
        self.interval = interval
        self.used = {"web": 0.0, "db": 0.0}
        self._last = env.server_cpu()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        now = self.env.server_cpu()
        for pid, (kind, cpu) in now.items():
            self.used[kind] += max(cpu - self._last.get(pid, (kind, 0.0))[1], 0.0)
        self._last = now

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


# --- load ----------------------------------------------------------------------


def order(crm_order_id: str, phone: str, rng: random.Random) -> dict:
    return {
        "crm_order_id": crm_order_id,
        "source": "crm",
        "kind": "install",
        "product": rng.choice(PRODUCTS),
        "customer": {
            "name": "王女士",
            "phone": phone,
            "account": f"ACC-{phone}",
            "level": "ordinary",
            "segment": "public",
        },
        "address": "通灌北路 1 号 3-201",
        "package_area": rng.choice(PACKAGE_AREAS),
        "lat": 34.601,
        "lng": 119.221,
        "same_day_requested": True,
        "appointment_start": None,
        "appointment_end": None,
        "description": "",
    }


class HttpClient:
    """One keep-alive HTTP/1.1 connection, reopened when the server closes it.

    ``http.client`` rather than ``requests``: the load generator shares the
    two CPUs with the server, and ``requests`` costs ~1 ms of CPU a call (and
    holds the GIL the other client threads wait for) where this costs ~0.3 ms.
    """

    def __init__(self, base_url: str, headers: dict[str, str]):
        host, port = base_url.removeprefix("http://").split(":")
        self.conn = http_client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {**headers, "Content-Type": "application/json"}

    def post_json(self, path: str, body: dict) -> tuple[int, str]:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.conn.request("POST", path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        text = response.read().decode(errors="replace")
        if response.will_close:  # gunicorn's sync workers close after each answer
            self.conn.close()  # the next request connects again
        return response.status, text

    def close(self) -> None:
        self.conn.close()


@dataclass
class LevelResult:
    clients: int
    requests: int
    created: int
    errors: dict[str, int]
    seconds: float
    orders_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    client_cpu_s: float
    web_cpu_s: float
    db_cpu_s: float
    other_cpu_pct: float
    steal_pct: float
    first_error: str = ""
    raw_insert_per_s: float = 0.0
    ratio_pct: float = 0.0
    floor_per_s: float = 0.0
    floor_p99_ms: float = 0.0
    floor_errors: dict = field(default_factory=dict)
    floor_ratio_pct: float = 0.0
    # CPU per floor row (web, db, client ms): the intake's CPU over this is
    # the ratio with the other load on the machine taken out
    floor_cpu_ms: tuple = (0.0, 0.0, 0.0)


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def run_level(
    env: Environment,
    clients: int,
    seconds: float,
    max_requests: int,
    phones: list[str],
    run_id: str,
    floor: bool = False,
) -> LevelResult:
    path = "/bench/floor/" if floor else "/api/v1/work-orders/"
    headers = {"Authorization": f"Token {env.token}"}
    lock = threading.Lock()
    issued = 0
    latencies: list[list[float]] = [[] for _ in range(clients)]
    created = [0] * clients
    errors: dict[str, int] = {}
    first_error: list[str] = []
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        nonlocal issued
        rng = random.Random(f"{run_id}-{clients}-{n}")
        http = HttpClient(env.base_url, headers)
        mine = latencies[n]
        i = 0
        barrier.wait()
        while time.monotonic() < stop_at[0]:
            with lock:
                if issued >= max_requests:
                    break
                issued += 1
            i += 1
            # 90 % known customers (created during warm-up), 10 % new ones.
            if rng.random() < 0.9:
                phone = rng.choice(phones)
            else:
                phone = f"15{n:03d}{clients:02d}{i:04d}"[:11]
            if floor:
                body = {"payload": f"B-{run_id}-{clients}-{n}-{i}"}
            else:
                body = order(f"B-{run_id}-{clients}-{n}-{i}", phone, rng)
            t0 = time.perf_counter()
            try:
                status, text = http.post_json(path, body)
            except (OSError, http_client.HTTPException) as exc:
                status, text = type(exc).__name__, str(exc)
                http.close()
            mine.append(time.perf_counter() - t0)
            if status == 201:
                created[n] += 1
            else:
                with lock:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                    if not first_error:
                        first_error.append(f"{status}: {text[:300]}")
        http.close()

    threads = [
        threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)
    ]
    for t in threads:
        t.start()
    busy0, steal0 = machine_cpu()
    cpu0 = time.process_time()
    with CpuMeter(env) as meter:
        stop_at[0] = time.monotonic() + seconds
        started = time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    web_cpu, db_cpu = meter.used["web"], meter.used["db"]
    busy1, steal1 = machine_cpu()
    capacity = elapsed * (os.cpu_count() or 1)
    # CPU used by anything but this benchmark (other jobs on a shared box).
    other = max(busy1 - busy0 - web_cpu - db_cpu - cpu, 0.0)
    lat = sorted(x * 1000 for per in latencies for x in per)
    total_created = sum(created)
    return LevelResult(
        clients=clients,
        requests=len(lat),
        created=total_created,
        errors=errors,
        seconds=round(elapsed, 3),
        orders_per_s=round(total_created / elapsed, 1),
        p50_ms=round(statistics.median(lat), 2) if lat else float("nan"),
        p90_ms=round(percentile(lat, 90), 2),
        p99_ms=round(percentile(lat, 99), 2),
        max_ms=round(lat[-1], 2) if lat else float("nan"),
        client_cpu_s=round(cpu, 2),
        web_cpu_s=round(web_cpu, 2),
        db_cpu_s=round(db_cpu, 2),
        other_cpu_pct=round(100 * other / capacity, 1),
        steal_pct=round(100 * (steal1 - steal0) / capacity, 1),
        first_error=first_error[0] if first_error else "",
    )


def warm_up(env: Environment, phones: list[str], run_id: str) -> None:
    """Create the known customers (one order each) and warm every worker."""
    url = f"{env.base_url}/api/v1/work-orders/"
    rng = random.Random(run_id)
    errors = 0

    def worker(chunk: list[str], n: int) -> None:
        nonlocal errors
        session = requests.Session()
        session.headers["Authorization"] = f"Token {env.token}"
        for i, phone in enumerate(chunk):
            r = session.post(
                url, json=order(f"W-{run_id}-{n}-{i}", phone, rng), timeout=30
            )
            if r.status_code != 201:
                errors += 1
                if errors == 1:
                    log(f"warm-up answer {r.status_code}: {r.text[:500]}")
        session.close()

    chunks = [phones[i::8] for i in range(8)]
    threads = [
        threading.Thread(target=worker, args=(c, n)) for n, c in enumerate(chunks)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{errors} warm-up orders were not created")


def pgbench(env: Environment, clients: int, seconds: int) -> float:
    script = env.tmp / "insert.sql"
    script.write_text(PGBENCH_SCRIPT)
    jobs = 1 if clients == 1 else 2
    result = subprocess.run(
        [
            str(env.pg.bin / "pgbench"),
            "-n",
            "-f",
            str(script),
            "-c",
            str(clients),
            "-j",
            str(jobs),
            "-T",
            str(seconds),
            "-h",
            "127.0.0.1",
            "-p",
            str(env.pg.port),
            "-U",
            "postgres",
            "postgres",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(
        r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout
    )
    if not match:
        raise RuntimeError(f"cannot read pgbench output:\n{result.stdout}")
    return float(match.group(1))


# --- report --------------------------------------------------------------------


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg_version = ""
    try:
        pg_version = subprocess.run(
            [str(pg_bin_dir() / "postgres"), "--version"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": pg_version,
    }


def print_report(results: list[LevelResult], meta: dict) -> None:
    header = (
        f"{'clients':>7} {'orders/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'raw INSERT/s':>13} {'ratio %':>8} {'errors':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.clients:>7} {r.orders_per_s:>9.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
            f"{r.raw_insert_per_s:>13.0f} {r.ratio_pct:>8.2f} {sum(r.errors.values()):>8}"
        )
    print()
    print(
        "CPU per created order (from /proc, robust to other load; ceiling = "
        "orders/s if the box were ours; other CPU = jobs that are not this run):"
    )
    cpu_header = (
        f"{'clients':>7} {'web ms':>8} {'db ms':>7} {'client ms':>10} "
        f"{'ceiling/s':>10} {'other CPU %':>12} {'steal %':>8}"
    )
    print(cpu_header)
    print("-" * len(cpu_header))
    ncpu = os.cpu_count() or 1
    for r in results:
        n = max(r.created, 1)
        web, db, cli = (1000 * x / n for x in (r.web_cpu_s, r.db_cpu_s, r.client_cpu_s))
        # Orders/s if web + db + load generator had every CPU to themselves.
        ceiling = 1000 * ncpu / (web + db + cli) if web + db + cli else float("nan")
        print(
            f"{r.clients:>7} {web:>8.2f} {db:>7.2f} {cli:>10.2f} "
            f"{ceiling:>10.0f} {r.other_cpu_pct:>12.1f} {r.steal_pct:>8.1f}"
        )
    print()
    print(
        "CPU per floor row, and the floor's CPU over the intake's (the % of "
        "floor with the other load taken out):"
    )
    floor_header = (
        f"{'clients':>7} {'web ms':>8} {'db ms':>7} {'client ms':>10} "
        f"{'CPU % of floor':>15}"
    )
    print(floor_header)
    print("-" * len(floor_header))
    for r in results:
        n = max(r.created, 1)
        intake_ms = 1000 * (r.web_cpu_s + r.db_cpu_s + r.client_cpu_s) / n
        fweb, fdb, fcli = r.floor_cpu_ms
        share = 100 * (fweb + fdb + fcli) / intake_ms if intake_ms else float("nan")
        print(f"{r.clients:>7} {fweb:>8.2f} {fdb:>7.2f} {fcli:>10.2f} {share:>15.1f}")
    top = max(results, key=lambda r: r.clients)
    ratio_ok = top.ratio_pct >= TARGET_RATIO * 100
    rate_ok = top.orders_per_s >= TARGET_ORDERS_PER_S
    p99_ok = top.p99_ms < TARGET_P99_MS
    print()
    print(
        f"target at {top.clients} clients: {top.orders_per_s:.0f} orders/s "
        f"(>= {TARGET_ORDERS_PER_S:.0f}/s, 3 % of the issue's "
        f"{ISSUE_BASELINE_PER_S:,.0f}/s: {'met' if rate_ok else 'MISSED'}); "
        f"ratio to this run's pgbench {top.ratio_pct:.2f} % "
        f"(>= {TARGET_RATIO * 100:.0f} %: {'met' if ratio_ok else 'MISSED'}); "
        f"p99 {top.p99_ms:.1f} ms (< {TARGET_P99_MS:.0f} ms: "
        f"{'met' if p99_ok else 'MISSED'})"
    )
    print()
    print("Markdown rows for bench/RESULTS.md:")
    print()
    print(
        "| clients | orders/s | p50 ms | p99 ms | floor/s | floor p99 ms "
        "| % of floor | raw INSERT/s | ratio % |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.clients} | {r.orders_per_s:.1f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
            f"| {r.floor_per_s:.1f} | {r.floor_p99_ms:.1f} | {r.floor_ratio_pct:.1f} "
            f"| {r.raw_insert_per_s:.0f} | {r.ratio_pct:.2f} |"
        )
    print(f"\nstatements per create: {meta['statements_per_create']}")
    print()
    print(
        f"Machine: {meta['machine']['nproc']} CPUs, {meta['machine']['cpu_model']}; "
        f"{meta['machine']['postgres']}; gunicorn {meta['workers']} workers; "
        f"load average before {meta['loadavg_before'][0]:.2f}; "
        f"{meta['date']}; `{meta['command']}`"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="time budget per level"
    )
    parser.add_argument(
        "--max-requests", type=int, default=3000, help="request budget per level"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: gunicorn.conf.py's, CPUs + 1)",
    )
    parser.add_argument(
        "--pgbench-seconds", type=int, default=10, help="pgbench -T per level"
    )
    parser.add_argument(
        "--known-customers", type=int, default=200, help="phone pool size"
    )
    parser.add_argument(
        "--gunicorn-args",
        default="",
        help="more gunicorn flags, e.g. '-k gthread --threads 4'",
    )
    parser.add_argument(
        "--fsync",
        action="store_true",
        help="run PostgreSQL with fsync=on (default off, as in RECIPES.md)",
    )
    args = parser.parse_args()

    def on_signal(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    started = dt.datetime.now().astimezone()
    load_before = os.getloadavg()
    run_id = started.strftime("%H%M%S") + f"{random.randrange(1000):03d}"
    env = Environment(
        workers=args.workers,
        fsync=args.fsync,
        gunicorn_args=tuple(shlex.split(args.gunicorn_args)),
    )
    try:
        env.start_postgres()
        env.prepare_database()
        env.start_web()
        statements = json.loads(
            env.manage("shell", "-c", STATEMENTS).strip().splitlines()[-1]
        )
        log(f"statements per create: {statements}")
        phones = [f"139{n:08d}" for n in range(args.known_customers)]
        log(f"warm-up: {len(phones)} known customers")
        warm_up(env, phones, run_id)
        results = []
        for clients in args.clients:
            log(
                f"{clients} client(s): intake for {args.seconds:g} s / {args.max_requests} requests"
            )
            result = run_level(
                env, clients, args.seconds, args.max_requests, phones, run_id
            )
            log(
                f"{clients} client(s): raw INSERT with pgbench -T {args.pgbench_seconds}"
            )
            result.raw_insert_per_s = round(
                pgbench(env, clients, args.pgbench_seconds), 1
            )
            result.ratio_pct = round(
                100 * result.orders_per_s / result.raw_insert_per_s, 2
            )
            log(
                f"{clients} client(s): {result.orders_per_s} orders/s, p99 {result.p99_ms} ms, "
                f"raw {result.raw_insert_per_s}/s, errors {result.errors or 'none'}"
            )
            if result.first_error:
                log(f"first error: {result.first_error}")
            log(f"{clients} client(s): the floor, a bare DRF create of one row")
            floor = run_level(
                env, clients, args.seconds, args.max_requests, phones, run_id, True
            )
            result.floor_per_s = floor.orders_per_s
            result.floor_p99_ms = floor.p99_ms
            result.floor_errors = floor.errors
            rows = max(floor.created, 1)
            result.floor_cpu_ms = tuple(
                round(1000 * x / rows, 2)
                for x in (floor.web_cpu_s, floor.db_cpu_s, floor.client_cpu_s)
            )
            result.floor_ratio_pct = round(
                100 * result.orders_per_s / max(floor.orders_per_s, 0.001), 1
            )
            log(
                f"{clients} client(s): floor {floor.orders_per_s}/s p99 {floor.p99_ms} ms"
                f" -> intake at {result.floor_ratio_pct} % of the floor"
            )
            results.append(result)
        orders_total = int(env.psql("SELECT count(*) FROM workorders_workorder"))
    except KeyboardInterrupt as exc:
        log(f"interrupted ({str(exc) or 'Ctrl-C'}); cleaning up")
        env.stop()
        return 130
    except BaseException:
        env.show_web_log()
        env.stop()
        raise
    env.stop()

    meta = {
        "date": started.isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/intake.py", *sys.argv[1:]]),
        "machine": machine(),
        "workers": env.workers,
        # Everything shares the machine: a busy box lowers the intake figures.
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "seconds_per_level": args.seconds,
        "max_requests_per_level": args.max_requests,
        "pgbench": f"-c N -j min(N,2) -T {args.pgbench_seconds}, script: {PGBENCH_SCRIPT.strip()}",
        "postgres_settings": f"fsync={'on' if args.fsync else 'off'}, max_connections=100",
        "known_customers": args.known_customers,
        "statements_per_create": statements,
        "orders_in_db_at_end": orders_total,
        "target": {
            "ratio_pct_min": TARGET_RATIO * 100,
            "orders_per_s_min": TARGET_ORDERS_PER_S,
            "p99_ms_max": TARGET_P99_MS,
        },
        "results": [asdict(r) for r in results],
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"intake-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    print_report(results, meta)
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
