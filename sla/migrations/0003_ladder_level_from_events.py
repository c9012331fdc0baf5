"""The time ladder's own level (``WorkOrder.sla_ladder_level``) for existing orders.

Until now urges and callbacks raised the one shown level, and the timeout
ladder skipped every level at or below it, so those levels never fired. The
ladder's level is the highest timeout (or repeat-fault) level the scan has
recorded (``SlaEvent`` checkpoint "1", "2", "3"); open orders whose shown
level is above it are checked again from the next ladder level on.
"""

from datetime import timedelta

from django.db import migrations
from django.db.models import F, Max

OPEN = ("pending", "dispatched", "accepted", "appointed", "on_site")


def forwards(apps, schema_editor):
    SlaEvent = apps.get_model("sla", "SlaEvent")
    WorkOrder = apps.get_model("workorders", "WorkOrder")
    ServicePolicy = apps.get_model("workorders", "ServicePolicy")
    ladder = (
        SlaEvent.objects.filter(
            kind="escalation", checkpoint__in=[str(n) for n in range(1, 10)]
        )
        .values("order_id")
        .annotate(level=Max("level"))
    )
    for row in ladder.iterator():
        WorkOrder.objects.filter(pk=row["order_id"]).update(
            sla_ladder_level=row["level"]
        )
    policy = ServicePolicy.objects.order_by("pk").first()
    offsets = (policy.escalation_offsets_minutes if policy else None) or [0, 120, 480]
    behind = WorkOrder.objects.filter(
        status__in=OPEN, escalation_level__gt=F("sla_ladder_level")
    )
    for order in behind.iterator():
        if order.sla_ladder_level >= len(offsets):
            continue
        due = order.sla_deadline + timedelta(minutes=offsets[order.sla_ladder_level])
        if order.sla_next_check_at is None or due < order.sla_next_check_at:
            WorkOrder.objects.filter(pk=order.pk).update(sla_next_check_at=due)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_message_templates"),
        ("workorders", "0010_sla_ladder_level"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
