"""The one SlotPolicy row, so that the admin has the slots to edit from the
start (the defaults of SPEC §14: 08–10, 10–12, 14–16, 16–18, 18–20 after hours)."""

from django.db import migrations


def create_slot_policy(apps, schema_editor):
    SlotPolicy = apps.get_model("dispatch", "SlotPolicy")
    if not SlotPolicy.objects.exists():
        SlotPolicy.objects.create()


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0006_customer_page_limits")]

    operations = [
        migrations.RunPython(create_slot_policy, migrations.RunPython.noop),
    ]
