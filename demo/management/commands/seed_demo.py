"""``python manage.py seed_demo``: a believable demo city (连云港-like).

Deterministic: the same ``--seed``, ``--days``, ``--scale`` and ``--today``
give the same organisation, customers, order numbers, kinds and lifecycles.
The reference time (``now``) only decides how far each planned lifecycle has
got: events after it have not happened yet. It is ``--at`` when given, the
current local time when ``--today`` is the local date, and 18:00 otherwise.

1. The organisation goes through ``org.services.org_import`` (upsert by code).
2. Demo users are upserted (password ``demo1234``, see ``demo_logins``).
3. Orders are planned by the pure function ``generate`` (plain dicts, no ORM)
   and written with ``bulk_create`` in batches, skipped when demo orders are
   already present. ``bulk_create`` skips django-simple-history: fine for a demo.
"""

from __future__ import annotations

import time as _time
from datetime import date, time, timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from demo.city import build_org, org_snapshot
from demo.constants import NUMBER_RE, PASSWORD
from demo.desks import desks_seeded, seed_desks
from demo.history import generate, reference_now
from demo.users import upsert_users
from demo.writer import demo_orders_exist, write_orders
from org.services import escalation_staff_ensure, org_import
from workorders.models import WorkOrder
from workorders.rules import LOCAL_TZ


class Command(BaseCommand):
    help = "Build a deterministic demo city: organisation, users, customers, orders."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--days", type=int, default=30, help="days of history (default 30)"
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="order volume factor; 1.0 ≈ 6,800 install/move and 16,800 repair orders per 30 days",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="last day of the history, YYYY-MM-DD (default: the local date)",
        )
        parser.add_argument(
            "--at",
            type=time.fromisoformat,
            default=None,
            help="reference time on --today, HH:MM (default: now on the real today, else 18:00)",
        )

    def handle(self, *args, seed, days, scale, today, at, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run with DISPATCH_ENV=production: it would "
                "add a demo city and demo logins (password demo1234)"
            )
        if days < 1:
            raise CommandError("--days must be at least 1")
        if scale < 0:
            raise CommandError("--scale must not be negative")
        started = _time.monotonic()
        real_now = timezone.now().astimezone(LOCAL_TZ)
        today = today or real_now.date()
        now = reference_now(today, at, real_now)
        if now > real_now:
            self.stderr.write(
                f"warning: the reference time {now:%Y-%m-%d %H:%M} is later than the clock"
            )

        org = build_org(seed)
        counts = org_import(org)
        created = sum(counts.created.values())
        updated = sum(counts.updated.values())
        self.stdout.write(
            f"组织 organisation: {len(org['districts'])} 区局, {len(org['areas'])} 片区, "
            f"{len(org['groups'])} 区域组, {len(org['package_areas'])} 小包区, "
            f"{len(org['technicians'])} 装维人员 (created {created}, updated {updated})"
        )
        with transaction.atomic():
            logins = upsert_users(org)
            # default escalation contacts: district managers (L2), centre (L3)
            logins += escalation_staff_ensure(password=PASSWORD)
        self.stdout.write(f"用户 users: {', '.join(logins)} (password {PASSWORD})")

        existing = demo_orders_exist()
        if existing:
            self.stdout.write(
                f"已有演示工单 {existing} 条，跳过工单生成 "
                "(demo orders already present: order generation skipped)"
            )
        else:
            snapshot = org_snapshot(org)
            orders = generate(seed, days, scale, today, snapshot, now=now)
            planned = _time.monotonic()
            with transaction.atomic():
                written = write_orders(orders)
            self.stdout.write(
                f"工单 orders: {written['orders']} ({self._breakdown()}), "
                f"客户 customers: {written['customers']}, 事件 events: {written['events']}; "
                f"as of {now:%Y-%m-%d %H:%M}, seed {seed}, {days} days, scale {scale} "
                f"(planned in {planned - started:.1f}s)"
            )
            # 慢必赔 for the late same-day orders; the older ones are audited
            # and paid, so the monthly paid list has content
            # (older than 6 days: the last week's claims stay to audit, and
            # those a day from their 7-day limit are the finance desk's warning)
            settle = (now - timedelta(days=6)).date().isoformat()
            call_command(
                "compensation_backfill", "--settle-before", settle, stdout=self.stdout
            )
        # one suspected and one confirmed network fault (once)
        call_command("seed_faults", "--now", now.isoformat(), stdout=self.stdout)
        if desks_seeded():
            self.stdout.write("各岗位演示待办已存在，跳过 (desk work already seeded)")
        else:
            with transaction.atomic():
                made = seed_desks(now, seed=seed)
            self.stdout.write(f"岗位待办 desk work: {made}")
        self.stdout.write(f"完成 done in {_time.monotonic() - started:.1f}s")
        self.stdout.write("演示账号 demo logins: python manage.py demo_logins")

    @staticmethod
    def _breakdown() -> str:
        demo = WorkOrder.objects.filter(number__regex=NUMBER_RE)
        kinds = dict(demo.values_list("kind").annotate(n=Count("id")).order_by())
        statuses = dict(demo.values_list("status").annotate(n=Count("id")).order_by())
        return ", ".join(
            [f"{k} {kinds.get(k, 0)}" for k in ("install", "move", "repair")]
            + [f"{s} {n}" for s, n in sorted(statuses.items())]
        )
