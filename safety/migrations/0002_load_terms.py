"""Load the curated CTCAE v5.0 terms and system organ classes (safety/terms.py) as data.

Idempotent: a re-run updates names and adds new terms; a term removed from the module is
kept (events may point at it)."""

from typing import Any

from django.db import migrations

from safety import terms


def load(apps: Any, schema_editor: Any) -> None:
    Soc = apps.get_model("safety", "SystemOrganClass")
    AeTerm = apps.get_model("safety", "AeTerm")
    socs = {}
    for code, name in terms.SOCS:
        socs[code], _ = Soc.objects.update_or_create(code=code, defaults={"name": name})
    for term in terms.TERMS:
        AeTerm.objects.update_or_create(
            code=term.code,
            defaults={"name": term.name, "soc": socs[term.soc], "ctcae": term.ctcae},
        )


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
