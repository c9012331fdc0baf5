"""Compute a month's payroll run from the shell (the same service as the API).

python manage.py payroll_run 2026-11 --user finance
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dispatch_center.errors import DomainError, InvalidInput
from payroll.services import payroll_run_create


class Command(BaseCommand):
    help = "Compute a month (YYYY-MM) as a new draft payroll run version."

    def add_arguments(self, parser):
        parser.add_argument("month")
        parser.add_argument("--user", help="recorded as the one who computed it")

    def handle(self, *args, month, user=None, **options):
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"no user {user!r}")
        try:
            run = payroll_run_create(month=month, by=by)
        except InvalidInput as exc:
            raise CommandError(str(exc)) from None
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(
            f"{run.month} v{run.version} (id {run.pk}): {run.technicians} "
            f"technicians, {run.orders} orders, total {run.total}"
        )
