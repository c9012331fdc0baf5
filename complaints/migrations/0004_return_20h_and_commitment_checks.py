"""Seed 001 figures on existing rows, and the commitment watch for open complaints.

1. The responsible department returns the ticket within 20 h (seed 001:
   返单时限 20小时), not 24 h: a policy row still at the old default moves to
   20; one an administrator changed is left alone.
2. Complaints not yet answered nor closed get their next commitment check
   (a warning ``commitment_warn_minutes`` before the 24-hour commitment, or
   the breach itself), so the scan watches them too.
"""

from datetime import timedelta

from django.db import migrations


def forwards(apps, schema_editor):
    Policy = apps.get_model("complaints", "ComplaintPolicy")
    Complaint = apps.get_model("complaints", "Complaint")
    Policy.objects.filter(return_hours=24).update(return_hours=20)
    policy = Policy.objects.order_by("pk").first()
    warn = timedelta(minutes=policy.commitment_warn_minutes if policy else 120)
    waiting = Complaint.objects.filter(
        answered_at__isnull=True, closed_at__isnull=True, commitment_check_at=None
    )
    for complaint in waiting.only("pk", "commitment_due").iterator():
        Complaint.objects.filter(pk=complaint.pk).update(
            commitment_check_at=complaint.commitment_due - warn
            if warn
            else complaint.commitment_due
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_commitment_watch")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
