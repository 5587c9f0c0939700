"""The beat's SAE clock sweep, every 15 minutes (DatabaseScheduler reads this row)."""

from typing import Any

from django.db import migrations


def add_schedule(apps: Any, schema_editor: Any) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="safety SAE clock sweep",
        defaults={"task": "safety.sae_clock_sweep", "interval": every, "enabled": True},
    )


def remove_schedule(apps: Any, schema_editor: Any) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="safety SAE clock sweep"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0002_load_terms"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
