"""The whole reminder sweep reads in a constant number of queries (issue 20, goal 3), and
an email interrupted before its commit is sent by the next sweep (at least once)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dressdb.models import Site
from enrollment.models import ConsentVersion, Participant
from notifications import sending
from notifications.models import Reminder
from outcomes.models import Visit
from safety import services as safety_services
from safety.models import AdverseEvent
from tests.dosing.helpers import started
from tests.notifications.helpers import full_sweep
from tests.safety.helpers import ae_input

pytestmark = pytest.mark.django_db

# Each kind of reminder the sweep raises, by the study day that is today.
DAYS_AGO = (29, 12, 6)  # a visit due today; a visit overdue (escalated); a decision due


def _due(site, user, n: int) -> None:
    """n participants due reminders of every kind (visits, dosing, SAE clock, re-consent)."""
    for i in range(n):
        participant, _ = started(site, user, days_ago=DAYS_AGO[i % len(DAYS_AGO)])
        safety_services.ae_create(participant=participant, user=user, data=ae_input(participant))


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements, but the INSERT of the reminders: SQLite caps the parameters per
    statement, so bulk_create splits its single INSERT into batches there."""
    return [
        q["sql"][:40]
        for q in captured.captured_queries
        if not (q["sql"].startswith("INSERT") and '"notifications_reminder"' in q["sql"][:40])
    ]


def _reads(captured: CaptureQueriesContext) -> list[str]:
    return [sql for sql in _statements(captured) if sql.startswith("SELECT")]


def test_the_whole_sweep_reads_the_same_queries_for_3_and_12_participants(
    site_a, coordinator_a, investigator_a, pharmacist_a, trial_admin
):
    ContentType.objects.get_for_models(Visit, Participant, Site, AdverseEvent)
    today = timezone.localdate()
    ConsentVersion.objects.create(
        label="v2",
        effective_on=today - dt.timedelta(days=1),
        irb_approved_on=today - dt.timedelta(days=5),
        document="v2.pdf",
        created_by=trial_admin,
    )
    _due(site_a, coordinator_a, 3)
    with CaptureQueriesContext(connection) as few:
        result_few = full_sweep()
    _due(site_a, coordinator_a, 9)
    with CaptureQueriesContext(connection) as many:
        result_many = full_sweep()
    assert result_many["candidates"] > 3 * result_few["candidates"] > 0
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    expected = {"visit_due", "visit_overdue", "decision_due", "sae_report_due", "reconsent"}
    assert expected <= kinds, kinds
    assert _statements(few) == _statements(many)
    assert len(_reads(few)) == len(_reads(many)) <= 25


def test_an_email_whose_send_failed_is_left_for_the_next_sweep(site_a, coordinator_a, settings):
    """The send raises before the commit: the stamp is rolled back with it, and the next
    run sends the email (never lost, sent once)."""
    from django.core.mail import get_connection

    started(site_a, coordinator_a, days_ago=29)
    full_sweep()  # the email task waits for the commit (never, in this test)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens: refused
    waiting = Reminder.objects.filter(status="open", emailed_at__isnull=True)
    assert waiting.exists()
    with pytest.raises(OSError):
        sending.reminder_email_send(connection=get_connection())
    assert waiting.count() == Reminder.objects.filter(status="open").count()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sending.reminder_emails_send() == Reminder.objects.count()
    assert not waiting.exists()
    assert len(mail.outbox) == Reminder.objects.filter(user__email__gt="").count()
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(set(ids)) == len(ids)
    assert sending.reminder_emails_send() == 0  # and never twice


def test_a_membership_that_ended_gets_no_reminders(site_a, coordinator_a):
    from dressdb.models import StaffMembership

    participant, _ = started(site_a, coordinator_a, days_ago=29)  # a visit due today
    StaffMembership.objects.filter(user=coordinator_a).update(
        end_on=timezone.now().date() - dt.timedelta(days=1)
    )
    full_sweep()
    assert not Reminder.objects.filter(user=coordinator_a).exists()
    StaffMembership.objects.filter(user=coordinator_a).update(end_on=None)
    full_sweep()
    assert Reminder.objects.filter(user=coordinator_a, label=participant.study_id).exists()
