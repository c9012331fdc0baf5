"""The demo orders of the period, planned as plain dicts (no database, no clock)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from org.models import TechnicianRole
from workorders import rules
from workorders.rules import LOCAL_TZ

from .city import (
    _mobile,
    _person_name,
)
from .clock import (
    _at,
)
from .constants import (
    CAMPUSES,
    COMPANY_KINDS,
    COMPANY_WORDS,
    CRM_PREFIX,
    DEFAULT_AT,
    DELAY_CAUSES,
    DELAY_WEIGHTS,
    FAULTS,
    GOV_UNITS,
    HOUR_WEIGHTS_CRM,
    HOUR_WEIGHTS_REPAIR,
    LEVELS,
    PRODUCT_NAMES,
    PRODUCT_WEIGHTS,
    PRODUCTS,
    REPEAT_SHARE,
    SEGMENTS,
    SURNAMES,
    SYSTEM,
)
from .lifecycle import LifecycleMixin


class _Planner(LifecycleMixin):
    """Plans every order of the period, then cuts the plan at ``now``."""

    def __init__(self, seed, days, scale, today, snapshot, now):
        self.rng = random.Random(f"{seed}:orders")
        self.days = days
        self.scale = scale
        self.today = today
        self.now = now
        self.policy = snapshot["policy"]
        self.first_response = timedelta(minutes=snapshot["first_response_minutes"])
        self.packages = snapshot["packages"]
        self.package = {p["code"]: p for p in self.packages}
        self.techs = {t["code"]: t for t in snapshot["technicians"]}
        self.field: dict[str, list[dict]] = {}
        self.area_staff: dict[str, list[dict]] = {}
        self.owner: dict[str, dict] = {}
        for t in snapshot["technicians"]:
            if t["role"] == TechnicianRole.TECHNICIAN:
                self.field.setdefault(t["group"], []).append(t)
                home = t["home_package_area"]
                if home and home not in self.owner:
                    self.owner[home] = t
            else:
                self.area_staff.setdefault(t["area"], []).append(t)
        self.phones: set[str] = set()
        self.accounts: set[str] = set()
        self.customer_no = 0
        self.recent_repairs: list[tuple[datetime, dict, str]] = []
        self.recent_installs: list[tuple[datetime, dict, str]] = []
        self.repairs_done: dict[tuple[int, str], list[datetime]] = {}
        self.storm_day = None

    # --- volume and arrivals -----------------------------------------------------

    def arrivals(self) -> list[tuple[datetime, str, str]]:
        rng = self.rng
        per_day = self.days / 30 * self.scale
        n_im = round(6800 * per_day)
        n_move = round(n_im * 0.18)
        counts = {
            "install": n_im - n_move,
            "move": n_move,
            "repair": round(16800 * per_day),
        }
        days = [self.today - timedelta(days=i) for i in range(self.days - 1, -1, -1)]
        if self.days >= 7:
            self.storm_day = rng.choice(days[:-1])  # 暴雨: repairs surge
        weights = {k: [] for k in counts}
        for d in days:
            noise = rng.uniform(0.92, 1.08)
            weekend = d.weekday() >= 5
            weights["install"].append(noise * (1.1 if weekend else 1.0))
            weights["move"].append(noise * (1.15 if weekend else 1.0))
            storm = 1.8 if d == self.storm_day else 1.0
            weights["repair"].append(noise * (0.95 if weekend else 1.0) * storm)
        pkg_weights = [
            {"urban_core": 1.6, "county_town": 1.0, "rural": 0.45}[p["area_type"]]
            for p in self.packages
        ]
        out = []
        for kind, n in counts.items():
            if n <= 0:
                continue
            hours = HOUR_WEIGHTS_REPAIR if kind == "repair" else HOUR_WEIGHTS_CRM
            picked_days = rng.choices(days, weights[kind], k=n)
            picked_hours = rng.choices(range(24), hours, k=n)
            picked_pkgs = rng.choices(self.packages, pkg_weights, k=n)
            for d, h, p in zip(picked_days, picked_hours, picked_pkgs, strict=True):
                t = _at(d, h) + timedelta(seconds=rng.randrange(3600))
                out.append((t, kind, p["code"]))
        out.sort()
        return out

    # --- customers ------------------------------------------------------------------

    def new_customer(self, package: dict) -> dict:
        rng = self.rng
        i = self.customer_no
        self.customer_no += 1
        if i < 4:  # every level and segment exists even in a tiny demo
            level, segment = LEVELS[i], SEGMENTS[i % 3]
        else:
            level = rng.choices(LEVELS, (1, 3, 6, 90))[0]
            segment = rng.choices(SEGMENTS, (85, 10, 5))[0]
        surname = rng.choice(SURNAMES)
        if segment == "government_enterprise":
            if rng.random() < 0.5:
                name = rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_KINDS)
            else:
                name = package["name"].rstrip("小区村镇") + rng.choice(GOV_UNITS)
        elif segment == "campus":
            name = f"{rng.choice(CAMPUSES)}学生{surname}同学"
        elif rng.random() < 0.4:
            name = surname + rng.choice(("先生", "女士"))
        else:
            name = _person_name(rng)
        if segment == "government_enterprise" and rng.random() < 0.5:
            phone = f"0518-8{rng.randrange(10**6, 10**7)}"
            while phone in self.phones:
                phone = f"0518-8{rng.randrange(10**6, 10**7)}"
            self.phones.add(phone)
        else:
            phone = _mobile(rng, self.phones)
        while True:
            account = f"LYG{rng.randrange(10**9, 10**10)}"
            if account not in self.accounts:
                self.accounts.add(account)
                break
        return {
            "key": i,
            "name": name,
            "phone": phone,
            "account": account,
            "level": level,
            "segment": segment,
            "address": self.address(package),
            "package_area": package["code"],
        }

    def address(self, package: dict) -> str:
        rng = self.rng
        name = package["name"]
        if name.endswith(("村", "镇")):
            return f"{name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
        return (
            f"{name}{rng.randint(1, 36)}号楼{rng.randint(1, 4)}单元"
            f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
        )

    def reuse(self, pool, t0: datetime):
        """A customer from a recent completed order: (customer, product) or None."""
        rng = self.rng
        for _ in range(6):
            if not pool:
                return None
            done, customer, product = pool[
                rng.randrange(max(0, len(pool) - 3000), len(pool))
            ]
            if t0 - timedelta(days=30) <= done <= t0:
                return customer, product
        return None

    # --- technicians ------------------------------------------------------------------

    def pick_technician(self, package: dict, product: str, evening: bool, exclude=None):
        rng = self.rng
        candidates = [
            t
            for t in self.field.get(package["group"], [])
            if product in t["skills"]
            and (t["after_hours"] or not evening)
            and t["code"] != exclude
        ]
        if not candidates:
            candidates = [
                t
                for t in self.area_staff.get(package["area"], [])
                if t["role"] == TechnicianRole.EMERGENCY
                and product in t["skills"]
                and t["code"] != exclude
            ]
        if not candidates:
            return None
        owner = self.owner.get(package["code"])
        if owner in candidates and rng.random() < 0.55:
            return owner
        return rng.choice(candidates)

    def support(self, package: dict) -> dict | None:
        staff = [
            t
            for t in self.area_staff.get(package["area"], [])
            if t["role"] == TechnicianRole.SUPPORT
        ]
        return self.rng.choice(staff) if staff else None

    # --- one order --------------------------------------------------------------------

    def order(self, t0: datetime, kind: str, package_code: str, seq: int) -> dict:
        rng = self.rng
        package = self.package[package_code]
        customer = product = None
        if kind == "repair":
            roll = rng.random()
            if roll < REPEAT_SHARE:
                found = self.reuse(self.recent_repairs, t0)
            elif roll < REPEAT_SHARE + 0.08:
                found = self.reuse(self.recent_installs, t0)
            else:
                found = None
            if found:
                customer, product = found
                package = self.package[customer["package_area"]]
        if customer is None:
            customer = self.new_customer(package)
            product = rng.choices(PRODUCTS, PRODUCT_WEIGHTS[kind])[0]
        repeat = False
        if kind == "repair":
            repeat = any(
                t0 - timedelta(days=30) <= done <= t0
                for done in self.repairs_done.get((customer["key"], product), ())
            )
        public = customer["segment"] == "public"
        same_day_requested = rng.random() < (0.92 if public else 0.7)
        intake = rules.intake_deadline(
            kind=kind,
            product=product,
            level=customer["level"],
            segment=customer["segment"],
            area_type=package["area_type"],
            area_same_day_enabled=package["same_day_enabled"],
            same_day_requested=same_day_requested,
            accepted_at=t0,
            appointment_end=None,
            policy=self.policy,
        )
        prefix = {"install": "Z", "move": "Y", "repair": "X"}[kind]
        number = f"{prefix}{t0:%y%m%d}D{seq:06d}"
        source = "crm"
        if kind == "repair":
            source = "hotline" if rng.random() < 0.72 else "self_service"
        if kind == "repair":
            description = rng.choice(FAULTS[product])
        elif kind == "move":
            description = (
                f"移机({PRODUCT_NAMES[product]})，原址：{self.address(package)}"
            )
        else:
            description = f"新装{PRODUCT_NAMES[product]}"
        address = customer["address"] if kind != "move" else self.address(package)
        lat = round(package["lat"] + rng.uniform(-0.004, 0.004), 6)
        lng = round(package["lng"] + rng.uniform(-0.004, 0.004), 6)
        order = {
            "number": number,
            "crm_order_id": f"{CRM_PREFIX}{number}" if source == "crm" else "",
            "source": source,
            "kind": kind,
            "product": product,
            "customer": customer,
            "address": address,
            "package_area": package["code"],
            "group": package["group"],
            "district": package["district"],
            "lat": lat,
            "lng": lng,
            "description": description,
            "same_day_requested": same_day_requested,
            "is_same_day": intake.is_same_day,
            "deadline_basis": intake.basis,
            "deadline_follows_appointment": intake.follows_appointment,
            "accepted_at": t0,
            "is_repeat_fault": repeat,
            "created_by": {"crm": "crm", "hotline": "agent"}.get(source),
        }
        initial = {
            "status": rules.PENDING,
            "deadline": intake.deadline,
            "dispatched_at": None,
            "first_response_due": None,
            "first_contact_at": None,
            "appointment_start": None,
            "appointment_end": None,
            "arrived_at": None,
            "completed_at": None,
            "cancelled_at": None,
            "technician": None,
            "resolution": "",
            "delay_cause": "",
            "completion_evidence": "",
            "completion_note": "",
            "cancel_reason": "",
        }
        created = self.event(
            t0,
            "created",
            None,
            "",
            rules.PENDING,
            intake.basis,
            {"source": source, "deadline": intake.deadline.isoformat()},
            {},
        )
        plan = [created] + self.lifecycle(order, package, intake)
        order["_initial"] = initial
        order["_plan"] = plan
        done = next(
            (
                e["_fields"]["completed_at"]
                for e in plan
                if e["to_status"] == rules.COMPLETED
            ),
            None,
        )
        if done is not None:
            if kind == "repair":
                self.repairs_done.setdefault((customer["key"], product), []).append(
                    done
                )
                self.recent_repairs.append((done, customer, product))
            elif kind == "install":
                self.recent_installs.append((done, customer, product))
        return order

    @staticmethod
    def event(at, kind, actor, src, dst, reason, data, fields) -> dict:
        return {
            "at": at,
            "kind": kind,
            "actor": actor["code"] if actor else None,
            "actor_name": actor["name"] if actor else SYSTEM,
            "from_status": src,
            "to_status": dst,
            "reason": reason,
            "data": data,
            "_fields": fields,
        }

    def late_cause(self, t0: datetime) -> tuple[str, str]:
        rng = self.rng
        if self.storm_day and t0.date() == self.storm_day and rng.random() < 0.7:
            cause = "force_majeure"
        else:
            cause = rng.choices(DELAY_CAUSES, DELAY_WEIGHTS)[0]
        evidence = ""
        if (
            cause in ("customer", "third_party", "force_majeure")
            and rng.random() < 0.65
        ):
            evidence = (
                "气象预警截图" if cause == "force_majeure" else "通话录音"
            ) + f" REC{rng.randrange(10**7, 10**8)}"
        return cause, evidence

    def run(self) -> list[dict]:
        seqs: dict[tuple[str, date], int] = {}
        orders = []
        for t0, kind, package_code in self.arrivals():
            key = (kind, t0.date())
            seqs[key] = seqs.get(key, 0) + 1
            orders.append(self.order(t0, kind, package_code, seqs[key]))
        orders = [o for o in orders if o["accepted_at"] <= self.now]
        for o in orders:
            self.settle(o, [e for e in o["_plan"] if e["at"] <= self.now])
        self.respect_capacity(orders)
        for o in orders:
            del o["_plan"], o["_initial"]
        return orders

    @staticmethod
    def settle(order: dict, events: list[dict]) -> None:
        """Apply the events that have happened: the order's state at ``now``."""
        state = dict(order["_initial"])
        for e in events:
            state.update(e["_fields"])
            if e["to_status"]:
                state["status"] = e["to_status"]
        order.update(state)
        order["events"] = [
            {k: v for k, v in e.items() if k != "_fields"} for e in events
        ]

    def respect_capacity(self, orders: list[dict]) -> None:
        """Nobody holds more open orders than their cap: the excess is still queued."""
        held: dict[str, list[dict]] = {}
        for o in orders:
            if o["status"] in rules.ASSIGNED_STATES:
                held.setdefault(o["technician"], []).append(o)
        for code in sorted(held):
            cap = self.techs[code]["max_open_orders"]
            mine = sorted(
                held[code],
                key=lambda o: (o["status"] != rules.ON_SITE, o["dispatched_at"]),
            )
            for o in mine[cap:]:
                self.settle(o, o["_plan"][:1])


def default_now(today: date) -> datetime:
    return datetime.combine(today, DEFAULT_AT, tzinfo=LOCAL_TZ)


def generate(
    seed: int,
    days: int,
    scale: float,
    today: date,
    org_snapshot: dict,
    now: datetime | None = None,
) -> list[dict]:
    """Plan the demo orders: plain dicts, deterministic, no database, no clock.

    Each order dict carries its customer (dict with a ``key``; repeat
    customers share it), codes for package area / group / district /
    technician, every timestamp as an aware local datetime, and its
    ``events`` (timeline) in order. Nothing is later than ``now``
    (default: ``today`` at 18:00).
    """
    now = now or default_now(today)
    return _Planner(seed, days, scale, today, org_snapshot, now).run()


def reference_now(today: date, at: time | None, real_now: datetime) -> datetime:
    """The demo's "now": ``--at``; else the clock on the real today; else 18:00."""
    if at is not None:
        return datetime.combine(today, at, tzinfo=LOCAL_TZ)
    if today == real_now.date():
        return real_now.replace(second=0, microsecond=0)
    return default_now(today)
