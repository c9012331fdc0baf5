"""``sla_deadline`` becomes required once 0004 has filled it.

A migration of its own: on PostgreSQL an ALTER TABLE in the same transaction
as the rows 0004 updated fails with "pending trigger events".
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workorders", "0004_sla_clock_and_calendar")]

    operations = [
        migrations.AlterField(
            model_name="workorder",
            name="sla_deadline",
            field=models.DateTimeField(
                help_text="完成时限加上已批准挂起的时长；预警和升级以此为准。",
                verbose_name="内部时限",
            ),
        ),
        migrations.AlterField(
            model_name="historicalworkorder",
            name="sla_deadline",
            field=models.DateTimeField(
                help_text="完成时限加上已批准挂起的时长；预警和升级以此为准。",
                verbose_name="内部时限",
            ),
        ),
    ]
