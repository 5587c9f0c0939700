"""Redis down (issue 20, faults survived): the web keeps serving, /healthz says the broker
is down, and when the broker returns the reminders catch up: each emailed once, none
created twice.

The outage is real: a separate process of the app runs with its broker on a port where
nothing listens (Redis stopped), on the same database as this test. Then this process,
with the real Redis and a real worker, runs the sweep again. Marked redis: runs in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection

from notifications.models import Reminder
from tests.dosing.helpers import started
from tests.notifications.helpers import reminder_sweep

ROOT = Path(__file__).resolve().parents[2]

OUTAGE_SCRIPT = """
import json, time
from django.test import Client
from django.contrib.auth import get_user_model
from notifications.models import Reminder
from tests.conftest import pass_second_factor
from tests.notifications.helpers import reminder_sweep

out = {}
client = Client()
started = time.monotonic()
health = client.get("/healthz")
out["health_status"] = health.status_code
out["health"] = health.json()
out["health_seconds"] = time.monotonic() - started
user = get_user_model().objects.get(username=USERNAME)
client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
pass_second_factor(client, user)
started = time.monotonic()
out["home_status"] = client.get("/").status_code
out["participants_status"] = client.get("/participants/").status_code
out["page_seconds"] = time.monotonic() - started
started = time.monotonic()
out["sweep"] = reminder_sweep()
out["sweep_seconds"] = time.monotonic() - started
out["reminders"] = Reminder.objects.count()
out["emailed"] = Reminder.objects.filter(emailed_at__isnull=False).count()
print("RESULT " + json.dumps(out))
"""


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_redis_down_the_web_serves_and_reminders_catch_up_once(site_a, coordinator_a, settings):
    from celery.contrib.testing.worker import start_worker

    from dressdb.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started(site_a, coordinator_a, days_ago=29)  # a visit due today: reminders to raise
    started(site_a, coordinator_a, days_ago=6)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dressdb.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",  # nothing listens: Redis is down
        "EMAIL_URL": "consolemail://",
    }
    script = f"USERNAME = {coordinator_a.username!r}\n" + OUTAGE_SCRIPT
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert run.returncode == 0 and lines, run.stdout[-2000:] + run.stderr[-3000:]
    outage = json.loads(lines[-1][len("RESULT ") :])

    # The web keeps serving; the probe says the broker is down (and the database is up).
    assert outage["home_status"] == 200 and outage["participants_status"] == 200
    assert outage["health_status"] == 503
    assert outage["health"]["database"] == "ok"
    assert outage["health"]["broker"].startswith("error")
    # The sweep ran: reminders exist, none could be emailed.
    assert outage["reminders"] > 0 and outage["emailed"] == 0
    assert Reminder.objects.count() == outage["reminders"]

    # Redis is back: the next sweep catches up, each reminder emailed exactly once.
    assert app.conf.broker_url.startswith("redis://")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        reminder_sweep()
        reminder_sweep()  # a second beat tick before the worker is done: still once
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not Reminder.objects.filter(status="open", emailed_at__isnull=True).exists():
                break
            time.sleep(0.3)
        time.sleep(1.0)  # let any duplicate delivery run before counting
    assert Reminder.objects.count() == outage["reminders"]  # no reminder created twice
    emailed = Reminder.objects.filter(emailed_at__isnull=False, user__email__gt="")
    assert emailed.exists()
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == emailed.count()  # one email per reminder
