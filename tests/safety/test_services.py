"""Adverse-event services: the SAE clock, SUSAR, alerts, follow-up versions, signing,
the reminder rule, the death report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from dressdb import signing
from dressdb.models import Signature
from notifications.models import Reminder
from safety import reminders, services
from safety.models import AdverseEvent, AeTerm, DeathReport
from tests.factories import TEST_PASSWORD
from tests.safety.helpers import ae_input, recent_participant, soc

pytestmark = pytest.mark.django_db
APPROVED = "reviewed and approved"


@pytest.fixture
def participant(site_a, coordinator_a):
    return recent_participant(site_a, coordinator_a)


def test_terms_and_socs_are_loaded_as_data():
    term = AeTerm.objects.get(code="acute_kidney_injury")
    assert term.soc.name == "Renal and urinary disorders" and term.ctcae
    assert AeTerm.objects.get(code="gingival_hyperplasia").ctcae is False


def test_a_serious_related_unexpected_event_is_a_susar_with_its_clock_and_alerts(
    participant, coordinator_a, investigator_a, settings, django_capture_on_commit_callbacks
):
    settings.TRIAL_SAFETY_CONTACT_EMAIL = "safety@sponsor.example"
    data = ae_input(participant)
    with django_capture_on_commit_callbacks(execute=True):
        ae = services.ae_create(participant=participant, user=coordinator_a, data=data)
    assert ae.serious and ae.susar
    assert (ae.expected_cyclosporine, ae.expected_corticosteroids) == (False, False)
    assert ae.report_due_at == data.aware_at.astimezone(dt.UTC) + dt.timedelta(hours=24)
    alert = Reminder.objects.get(user=investigator_a, kind=services.SAE_NEW)
    assert participant.study_id in alert.message and "SUSAR" in alert.message
    assert any(m.to == ["safety@sponsor.example"] for m in mail.outbox)
    history = ae.history.get()
    assert history.history_user == coordinator_a and history.history_change_reason


def test_the_hours_are_a_setting(participant, coordinator_a, settings):
    settings.TRIAL_SAE_REPORT_HOURS = 12
    data = ae_input(participant)
    ae = services.ae_create(participant=participant, user=coordinator_a, data=data)
    assert ae.report_due_at is not None
    assert ae.report_due_at - ae.aware_at == dt.timedelta(hours=12)


def test_an_expected_event_is_not_a_susar_and_a_non_serious_one_has_no_clock(
    participant, coordinator_a
):
    aki = AeTerm.objects.get(code="acute_kidney_injury")
    ae = services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant, term=aki)
    )
    assert ae.expected_cyclosporine and not ae.susar
    mild = services.ae_create(
        participant=participant,
        user=coordinator_a,
        data=ae_input(participant, serious=False, criteria=frozenset(), grade=1),
    )
    assert mild.report_due_at is None and not Reminder.objects.filter(subject_id=mild.pk).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stop_date": "onset-1", "ongoing": False}, "stop_date"),
        ({"onset_date": "consent-1"}, "onset_date"),
        ({"onset_date": "day91"}, "onset_date"),
        ({"grade": 5}, "outcome"),
        ({"aware_at": "future"}, "aware_at"),
        ({"term": None}, "term"),
        ({"term": None, "term_other": "Odd rash"}, "soc"),
        ({"related_cyclosporine": "maybe"}, "related_cyclosporine"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(participant, coordinator_a, change, field):
    today = timezone.localdate(timezone=participant.site.tz)
    consent = timezone.localtime(participant.consent_at, participant.site.tz).date()
    values = dict(change)
    special = {
        "onset-1": today - dt.timedelta(days=4),
        "consent-1": consent - dt.timedelta(days=1),
        "day91": participant.study_day_1 + dt.timedelta(days=90),
        "future": timezone.now() + dt.timedelta(hours=1),
    }
    values = {k: special.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
    with pytest.raises(ValidationError) as caught:
        services.ae_create(
            participant=participant, user=coordinator_a, data=ae_input(participant, **values)
        )
    assert field in caught.value.message_dict
    assert not AdverseEvent.objects.exists()


def test_free_text_term_with_soc(participant, coordinator_a):
    ae = services.ae_create(
        participant=participant,
        user=coordinator_a,
        data=ae_input(participant, term=None, term_other="Odd rash", soc=soc("infections")),
    )
    assert ae.term_name == "Odd rash" and ae.expected_cyclosporine  # infections are expected


def test_follow_up_is_a_new_version_needs_a_reason_and_voids_the_signature(
    participant, coordinator_a, investigator_a
):
    ae = services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    services.ae_sign(
        adverse_event=ae, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
    )
    ae.refresh_from_db()
    assert ae.reported_at is not None
    assert not Reminder.objects.filter(subject_id=ae.pk, status="open").exists()
    with pytest.raises(ValidationError) as caught:
        services.ae_update(
            adverse_event=ae, user=coordinator_a, data=ae_input(participant), reason=""
        )
    assert "reason_for_change" in caught.value.message_dict
    updated = services.ae_update(
        adverse_event=ae,
        user=coordinator_a,
        data=ae_input(participant, outcome="recovering"),
        reason="Day 3 news",
        follow_up=True,
    )
    assert updated.version == 1
    versions = list(ae.history.order_by("history_date", "history_id"))
    assert [v.version for v in versions] == [0, 0, 1]
    assert versions[-1].history_change_reason.startswith("Follow-up report 1: Day 3 news")
    signature = Signature.objects.get(object_id=ae.pk)
    assert signature.is_void and "Day 3 news" in signature.voided_reason
    assert signing.current_signature(updated) is None


def test_signing_checks_the_password_last_and_refuses_a_second_signature(
    participant, coordinator_a, investigator_a
):
    ae = services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    with pytest.raises(ValidationError) as caught:
        services.ae_sign(adverse_event=ae, user=investigator_a, password="wrong", meaning=APPROVED)
    assert "password" in caught.value.message_dict
    ae.refresh_from_db()
    assert ae.reported_at is None
    with pytest.raises(ValidationError) as caught:
        services.ae_sign(adverse_event=ae, user=investigator_a, password="wrong", meaning="x")
    assert "meaning" in caught.value.message_dict
    services.ae_sign(
        adverse_event=ae, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
    )
    with pytest.raises(ValidationError):
        services.ae_sign(
            adverse_event=ae, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
        )


def test_the_reminder_rule_raises_once_and_escalates_when_overdue(
    participant, coordinator_a, investigator_a
):
    ae = services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    reminders.sae_clock_sweep()
    reminders.sae_clock_sweep()
    due = Reminder.objects.filter(subject_id=ae.pk, kind=services.SAE_DUE)
    assert due.count() == 1 and "left" in due.get().message
    late = services.ae_update(
        adverse_event=ae,
        user=coordinator_a,
        data=ae_input(participant, aware_at=timezone.now() - dt.timedelta(hours=30)),
        reason="Awareness corrected",
    )
    assert late.report_due_at is not None and late.report_due_at < timezone.now()
    reminders.sae_clock_sweep()
    overdue = Reminder.objects.get(subject_id=ae.pk, kind=services.SAE_OVERDUE)
    assert "overdue" in overdue.message and overdue.user == investigator_a


def test_death_report_only_for_fatal_events_and_checked(participant, coordinator_a):
    ae = services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    today = timezone.localdate(timezone=participant.site.tz)
    args = {
        "user": coordinator_a,
        "death_date": today,
        "primary_cause": "Liver failure",
        "related_cyclosporine": "possible",
        "related_corticosteroids": "not_related",
        "autopsy": "no",
    }
    with pytest.raises(ValidationError) as caught:
        services.death_report_save(adverse_event=ae, **args)
    assert "death_date" in caught.value.message_dict
    fatal = services.ae_update(
        adverse_event=ae,
        user=coordinator_a,
        data=ae_input(
            participant,
            grade=5,
            outcome="fatal",
            criteria=frozenset({"death"}),
            ongoing=False,
            stop_date=today,
        ),
        reason="Died",
    )
    with pytest.raises(ValidationError) as caught:
        services.death_report_save(
            adverse_event=fatal, **(args | {"death_date": today + dt.timedelta(days=1)})
        )
    assert "death_date" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.death_report_save(adverse_event=fatal, **(args | {"primary_cause": " "}))
    assert "primary_cause" in caught.value.message_dict
    report = services.death_report_save(adverse_event=fatal, **args)
    assert DeathReport.objects.get().primary_cause == "Liver failure"
    assert report.history.count() == 1
