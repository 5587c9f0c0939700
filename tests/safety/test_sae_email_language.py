"""The SAE alert's emails in their recipients' languages (issue 16 item 9): each of the
site's investigators in their own language (dressdb.i18n), with the due time in that
language's date format; the sponsor's safety contact, an address and no user, in the
trial's default language (settings.LANGUAGE_CODE)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail

from dressdb.models import UserPreference
from safety import services
from tests.factories import MembershipFactory, UserFactory
from tests.safety.helpers import ae_input, recent_participant

pytestmark = pytest.mark.django_db
CONTACT = "safety@sponsor.example"


@pytest.fixture
def french_site(site_a):
    site_a.language = "fr"
    site_a.save()
    return site_a


def _raise_sae(site, coordinator, settings, capture):
    settings.TRIAL_SAFETY_CONTACT_EMAIL = CONTACT
    participant = recent_participant(site, coordinator)
    with capture(execute=True):
        ae = services.ae_create(
            participant=participant, user=coordinator, data=ae_input(participant)
        )
    assert ae.serious and ae.report_due_at is not None
    return participant, ae


def _one_to(address: str):
    (email,) = [m for m in mail.outbox if m.to == [address]]
    return email


def test_the_investigators_of_a_french_site_get_french_and_the_contact_english(
    french_site, coordinator_a, investigator_a, settings, django_capture_on_commit_callbacks
):
    participant, ae = _raise_sae(
        french_site, coordinator_a, settings, django_capture_on_commit_callbacks
    )
    due_utc = ae.report_due_at.astimezone(dt.UTC)

    french = _one_to(investigator_a.email)
    assert french.subject == "[dressdb] Événement indésirable grave : déclaration attendue"
    assert f"{participant.study_id} : événement indésirable grave" in french.body
    assert f"{due_utc:%d/%m/%Y %H:%M} UTC" in french.body  # the French date
    assert "Votre liste de tâches : http" in french.body
    assert "serious adverse event" not in french.body
    assert french.extra_headers["Content-Language"] == "fr"

    contact = _one_to(CONTACT)
    assert contact.subject == "[dressdb] Serious adverse event"
    assert f"{participant.study_id}: serious adverse event" in contact.body
    assert "SUSAR" in contact.body
    assert f"{due_utc:%Y-%m-%d %H:%M} UTC" in contact.body  # the English (ISO) date
    assert "événement" not in contact.body


def test_an_english_site_investigator_gets_english(
    site_a, coordinator_a, investigator_a, settings, django_capture_on_commit_callbacks
):
    participant, _ = _raise_sae(site_a, coordinator_a, settings, django_capture_on_commit_callbacks)
    email = _one_to(investigator_a.email)
    assert email.subject == "[dressdb] Serious adverse event: report due"
    assert f"{participant.study_id}: serious adverse event" in email.body
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", email.body)
    assert "Your to-do list: http" in email.body
    assert _one_to(CONTACT).subject == "[dressdb] Serious adverse event"


def test_each_investigator_in_their_own_language(
    french_site, coordinator_a, investigator_a, settings, django_capture_on_commit_callbacks
):
    """Two investigators of the French site: one kept the site's French, the other chose
    English; each email follows its recipient."""
    english_reader = UserFactory.create(username="inv_a2")
    MembershipFactory.create(user=english_reader, site=french_site, role="investigator")
    UserPreference.objects.create(user=english_reader, language="en-gb")
    _raise_sae(french_site, coordinator_a, settings, django_capture_on_commit_callbacks)
    assert _one_to(investigator_a.email).subject.startswith("[dressdb] Événement")
    assert _one_to(english_reader.email).subject == "[dressdb] Serious adverse event: report due"
    assert "Your to-do list:" in _one_to(english_reader.email).body


def test_the_contact_gets_the_trials_default_language(
    site_a, coordinator_a, investigator_a, settings, django_capture_on_commit_callbacks
):
    """A trial whose default language is French writes to its safety contact in French."""
    settings.LANGUAGE_CODE = "fr"
    participant, ae = _raise_sae(
        site_a, coordinator_a, settings, django_capture_on_commit_callbacks
    )
    contact = _one_to(CONTACT)
    assert contact.subject == "[dressdb] Événement indésirable grave"
    assert f"{participant.study_id} : événement indésirable grave" in contact.body
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d UTC", contact.body), contact.body
