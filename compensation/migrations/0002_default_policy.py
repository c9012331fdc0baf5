from django.db import migrations


def create_defaults(apps, schema_editor):
    CompensationPolicy = apps.get_model("compensation", "CompensationPolicy")
    if not CompensationPolicy.objects.exists():
        CompensationPolicy.objects.create()  # the field defaults are seed 002's figures


class Migration(migrations.Migration):
    dependencies = [("compensation", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
