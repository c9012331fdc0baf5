"""The seed figures about broadband apply to the broadband metrics (SPEC §10).

宽带预处理率 ≥ 75 % (seed 003) and 宽带用户重复申告率 7.42 % VIP / 8.15 %
ordinary (seed 000) are broadband figures: the targets created by
``0002_defaults`` on the all-product metrics move to the new broadband
metrics (same row, so an administrator's edits of the sample or periods
stay). A target whose value was changed by hand is left where it is; the
all-product metrics stay metrics of their own. Rollups written before this
have zeros in the new counters: ``manage.py reports_backfill`` recomputes them.
"""

from decimal import Decimal

from django.db import migrations

MOVES = [
    ("remote_resolution_rate", "remote_resolution_rate_broadband", "0.7500"),
    ("repeat_fault_rate_vip", "repeat_fault_rate_broadband_vip", "0.0742"),
    ("repeat_fault_rate_ordinary", "repeat_fault_rate_broadband_ordinary", "0.0815"),
]


def forwards(apps, schema_editor):
    MetricTarget = apps.get_model("reports", "MetricTarget")
    for old, new, seed_value in MOVES:
        if MetricTarget.objects.filter(metric=new).exists():
            continue
        MetricTarget.objects.filter(metric=old, value=Decimal(seed_value)).update(
            metric=new
        )


def backwards(apps, schema_editor):
    MetricTarget = apps.get_model("reports", "MetricTarget")
    for old, new, _seed_value in MOVES:
        if not MetricTarget.objects.filter(metric=old).exists():
            MetricTarget.objects.filter(metric=new).update(metric=old)


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_broadband_metrics")]

    operations = [migrations.RunPython(forwards, backwards)]
