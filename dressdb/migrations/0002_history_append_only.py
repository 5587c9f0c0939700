"""On PostgreSQL, history tables refuse UPDATE and DELETE (append-only audit trail).

This installs the trigger function and the triggers on the history tables that exist
now; dressdb.audit's post_migrate hook adds them to history tables created later.
"""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from dressdb.audit import install_history_triggers

    install_history_triggers(schema_editor.connection, apps)


class Migration(migrations.Migration):
    dependencies = [
        ("dressdb", "0001_initial"),
        ("enrollment", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
