"""Recompute the daily rollups of the quality reports for a range of days."""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports import rules, services


class Command(BaseCommand):
    help = (
        "Recompute the daily rollups (reports.rollup) for FIRST..LAST (YYYY-MM-DD, "
        "inclusive; default: from the first order to yesterday). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("first", nargs="?", help="first day (YYYY-MM-DD)")
        parser.add_argument("last", nargs="?", help="last day (default yesterday)")
        parser.add_argument(
            "--missing-only",
            action="store_true",
            help="only the days never rolled up",
        )

    def handle(self, *args, first=None, last=None, missing_only=False, **options):
        now = timezone.now()
        yesterday = rules.local_day(now) - timedelta(days=1)
        try:
            last_day = rules.parse_date(last) if last else yesterday
            if first:
                first_day = rules.parse_date(first)
            else:
                first_day = services.earliest_day()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if first_day is None:
            self.stdout.write("no orders yet: nothing to roll up")
            return
        if last_day > yesterday:
            raise CommandError(f"{last_day} is not over yet: today's figures stay live")
        if first_day > last_day:
            raise CommandError(f"{first_day} is after {last_day}")
        days = (
            services.missing_days(first_day, last_day)
            if missing_only
            else [
                first_day + timedelta(days=i)
                for i in range((last_day - first_day).days + 1)
            ]
        )
        started = time.perf_counter()
        rows = 0
        for day in days:
            result = services.rollup_day(day, now=now)
            rows += result.rows
            self.stdout.write(f"{day}: {result.rows} rows in {result.seconds:.2f} s")
        months = services.rollup_months(first_day, last_day, now=now) if days else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(days)} days, {rows} rows, {months} complete months "
                f"in {time.perf_counter() - started:.1f} s"
            )
        )
