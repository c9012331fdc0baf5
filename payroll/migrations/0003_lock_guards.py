"""A locked payroll run never changes: the database refuses it too.

Triggers (the services never update lines or items, and only move a run's
status forward; these catch everything else — the shell, raw SQL, a future
bug):

- the run row: no UPDATE or DELETE once its status is ``locked``;
- lines and items: no INSERT, UPDATE or DELETE of rows of a locked run
  (on PostgreSQL statement-level with transition tables, so writing a
  run's hundreds of thousands of items costs one check per statement).

SQLite (the embedded demo) gets the UPDATE and INSERT guards but no DELETE
guard: Django flushes SQLite with ``DELETE`` (PostgreSQL with ``TRUNCATE``,
which row triggers do not see), and the test suite flushes after
transactional tests. On SQLite a later migration that remakes one of these
tables drops its triggers: recreate them there (the lock tests would fail).
"""

from django.db import migrations
from django.db.migrations.operations.base import Operation

LOCKED = "payroll run is locked"

POSTGRES_FORWARDS = [
    f"""
    CREATE FUNCTION payroll_run_refuse_locked() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'locked' THEN
            RAISE EXCEPTION '{LOCKED} (id %)', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER payroll_run_locked BEFORE UPDATE OR DELETE ON payroll_payrollrun
    FOR EACH ROW EXECUTE FUNCTION payroll_run_refuse_locked()
    """,
    f"""
    CREATE FUNCTION payroll_rows_refuse_new() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM new_rows n JOIN payroll_payrollrun r ON r.id = n.run_id
            WHERE r.status = 'locked'
        ) THEN
            RAISE EXCEPTION '{LOCKED}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE FUNCTION payroll_rows_refuse_old() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM old_rows o JOIN payroll_payrollrun r ON r.id = o.run_id
            WHERE r.status = 'locked'
        ) THEN
            RAISE EXCEPTION '{LOCKED}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
]
for table in ("payroll_payrollline", "payroll_payrollitem"):
    POSTGRES_FORWARDS += [
        f"""
        CREATE TRIGGER {table}_locked_insert AFTER INSERT ON {table}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION payroll_rows_refuse_new()
        """,
        f"""
        CREATE TRIGGER {table}_locked_update AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION payroll_rows_refuse_old()
        """,
        f"""
        CREATE TRIGGER {table}_locked_delete AFTER DELETE ON {table}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION payroll_rows_refuse_old()
        """,
    ]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS payroll_run_locked ON payroll_payrollrun",
    *(
        f"DROP TRIGGER IF EXISTS {table}_locked_{event} ON {table}"
        for table in ("payroll_payrollline", "payroll_payrollitem")
        for event in ("insert", "update", "delete")
    ),
    "DROP FUNCTION IF EXISTS payroll_run_refuse_locked()",
    "DROP FUNCTION IF EXISTS payroll_rows_refuse_new()",
    "DROP FUNCTION IF EXISTS payroll_rows_refuse_old()",
]

SQLITE_FORWARDS = [
    f"""
    CREATE TRIGGER payroll_run_locked_update BEFORE UPDATE ON payroll_payrollrun
    FOR EACH ROW WHEN OLD.status = 'locked'
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END
    """,
]
for table in ("payroll_payrollline", "payroll_payrollitem"):
    SQLITE_FORWARDS += [
        f"""
        CREATE TRIGGER {table}_locked_update BEFORE UPDATE ON {table}
        FOR EACH ROW
        WHEN (SELECT status FROM payroll_payrollrun WHERE id = OLD.run_id) = 'locked'
        BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END
        """,
        f"""
        CREATE TRIGGER {table}_locked_insert BEFORE INSERT ON {table}
        FOR EACH ROW
        WHEN (SELECT status FROM payroll_payrollrun WHERE id = NEW.run_id) = 'locked'
        BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END
        """,
    ]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS payroll_run_locked_update",
    *(
        f"DROP TRIGGER IF EXISTS {table}_locked_{event}"
        for table in ("payroll_payrollline", "payroll_payrollitem")
        for event in ("insert", "update")
    ),
]


class VendorSQL(Operation):
    """Raw SQL per database vendor (none for a vendor not listed).

    Not ``RunPython``: the test suite re-runs every ``RunPython`` step after a
    flush, and DDL must not run twice.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, forwards, backwards):
        self.forwards = forwards
        self.backwards = backwards

    def deconstruct(self):
        return (
            self.__class__.__name__,
            [],
            {"forwards": self.forwards, "backwards": self.backwards},
        )

    def state_forwards(self, app_label, state):
        pass

    def _run(self, statements, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(self.forwards, schema_editor)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(self.backwards, schema_editor)

    def describe(self):
        return "Triggers refusing changes to locked payroll runs"


class Migration(migrations.Migration):
    dependencies = [("payroll", "0002_defaults")]
    operations = [
        VendorSQL(
            forwards={"postgresql": POSTGRES_FORWARDS, "sqlite": SQLITE_FORWARDS},
            backwards={"postgresql": POSTGRES_BACKWARDS, "sqlite": SQLITE_BACKWARDS},
        )
    ]
