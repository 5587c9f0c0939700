"""Reminder emails in their recipient's language (issue 16 item 9): the rule of the pages
(dressdb.i18n: own choice, else the sites' common language, else the default), the
title from the catalogue, the message as written in that language when it was raised
(else as stored), the fixed words translated, the dates in the recipient's format; and
the languages read once per batch, not once per reminder."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dressdb.i18n import language_for_user, languages_for_users
from dressdb.models import StaffMembership, UserPreference
from notifications import sending
from notifications.models import Reminder
from notifications.tasks import reminder_email
from tests.dosing.helpers import started
from tests.factories import MembershipFactory
from tests.notifications.helpers import reminder_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_site(site_a):
    site_a.language = "fr"
    site_a.save()
    return site_a


def _emails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def _visit_due_email(site, user):
    """A visit due today (study day 30) for `user`, raised by the sweep and emailed."""
    participant, _ = started(site, user, days_ago=29)
    reminder_sweep()  # the task it enqueues waits for a commit that never comes here
    sending.reminder_emails_send()
    reminder = Reminder.objects.get(user=user, kind="visit_due", label=participant.study_id)
    (email,) = [
        m
        for m in _emails_to(user)
        if m.extra_headers["Message-ID"].startswith(f"<reminder-{reminder.pk}.")
    ]
    return participant, email


def test_a_french_site_coordinator_gets_the_email_in_french(french_site, coordinator_a):
    participant, email = _visit_due_email(french_site, coordinator_a)
    assert email.subject == "[dressdb] Visite prévue aujourd'hui"
    assert f"{participant.study_id} : la visite J30 est prévue aujourd'hui." in email.body
    assert "Votre liste de tâches : http" in email.body and "/todo/" in email.body
    assert "Your to-do list" not in email.body and "is due today" not in email.body
    assert email.extra_headers["Content-Language"] == "fr"
    reminder = Reminder.objects.get(user=coordinator_a, kind="visit_due")
    assert "is due today" in reminder.message  # stored in English, as before
    assert reminder.emailed_at is not None


def test_an_english_site_coordinator_gets_the_email_in_english(site_a, coordinator_a):
    participant, email = _visit_due_email(site_a, coordinator_a)
    assert email.subject == "[dressdb] Visit due today"
    assert f"{participant.study_id}: Day 30 visit is due today." in email.body
    assert "Your to-do list: http" in email.body
    assert "Votre" not in email.body
    assert email.extra_headers["Content-Language"] == "en-gb"


def test_the_users_own_choice_wins_over_the_sites_language(french_site, coordinator_a):
    UserPreference.objects.create(user=coordinator_a, language="en-gb")
    _, email = _visit_due_email(french_site, coordinator_a)
    assert email.subject == "[dressdb] Visit due today"
    assert "Your to-do list:" in email.body


def test_an_english_site_user_who_chose_french_gets_french(site_a, coordinator_a):
    UserPreference.objects.create(user=coordinator_a, language="fr")
    _, email = _visit_due_email(site_a, coordinator_a)
    assert email.subject == "[dressdb] Visite prévue aujourd'hui"
    assert "Votre liste de tâches :" in email.body


def test_sites_of_two_languages_give_the_default(french_site, site_b, coordinator_a):
    MembershipFactory.create(user=coordinator_a, site=site_b, role="coordinator")
    assert language_for_user(coordinator_a) == "en-gb"
    _, email = _visit_due_email(french_site, coordinator_a)
    assert email.subject == "[dressdb] Visit due today"


def test_the_dates_in_the_body_are_in_the_recipients_format(
    french_site, site_b, coordinator_a, coordinator_b
):
    """The window-opens message carries a date: dd/mm/yyyy in French, ISO in English."""
    french, _ = started(french_site, coordinator_a, days_ago=3)  # day 4: opens on day 6
    english, _ = started(site_b, coordinator_b, days_ago=3)
    reminder_sweep()
    sending.reminder_emails_send()
    (fr_email,) = [m for m in _emails_to(coordinator_a) if french.study_id in m.body]
    (en_email,) = [m for m in _emails_to(coordinator_b) if english.study_id in m.body]
    assert re.search(r"\d\d/\d\d/\d{4}", fr_email.body), fr_email.body
    assert not re.search(r"\d{4}-\d\d-\d\d", fr_email.body), fr_email.body
    assert re.search(r"\d{4}-\d\d-\d\d", en_email.body), en_email.body
    assert fr_email.subject.startswith("[dressdb] ") and "2" in fr_email.subject
    assert en_email.subject == "[dressdb] Visit window opens in 2 days"


def test_a_row_stored_before_the_translations_reads_as_stored(french_site, coordinator_a):
    """No French message kept (a row from before): the French title from the catalogue,
    the English message as stored, the fixed words in French."""
    reminder = Reminder.objects.create(
        user=coordinator_a,
        site=french_site,
        subject_type=ContentType.objects.get_for_model(french_site),
        subject_id=french_site.pk,
        kind="visit_due",
        title="Visit due today",
        due_date=timezone.localdate(),
        message="P-001: Day 30 visit is due today.",
    )
    assert reminder_email(reminder.pk) is True  # the alert's task: one reminder
    (email,) = _emails_to(coordinator_a)
    assert email.subject == "[dressdb] Visite prévue aujourd'hui"
    assert email.body.startswith("P-001: Day 30 visit is due today.\n\nVotre liste de tâches :")


def test_the_sweep_reads_the_languages_once_not_per_reminder(
    french_site, site_b, coordinator_a, coordinator_b, investigator_a
):
    """The queries of a send grow by the same few statements per reminder (lock, stamp),
    whatever the languages: the preferences and memberships are read once per batch."""
    UserPreference.objects.create(user=investigator_a, language="en-gb")
    started(french_site, coordinator_a, days_ago=29)
    started(site_b, coordinator_b, days_ago=29)
    reminder_sweep()
    with CaptureQueriesContext(connection) as few:
        handled_few = sending.reminder_emails_send()
    for days_ago in (29, 12, 6, 3):
        started(french_site, coordinator_a, days_ago=days_ago)
        started(site_b, coordinator_b, days_ago=days_ago)
    reminder_sweep()
    with CaptureQueriesContext(connection) as many:
        handled_many = sending.reminder_emails_send()
    assert handled_many > 2 * handled_few > 0

    def others(captured) -> list[str]:
        """The statements on any other table than the reminders' (savepoints aside)."""
        return [
            q["sql"]
            for q in captured.captured_queries
            if '"notifications_reminder"' not in q["sql"] and "SAVEPOINT" not in q["sql"]
        ]

    assert others(few) == others(many)  # nothing per reminder: the languages once
    assert sum("dressdb_userpreference" in sql for sql in others(many)) == 1
    assert sum("dressdb_staffmembership" in sql for sql in others(many)) == 1
    per_reminder = (len(many.captured_queries) - len(few.captured_queries)) / (
        handled_many - handled_few
    )
    assert per_reminder == 4  # a savepoint, the row read with its lock, the stamp, release
    languages = {m.extra_headers["Content-Language"] for m in mail.outbox}
    assert languages == {"fr", "en-gb"}


def test_one_rule_for_the_pages_and_the_emails(french_site, site_b, coordinator_a, coordinator_b):
    assert languages_for_users([coordinator_a.pk, coordinator_b.pk]) == {
        coordinator_a.pk: "fr",
        coordinator_b.pk: "en-gb",
    }
    assert language_for_user(coordinator_a) == language_for_user(coordinator_a.pk) == "fr"
    UserPreference.objects.create(user=coordinator_b, language="fr")
    assert language_for_user(coordinator_b) == "fr"
    StaffMembership.objects.filter(user=coordinator_a).update(
        end_on=timezone.localdate() - dt.timedelta(days=2)
    )
    assert language_for_user(coordinator_a) == "en-gb"  # no site in force: the default
