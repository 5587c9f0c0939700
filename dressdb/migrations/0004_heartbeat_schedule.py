"""The beat's schedule: a heartbeat every minute (DatabaseScheduler reads these rows)."""

from typing import Any

from django.db import migrations


def add_schedule(apps: Any, schema_editor: Any) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="dressdb heartbeat",
        defaults={"task": "dressdb.heartbeat", "interval": every_minute, "enabled": True},
    )


def remove_schedule(apps: Any, schema_editor: Any) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="dressdb heartbeat"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dressdb", "0003_worker_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
