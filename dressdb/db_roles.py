"""Two PostgreSQL roles: the owner runs migrations, the app role owns nothing.

In production the web, worker and beat processes connect as an *app role* that owns no
table. Migrations run as the *owner role*. After every `migrate`, the owner grants the
app role what it needs, and nothing more:

- ordinary tables: SELECT, INSERT, UPDATE, DELETE; sequences: USAGE, SELECT;
- append-only tables (every audit history table and the security log): SELECT and
  INSERT only. No UPDATE, DELETE or TRUNCATE, and, since the app role owns nothing, no
  `ALTER TABLE ... DISABLE TRIGGER` either.

On top of the privileges, a trigger refuses UPDATE and DELETE on those tables for every
role but a superuser who drops it on purpose (dressdb.audit installs it).

The app role is named by the setting `DATABASE_APP_ROLE` (environment variable of the same
name). Unset, nothing is granted (SQLite, development, tests running as the owner).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from dressdb.audit import TRIGGER_FUNCTION_SQL, history_tables


def security_log_tables(registry: Any = apps) -> list[str]:
    return [registry.get_model("dressdb", "SecurityEvent")._meta.db_table]


def append_only_tables(registry: Any = apps) -> list[str]:
    """Every table the app may only read and insert into."""
    return sorted(set(history_tables(registry)) | set(security_log_tables(registry)))


def install_security_log_trigger(using_connection: Any = connection, registry: Any = apps) -> int:
    """The history tables' append-only trigger, on the security log too. Idempotent."""
    if using_connection.vendor != "postgresql":
        return 0
    existing = set(using_connection.introspection.table_names())
    count = 0
    with using_connection.cursor() as cursor:
        cursor.execute(TRIGGER_FUNCTION_SQL)
        for table in security_log_tables(registry):
            if table not in existing:
                continue
            quoted = using_connection.ops.quote_name(table)
            cursor.execute(
                "CREATE OR REPLACE TRIGGER dressdb_append_only BEFORE UPDATE OR DELETE "  # noqa: S608
                f"ON {quoted} FOR EACH ROW EXECUTE FUNCTION dressdb_history_append_only()"
            )
            count += 1
    return count


def grant_app_privileges(
    role: str, using_connection: Any = connection, registry: Any = apps
) -> dict[str, int]:
    """Grant the app role its privileges on every table that exists now. Idempotent.

    Run as the owner of the tables (the role that ran the migrations).
    """
    if using_connection.vendor != "postgresql":
        return {"tables": 0, "append_only": 0}
    qn = using_connection.ops.quote_name
    append_only = set(append_only_tables(registry))
    tables = using_connection.introspection.table_names()
    role_q = qn(role)
    counts = {"tables": 0, "append_only": 0}
    with using_connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            raise ValueError(f"DATABASE_APP_ROLE: no PostgreSQL role named {role!r}")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role_q}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role_q}")
        for table in tables:
            table_q = qn(table)
            cursor.execute(f"REVOKE ALL ON {table_q} FROM {role_q}")
            if table in append_only:
                cursor.execute(f"GRANT SELECT, INSERT ON {table_q} TO {role_q}")
                counts["append_only"] += 1
            else:
                cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table_q} TO {role_q}")
                counts["tables"] += 1
    return counts


@receiver(post_migrate)
def _after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    if sender.name != "dressdb":
        return
    install_security_log_trigger(connections[using])
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    if role:
        grant_app_privileges(role, connections[using])
