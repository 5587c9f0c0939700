"""The Celery app (cookiecutter-django layout): settings come from Django's CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dressdb.settings")

app = Celery("dressdb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
