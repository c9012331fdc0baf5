"""Create the 慢必赔 claims that completed late same-day orders should have.

For data that did not pass through ``complete`` (an import from a legacy
system, the demo seeder): idempotent, one claim per order at most.
"""

from datetime import datetime, time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import F
from django.utils import timezone

from compensation.liability import vendor_month_liability_refresh
from compensation.models import Claim, ClaimStatus
from compensation.services import claim_approve, claim_create_for, claim_pay
from workorders.models import Status, WorkOrder


class Command(BaseCommand):
    help = "Create missing claims for late same-day orders; optionally settle the older ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--settle-before",
            help="YYYY-MM-DD: approve and pay claims of orders completed before this day (demo)",
        )
        parser.add_argument(
            "--as-user", default="finance", help="who approves and pays"
        )

    def handle(self, *args, settle_before=None, as_user="finance", **options):
        now = timezone.now()
        late = (
            WorkOrder.objects.filter(
                is_same_day=True,
                status__in=[Status.COMPLETED, Status.CLOSED],
                completed_at__gt=F("commitment_deadline"),
                claim__isnull=True,
            )
            .select_related("group__area", "technician", "customer")
            .order_by("completed_at")
        )
        created, months = 0, {}
        for order in late.iterator():
            claim = claim_create_for(order, now=now)
            if claim is not None:
                created += 1
                if claim.vendor_id:
                    month = timezone.localtime(claim.completed_at).strftime("%Y-%m")
                    months[(claim.vendor_id, month)] = claim.completed_at
        # 定责 marks once per vendor and month touched, not per claim
        for (vendor_id, _month), at in sorted(months.items()):
            vendor_month_liability_refresh(vendor_id, at, now=now)
        self.stdout.write(f"claims created: {created}")
        if not settle_before:
            return
        try:
            day = datetime.strptime(settle_before, "%Y-%m-%d").date()
        except ValueError as exc:
            raise CommandError("--settle-before must be YYYY-MM-DD") from exc
        user = get_user_model().objects.filter(username=as_user).first()
        if user is None:
            raise CommandError(f"no user named {as_user!r}")
        cutoff = timezone.make_aware(datetime.combine(day, time.min))
        settled = 0
        for claim in Claim.objects.filter(
            status=ClaimStatus.PENDING_REVIEW, completed_at__lt=cutoff
        ).select_related("work_order"):
            paid_at = min(
                claim.completed_at + (claim.pay_by - claim.completed_at) / 2, now
            )
            claim_approve(claim, by=user, note="演示数据", now=paid_at)
            claim_pay(claim.pk, by=user, now=paid_at)
            settled += 1
        self.stdout.write(f"claims approved and paid: {settled}")
