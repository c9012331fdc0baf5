"""Completion times at whole seconds (SPEC §5: "the same day" at whole seconds).

New completions are recorded at whole seconds (``rules.whole_seconds``); this
brings older rows in line, so an order reported at 23:59:59.5 counts as on
time in reports and payroll like it does for claims. One statement per
database; rows already at whole seconds are not touched.
"""

from django.db import connection as default_connection
from django.db import migrations

SQL = {
    "postgresql": (
        "UPDATE workorders_workorder "
        "SET completed_at = date_trunc('second', completed_at) "
        "WHERE completed_at <> date_trunc('second', completed_at)"
    ),
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC) text.
    "sqlite": (
        "UPDATE workorders_workorder SET completed_at = substr(completed_at, 1, 19) "
        "WHERE length(completed_at) > 19"
    ),
}


def truncate(apps, schema_editor):
    # the test suite re-runs data migrations after a flush, without an editor
    connection = schema_editor.connection if schema_editor else default_connection
    sql = SQL.get(connection.vendor)
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("workorders", "0008_queue_search_indexes")]

    operations = [migrations.RunPython(truncate, migrations.RunPython.noop)]
