"""seed_demo builds a consistent, deterministic demo city; demo_logins lists it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count, Q
from rest_framework.authtoken.models import Token

from demo.city import build_org, org_snapshot
from demo.constants import DEMO_USERS, NUMBER_RE, PASSWORD
from demo.history import generate, reference_now
from org.models import Area, PackageArea, RegionGroup, StaffProfile, Technician
from org.services import org_import
from workorders import rules
from workorders.models import Customer, WorkOrder, WorkOrderEvent
from workorders.selectors import service_policy

ARGS = ("--days", "2", "--scale", "0.05", "--seed", "7", "--today", "2026-11-20")
#: --at pins the reference time (its default is 18:00 unless --today is the
#: real local date, then the clock): the tests must not depend on the date
ARGS += ("--at", "18:00")
TODAY = dt.date(2026, 11, 20)
REF = dt.datetime(2026, 11, 20, 18, 0, tzinfo=rules.LOCAL_TZ)
TIMES = (
    "accepted_at",
    "dispatched_at",
    "first_contact_at",
    "arrived_at",
    "completed_at",
    "cancelled_at",
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", *ARGS, stdout=out, stderr=StringIO())
    return out.getvalue()


def digest(orders: list[dict]) -> str:
    text = json.dumps(orders, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def seeded(db):
    return seed()


def test_organisation(seeded):
    org = build_org(7)
    groups = RegionGroup.objects.filter(code__in=[g["code"] for g in org["groups"]])
    assert groups.count() == len(org["groups"]) >= 20
    for group in groups.annotate(
        field=Count(
            "technicians", filter=Q(technicians__role="technician"), distinct=True
        ),
        packages=Count("package_areas", distinct=True),
    ):
        assert 4 <= group.field <= 6, group
        assert 2 <= group.packages <= 4, group
    assert set(Area.objects.values_list("area_type", flat=True)) == {
        "urban_core",
        "county_town",
        "rural",
    }
    assert Area.objects.filter(area_type="rural", same_day_enabled=False).exists()
    techs = Technician.objects.all()
    assert set(techs.values_list("role", flat=True)) == {
        "technician",
        "support",
        "emergency",
    }
    assert techs.filter(vendor__isnull=False).exists()
    assert techs.filter(vendor__isnull=True).exists()
    assert techs.filter(after_hours=True).exists()
    assert techs.filter(after_hours=False).exists()
    for p in PackageArea.objects.all():
        assert 34.0 < p.lat < 35.2 and 118.7 < p.lng < 119.8


def test_users(seeded):
    for username, role, _name, _duty in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(PASSWORD), username
        if role:
            assert user.groups.filter(name=role).exists(), username
    assert User.objects.get(username="admin").is_superuser
    assert Token.objects.filter(user__username="crm").exists()
    profile = StaffProfile.objects.get(user__username="dispatcher_d1")
    assert profile.district.code == build_org(7)["districts"][0]["code"]
    first = Technician.objects.filter(role="technician").order_by("code")[:3]
    for tech in first:
        assert tech.user.check_password(PASSWORD)
        assert tech.user.groups.filter(name="technician").exists()


def test_customers_of_every_level_and_segment(seeded):
    assert set(Customer.objects.values_list("level", flat=True)) == {
        "diamond",
        "gold",
        "silver",
        "ordinary",
    }
    assert set(Customer.objects.values_list("segment", flat=True)) == {
        "public",
        "government_enterprise",
        "campus",
    }


def test_orders_are_consistent(seeded):
    # the planned history (the desks' live orders come from the services)
    orders = list(
        WorkOrder.objects.filter(number__regex=NUMBER_RE).select_related(
            "technician__group__area", "group__area", "customer", "package_area"
        )
    )
    assert len(orders) > 40
    assert {o.kind for o in orders} == {"install", "move", "repair"}
    policy = service_policy()
    techs = {}
    for o in orders:
        assert re.match(NUMBER_RE, o.number)
        assert o.number[0] == {"install": "Z", "move": "Y", "repair": "X"}[o.kind]
        if o.source == "crm":
            assert o.kind in ("install", "move")
            assert o.crm_order_id.startswith("DEMO-CRM-")
        else:
            assert o.kind == "repair" and o.crm_order_id == ""
        assert o.group_id == o.package_area.group_id
        # no timestamp in the future, and in lifecycle order
        stamps = [getattr(o, f) for f in TIMES if getattr(o, f) is not None]
        assert all(t <= REF for t in stamps), o.number
        assert stamps == sorted(stamps), o.number
        # the deadline of SPEC §5, as intake computes it
        area = o.group.area
        intake = rules.intake_deadline(
            kind=o.kind,
            product=o.product,
            level=o.customer.level,
            segment=o.customer.segment,
            area_type=area.area_type,
            area_same_day_enabled=area.same_day_enabled,
            same_day_requested=o.same_day_requested,
            accepted_at=o.accepted_at,
            appointment_end=None,
            policy=policy.deadline,
        )
        assert o.is_same_day == intake.is_same_day
        if intake.follows_appointment and o.first_contact_at:
            assert o.deadline == o.appointment_end
        else:
            assert o.deadline == intake.deadline
        if o.dispatched_at:
            assert o.first_response_due == o.dispatched_at + timedelta(
                minutes=policy.first_response_minutes
            )
        if o.status == "completed":
            assert o.completed_at >= o.accepted_at
            assert o.resolution in ("onsite", "remote")
            if o.resolution == "onsite":
                assert o.technician_id and o.arrived_at
                assert o.completed_at >= o.arrived_at >= o.first_contact_at
            else:
                assert o.kind == "repair" and o.technician_id is None
            assert bool(o.delay_cause) == (o.completed_at > o.deadline)
        else:
            assert o.completed_at is None and o.resolution == ""
        if o.status == "cancelled":
            assert o.cancelled_at and o.cancel_reason
        else:
            assert o.cancelled_at is None
        if o.status in rules.OPEN_STATES:
            assert o.completed_at is None
        if o.status == "pending":
            assert o.technician_id is None
        if o.status in rules.ASSIGNED_STATES:
            t = o.technician
            assert t is not None and o.product in t.skills
            assert t.group_id == o.group_id or (
                t.role != "technician" and t.group.area_id == o.group.area_id
            )
            techs[t.pk] = techs.get(t.pk, 0) + 1
            if o.status in ("appointed", "on_site"):
                assert o.first_contact_at and o.appointment_end
            if o.status == "on_site":
                assert o.arrived_at
    # nobody holds more open orders than their cap
    for pk, n in techs.items():
        assert n <= Technician.objects.get(pk=pk).max_open_orders
    statuses = {o.status for o in orders}
    assert "completed" in statuses and statuses & rules.OPEN_STATES


def test_timeline_matches_the_order(seeded):
    # the planned history's own lines: status changes and dispatches (the
    # desks' scan adds warnings and escalations on top, by the services)
    orders = {o.pk: o for o in WorkOrder.objects.filter(number__regex=NUMBER_RE)}
    events: dict[int, list[WorkOrderEvent]] = {}
    for e in WorkOrderEvent.objects.filter(order__in=orders.keys()).order_by(
        "order_id", "at", "id"
    ):
        if e.to_status or e.kind == "dispatch":
            events.setdefault(e.order_id, []).append(e)
    assert set(events) == set(orders)
    names = set(Technician.objects.values_list("name", flat=True)) | {"系统"}
    for pk, order in orders.items():
        line = events[pk]
        assert line[0].kind == "created" and line[0].at == order.accepted_at
        assert line[0].to_status == "pending"
        status = "pending"
        for prev, e in zip(line, line[1:], strict=False):
            assert prev.at <= e.at <= REF
        for e in line:
            assert e.actor_name in names
            if e.kind != "created":
                assert e.from_status == status, order.number
                rules.check_transition(e.from_status, e.to_status)
            status = e.to_status or status
        assert status == order.status, order.number
        dispatches = [e for e in line if e.kind == "dispatch"]
        if order.technician_id:
            assert dispatches[-1].data["technician"] == order.technician.code


def test_rerun_does_not_duplicate(seeded):
    counts = (
        WorkOrder.objects.count(),
        Customer.objects.count(),
        WorkOrderEvent.objects.count(),
        Technician.objects.count(),
        User.objects.count(),
    )
    out = seed()
    assert "跳过" in out and "skipped" in out
    assert counts == (
        WorkOrder.objects.count(),
        Customer.objects.count(),
        WorkOrderEvent.objects.count(),
        Technician.objects.count(),
        User.objects.count(),
    )


def test_generation_is_deterministic(seeded):
    assert build_org(7) == build_org(7)
    assert build_org(7) != build_org(8)
    snapshot = org_snapshot(build_org(7))
    first = generate(7, 2, 0.05, TODAY, snapshot)
    second = generate(7, 2, 0.05, TODAY, snapshot)
    assert first and digest(first) == digest(second)
    assert digest(generate(8, 2, 0.05, TODAY, snapshot)) != digest(first)
    # the command wrote exactly the planned orders
    # (statuses: the desks' engine pass may have dispatched pending ones)
    assert sorted((o["number"], o["kind"]) for o in first) == sorted(
        WorkOrder.objects.filter(number__regex=NUMBER_RE).values_list("number", "kind")
    )
    # a later reference time only moves lifecycles on: same numbers and kinds
    later = generate(7, 2, 0.05, TODAY, snapshot, now=REF + timedelta(hours=5))
    planned = {o["number"]: o["kind"] for o in later}
    assert all(planned[o["number"]] == o["kind"] for o in first)
    for o in later:
        assert all(e["at"] <= REF + timedelta(hours=5) for e in o["events"])


def test_generate_volume_scales(db):
    org = build_org(3)
    org_import(org)
    snapshot = org_snapshot(org)
    end_of_day = dt.datetime(2026, 11, 20, 23, 59, 59, tzinfo=rules.LOCAL_TZ)
    orders = generate(3, 3, 0.1, TODAY, snapshot, now=end_of_day)
    kinds = {
        k: sum(o["kind"] == k for o in orders) for k in ("install", "move", "repair")
    }
    # ≈ 6,800 install/move and 16,800 repairs per 30 days, times 0.1, over 3 days
    assert 60 <= kinds["install"] + kinds["move"] <= 70
    assert 160 <= kinds["repair"] <= 170
    hours = [o["accepted_at"].hour for o in orders]
    assert sum(8 <= h < 20 for h in hours) / len(hours) > 0.7
    remote = [o for o in orders if o["resolution"] == "remote"]
    assert remote and all(o["kind"] == "repair" for o in remote)


def test_reference_now():
    clock = dt.datetime(2026, 11, 22, 9, 41, 17, tzinfo=rules.LOCAL_TZ)
    # the real today: the clock (to the minute); another day: 18:00; --at wins
    assert reference_now(clock.date(), None, clock) == clock.replace(second=0)
    assert reference_now(TODAY, None, clock) == REF
    assert reference_now(TODAY, dt.time(7, 30), clock) == REF.replace(hour=7, minute=30)


def test_demo_logins_lists_the_accounts(seeded):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for username, *_ in DEMO_USERS:
        assert username in text
    assert PASSWORD in text
    first = Technician.objects.filter(role="technician").order_by("code").first()
    assert first.code in text
    token = Token.objects.get(user__username="crm")
    assert token.key in text
    assert "/admin/" in text and "/api/docs/" in text
    booked = WorkOrder.objects.filter(crm_order_id="DEMO-SLOT-1").get()
    assert f"/c/{booked.customer_token}/" in text


def test_demo_books_into_slots_and_has_a_page_evaluation(seeded):
    from complaints.models import Callback
    from dispatch.slot_selectors import slot_loads

    booked = list(WorkOrder.objects.filter(crm_order_id__startswith="DEMO-SLOT-"))
    assert len(booked) >= 3
    for order in booked:
        assert order.appointment_start and order.appointment_end
        loads = slot_loads(
            group_id=order.group_id,
            product=order.product,
            day=order.appointment_start.astimezone(rules.LOCAL_TZ).date(),
            now=REF,
        )
        # each booking starts a slot and no slot is overfilled by them
        [load] = [x for x in loads if x.slot.start == order.appointment_start]
        assert load.booked_hours <= load.capacity_hours
    assert Callback.objects.filter(channel="page").count() == 1


def test_demo_logins_before_seeding(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()


def test_seeded_same_day_and_vip_orders_rank_first_in_the_queue(seeded):
    # the rank intake gives: a seeded same-day order is not queued as ordinary
    demo = WorkOrder.objects.filter(number__regex=NUMBER_RE)
    assert demo.filter(is_same_day=True).exists()
    assert not demo.filter(is_same_day=True, queue_rank=1).exists()
    assert not demo.filter(customer__level="gold", queue_rank=1).exists()
    ordinary = demo.filter(is_same_day=False, customer__level="ordinary")
    assert ordinary.exists() and not ordinary.exclude(queue_rank=1).exists()


def test_every_desk_has_work(seeded):
    from complaints.models import Callback, Complaint
    from dispatch.models import RotaEntry
    from payroll.models import PayrollRun
    from reports.models import StoredReport
    from sla.models import Approval

    # dispatcher: a manual queue (auto-dispatch off), 无人可派, each level
    assert Area.objects.filter(name="海州片区", auto_dispatch_enabled=False).exists()
    assert (
        WorkOrder.objects.filter(
            status="pending", package_area__group__area__name="海州片区"
        ).count()
        >= 8
    )
    flagged = WorkOrder.objects.filter(dispatch_flag="no_candidate")
    assert flagged.count() >= 3 and all(o.dispatch_flag_reason for o in flagged)
    levels = set(WorkOrder.objects.values_list("escalation_level", flat=True))
    assert {1, 2, 3} <= levels
    assert WorkOrderEvent.objects.filter(kind="warning").exists()
    # supervisor: approvals of both kinds
    assert set(
        Approval.objects.filter(status="pending").values_list("kind", flat=True)
    ) == {"suspend", "reschedule"}
    # complaint handlers: one complaint at every step, one closed
    steps = set(Complaint.objects.values_list("status", flat=True))
    assert steps >= {
        "front_desk",
        "review",
        "city",
        "department",
        "return",
        "callback",
        "determination",
        "closed",
    }
    # agents: callbacks given for older orders, recent ones still due
    assert Callback.objects.exists()
    recent = WorkOrder.objects.filter(
        status="completed", completed_at__gte=REF - timedelta(days=1)
    )
    assert recent.filter(callback__isnull=True).exists()
    # managers and finance: payroll (locked + draft), published reports
    assert set(PayrollRun.objects.values_list("month", "status")) >= {
        ("2026-10", "locked"),
        ("2026-11", "draft"),
    }
    assert StoredReport.objects.count() >= 3
    # rota of this and next week, technicians' positions
    assert RotaEntry.objects.filter(
        date__gte="2026-11-16", date__lt="2026-11-23"
    ).exists()
    assert RotaEntry.objects.filter(
        date__gte="2026-11-23", date__lt="2026-11-30"
    ).exists()
    assert Technician.objects.exclude(last_position_at=None).count() > 100


def test_desk_work_is_seeded_once(seeded):
    from complaints.models import Complaint

    before = Complaint.objects.count()
    out = seed()
    assert Complaint.objects.count() == before
    assert "desk work already seeded" in out
