"""Work for every desk of the demo: what the planned history cannot produce.

The history (``demo.history``) is bulk-written and ends at the reference time;
the desks need today's live work on top of it, made through the services the
people and the engine use, so that every row is what production would hold:

1. this and next week's rest rota for every group, and the technicians' last
   positions (live for most, stale for a few);
2. one area with auto-dispatch switched off, holding fresh pending orders for
   the dispatcher's manual queue; orders nobody can take (无人可派);
3. late orders whose deadlines passed 1, 3 and 9 hours ago (escalation levels
   1–3) and orders at 80 % of their time (warnings), found by ``sla.scan``;
4. suspend and reschedule requests waiting for the supervisor;
5. complaints at every step of the 96133 flow, one closed with a penalty;
6. callbacks given for most completions older than a day (the rest stay due);
7. payroll: last month's run locked, this month's a draft;
8. the scheduled daily, weekly and monthly reports with their warnings.

Runs once: ``desks_seeded`` tells whether the marker complaint exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from complaints.models import Callback, Complaint, ComplaintSubCategory
from complaints.services import flow
from complaints.services.intake import ComplaintIn, complaint_create
from complaints.services.penalties import PenaltyIn
from demo.constants import DEMO_DEPARTMENT
from demo.slots import next_open_slot, seed_slots
from dispatch.models import RotaEntry
from dispatch.services import (
    area_auto_dispatch_set,
    auto_dispatch_run,
    rota_generate_week,
    rota_set,
    technician_position_update,
)
from org.models import (
    Area,
    District,
    PackageArea,
    RegionGroup,
    Technician,
    TechnicianRole,
)
from payroll.models import PayrollRun
from payroll.services import payroll_run_create, payroll_run_lock, payroll_run_review
from reports.services import report_publish
from sla.scan import sla_scan
from sla.services import approval_request
from workorders import rules
from workorders.models import WorkOrder
from workorders.services import CustomerIn, OrderIn, work_order_create

#: the first complaint's description: its presence means the desks are seeded
MARKER = "演示：宽带装机预约后未按时上门，客户要求说明原因"
MANUAL_AREA = "海州片区"  # its auto-dispatch is off: the dispatcher's own queue


@dataclass
class DeskCounts:
    """What ``seed_desks`` made, for the command's summary line."""

    made: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.made[key] = self.made.get(key, 0) + n

    def __str__(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.made.items())


def desks_seeded() -> bool:
    return Complaint.objects.filter(description=MARKER).exists()


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def seed_rota_and_positions(now: datetime, rng: random.Random, out: DeskCounts):
    """1. Rota of this and next week (kept when already there), positions."""
    admin = _user("admin")
    this_week = _monday(rules.local(now).date())
    for week in (this_week, this_week + timedelta(days=7)):
        have = set(
            RotaEntry.objects.filter(
                date__gte=week, date__lt=week + timedelta(days=7)
            ).values_list("technician__group_id", flat=True)
        )
        for group in RegionGroup.objects.exclude(pk__in=have).order_by("code"):
            rota_generate_week(group, week, by=admin)
            out.add("rota weeks")
    for tech in Technician.objects.select_related("home_package_area").order_by("code"):
        home = tech.home_package_area
        if home is None or home.lat is None or rng.random() < 0.15:
            continue  # no phone position: ranked from the home package area
        minutes = rng.uniform(1, 25) if rng.random() < 0.85 else rng.uniform(90, 600)
        technician_position_update(
            tech,
            lat=round(home.lat + rng.uniform(-0.012, 0.012), 6),
            lng=round(home.lng + rng.uniform(-0.012, 0.012), 6),
            now=now - timedelta(minutes=minutes),
        )
        out.add("positions")


def _order(
    rng: random.Random,
    package: PackageArea,
    *,
    kind: str,
    product: str,
    accepted_at: datetime,
    level: str = "ordinary",
    segment: str = "public",
    by,
    description: str,
) -> WorkOrder:
    phone = f"139{rng.randrange(10**8):08d}"
    source = "crm" if kind != "repair" else "hotline"
    data = OrderIn(
        source=source,
        kind=kind,
        product=product,
        customer=CustomerIn(
            name=rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(("先生", "女士")),
            phone=phone,
            level=level,
            segment=segment,
        ),
        address=f"{package.name}{rng.randrange(1, 40)}号楼{rng.randrange(1, 6)}单元",
        package_area=package.code,
        crm_order_id=f"DEMO-LIVE-{phone}" if source == "crm" else "",
        lat=package.lat,
        lng=package.lng,
        accepted_at=accepted_at,
        description=description,
    )
    order, _ = work_order_create(data=data, by=by, now=accepted_at)
    return order


def seed_queue(now: datetime, rng: random.Random, out: DeskCounts) -> list[WorkOrder]:
    """2.–3. Live orders: a manual queue, 无人可派, late and nearly late ones.

    Returns the orders that the engine dispatched (for the approvals).
    """
    agent, crm, dispatcher = _user("agent"), _user("crm"), _user("dispatcher")
    manual = Area.objects.get(name=MANUAL_AREA)
    area_auto_dispatch_set(manual, enabled=False, by=dispatcher)
    manual_packages = list(
        PackageArea.objects.filter(group__area=manual).order_by("code")
    )
    for i in range(8):
        kind = ("repair", "repair", "install")[i % 3]
        _order(
            rng,
            manual_packages[i % len(manual_packages)],
            kind=kind,
            product=("ftth_broadband", "itv_hd")[i % 2],
            accepted_at=now - timedelta(minutes=5 + 9 * i),
            level=("diamond", "ordinary", "ordinary", "gold")[i % 4],
            by=agent if kind == "repair" else crm,
            description="宽带无法上网，光猫LOS灯红" if kind == "repair" else "",
        )
        out.add("manual queue")

    urban = list(
        PackageArea.objects.filter(group__area__area_type="urban_core")
        .exclude(group__area=manual)
        .order_by("code")
    )
    made = []
    # 无人可派: everyone in one group's reach who can work on 专线 ("other")
    # is away on training today, so its 专线 repairs have no candidate
    admin, today = _user("admin"), rules.local(now).date()
    group = (
        RegionGroup.objects.filter(area__area_type="urban_core")
        .exclude(area=manual)
        .order_by("code")[2]
    )
    reach = Technician.objects.filter(
        Q(group=group)
        | Q(
            group__area=group.area,
            role__in=[TechnicianRole.SUPPORT, TechnicianRole.EMERGENCY],
        )
    ).order_by("code")
    for tech in reach:
        if "other" in tech.skills:
            rota_set(tech, today, kind="leave", note="专线业务培训", by=admin)
    packages = list(group.package_areas.order_by("code"))
    for i in range(3):
        made.append(
            _order(
                rng,
                packages[i % len(packages)],
                kind="repair",
                product="other",
                accepted_at=now - timedelta(minutes=20 + 7 * i),
                by=agent,
                description="企业专线中断",
            )
        )
        out.add("无人可派")
    # deadlines passed 1, 3 and 9 hours ago (levels 1, 2, 3) and 80 % used;
    # government-enterprise customers are outside 当日修: the standard limits
    late = [
        ("ordinary", timedelta(hours=24 + 1)),  # 24 h limit, 1 h late
        ("ordinary", timedelta(hours=24 + 3)),  # 2 h after: level 2
        ("gold", timedelta(hours=4 + 9)),  # VIP 4 h limit, 9 h late: level 3
        ("ordinary", timedelta(hours=20)),  # 83 % of 24 h: warning
        ("ordinary", timedelta(hours=23, minutes=15)),  # 45 min left
    ]
    for i, (level, age) in enumerate(late * 2):
        made.append(
            _order(
                rng,
                urban[(5 * i + 1) % len(urban)],
                kind="repair",
                product="ftth_broadband",
                accepted_at=now - age,
                level=level,
                segment="government_enterprise",
                by=agent,
                description="专网用户宽带中断",
            )
        )
        out.add("late / warned")
    result = auto_dispatch_run(now=now)
    out.add("engine assigned", len(result.assigned))
    return [
        o
        for o in WorkOrder.objects.filter(pk__in=[o.pk for o in made]).exclude(
            technician=None
        )
    ]


def seed_approvals(now: datetime, orders: list[WorkOrder], out: DeskCounts) -> None:
    """4. Requests waiting for the supervisor (by the dispatcher, as on a call)."""
    dispatcher = _user("dispatcher")
    for i, order in enumerate(orders[:4]):
        order.refresh_from_db()
        if i % 2 == 0:
            approval_request(
                order,
                kind="suspend",
                reason="customer",
                evidence=f"录音 REC-{order.pk:06d}",
                note="客户出差，要求周末再处理",
                by=dispatcher,
                now=now,
            )
        else:
            # a reschedule books ahead: the first slot with room (SPEC §14)
            slot = next_open_slot(order, now)
            if slot is None:
                continue
            approval_request(
                order,
                kind="reschedule",
                reason="customer",
                appointment_start=slot.start,
                appointment_end=slot.end,
                customer_confirmed=True,
                note="客户改约明天上午",
                by=dispatcher,
                now=now,
            )
        out.add("approvals")


def seed_complaints(now: datetime, rng: random.Random, out: DeskCounts) -> None:
    """5. One complaint resting at each step, one closed with a penalty."""
    agent, manager = _user("agent"), _user("manager")
    subs = list(ComplaintSubCategory.objects.filter(active=True).order_by("code"))
    completed = list(
        # in the first district, where the demo department handler works
        WorkOrder.objects.filter(
            status=rules.COMPLETED,
            technician__isnull=False,
            district=District.objects.order_by("code").first(),
        )
        .select_related("customer", "district", "technician")
        .order_by("-completed_at")[:20]
    )
    steps = [
        lambda c, t: flow.complaint_submit(c, by=agent, now=t),
        lambda c, t: flow.complaint_dispatch_to_city(
            c, district=c.work_order.district.code, by=manager, now=t
        ),
        lambda c, t: flow.complaint_assign_department(
            c, department=DEMO_DEPARTMENT, by=manager, now=t
        ),
        lambda c, t: flow.complaint_answer_customer(
            c, answer="已致电客户致歉并重新上门处理", by=manager, now=t
        ),
        lambda c, t: flow.complaint_return_ticket(c, by=manager, now=t),
        lambda c, t: flow.complaint_callback_customer(
            c, satisfied=True, by=agent, now=t
        ),
        lambda c, t: flow.complaint_determine(
            c,
            outcome="human",
            note="装维人员未按预约时间上门",
            penalty=PenaltyIn(
                amount=Decimal("50.00"),
                reason="预约超时未上门",
                technician=c.work_order.technician.code,
            ),
            by=manager,
            now=t,
        ),
    ]
    descriptions = [
        MARKER,
        "修障超时两天，客户多次催单无果",
        "装维人员上门态度差",
        "iTV 高清频道频繁卡顿，维修后复发",
        "营业厅承诺的提速未生效",
        "装机时损坏客户墙面",
        "宽带安装后网速不达标",
        "修障人员未出示工牌",
    ]
    for i, text in enumerate(descriptions):
        order = completed[i % len(completed)]
        sub = subs[i % len(subs)]
        # older ones have moved further along; each step is 20-70 min apart
        t = now - timedelta(hours=2 + 3 * i)
        with transaction.atomic():
            complaint = complaint_create(
                data=ComplaintIn(
                    channel=("hotline_10000", "gm_96133", "online")[i % 3],
                    phone=order.customer.phone,
                    customer_name=order.customer.name,
                    category=sub.category,
                    sub_category=sub.code,
                    description=text,
                    work_order=order.pk,
                    received_at=t,
                ),
                by=agent,
                now=t,
            )
            for step in steps[: min(i, len(steps))]:
                t += timedelta(minutes=rng.uniform(20, 70))
                complaint.refresh_from_db()
                complaint = step(complaint, min(t, now))
        out.add("complaints")


def seed_callbacks(now: datetime, rng: random.Random, out: DeskCounts) -> None:
    """6. Callbacks given for 60 % of completions older than a day."""
    if Callback.objects.exists():
        return
    agent = _user("agent")
    rows = []
    for order in (
        WorkOrder.objects.filter(
            status=rules.COMPLETED, completed_at__lt=now - timedelta(days=1)
        )
        .only("pk", "completed_at")
        .order_by("pk")
        .iterator()
    ):
        if rng.random() >= 0.6:
            continue
        happy = rng.random() < 0.93

        def score(good=happy):
            return rng.choice((4, 5, 5)) if good else rng.choice((1, 2, 3))

        rows.append(
            Callback(
                work_order_id=order.pk,
                contact=score(),
                punctuality=score(),
                skill=score(),
                attitude=score(),
                satisfied=happy,
                note="" if happy else "客户对上门时间不满意",
                by=agent,
                at=order.completed_at + timedelta(hours=rng.uniform(20, 60)),
            )
        )
    Callback.objects.bulk_create(rows, batch_size=2000)
    out.add("callbacks", len(rows))


def seed_payroll(now: datetime, out: DeskCounts) -> None:
    """7. Last month's run reviewed and locked, this month's a draft."""
    manager = _user("manager")
    today = rules.local(now).date()
    this_month = today.strftime("%Y-%m")
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    if not PayrollRun.objects.filter(month=last_month).exists():
        run = payroll_run_create(month=last_month, by=manager, now=now)
        payroll_run_review(run, by=manager, now=now)
        payroll_run_lock(run, by=manager, now=now)
        out.add("payroll locked")
    if not PayrollRun.objects.filter(month=this_month).exists():
        payroll_run_create(month=this_month, by=manager, now=now)
        out.add("payroll draft")


def seed_reports(now: datetime, out: DeskCounts) -> None:
    """8. The scheduled reports of the last complete day, week and month."""
    for kind in ("day", "week", "month"):
        report_publish(kind, now=now)
        out.add("reports")


def seed_desks(now: datetime, *, seed: int) -> DeskCounts:
    """Give every desk its work (once); see the module docstring."""
    rng = random.Random(f"{seed}:desks")
    out = DeskCounts()
    seed_rota_and_positions(now, rng, out)
    dispatched = seed_queue(now, rng, out)
    seed_approvals(now, dispatched, out)
    sla_scan(now=now)
    seed_complaints(now, rng, out)
    seed_callbacks(now, rng, out)
    seed_slots(now, rng, out)  # 预约服务: bookings into slots, a page evaluation
    seed_payroll(now, out)
    seed_reports(now, out)
    return out
