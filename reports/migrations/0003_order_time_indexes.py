"""Indexes on the work order table that the reports need.

A day's rollup and today's live figures select orders by completion time and
by dispatch time; ``workorders`` indexes only the entry time. These partial
indexes (completed / dispatched orders only) make each a range scan of one
day. On PostgreSQL they are built ``CONCURRENTLY`` so a deployment on a large
table does not block order writes (hence a non-atomic migration).

They belong to the ``workorders`` model's Meta; they live here until that app
takes them over (then this migration's ``IF NOT EXISTS`` / ``IF EXISTS`` make
the hand-over harmless).
"""

from django.db import migrations

INDEXES = {
    "reports_wo_completed_at": "completed_at",
    "reports_wo_dispatched_at": "dispatched_at",
}


def create(apps, schema_editor):
    if schema_editor is None:  # tests re-run data steps after a flush; indexes stay
        return
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {name} "
            f"ON workorders_workorder ({column}) WHERE {column} IS NOT NULL"
        )


def drop(apps, schema_editor):
    if schema_editor is None:
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("reports", "0002_defaults"),
        ("workorders", "0005_commitment_deadline"),
    ]
    operations = [migrations.RunPython(create, drop, elidable=False)]
