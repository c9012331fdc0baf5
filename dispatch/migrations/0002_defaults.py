"""Default ranking weights and the 工时池 (standard work-hours), editable later."""

from decimal import Decimal

from django.db import migrations

HOURS = {
    ("install", "ftth_broadband"): "2.00",
    ("install", "itv_hd"): "1.50",
    ("install", "fixed_phone"): "1.00",
    ("install", "fttb_broadband"): "1.50",
    ("install", "other"): "1.00",
    ("move", "ftth_broadband"): "1.50",
    ("move", "itv_hd"): "1.00",
    ("move", "fixed_phone"): "1.00",
    ("move", "fttb_broadband"): "1.00",
    ("move", "other"): "1.00",
    ("repair", "ftth_broadband"): "1.00",
    ("repair", "itv_hd"): "0.80",
    ("repair", "fixed_phone"): "0.80",
    ("repair", "fttb_broadband"): "0.80",
    ("repair", "other"): "0.50",
}


def create_defaults(apps, schema_editor):
    DispatchPolicy = apps.get_model("dispatch", "DispatchPolicy")
    WorkHourStandard = apps.get_model("dispatch", "WorkHourStandard")
    if not DispatchPolicy.objects.exists():
        DispatchPolicy.objects.create()
    for (kind, product), hours in HOURS.items():
        WorkHourStandard.objects.get_or_create(
            kind=kind, product=product, defaults={"hours": Decimal(hours)}
        )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
