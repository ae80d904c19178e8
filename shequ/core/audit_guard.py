"""Database triggers that make the audit table append-only for every client.

The triggers refuse any UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit records unless
the one-row table ``core_audit_maintenance`` holds a row. That table is no Django model, so
the application never writes it; the test suite fills it once so that Django can empty the
tables between transactional tests, and the immutability test empties it again to prove the
guard. Anyone who can write that table can also drop the triggers: the guard is against the
application and its users, not against the database owner.
"""

from __future__ import annotations

from typing import Any

MAINTENANCE_TABLE = "core_audit_maintenance"
_GUARDED = f"EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE})"  # noqa: S608 - a constant name

SQLITE = [
    f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (reason varchar(200) NOT NULL)",
    f"""CREATE TRIGGER core_auditrecord_no_update BEFORE UPDATE ON core_auditrecord
       WHEN NOT {_GUARDED} BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
    f"""CREATE TRIGGER core_auditrecord_no_delete BEFORE DELETE ON core_auditrecord
       WHEN NOT {_GUARDED} BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS core_auditrecord_no_delete",
    f"DROP TABLE IF EXISTS {MAINTENANCE_TABLE}",
]
POSTGRES = [
    f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (reason varchar(200) NOT NULL)",
    f"""CREATE OR REPLACE FUNCTION core_auditrecord_append_only() RETURNS trigger AS $$
       BEGIN
         IF {_GUARDED} THEN
           IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'audit records are append-only';
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditrecord_no_change BEFORE UPDATE OR DELETE ON core_auditrecord
       FOR EACH ROW EXECUTE FUNCTION core_auditrecord_append_only()""",
    """CREATE TRIGGER core_auditrecord_no_truncate BEFORE TRUNCATE ON core_auditrecord
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditrecord_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditrecord_no_change ON core_auditrecord",
    "DROP TRIGGER IF EXISTS core_auditrecord_no_truncate ON core_auditrecord",
    "DROP FUNCTION IF EXISTS core_auditrecord_append_only()",
    f"DROP TABLE IF EXISTS {MAINTENANCE_TABLE}",
]


def _run(connection: Any, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)


def install(connection: Any) -> None:
    _run(connection, {"sqlite": SQLITE, "postgresql": POSTGRES})


def uninstall(connection: Any) -> None:
    _run(connection, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})


def set_maintenance(connection: Any, *, enabled: bool, reason: str = "") -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")  # noqa: S608 - a constant name
        if enabled:
            cursor.execute(f"INSERT INTO {MAINTENANCE_TABLE} (reason) VALUES (%s)", [reason[:200]])  # noqa: S608
