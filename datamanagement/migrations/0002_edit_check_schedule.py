"""The beat's edit-check sweeps: recent changes every 10 minutes, everything nightly at
02:30 (DatabaseScheduler reads these rows)."""

from typing import Any

from django.db import migrations

RECENT = "datamanagement edit checks (recent)"
NIGHTLY = "datamanagement edit checks (nightly)"


def add_schedule(apps: Any, schema_editor: Any) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=RECENT,
        defaults={
            "task": "datamanagement.edit_checks_recent",
            "interval": every,
            "kwargs": '{"minutes": 30}',
            "enabled": True,
        },
    )
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.update_or_create(
        name=NIGHTLY,
        defaults={"task": "datamanagement.edit_checks_nightly", "crontab": nightly, "enabled": True},
    )


def remove_schedule(apps: Any, schema_editor: Any) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[RECENT, NIGHTLY]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("datamanagement", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
