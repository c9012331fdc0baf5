"""The defaults of SPEC §5, editable in the admin afterwards."""

from datetime import time

from django.db import migrations

LIMITS = [
    # kind, product ("" = any), customer class, hours
    ("repair", "", "vip", 4),
    ("repair", "", "ordinary", 24),
    ("repair", "", "any", 24),
    ("install", "", "any", 72),
    ("move", "", "any", 72),
]


def create_defaults(apps, schema_editor):
    ServicePolicy = apps.get_model("workorders", "ServicePolicy")
    StandardLimitRow = apps.get_model("workorders", "StandardLimitRow")
    if not ServicePolicy.objects.exists():
        ServicePolicy.objects.create(
            same_day_cutoff=time(16, 0),
            same_day_products=["ftth_broadband", "itv_hd"],
            same_day_segments=["public"],
            mandatory_area_types=["urban_core", "county_town"],
            repair_after_cutoff_hours=24,
            late_install_counts_as_same_day=False,
            first_response_minutes=30,
        )
    for kind, product, customer_class, hours in LIMITS:
        StandardLimitRow.objects.get_or_create(
            kind=kind, product=product, customer_class=customer_class, defaults={"hours": hours}
        )


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
