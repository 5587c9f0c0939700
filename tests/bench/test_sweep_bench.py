"""`make bench`: the whole reminder sweep at trial scale, on PostgreSQL (issue 20, goal 3).

Seeds N participants (BENCH_PARTICIPANTS, default 10,000; tests/bench/seeding.py) and a
coordinator, an investigator and a pharmacist at every site, then runs every rule the beat
runs every 15 minutes (visits, dosing, the SAE clock) as one sweep, twice: the first run
raises the reminders, the second is the next tick (nothing new). Then the nightly
re-consent rule, once a new consent version asks every participant to re-consent.
Prints the time, the queries and the reads of each; never asserts wall-clock time (the
printout is the result). tests/notifications/test_sweep_queries.py asserts the reads are
the same whatever the number of participants.

The sweep enqueues its one email task on an in-process broker (memory://): the bench
times the sweep, not the delivery of the emails, which is the worker's job.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dosing.reminders import dosing_reminders_sweep
from dressdb.celery import app
from dressdb.models import Role, Site, StaffMembership
from enrollment.consent_services import reconsent_reminders_raise
from enrollment.models import ConsentVersion, Participant
from notifications.models import Reminder
from outcomes.models import Visit
from outcomes.reminders import visit_reminders_sweep
from safety.models import AdverseEvent
from safety.reminders import sae_clock_sweep
from tests.bench.seeding import seed_bench_trial

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def beat_sweep() -> dict[str, int]:
    """The rules the beat runs every 15 minutes, one task each."""
    results = [visit_reminders_sweep(), dosing_reminders_sweep(), sae_clock_sweep()]
    return {key: sum(r[key] for r in results) for key in results[0]}


def _staff(sites: list[Site]) -> None:
    """A coordinator, an investigator and a pharmacist at every site (the demo staffs two)."""
    for site in sites:
        for role in (Role.COORDINATOR, Role.INVESTIGATOR, Role.PHARMACIST):
            name = f"bench_{role}_{site.code}".lower()
            user, _ = User.objects.get_or_create(
                username=name, defaults={"email": f"{name}@bench.invalid"}
            )
            StaffMembership.objects.get_or_create(user=user, site=site, role=role)


def _timed(name: str, participants: int, sweep: Callable[[], dict[str, int]], run: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = sweep()
        seconds = time.perf_counter() - started
    reads = sum(1 for q in captured.captured_queries if q["sql"].lstrip()[:6].upper() == "SELECT")
    return (
        f"[bench] {name} participants={participants} seconds={seconds:.2f} "
        f"queries={len(captured.captured_queries)} reads={reads} run={run} "
        f"candidates={result['candidates']} reminders={Reminder.objects.count()}"
    )


def test_reminder_sweep_speed(capsys):
    assert connection.vendor == "postgresql", "make bench needs DATABASE_URL=postgres://..."
    sites, counts, seeded = seed_bench_trial()
    _staff(sites)
    participants = Participant.objects.count()
    # What a worker does once, at its first task: load the URLs, cache the content types.
    reverse("todo_list")
    ContentType.objects.get_for_models(Visit, Participant, Site, AdverseEvent)
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    lines = [f"\n[bench] seeded {counts} in {seeded:.1f} s"]
    try:
        lines.append(_timed("reminder sweep", participants, beat_sweep, "first"))
        lines.append(_timed("reminder sweep", participants, beat_sweep, "next tick"))
        today = timezone.localdate()
        ConsentVersion.objects.create(
            label="bench-v2",
            effective_on=today - dt.timedelta(days=1),
            irb_approved_on=today - dt.timedelta(days=7),
            document="bench-v2.pdf",
            created_by=User.objects.get(username="admin"),
        )
        lines.append(
            _timed("re-consent sweep", participants, reconsent_reminders_raise, "new version")
        )
        lines.append(
            _timed("re-consent sweep", participants, reconsent_reminders_raise, "next night")
        )
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, broker
    with capsys.disabled():
        print("\n".join(lines))
