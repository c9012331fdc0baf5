"""Exit 0 when the periodic jobs are alive, 1 (with the cause) when not.

    manage.py jobs_check              # like /healthz/jobs: no beat job overdue
    manage.py jobs_check --beat 180   # a beat published a job in the last 180 s

The beat container's health check uses ``--beat``: the schedule still ticks
(whichever beat leads: a standby beat is healthy while the leader publishes).
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max
from django.utils import timezone

from monitoring import selectors, services
from monitoring.models import JobRun


class Command(BaseCommand):
    help = "Check that the periodic jobs run (exit 1 naming the cause)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--beat",
            type=int,
            metavar="SECONDS",
            help="only check that a beat published a job within SECONDS",
        )

    def handle(self, *args, beat=None, **options):
        now = timezone.now()
        services.jobs_ensure(now=now)
        if beat is not None:
            last = JobRun.objects.filter(overdue_after_seconds__isnull=False).aggregate(
                last=Max("last_sent_at")
            )["last"]
            if last is None or now - last > timedelta(seconds=beat):
                raise CommandError(f"no beat published a job in the last {beat} s")
            self.stdout.write(f"beat ok: last published at {last.isoformat()}")
            return
        overdue = [s.row.name for s in selectors.job_states(now) if s.overdue]
        if overdue:
            raise CommandError("overdue: " + ", ".join(overdue))
        self.stdout.write("jobs ok")
