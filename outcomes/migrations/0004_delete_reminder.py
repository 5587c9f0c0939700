"""The reminders now live in the notifications app (copied by 0003)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0003_reminders_to_notifications"),
    ]

    operations = [migrations.DeleteModel(name="Reminder")]
