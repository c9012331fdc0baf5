"""One rolling-dispatch pass (``auto_dispatch_run``) over 2,000-20,000 pending orders.

    .venv/bin/python bench/dispatch.py            # 2k, 5k, 10k, 20k + quality variants
    .venv/bin/python bench/dispatch.py --quick    # 2k and 5k only
    .venv/bin/python bench/dispatch.py --profile  # also cProfile a pass at the largest size
    .venv/bin/python bench/dispatch.py --repeat 3 # fastest of 3 passes per size (busy machine)

Everything runs in this process against a throwaway PostgreSQL 15 (a
temporary directory, a free loopback port, ``fsync=off`` as in
/work/shared/RECIPES.md), torn down on exit, on an error, on Ctrl-C and on
SIGTERM/SIGHUP:

1. ``manage.py migrate``, then ``django.setup()`` here;
2. the organisation with ``bulk_create`` (seeded): 1 district, 50 areas,
   1,000 region groups of 5 technicians (5,000) plus 3 support and 2
   emergency staff per area, 2-3 package areas per group around 34.6N 119.2E;
   about one technician in 5 of 7 groups rests today (rota);
3. per size: the order tables are truncated and N pending orders (and
   customers) bulk-created, then one ``auto_dispatch_run(now=10:00 local)``
   is timed, with its SQL statements counted (``execute_wrapper``);
4. checks: every assignable order assigned (the bound is a maximum flow over
   the same pools, skills, rota and capacity), capacity never exceeded, nobody
   resting dispatched to, every assignee inside the order's pool;
5. quality: per area (its groups' orders and its staff, the closed unit of the
   pools) the engine's total distance against SciPy ``linear_sum_assignment``
   optima with each technician repeated ``max_open_orders`` times: the plain
   minimum distance and the minimum distance among assignments with the most
   package-area owners (owner-first). At one size it also runs the workload
   weight 0 and a "GPS" scenario (70 % of technicians with a fresh position).

Prints markdown rows for bench/RESULTS.md and writes bench/out/dispatch-<date>.json.
Targets (issue 3): 20,000 pending orders in one pass within 60 s, growth
linear, total distance within 15 % of the owner-first optimum.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import math
import os
import pstats
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
# ``python bench/dispatch.py`` puts bench/ first on sys.path, where this file
# would shadow the ``dispatch`` app: the project root goes first instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench._pg import Postgres  # noqa: E402
from bench.intake import machine  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

SIZES = [2_000, 5_000, 10_000, 20_000]
QUICK_SIZES = [2_000, 5_000]
TARGET_SECONDS = 60.0
TARGET_SIZE = 20_000
TARGET_QUALITY = 1.15
SUPERLINEAR_FACTOR = 1.2  # per-order cost may grow 20 % before we call it superlinear

CENTRE = (34.6, 119.2)
AREAS = 50
GROUPS_PER_AREA = 20
TECHS_PER_GROUP = 5
SUPPORT_PER_AREA = 3
EMERGENCY_PER_AREA = 2
CAPACITY = 8
EARTH_RADIUS_KM = 6371.0088
OWNER_FIRST_KM = 1_000.0  # an owner is worth more than any distance in an area
INFEASIBLE = 1e7

# product: (share of orders, share of group technicians with the skill)
PRODUCTS = {
    "ftth_broadband": (0.60, 1.0),
    "itv_hd": (0.28, 1.0),
    "fixed_phone": (0.08, 0.4),
    "fttb_broadband": (0.035, 0.2),
    # nobody has this skill: exercises the 无人可派 path by design
    "other": (0.005, 0.0),
}
SUPPORT_SKILLS = ["ftth_broadband", "itv_hd", "fixed_phone", "fttb_broadband"]
KINDS = {"install": 0.5, "repair": 0.35, "move": 0.15}


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --- PostgreSQL ---------------------------------------------------------------


def django_start(pg: Postgres) -> None:
    for name in ("CELERY_BROKER_URL", "CRM_CALLBACK_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="dispatch_center.settings",
        DATABASE_URL=pg.url,
        DISPATCH_VAR_DIR=str(pg.tmp / "var"),
        DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    log("migrating")
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError("manage.py migrate failed")
    import django

    django.setup()


# --- the instance -------------------------------------------------------------


def offset(lat: float, lng: float, dx_km: float, dy_km: float) -> tuple[float, float]:
    return (
        lat + dy_km / 111.2,
        lng + dx_km / (111.32 * math.cos(math.radians(lat))),
    )


def in_disc(rng: random.Random, radius_km: float) -> tuple[float, float]:
    r, a = radius_km * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    return r * math.cos(a), r * math.sin(a)


@dataclass
class Tech:
    id: int
    code: str
    group_id: int
    area_id: int
    role: str
    skills: frozenset[str]
    home_pa: int | None
    home: tuple[float, float] | None
    gps: tuple[float, float] | None = None  # a fresh position report
    on_duty: bool = True

    @property
    def position(self) -> tuple[float, float] | None:
        return self.gps or self.home


@dataclass
class Instance:
    now: dt.datetime
    district_id: int = 0
    area_of_group: dict[int, int] = field(default_factory=dict)
    group_ids: list[int] = field(default_factory=list)
    group_weight: list[float] = field(default_factory=list)
    group_centre: dict[int, tuple[float, float]] = field(default_factory=dict)
    pas_of_group: dict[int, list[int]] = field(default_factory=dict)
    pa_pos: dict[int, tuple[float, float]] = field(default_factory=dict)
    techs: dict[int, Tech] = field(default_factory=dict)
    resting: int = 0
    on_leave: int = 0
    _pools: dict[int, list[Tech]] = field(default_factory=dict)

    def pool(self, group_id: int) -> list[Tech]:
        """``selectors.candidate_pool_filter``: the group, the area's support staff."""
        return self._pools[group_id]

    def index(self) -> None:
        pools: dict[int, list[Tech]] = defaultdict(list)
        staff: dict[int, list[Tech]] = defaultdict(list)
        for t in self.techs.values():
            if t.role != "technician":
                staff[t.area_id].append(t)
        for g in self.group_ids:
            mine = [t for t in self.techs.values() if t.group_id == g]
            extra = [t for t in staff[self.area_of_group[g]] if t.group_id != g]
            pools[g] = mine + extra
        self._pools = pools


def build_org(seed: int, now: dt.datetime) -> Instance:
    from dispatch.models import RotaEntry
    from org.models import Area, District, PackageArea, RegionGroup, Technician

    rng = random.Random(f"org-{seed}")
    inst = Instance(now=now)
    district = District.objects.create(code="D1", name="海州区局")
    inst.district_id = district.pk
    area_centres = [
        offset(*CENTRE, rng.uniform(-25, 25), rng.uniform(-25, 25))
        for _ in range(AREAS)
    ]
    areas = Area.objects.bulk_create(
        [
            Area(code=f"A{i:02d}", name=f"片区{i}", district=district)
            for i in range(AREAS)
        ]
    )
    groups = RegionGroup.objects.bulk_create(
        [
            RegionGroup(code=f"G{a:02d}{j:02d}", name=f"区域组{a}-{j}", area=area)
            for a, area in enumerate(areas)
            for j in range(GROUPS_PER_AREA)
        ]
    )
    pas = []
    for k, group in enumerate(groups):
        area_index = k // GROUPS_PER_AREA
        centre = offset(*area_centres[area_index], *in_disc(rng, 4.0))
        inst.group_ids.append(group.pk)
        inst.area_of_group[group.pk] = group.area_id
        inst.group_centre[group.pk] = centre
        inst.group_weight.append(rng.uniform(0.6, 1.4))
        for p in range(rng.choice((2, 3))):
            lat, lng = offset(*centre, *in_disc(rng, 3.0))
            pas.append(
                PackageArea(
                    code=f"P{group.code[1:]}{p}",
                    name=f"包区{group.code}-{p}",
                    group=group,
                    lat=lat,
                    lng=lng,
                )
            )
    for pa in PackageArea.objects.bulk_create(pas):
        inst.pas_of_group.setdefault(pa.group_id, []).append(pa.pk)
        inst.pa_pos[pa.pk] = (pa.lat, pa.lng)

    rows, n = [], 0

    def tech(group, role, skills, home_pa, gps):
        nonlocal n
        n += 1
        rows.append(
            Technician(
                code=f"T{n:05d}",
                name=f"工程师{n}",
                phone=f"138{n:08d}",
                group=group,
                home_package_area_id=home_pa,
                skills=skills,
                role=role,
                cert_level=4,
                max_open_orders=CAPACITY,
                after_hours=True,  # the time of day never filters anyone
                last_lat=gps[0] if gps else None,
                last_lng=gps[1] if gps else None,
                last_position_at=now - dt.timedelta(minutes=5) if gps else None,
            )
        )

    for k, group in enumerate(groups):
        own = inst.pas_of_group[group.pk]
        for i in range(TECHS_PER_GROUP):
            skills = [
                p
                for p, (_, share) in PRODUCTS.items()
                if share and (share >= 1 or rng.random() < share)
            ]
            tech(group, "technician", skills, own[i % len(own)], None)
        if k % GROUPS_PER_AREA == 0:
            # support and emergency staff: no package area, a fresh position
            # at the area centre, attached to the area's first group
            for i in range(SUPPORT_PER_AREA + EMERGENCY_PER_AREA):
                role = "support" if i < SUPPORT_PER_AREA else "emergency"
                tech(
                    group,
                    role,
                    SUPPORT_SKILLS,
                    None,
                    area_centres[k // GROUPS_PER_AREA],
                )
    created = Technician.objects.bulk_create(rows)
    resting, leave = [], []
    by_group: dict[int, list[Technician]] = defaultdict(list)
    for t in created:
        by_group[t.group_id].append(t)
        inst.techs[t.pk] = Tech(
            id=t.pk,
            code=t.code,
            group_id=t.group_id,
            area_id=inst.area_of_group[t.group_id],
            role=t.role,
            skills=frozenset(t.skills),
            home_pa=t.home_package_area_id,
            home=inst.pa_pos.get(t.home_package_area_id),
            gps=(t.last_lat, t.last_lng) if t.last_lat is not None else None,
        )
    today = now.astimezone(LOCAL_TZ).date()
    for g in inst.group_ids:
        members = [t for t in by_group[g] if t.role == "technician"]
        # 5 technicians, one rest day a week each: 5 groups in 7 have one
        # resting today; and about 1 % of everybody is on leave
        if rng.random() < TECHS_PER_GROUP / 7:
            resting.append(rng.choice(members).pk)
        for t in members:
            if rng.random() < 0.01:
                leave.append(t.pk)
    RotaEntry.objects.bulk_create(
        [RotaEntry(technician_id=pk, date=today, kind="rest") for pk in resting]
    )
    Technician.objects.filter(pk__in=leave).update(status="leave")
    for pk in resting + leave:
        inst.techs[pk].on_duty = False
    inst.resting, inst.on_leave = len(resting), len(leave)
    inst.index()
    return inst


ORDER_TABLES = [
    "workorders_workorderevent",
    "workorders_historicalworkorder",
    "notifications_notification",
    "dispatch_redispatchrequest",
    "workorders_workorder",
    "workorders_historicalcustomer",
    "workorders_customer",
]


def reset_orders() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(ORDER_TABLES)} RESTART IDENTITY CASCADE")


def build_orders(inst: Instance, n: int, seed: int) -> float:
    """N pending orders (and one customer each); the same for the same N and seed."""
    from django.db import connection

    from workorders.models import Customer, WorkOrder

    started = time.perf_counter()
    reset_orders()
    rng = random.Random(f"orders-{seed}-{n}")
    now = inst.now
    groups = rng.choices(inst.group_ids, weights=inst.group_weight, k=n)
    products = rng.choices(
        list(PRODUCTS), weights=[s for s, _ in PRODUCTS.values()], k=n
    )
    kinds = rng.choices(list(KINDS), weights=list(KINDS.values()), k=n)
    customers, orders = [], []
    for i in range(n):
        vip = rng.random() < 0.1
        customers.append(
            Customer(
                name=f"客户{i}",
                phone=f"139{i:08d}",
                level="gold" if vip else "ordinary",
                address=f"幸福路{i}号",
            )
        )
    customers = Customer.objects.bulk_create(customers, batch_size=2000)
    for i in range(n):
        group = groups[i]
        pa = rng.choice(inst.pas_of_group[group])
        same_day = rng.random() < 0.2
        rank0 = same_day or customers[i].level == "gold"
        accepted = now - dt.timedelta(minutes=rng.uniform(5, 36 * 60))
        deadline = accepted + dt.timedelta(
            hours=8 if same_day else rng.choice((24, 48))
        )
        if rng.random() < 0.9:
            dx, dy = (max(-1.5, min(1.5, rng.gauss(0, 0.5))) for _ in range(2))
            lat, lng = offset(*inst.pa_pos[pa], dx, dy)
        else:
            lat = lng = None  # the engine uses the package area's position
        orders.append(
            WorkOrder(
                number=f"B{i:08d}",
                source=rng.choice(("crm", "hotline")),
                kind=kinds[i],
                product=products[i],
                status="pending",
                customer=customers[i],
                address=customers[i].address,
                package_area_id=pa,
                group_id=group,
                district_id=inst.district_id,
                lat=lat,
                lng=lng,
                is_same_day=same_day,
                accepted_at=accepted,
                deadline=deadline,
                sla_deadline=deadline,
                queue_rank=0 if rank0 else 1,
            )
        )
    WorkOrder.objects.bulk_create(orders, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def set_policy(workload_per_hour: Decimal | None) -> None:
    from dispatch.models import DispatchPolicy

    default = DispatchPolicy._meta.get_field("workload_penalty_per_hour").default
    DispatchPolicy.objects.update(
        workload_penalty_per_hour=default
        if workload_per_hour is None
        else workload_per_hour
    )


def set_gps(inst: Instance, share: float, seed: int) -> None:
    """``share`` of group technicians report a fresh position near their group."""
    from org.models import Technician

    rng = random.Random(f"gps-{seed}")
    changed = []
    for t in inst.techs.values():
        if t.role != "technician":
            continue
        if share and rng.random() < share:
            t.gps = offset(*inst.group_centre[t.group_id], *in_disc(rng, 3.0))
        else:
            t.gps = None
        changed.append(
            Technician(
                pk=t.id,
                last_lat=t.gps[0] if t.gps else None,
                last_lng=t.gps[1] if t.gps else None,
                last_position_at=inst.now - dt.timedelta(minutes=10) if t.gps else None,
            )
        )
    Technician.objects.bulk_update(
        changed, ["last_lat", "last_lng", "last_position_at"], batch_size=1000
    )


# --- one pass ----------------------------------------------------------------


#: (module, attribute, label): the engine's steps, timed by wrapping them in
#: this process only (the app code is unchanged). Nested: render and outbox
#: are inside messages. Names that disappear in a refactoring are skipped.
PHASES = [
    (
        "dispatch.services.engine",
        "_area_technicians_locked",
        "lock the area's technicians",
    ),
    ("dispatch.selectors", "technician_facts", "technician facts (rota, load)"),
    ("dispatch.selectors", "excluded_technicians", "excluded (redispatch requests)"),
    (
        "dispatch.services.engine:_AreaPlan",
        "assign_in_queue_order",
        "assign in queue order (pure)",
    ),
    ("dispatch.rules", "rank", "  rank (pure rules)"),
    ("dispatch.services.engine:_AreaPlan", "make_room", "make room (pure)"),
    (
        "dispatch.services.engine",
        "work_orders_transition",
        "transition: UPDATE per order, events, history",
    ),
    (
        "dispatch.services.engine",
        "_dispatch_messages",
        "messages: SMS, outbox, notify events",
    ),
    ("dispatch.services.messages", "render", "  render (template lookup per SMS)"),
    ("dispatch.services.messages", "notifications_enqueue", "  outbox enqueue"),
    ("notifications.services", "_kick_sender", "broker kick after commit"),
    ("dispatch.services.engine", "_flag_no_candidate", "flag 无人可派"),
]
NESTED = {
    "  rank (pure rules)",
    "  render (template lookup per SMS)",
    "  outbox enqueue",
}


class Phases:
    """Wall time, calls and SQL statements per engine step."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.sql: Counter[str] = Counter()
        self.sql_seconds: Counter[str] = Counter()
        self.durations: dict[str, list[float]] = defaultdict(list)
        self.stack: list[str] = []
        self._saved: list[tuple[object, str, object]] = []

    def install(self) -> None:
        import importlib

        for target, attr, label in PHASES:
            module_name, _, class_name = target.partition(":")
            module = importlib.import_module(module_name)
            if class_name:  # a method: wrap it on its class
                module = getattr(module, class_name, None)
            original = getattr(module, attr, None)
            if original is None:
                continue
            self._saved.append((module, attr, original))
            setattr(module, attr, self._timed(original, label))

    def uninstall(self) -> None:
        for module, attr, original in reversed(self._saved):
            setattr(module, attr, original)
        self._saved.clear()

    def _timed(self, fn, label):
        def timed(*args, **kwargs):
            self.stack.append(label)
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.seconds[label] += spent
                self.calls[label] += 1
                self.durations[label].append(spent)
                self.stack.pop()

        return timed

    def report(self, total: float) -> list[dict]:
        rows = []
        for _, _, label in PHASES:
            if self.calls[label]:
                # a step that gets dearer as the pass goes on (mean per call
                # in the first vs the last quarter of its calls) costs O(n²)
                d = self.durations[label]
                q = max(1, len(d) // 4)
                rows.append(
                    {
                        "phase": label,
                        "calls": self.calls[label],
                        "seconds": round(self.seconds[label], 3),
                        "share_pct": round(100 * self.seconds[label] / total, 1),
                        "sql_statements": self.sql[label],
                        "sql_seconds": round(self.sql_seconds[label], 3),
                        "ms_per_call_first_quarter": round(1000 * sum(d[:q]) / q, 3),
                        "ms_per_call_last_quarter": round(1000 * sum(d[-q:]) / q, 3),
                    }
                )
        top = sum(r["seconds"] for r in rows if r["phase"] not in NESTED)
        rows.append(
            {
                "phase": "rest: group query, order claim, commits, loop",
                "calls": 1,
                "seconds": round(total - top, 3),
                "share_pct": round(100 * (total - top) / total, 1),
                "sql_statements": self.sql["other"],
                "sql_seconds": round(self.sql_seconds["other"], 3),
                "ms_per_call_first_quarter": None,
                "ms_per_call_last_quarter": None,
            }
        )
        return rows


class SqlCounter:
    """Counts statements (and time spent in them) through ``execute_wrapper``."""

    def __init__(self, phases: Phases) -> None:
        self.phases = phases
        self.statements = 0
        self.by_verb: Counter[str] = Counter()
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.seconds += spent
            self.statements += 1
            self.by_verb[sql.lstrip().split(None, 1)[0].upper()] += 1
            stack = self.phases.stack
            # attributed to the innermost step, or to the outer one for nested
            label = stack[-1] if stack else "other"
            self.phases.sql[label] += 1
            self.phases.sql_seconds[label] += spent
            if len(stack) > 1:
                self.phases.sql[stack[0]] += 1
                self.phases.sql_seconds[stack[0]] += spent


def backend_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one PostgreSQL backend (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_pass(inst: Instance, profile: Path | None = None) -> dict:
    from django.db import connection

    from dispatch.services import auto_dispatch_run

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    phases = Phases()
    counter = SqlCounter(phases)
    load = os.getloadavg()[0]
    profiler = cProfile.Profile() if profile else None
    phases.install()
    pg_cpu = backend_cpu_seconds(backend)
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(counter):
            if profiler:
                profiler.enable()
            result = auto_dispatch_run(now=inst.now, by=None)
            if profiler:
                profiler.disable()
    finally:
        phases.uninstall()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    pg_after = backend_cpu_seconds(backend)
    pg_cpu = round(pg_after - pg_cpu, 2) if pg_cpu is not None and pg_after else None
    out = {
        "seconds": round(seconds, 3),
        "python_cpu_seconds": round(cpu, 2),
        "postgres_backend_cpu_seconds": pg_cpu,
        "sql_statements": counter.statements,
        "sql_by_verb": dict(counter.by_verb.most_common()),
        "sql_seconds": round(counter.seconds, 3),
        "loadavg_1m_before": round(load, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
        "assigned": len(result.assigned),
        "no_candidate": len(result.no_candidate),
        "lost_races": result.lost_races,
        "skipped": result.skipped,
        "no_candidate_reasons": dict(
            Counter(why for _, why in result.no_candidate).most_common(5)
        ),
        "phases": phases.report(seconds),
    }
    if profiler:
        profiler.dump_stats(profile)
        out["profile"] = str(profile.relative_to(ROOT))
        out["profile_top"] = profile_top(profiler)
    return out


def profile_top(profiler: cProfile.Profile, lines: int = 30) -> dict[str, str]:
    tops = {}
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.strip_dirs().sort_stats(key).print_stats(lines)
        tops[key] = buf.getvalue()
    return tops


# --- checks and quality -------------------------------------------------------


@dataclass
class Row:
    id: int
    group_id: int
    package_area_id: int
    product: str
    kind: str
    position: tuple[float, float]
    status: str
    technician_id: int | None


def read_orders(inst: Instance) -> list[Row]:
    from workorders.models import WorkOrder

    rows = []
    for (
        pk,
        g,
        pa,
        product,
        kind,
        lat,
        lng,
        status,
        tech,
    ) in WorkOrder.objects.values_list(
        "id",
        "group_id",
        "package_area_id",
        "product",
        "kind",
        "lat",
        "lng",
        "status",
        "technician_id",
    ).order_by("id"):
        pos = (lat, lng) if lat is not None else inst.pa_pos[pa]
        rows.append(Row(pk, g, pa, product, kind, pos, status, tech))
    return rows


def eligible(inst: Instance, row: Row) -> list[Tech]:
    return [t for t in inst.pool(row.group_id) if t.on_duty and row.product in t.skills]


def max_assignable(inst: Instance, rows: list[Row]) -> int:
    """Most orders any assignment can place (pools, skills, rota, capacity)."""
    import numpy as np
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_flow

    tech_ids = list(inst.techs)
    col = {t: len(rows) + 1 + i for i, t in enumerate(tech_ids)}
    sink = len(rows) + len(tech_ids) + 1
    src, dst, cap = [], [], []
    for i, row in enumerate(rows, 1):
        src.append(0), dst.append(i), cap.append(1)
        for t in eligible(inst, row):
            src.append(i), dst.append(col[t.id]), cap.append(1)
    for t in tech_ids:
        src.append(col[t]), dst.append(sink), cap.append(CAPACITY)
    graph = csr_array(
        (np.array(cap, dtype=np.int32), (np.array(src), np.array(dst))),
        shape=(sink + 1, sink + 1),
    )
    return int(maximum_flow(graph, 0, sink).flow_value)


def check(inst: Instance, rows: list[Row], result: dict) -> dict:
    """Database guarantees and 'every assignable order assigned'."""
    dispatched = [r for r in rows if r.status == "dispatched"]
    pending = [r for r in rows if r.status == "pending"]
    load = Counter(r.technician_id for r in dispatched)
    no_skill = sum(1 for r in rows if not eligible(inst, r))
    bound = max_assignable(inst, rows)
    outside_pool = sum(
        1
        for r in dispatched
        if r.technician_id not in {t.id for t in eligible(inst, r)}
    )
    problems = []
    if len(dispatched) != result["assigned"]:
        problems.append(
            f"{len(dispatched)} dispatched in the DB, {result['assigned']} reported"
        )
    if len(pending) != result["no_candidate"]:
        problems.append(
            f"{len(pending)} left pending, {result['no_candidate']} flagged 无人可派"
        )
    if len(dispatched) + len(pending) != len(rows):
        problems.append("orders in other states after the pass")
    over = [t for t, n in load.items() if n > CAPACITY]
    if over:
        problems.append(f"{len(over)} technicians over capacity")
    if outside_pool:
        problems.append(
            f"{outside_pool} orders given to someone off duty, unskilled or outside the pool"
        )
    return {
        "orders": len(rows),
        "without_skilled_candidate": no_skill,
        "assignable_max_flow": bound,
        "assignable_left_pending": max(0, bound - len(dispatched)),
        "all_assignable_assigned": len(dispatched) >= bound,
        "max_open_per_technician": max(load.values(), default=0),
        "technicians_used": len(load),
        "problems": problems,
    }


def km_matrix(a, b):
    import numpy as np

    a, b = np.radians(np.asarray(a)), np.radians(np.asarray(b))
    p1, p2 = a[:, 0:1], b[None, :, 0]
    dl = b[None, :, 1] - a[:, 1:2]
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, h)))


def quality(inst: Instance, rows: list[Row]) -> dict:
    """Engine vs min-cost assignments, area by area (the pools never cross areas)."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    by_area: dict[int, list[Row]] = defaultdict(list)
    for r in rows:
        if eligible(inst, r):
            by_area[inst.area_of_group[r.group_id]].append(r)
    totals = Counter()
    worst = 0.0
    started = time.perf_counter()
    for area, orders in by_area.items():
        staff = [
            t
            for t in inst.techs.values()
            if t.area_id == area and t.on_duty and t.position
        ]
        col = {t.id: j for j, t in enumerate(staff)}
        km = km_matrix([r.position for r in orders], [t.position for t in staff])
        allowed = np.zeros_like(km, dtype=bool)
        owner = np.zeros_like(km, dtype=bool)
        for i, r in enumerate(orders):
            for t in eligible(inst, r):
                allowed[i, col[t.id]] = True
                owner[i, col[t.id]] = t.home_pa == r.package_area_id
        plain = np.where(allowed, km, INFEASIBLE)
        owner_first = np.where(allowed, km - OWNER_FIRST_KM * owner, INFEASIBLE)
        slots = np.repeat(np.arange(len(staff)), CAPACITY)
        area_totals = Counter()
        for name, cost in (("opt", plain), ("opt_owner", owner_first)):
            r_idx, s_idx = linear_sum_assignment(cost[:, slots])
            t_idx = slots[s_idx]
            ok = allowed[r_idx, t_idx]
            area_totals[f"{name}_km"] += float(km[r_idx, t_idx][ok].sum())
            area_totals[f"{name}_owner"] += int(owner[r_idx, t_idx][ok].sum())
            area_totals[f"{name}_assigned"] += int(ok.sum())
        for i, r in enumerate(orders):
            if r.status == "dispatched" and r.technician_id in col:
                j = col[r.technician_id]
                area_totals["engine_km"] += float(km[i, j])
                area_totals["engine_owner"] += int(owner[i, j])
                area_totals["engine_assigned"] += 1
        area_totals["orders"] += len(orders)
        if area_totals["opt_owner_km"]:
            worst = max(worst, area_totals["engine_km"] / area_totals["opt_owner_km"])
        totals.update(area_totals)
    engine, opt, opt_owner = (
        totals["engine_km"],
        totals["opt_km"],
        totals["opt_owner_km"],
    )
    return {
        "areas": len(by_area),
        "orders": totals["orders"],
        "engine_assigned": totals["engine_assigned"],
        "engine_km": round(engine, 1),
        "engine_owner_orders": totals["engine_owner"],
        "optimum_km": round(opt, 1),
        "optimum_owner_orders": totals["opt_owner"],
        "owner_first_optimum_km": round(opt_owner, 1),
        "owner_first_optimum_owner_orders": totals["opt_owner_owner"],
        "engine_per_order_km": round(engine / max(1, totals["engine_assigned"]), 3),
        "ratio_vs_owner_first_optimum": round(engine / opt_owner, 4)
        if opt_owner
        else None,
        "ratio_vs_optimum": round(engine / opt, 4) if opt else None,
        "worst_area_ratio_vs_owner_first": round(worst, 4),
        "solver_seconds": round(time.perf_counter() - started, 2),
    }


def balance(inst: Instance, rows: list[Row]) -> dict:
    """What the workload weight buys: standard hours per group technician."""
    import statistics

    from dispatch.selectors import dispatch_policy, work_hours_table

    hours, default = work_hours_table(), dispatch_policy().default_work_hours
    load: Counter[int] = Counter()
    orders: Counter[int] = Counter()
    for r in rows:
        if r.status == "dispatched":
            load[r.technician_id] += float(hours.get((r.kind, r.product), default))
            orders[r.technician_id] += 1
    staff = [t.id for t in inst.techs.values() if t.on_duty and t.role == "technician"]
    per = [load[t] for t in staff]
    return {
        "technicians": len(staff),
        "mean_hours": round(statistics.fmean(per), 2),
        "stdev_hours": round(statistics.pstdev(per), 2),
        "max_hours": round(max(per), 2),
        "idle": sum(1 for t in staff if not orders[t]),
        "full": sum(1 for t in staff if orders[t] >= CAPACITY),
    }


# --- driver -------------------------------------------------------------------


def measure(
    inst: Instance, n: int, seed: int, *, label: str, profile=None, repeat: int = 1
) -> dict:
    """Build N orders and dispatch them; with ``repeat`` > 1 keep the fastest pass."""
    passes = []
    for _ in range(repeat):
        build = build_orders(inst, n, seed)
        log(f"{label}: {n:,} pending orders built in {build:.1f} s; dispatching")
        passes.append(run_pass(inst, profile=profile))
        passes[-1]["build_seconds"] = round(build, 2)
    result = min(passes, key=lambda r: r["seconds"])
    result["seconds_all_passes"] = [r["seconds"] for r in passes]
    cpu = result["python_cpu_seconds"] + (result["postgres_backend_cpu_seconds"] or 0)
    result["cpu_seconds"] = round(cpu, 2)
    rows = read_orders(inst)
    result.update(
        pending_orders=n,
        ms_per_order=round(1000 * result["seconds"] / n, 3),
        sql_per_order=round(result["sql_statements"] / n, 2),
        check=check(inst, rows, result),
        quality=quality(inst, rows),
        balance=balance(inst, rows),
    )
    q = result["quality"]
    log(
        f"{label}: {result['seconds']:.2f} s ({result['ms_per_order']:.2f} ms/order), "
        f"{result['assigned']:,} assigned, {result['no_candidate']} 无人可派, "
        f"{result['sql_statements']:,} SQL; distance engine/owner-first optimum "
        f"{q['ratio_vs_owner_first_optimum']}"
        + (
            f"; {result['check']['assignable_left_pending']} assignable left pending"
            if result["check"]["assignable_left_pending"]
            else ""
        )
        + (
            f"; PROBLEMS: {result['check']['problems']}"
            if result["check"]["problems"]
            else ""
        )
    )
    return result


def growth(sizes: list[dict], key: str = "seconds") -> dict:
    """Growth of ``key`` (wall seconds, or CPU seconds of Python + PostgreSQL,
    which other processes on the machine disturb less) with the backlog."""
    first, last = sizes[0], sizes[-1]
    size_ratio = last["pending_orders"] / first["pending_orders"]
    time_ratio = last[key] / first[key]
    marginal = [
        round(
            1000 * (b[key] - a[key]) / (b["pending_orders"] - a["pending_orders"]),
            3,
        )
        for a, b in zip(sizes, sizes[1:], strict=False)
    ]
    # superlinear: the cost of one more order rises with the backlog (the
    # fixed cost per group makes small passes dear per order, not superlinear)
    superlinear = time_ratio > size_ratio * SUPERLINEAR_FACTOR or (
        len(marginal) >= 2 and marginal[-1] > marginal[0] * SUPERLINEAR_FACTOR
    )
    fit = None
    if len(sizes) >= 2:
        n = [s["pending_orders"] for s in sizes]
        t = [s[key] for s in sizes]
        mn, mt = sum(n) / len(n), sum(t) / len(t)
        slope = sum((a - mn) * (b - mt) for a, b in zip(n, t, strict=True)) / sum(
            (a - mn) ** 2 for a in n
        )
        fit = {
            "fixed_seconds": round(mt - slope * mn, 2),
            "ms_per_order": round(1000 * slope, 3),
        }
    return {
        "measure": key,
        "from": first["pending_orders"],
        "to": last["pending_orders"],
        "size_ratio": round(size_ratio, 2),
        "time_ratio": round(time_ratio, 2),
        "marginal_ms_per_order": marginal,
        "linear_fit": fit,
        "superlinear": superlinear,
    }


def markdown(report: dict) -> str:
    lines = [
        "| pending orders | s / pass (other passes) | ms / order | CPU s Python + PG | assigned "
        "| 无人可派 | no skilled candidate | assignable left | SQL statements "
        "| SQL / order | load 1 min |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report["sizes"]:
        c = s["check"]
        pg = s["postgres_backend_cpu_seconds"]
        rest = list(s["seconds_all_passes"])
        rest.remove(s["seconds"])
        others = f" ({', '.join(f'{x:.1f}' for x in rest)})" if rest else ""
        lines.append(
            f"| {s['pending_orders']:,} | {s['seconds']:.1f}{others} | {s['ms_per_order']:.2f} "
            f"| {s['python_cpu_seconds']:.1f} + {f'{pg:.1f}' if pg is not None else '?'} "
            f"| {s['assigned']:,} | {s['no_candidate']:,} "
            f"| {c['without_skilled_candidate']:,} | {c['assignable_left_pending']:,} "
            f"| {s['sql_statements']:,} | {s['sql_per_order']:.2f} "
            f"| {s['loadavg_1m_before']:.1f} |"
        )
    lines.append("")
    for g in (report["growth"], report["growth_cpu"]):
        fit = g["linear_fit"]
        what = "wall time" if g["measure"] == "seconds" else "CPU time (Python + PG)"
        lines.append(
            f"Growth of {what}, {g['from']:,} → {g['to']:,} pending orders: "
            f"× {g['time_ratio']} for × {g['size_ratio']:g} orders; marginal ms per "
            f"extra order between sizes: {', '.join(map(str, g['marginal_ms_per_order']))}"
            + (
                f"; least-squares fit {fit['fixed_seconds']} s + "
                f"{fit['ms_per_order']} ms × orders"
                if fit
                else ""
            )
            + f" → {'SUPERLINEAR' if g['superlinear'] else 'linear (or better)'}."
        )
        lines.append("")
    largest = report["sizes"][-1]
    lines += [
        f"Where the {largest['pending_orders']:,}-order pass spends its time "
        "(steps timed in-process; indented rows are inside the row above):",
        "",
        "| step | calls | s | % | SQL statements | ms / call, first → last quarter |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for p in largest["phases"]:
        drift = (
            f"{p['ms_per_call_first_quarter']:.2f} → {p['ms_per_call_last_quarter']:.2f}"
            if p["ms_per_call_first_quarter"] is not None
            else ""
        )
        name = (
            p["phase"].replace("  ", "&nbsp;&nbsp;↳ ")
            if p["phase"].startswith("  ")
            else p["phase"]
        )
        lines.append(
            f"| {name} | {p['calls']:,} | {p['seconds']:.1f} | {p['share_pct']:.0f} "
            f"| {p['sql_statements']:,} | {drift} |"
        )
    lines += [
        "",
        "| scenario | pending orders | engine km | optimum km | owner-first optimum km "
        "| engine / owner-first optimum | engine / optimum | worst area "
        "| owner orders engine / max | hours per technician mean ± sd (max) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for q in report["quality"]:
        v, b = q["quality"], q["balance"]
        lines.append(
            f"| {q['scenario']} | {q['pending_orders']:,} | {v['engine_km']:,.0f} "
            f"| {v['optimum_km']:,.0f} | {v['owner_first_optimum_km']:,.0f} "
            f"| {v['ratio_vs_owner_first_optimum']:.3f} | {v['ratio_vs_optimum']:.3f} "
            f"| {v['worst_area_ratio_vs_owner_first']:.3f} "
            f"| {v['engine_owner_orders']:,} / {v['owner_first_optimum_owner_orders']:,} "
            f"| {b['mean_hours']:.1f} ± {b['stdev_hours']:.1f} ({b['max_hours']:.1f}) |"
        )
    return "\n".join(lines)


def verdicts(report: dict) -> list[str]:
    out = []
    big = [s for s in report["sizes"] if s["pending_orders"] == TARGET_SIZE]
    if big:
        s = big[0]["seconds"]
        out.append(
            f"{TARGET_SIZE:,} pending orders in one pass: {s:.1f} s "
            f"(target ≤ {TARGET_SECONDS:.0f} s): {'met' if s <= TARGET_SECONDS else 'MISSED'}"
        )
    else:
        out.append(f"{TARGET_SIZE:,}-order target: not measured at these sizes")
    # the verdict follows the CPU time of Python + PostgreSQL: a busy machine
    # stretches single wall-clock passes by tens of percent, which can fake
    # (or hide) a rising marginal cost; the wall-time figure is shown too
    cpu, wall = report["growth_cpu"], report["growth"]
    out.append(
        f"growth (CPU time): {'SUPERLINEAR' if cpu['superlinear'] else 'linear'}"
        f" (× {cpu['time_ratio']} for × {cpu['size_ratio']:g} orders); wall time "
        f"× {wall['time_ratio']}"
        + (" with a rising marginal cost" if wall["superlinear"] else "")
    )
    bad = [s["pending_orders"] for s in report["sizes"] if s["check"]["problems"]]
    out.append(
        "capacity, rota, pools and reported counts: "
        + ("all respected" if not bad else f"VIOLATED at {bad}")
    )
    left = {
        s["pending_orders"]: s["check"]["assignable_left_pending"]
        for s in report["sizes"]
        if s["check"]["assignable_left_pending"]
    }
    out.append(
        "every assignable order assigned (max-flow bound): "
        + ("yes" if not left else f"NO, left pending: {left}")
    )
    for prefix in ("home positions", "GPS"):
        rows = [
            q
            for q in report["quality"]
            if q["scenario"].startswith(prefix)
            and q["scenario"].endswith("default weights")
        ]
        if rows:
            worst = max(q["quality"]["ratio_vs_owner_first_optimum"] for q in rows)
            out.append(
                f"distance vs owner-first optimum, {prefix}, default weights: worst × "
                f"{worst:.3f} (target ≤ × {TARGET_QUALITY}): "
                f"{'met' if worst <= TARGET_QUALITY else 'MISSED'}"
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 5,000 only")
    parser.add_argument("--sizes", type=int, nargs="+", help="pending orders per pass")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument(
        "--variants-size",
        type=int,
        help="size of the quality variants (default: the largest size)",
    )
    parser.add_argument(
        "--variant-weights",
        type=Decimal,
        nargs="*",
        default=[Decimal("0")],
        help="workload_penalty_per_hour values tried besides the default (default: 0)",
    )
    parser.add_argument(
        "--gps-share",
        type=float,
        default=0.7,
        help="share of technicians with a fresh position in the GPS scenario",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="passes per size (fresh orders each time); the fastest is reported",
    )
    parser.add_argument("--no-variants", action="store_true")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="one more pass at the largest size under cProfile (.prof in bench/out)",
    )
    args = parser.parse_args()
    sizes = sorted(args.sizes or (QUICK_SIZES if args.quick else SIZES))
    variants_size = args.variants_size or max(sizes)

    def on_signal(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # Ctrl-C even when started from a shell that ignores SIGINT in the background
    signal.signal(signal.SIGINT, signal.default_int_handler)

    started = dt.datetime.now().astimezone()
    stamp = f"{started:%Y%m%d-%H%M%S}"
    # 10:00 in Shanghai today: working hours (everybody also takes after-hours work)
    now = dt.datetime.combine(
        started.astimezone(LOCAL_TZ).date(), dt.time(10, 0), tzinfo=LOCAL_TZ
    )
    pg = Postgres("dispatch")
    report: dict = {}
    try:
        pg.start()
        django_start(pg)
        t0 = time.perf_counter()
        inst = build_org(args.seed, now)
        technicians = sum(1 for t in inst.techs.values() if t.role == "technician")
        log(
            f"organisation in {time.perf_counter() - t0:.1f} s: {len(inst.group_ids)} groups, "
            f"{technicians} technicians + {len(inst.techs) - technicians} support/emergency, "
            f"{len(inst.pa_pos)} package areas, {inst.resting} resting, {inst.on_leave} on leave"
        )
        results = [
            measure(inst, n, args.seed, label=f"{n:,}", repeat=args.repeat)
            for n in sizes
        ]
        quality_rows = [
            {
                "scenario": "home positions, default weights",
                "pending_orders": r["pending_orders"],
                "quality": r["quality"],
                "balance": r["balance"],
            }
            for r in results
        ]
        variants = []
        if not args.no_variants:
            gps = f"GPS {args.gps_share:.0%}"
            plan = (
                [("home positions", 0.0, w) for w in args.variant_weights]
                + [(gps, args.gps_share, None)]
                + [(gps, args.gps_share, w) for w in args.variant_weights]
            )
            if variants_size not in sizes:
                plan.insert(0, ("home positions", 0.0, None))
            for where, share, weight in plan:
                scenario = f"{where}, " + (
                    "default weights" if weight is None else f"workload weight {weight}"
                )
                set_gps(inst, share, args.seed)
                set_policy(weight)
                r = measure(inst, variants_size, args.seed, label=scenario)
                variants.append({"scenario": scenario, **r})
                quality_rows.append(
                    {
                        "scenario": scenario,
                        "pending_orders": variants_size,
                        "quality": r["quality"],
                        "balance": r["balance"],
                    }
                )
            set_gps(inst, 0.0, args.seed)
            set_policy(None)
        profiled = None
        if args.profile:
            prof = OUT_DIR / f"dispatch-{stamp}.prof"
            OUT_DIR.mkdir(parents=True, exist_ok=True)
            profiled = measure(
                inst, max(sizes), args.seed, label="cProfile", profile=prof
            )
        from dispatch.models import DispatchPolicy

        policy = DispatchPolicy.objects.order_by("pk").first()
        report = {
            "date": started.isoformat(timespec="seconds"),
            "command": " ".join(
                [".venv/bin/python", "bench/dispatch.py", *sys.argv[1:]]
            ),
            "machine": machine(),
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "postgres_settings": "fsync=off, otherwise defaults; ANALYZE after each load",
            "seed": args.seed,
            "now": now.isoformat(),
            "instance": {
                "areas": AREAS,
                "groups": len(inst.group_ids),
                "technicians": technicians,
                "support_emergency": len(inst.techs) - technicians,
                "package_areas": len(inst.pa_pos),
                "resting_today": inst.resting,
                "on_leave": inst.on_leave,
                "max_open_orders": CAPACITY,
                "capacity_slots_on_duty": CAPACITY
                * sum(1 for t in inst.techs.values() if t.on_duty),
                "products": {p: s for p, (s, _) in PRODUCTS.items()},
                "skill_share": {p: k for p, (_, k) in PRODUCTS.items()},
                "weights": {
                    "owner_bonus": str(policy.owner_bonus),
                    "distance_penalty_per_km": str(policy.distance_penalty_per_km),
                    "workload_penalty_per_hour": str(policy.workload_penalty_per_hour),
                },
            },
            "sizes": results,
            "growth": growth(results),
            "growth_cpu": growth(results, "cpu_seconds"),
            "variants": variants,
            "quality": quality_rows,
            "profile": profiled,
            "targets": {
                "seconds_at_20000": TARGET_SECONDS,
                "growth": "linear",
                "distance_ratio_vs_owner_first_optimum": TARGET_QUALITY,
            },
        }
    except KeyboardInterrupt as exc:
        log(f"interrupted ({str(exc) or 'Ctrl-C'}); cleaning up")
        return 130
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        pg.stop()

    report["verdicts"] = verdicts(report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"dispatch-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if profiled:
        print("\ncProfile of one pass, by own time:\n")
        print(profiled["profile_top"]["tottime"])
        print("by cumulative time:\n")
        print(profiled["profile_top"]["cumulative"])
    print("\nMarkdown rows for bench/RESULTS.md:\n")
    print(markdown(report))
    m = report["machine"]
    print(
        f"\nMachine: {m['nproc']} CPUs, {m['cpu_model']}; {m['postgres']}; "
        f"Python {m['python']}; {report['date']}; `{report['command']}`"
    )
    print()
    for line in report["verdicts"]:
        print(f"- {line}")
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
