"""Delegation log (issue 21): lines signed by the site investigator; users act only within
their delegated duties (TRIAL_ENFORCE_DELEGATION on)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dressdb import delegation
from dressdb.models import Delegation, Duty, Role, SecurityEvent, Signature
from enrollment.models import Participant
from outcomes.models import Visit
from randomization import services as randomization_services
from tests.dosing.helpers import started
from tests.enrollment.factories import screen
from tests.enrollment.test_enrolment import enrol
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from trialadmin import services

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 1, 1)


def delegate(by, site, user, duty, start_on=None, end_on=None, signer=None):
    line = services.delegation_add(
        by=by,
        site=site,
        user=user,
        duty=duty,
        start_on=start_on or timezone.now().date() - dt.timedelta(days=1),
        end_on=end_on,
        reason="Trained on the protocol",
    )
    if signer is not None:
        services.delegation_sign(by=signer, delegation=line, password=TEST_PASSWORD)
        line.refresh_from_db()
    return line


@pytest.fixture
def enforce(settings):
    settings.TRIAL_ENFORCE_DELEGATION = True


def undelegated(username, role, site):
    """A persona with its role but no line on the delegation log (this module's personas:
    the shared ones are delegated every duty, tests/factories.py)."""
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, site=site, role=role, delegated=False)
    return user


@pytest.fixture
def coordinator_a(site_a):
    return undelegated("coord_a", Role.COORDINATOR, site_a)


@pytest.fixture
def coordinator_b(site_b):
    return undelegated("coord_b", Role.COORDINATOR, site_b)


@pytest.fixture
def investigator_a(site_a):
    return undelegated("inv_a", Role.INVESTIGATOR, site_a)


def test_signing_by_the_site_investigator_with_the_signing_service(
    trial_admin, site_a, coordinator_a, investigator_a
):
    line = delegate(trial_admin, site_a, coordinator_a, Duty.CONSENT)
    assert line.signed_at is None
    assert not delegation.has_duty(coordinator_a, site_a, Duty.CONSENT)
    with pytest.raises(ValidationError) as wrong:
        services.delegation_sign(by=investigator_a, delegation=line, password="wrong")
    assert "password" in wrong.value.message_dict
    with pytest.raises(ValidationError) as not_investigator:
        services.delegation_sign(by=trial_admin, delegation=line, password=TEST_PASSWORD)
    assert "investigator" in not_investigator.value.messages[0]
    services.delegation_sign(by=investigator_a, delegation=line, password=TEST_PASSWORD)
    line.refresh_from_db()
    assert line.signed_by == investigator_a
    signature = Signature.objects.get(object_id=line.pk, meaning=Signature.Meaning.DELEGATION)
    assert signature.signer == investigator_a
    assert ["Duty", "Consent"] in signature.summary
    assert delegation.has_duty(coordinator_a, site_a, Duty.CONSENT)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.DELEGATION_CHANGE, detail__action="added"
    ).exists()
    with pytest.raises(ValidationError):
        services.delegation_sign(by=investigator_a, delegation=line, password=TEST_PASSWORD)


def test_an_investigator_of_another_site_cannot_sign(
    trial_admin, site_b, coordinator_b, investigator_a
):
    line = delegate(trial_admin, site_b, coordinator_b, Duty.SCREENING)
    with pytest.raises(ValidationError):
        services.delegation_sign(by=investigator_a, delegation=line, password=TEST_PASSWORD)


def test_a_duty_counts_from_start_to_end(trial_admin, site_a, coordinator_a, investigator_a):
    today = timezone.now().date()
    future = delegate(
        trial_admin,
        site_a,
        coordinator_a,
        Duty.SCREENING,
        start_on=today + dt.timedelta(days=2),
        signer=investigator_a,
    )
    assert not delegation.has_duty(coordinator_a, site_a, Duty.SCREENING)
    future.delete()
    line = delegate(trial_admin, site_a, coordinator_a, Duty.SCREENING, signer=investigator_a)
    assert delegation.has_duty(coordinator_a, site_a, Duty.SCREENING)
    services.delegation_end(
        by=trial_admin, delegation=line, end_on=today - dt.timedelta(days=1), reason="Left"
    )
    assert not delegation.has_duty(coordinator_a, site_a, Duty.SCREENING)
    assert line.history.first().history_change_reason == "Ended: Left"


def test_delegation_needs_a_role_at_the_site_a_reason_and_ordered_dates(
    trial_admin, site_b, coordinator_a
):
    with pytest.raises(ValidationError) as no_role:
        delegate(trial_admin, site_b, coordinator_a, Duty.CONSENT)
    assert "user" in no_role.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        services.delegation_add(
            by=trial_admin,
            site=site_b,
            user=coordinator_a,
            duty=Duty.CONSENT,
            start_on=TODAY,
            end_on=None,
            reason=" ",
        )
    assert "reason" in no_reason.value.message_dict
    assert not Delegation.objects.filter(user=coordinator_a).exists()


def test_enforcement_is_on_by_default_and_can_be_turned_off(settings, site_a, coordinator_a):
    from dressdb import settings as project_settings

    assert project_settings.TRIAL_ENFORCE_DELEGATION is True
    with pytest.raises(ValidationError):
        screen(site_a, coordinator_a)
    settings.TRIAL_ENFORCE_DELEGATION = False
    enrol(screen(site_a, coordinator_a), coordinator_a)  # no delegation, no refusal


def test_consent_by_someone_not_delegated_is_refused_with_a_clear_message(
    enforce, trial_admin, site_a, coordinator_a, investigator_a
):
    delegate(trial_admin, site_a, coordinator_a, Duty.SCREENING, signer=investigator_a)
    screening = screen(site_a, coordinator_a)
    with pytest.raises(ValidationError) as refused:
        enrol(screening, coordinator_a)
    message = refused.value.message_dict["consent_obtained_by"][0]
    assert "coord_a is not delegated consent at SITEA" in message
    assert not Participant.objects.exists()
    delegate(trial_admin, site_a, coordinator_a, Duty.CONSENT, signer=investigator_a)
    assert enrol(screening, coordinator_a).study_id == "SITEA-001"


def test_screening_outside_delegation_is_refused(enforce, site_a, coordinator_a):
    with pytest.raises(ValidationError) as refused:
        screen(site_a, coordinator_a)
    assert "not delegated screening" in refused.value.message_dict["screening"][0]


def test_an_unsigned_delegation_does_not_count(enforce, trial_admin, site_a, coordinator_a):
    delegate(trial_admin, site_a, coordinator_a, Duty.SCREENING)
    with pytest.raises(ValidationError):
        screen(site_a, coordinator_a)


def test_randomization_outside_delegation_is_refused(
    enforce, trial_admin, site_a, coordinator_a, investigator_a, statistician, participant_a
):
    randomization_services.allocation_list_generate(
        user=statistician, kind="live", slots_per_stratum=4
    )
    with pytest.raises(ValidationError) as refused:
        randomization_services.participant_randomize(participant=participant_a, user=coordinator_a)
    assert "not delegated randomization" in refused.value.message_dict["participant"][0]
    delegate(trial_admin, site_a, coordinator_a, Duty.RANDOMIZATION, signer=investigator_a)
    allocation = randomization_services.participant_randomize(
        participant=participant_a, user=coordinator_a
    )
    assert allocation.participant_id == participant_a.pk


def test_the_enrol_page_shows_the_refusal_on_the_field(
    enforce, trial_admin, site_a, coordinator_a, investigator_a, login
):
    delegate(trial_admin, site_a, coordinator_a, Duty.SCREENING, signer=investigator_a)
    screening = screen(site_a, coordinator_a)
    client = login(coordinator_a)
    url = reverse("screening_enrol", kwargs={"pk": screening.pk})
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: field.initial or "" for name, field in form.fields.items()}
    data.update(
        consent_at=(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        consent_form_version="v1.0",
        consent_obtained_by="Dr Who",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "not delegated consent" in response.content.decode()
    assert not Participant.objects.exists()


def test_delegation_pages(trial_admin, investigator_a, coordinator_a, site_a, site_b, login):
    admin = login(trial_admin)
    url = reverse("trialadmin:delegation_log", kwargs={"site_pk": site_a.pk})
    response = admin.post(
        url,
        {"user": coordinator_a.pk, "duty": Duty.CONSENT, "start_on": "2026-01-01", "reason": "GCP"},
    )
    assert response.status_code == 302
    line = Delegation.objects.get(user=coordinator_a)
    inv = login(investigator_a)
    assert "not signed" in inv.get(url).content.decode()
    assert inv.post(url, {"user": coordinator_a.pk, "duty": Duty.CONSENT}).status_code == 403
    sign = reverse("trialadmin:delegation_sign", kwargs={"pk": line.pk})
    inv.post(sign, {"password": TEST_PASSWORD})
    line.refresh_from_db()
    assert line.signed_by == investigator_a
    other = reverse("trialadmin:delegation_log", kwargs={"site_pk": site_b.pk})
    assert inv.get(other).status_code == 404
    assert login(coordinator_a).get(url).status_code == 403


def test_visit_sign_off_outside_delegation_is_refused(
    enforce, trial_admin, site_a, coordinator_a, investigator_a
):
    from outcomes import services as outcomes_services
    from tests.outcomes.test_sign_off import APPROVED, DAY7

    participant, _ = started(site_a, coordinator_a, days_ago=7)
    participant.enrolled_at = timezone.now() - dt.timedelta(days=8)
    participant.save()
    day7 = Visit.objects.get(participant=participant, name="day7")
    delegate(trial_admin, site_a, coordinator_a, Duty.DATA_ENTRY, signer=investigator_a)
    visit = outcomes_services.visit_record(
        visit=day7, user=coordinator_a, completed_on=day7.target_date, endpoints=DAY7
    )
    signatures = Signature.objects.count()
    with pytest.raises(ValidationError) as refused:
        outcomes_services.visit_sign_off(
            visit=visit, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
        )
    assert "not delegated sign-off" in refused.value.message_dict["meaning"][0]
    assert Signature.objects.count() == signatures
    delegate(trial_admin, site_a, investigator_a, Duty.SIGN_OFF, signer=investigator_a)
    signed = outcomes_services.visit_sign_off(
        visit=visit, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
    )
    assert signed.locked
