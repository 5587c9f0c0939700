"""The beat's nightly deviation proposals (monitoring.deviation_sweep, 02:30 UTC). The
task lives in the top-floor monitoring app; the row is here, beside the log it fills."""

from typing import Any

from django.db import migrations


def add_schedule(apps: Any, schema_editor: Any) -> None:
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name="monitoring deviation sweep",
        defaults={"task": "monitoring.deviation_sweep", "crontab": nightly, "enabled": True},
    )


def remove_schedule(apps: Any, schema_editor: Any) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="monitoring deviation sweep"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0006_protocol_deviation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
