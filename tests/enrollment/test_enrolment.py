"""Consent, enrolment (study IDs), not consented, withdrawal."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from enrollment import services
from enrollment.models import Participant, Screening
from tests.enrollment.factories import screen

pytestmark = pytest.mark.django_db


def enrol(screening, user, **kw):
    consent_at = kw.get("consent_at") or timezone.now() - dt.timedelta(hours=1)
    return services.participant_enrol(
        screening=screening,
        user=user,
        consent_at=consent_at,
        consent_form_version="v1.0",
        consent_obtained_by="Dr Who",
        npo=kw.get("npo", False),
    )


def test_enrolment_creates_participant_with_sequential_study_id(site_a, coordinator_a):
    first = enrol(screen(site_a, coordinator_a), coordinator_a)
    second = enrol(screen(site_a, coordinator_a), coordinator_a)
    assert (first.study_id, second.study_id) == ("SITEA-001", "SITEA-002")
    assert first.screening.outcome == "enrolled"
    assert (first.age, first.sex, str(first.weight_kg), str(first.egfr)) == (
        45,
        "female",
        "70.0",
        "63.1",
    )
    assert first.renal_impairment is False
    assert first.history.latest().history_user == coordinator_a


def test_study_ids_are_per_site(site_a, site_b, coordinator_a, coordinator_b):
    a = enrol(screen(site_a, coordinator_a), coordinator_a)
    b = enrol(screen(site_b, coordinator_b), coordinator_b)
    assert (a.study_id, b.study_id) == ("SITEA-001", "SITEB-001")


def test_ineligible_cannot_be_enrolled(site_a, coordinator_a):
    screening = screen(site_a, coordinator_a, eligible=False)
    with pytest.raises(ValidationError, match="eligible"):
        enrol(screening, coordinator_a)
    assert Participant.objects.count() == 0


def test_enrolled_twice_is_refused(site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    enrol(screening, coordinator_a)
    with pytest.raises(ValidationError, match="already enrolled"):
        enrol(screening, coordinator_a)
    assert Participant.objects.count() == 1


def test_consent_in_the_future_is_refused(site_a, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        enrol(
            screen(site_a, coordinator_a),
            coordinator_a,
            consent_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert "consent_at" in excinfo.value.message_dict


def test_renal_impairment_from_screening(site_a, coordinator_a):
    screening = screen(site_a, coordinator_a, creatinine_mg_dl=1.8)
    participant = enrol(screening, coordinator_a)
    assert participant.renal_impairment_computed is True
    assert float(participant.egfr) < 60


def test_not_consented_needs_reason_and_is_logged(site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    with pytest.raises(ValidationError):
        services.screening_mark_not_consented(screening=screening, user=coordinator_a, reason="")
    services.screening_mark_not_consented(
        screening=screening, user=coordinator_a, reason="Declined consent"
    )
    screening.refresh_from_db()
    assert (screening.outcome, screening.not_consented_reason) == (
        "eligible_not_consented",
        "Declined consent",
    )


def test_withdrawal_keeps_the_participant(site_a, coordinator_a):
    participant = enrol(screen(site_a, coordinator_a), coordinator_a)
    today = timezone.localdate(timezone=site_a.tz)
    services.participant_withdraw(
        participant=participant, user=coordinator_a, withdrawn_on=today, reason="Moved away"
    )
    participant.refresh_from_db()
    assert participant.status == "withdrawn"
    assert participant.withdrawal_reason == "Moved away"
    with pytest.raises(ValidationError):
        services.participant_withdraw(
            participant=participant, user=coordinator_a, withdrawn_on=today, reason="again"
        )


def test_no_withdrawal_dated_after_death(site_a, coordinator_a):
    participant = enrol(screen(site_a, coordinator_a), coordinator_a)
    today = timezone.localdate(timezone=site_a.tz)
    participant.died_on = today - dt.timedelta(days=1)
    participant.save()
    with pytest.raises(ValidationError) as excinfo:
        services.participant_withdraw(
            participant=participant, user=coordinator_a, withdrawn_on=today, reason="Moved away"
        )
    assert "withdrawn_on" in excinfo.value.message_dict
    participant.refresh_from_db()
    assert (participant.status, participant.withdrawal_kind) == ("enrolled", "")


def test_enrol_view_flow(login, site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    client = login(coordinator_a)
    yesterday = timezone.localdate(timezone=site_a.tz) - dt.timedelta(days=1)
    response = client.post(
        f"/participants/screening/{screening.pk}/enrol/",
        {
            "consent_at": f"{yesterday.isoformat()}T08:15",
            "consent_form_version": "v2.1",
            "consent_obtained_by": "Dr Ray",
        },
    )
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert response["Location"] == f"/participants/{participant.pk}/"
    # the wall-clock time is read in the site's zone (Los Angeles), stored in UTC
    local = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(8, 15)), site_a.tz)
    assert participant.consent_at == local
    assert participant.consent_at.astimezone(dt.UTC).hour in (15, 16)
    page = client.get(response["Location"]).content.decode()
    assert "SITEA-001" in page and "v2.1" in page


def test_enrol_view_bad_input(login, site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    response = login(coordinator_a).post(
        f"/participants/screening/{screening.pk}/enrol/",
        {"consent_at": "yesterday", "consent_form_version": "", "consent_obtained_by": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid date/time" in body
    assert Participant.objects.count() == 0
    assert Screening.objects.get().outcome == "eligible_pending"


def test_withdraw_view_404_for_other_site(login, participant_a, coordinator_b):
    assert (
        login(coordinator_b).get(f"/participants/{participant_a.pk}/withdraw/").status_code == 404
    )


def test_withdraw_view(login, site_a, coordinator_a):
    participant = enrol(screen(site_a, coordinator_a), coordinator_a)
    today = timezone.localdate(timezone=site_a.tz).isoformat()
    response = login(coordinator_a).post(
        f"/participants/{participant.pk}/withdraw/",
        {"kind": "follow_up", "withdrawn_on": today, "reason": "Request"},
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == "withdrawn"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_enrolment_gives_consecutive_unique_ids(site_a, coordinator_a):
    screenings = [screen(site_a, coordinator_a) for _ in range(20)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(10)

    def worker(chunk):
        try:
            barrier.wait()
            for s in chunk:
                enrol(s, coordinator_a)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(screenings[i::10],)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = sorted(Participant.objects.values_list("study_id", flat=True))
    assert ids == [f"SITEA-{n:03d}" for n in range(1, 21)]
