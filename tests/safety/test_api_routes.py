"""JSON API parity of every safety form (issue 17): AE correction and follow-up, the
investigator's signed review, the death report, medication correction, the deviation log
with a coordinator's decision and the investigator's signed review.

Per route: the happy path through the same service as the page (database effect and the
history reason), bad input (a 400 naming the field, nothing written), the page's roles
(403) and another site's coordinator or investigator (404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dressdb import signing
from enrollment.models import Participant
from safety import services
from safety.models import AdverseEvent, ConcomitantMedication, DeathReport, ProtocolDeviation
from safety.services import ConmedInput, DeviationInput
from tests.api_tokens import api_key
from tests.factories import TEST_PASSWORD
from tests.safety.helpers import ae_input, api_body, recent_participant

pytestmark = pytest.mark.django_db
APPROVED = "reviewed and approved"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def last_reason(obj: Any) -> str:
    return str(obj.history.order_by("-history_id").first().history_change_reason)


def today(p: Participant) -> dt.date:
    return timezone.localdate(timezone=p.site.tz)


@pytest.fixture
def participant(site_a, coordinator_a):
    return recent_participant(site_a, coordinator_a)


@pytest.fixture
def other(site_b, coordinator_b):
    return recent_participant(site_b, coordinator_b)


@pytest.fixture
def ae(participant, coordinator_a):
    return services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant)
    )


@pytest.fixture
def other_ae(other, coordinator_b):
    return services.ae_create(participant=other, user=coordinator_b, data=ae_input(other))


# --- AE correction / follow-up ----------------------------------------------------------


def test_ae_correction_and_follow_up(participant, ae, coordinator_a, investigator_a):
    url = f"/api/v1/participants/{participant.pk}/adverse-events/{ae.pk}"
    assert api(coordinator_a).get(url).json()["id"] == ae.pk
    services.ae_sign(
        adverse_event=ae, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
    )
    body = api_body(participant, grade=4, reason_for_change="Grade re-assessed")
    response = api(coordinator_a).put(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["grade"] == 4 and response.json()["version"] == 0
    ae.refresh_from_db()
    assert ae.grade == 4 and last_reason(ae) == "Grade re-assessed"
    assert signing.current_signature(ae) is None  # the change voided the review
    follow = api(coordinator_a).put(
        url, {**body, "follow_up": True, "reason_for_change": "Day 5 update"}, format="json"
    )
    assert follow.status_code == 200 and follow.json()["version"] == 1
    assert last_reason(AdverseEvent.objects.get(pk=ae.pk)) == "Follow-up report 1: Day 5 update"


def test_ae_correction_rejects_bad_fields(participant, ae, coordinator_a):
    url = f"/api/v1/participants/{participant.pk}/adverse-events/{ae.pk}"
    no_reason = api(coordinator_a).put(url, api_body(participant), format="json")
    assert no_reason.status_code == 400 and "reason_for_change" in no_reason.json()
    rule = api(coordinator_a).put(
        url, api_body(participant, grade=5, reason_for_change="x"), format="json"
    )
    assert rule.status_code == 400 and "outcome" in rule.json()
    not_object = api(coordinator_a).put(url, [1, 2], format="json")
    assert not_object.status_code == 400
    ae.refresh_from_db()
    assert ae.grade == 3 and ae.history.count() == 1


def test_ae_correction_roles_and_site(
    participant, ae, other, other_ae, coordinator_a, pharmacist_a, statistician
):
    body = api_body(participant, reason_for_change="x")
    url = f"/api/v1/participants/{participant.pk}/adverse-events/{ae.pk}"
    for user in (pharmacist_a, statistician):
        assert api(user).put(url, body, format="json").status_code == 403
    other_url = f"/api/v1/participants/{other.pk}/adverse-events/{other_ae.pk}"
    assert api(coordinator_a).put(other_url, body, format="json").status_code == 404
    assert api(coordinator_a).get(other_url).status_code == 404
    # another participant's event through one's own participant: 404 too
    crossed = f"/api/v1/participants/{participant.pk}/adverse-events/{other_ae.pk}"
    assert api(coordinator_a).put(crossed, body, format="json").status_code == 404
    other_ae.refresh_from_db()
    assert other_ae.history.count() == 1


# --- The investigator's signed review ----------------------------------------------------


def test_ae_sign(participant, ae, other, other_ae, coordinator_a, investigator_a, settings):
    url = f"/api/v1/participants/{participant.pk}/adverse-events/{ae.pk}/sign"
    wrong = api(investigator_a).post(
        url, {"meaning": APPROVED, "password": "not-it"}, format="json"
    )
    assert wrong.status_code == 400 and "password" in wrong.json()
    bad = api(investigator_a).post(url, {"meaning": "ok", "password": "x"}, format="json")
    assert bad.status_code == 400 and "meaning" in bad.json()
    assert api(coordinator_a).post(url, {}, format="json").status_code == 403
    other_url = f"/api/v1/participants/{other.pk}/adverse-events/{other_ae.pk}/sign"
    body = {"meaning": APPROVED, "password": TEST_PASSWORD}
    assert api(investigator_a).post(other_url, body, format="json").status_code == 404
    assert signing.current_signature(ae) is None
    response = api(investigator_a).post(url, body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["signature"]["meaning"] == APPROVED and data["adverse_event"]["reported_at"]
    assert signing.current_signature(ae) is not None
    again = api(investigator_a).post(url, body, format="json")
    assert again.status_code == 400 and "meaning" in again.json()


# --- The death report -----------------------------------------------------------------


def fatal(participant: Participant, user: Any) -> AdverseEvent:
    died = today(participant) - dt.timedelta(days=1)
    return services.ae_create(
        participant=participant,
        user=user,
        data=ae_input(
            participant,
            grade=5,
            outcome="fatal",
            criteria=frozenset({"death"}),
            ongoing=False,
            stop_date=died,
        ),
    )


def report_body(p: Participant, **over: Any) -> dict[str, Any]:
    return {
        "death_date": (today(p) - dt.timedelta(days=1)).isoformat(),
        "primary_cause": "Fulminant hepatitis",
        "related_cyclosporine": "possible",
        "related_corticosteroids": "not_related",
        "autopsy": "no",
        **over,
    }


def test_death_report(participant, other, coordinator_a, coordinator_b, investigator_a):
    event = fatal(participant, coordinator_a)
    url = f"/api/v1/participants/{participant.pk}/adverse-events/{event.pk}/death-report"
    assert api(coordinator_a).get(url).status_code == 404  # none yet
    future = (today(participant) + dt.timedelta(days=1)).isoformat()
    rule = api(coordinator_a).put(url, report_body(participant, death_date=future), format="json")
    assert rule.status_code == 400 and "death_date" in rule.json()
    choice = api(coordinator_a).put(url, report_body(participant, autopsy="maybe"), format="json")
    assert choice.status_code == 400 and "autopsy" in choice.json()
    assert not DeathReport.objects.exists()
    response = api(investigator_a).put(url, report_body(participant), format="json")
    assert response.status_code == 200, response.json()
    died = today(participant) - dt.timedelta(days=1)
    assert response.json()["participant_died_on"] == died.isoformat()
    assert response.json()["death_discrepancy"] == ""
    assert Participant.objects.get(pk=participant.pk).died_on == died
    correction = api(coordinator_a).put(
        url, report_body(participant, primary_cause="Sepsis"), format="json"
    )
    assert correction.status_code == 400 and "reason_for_change" in correction.json()
    corrected = api(coordinator_a).put(
        url,
        report_body(participant, primary_cause="Sepsis", reason_for_change="Autopsy result"),
        format="json",
    )
    assert corrected.status_code == 200 and corrected.json()["primary_cause"] == "Sepsis"
    assert last_reason(DeathReport.objects.get()) == "Autopsy result"
    assert api(coordinator_a).get(url).json()["primary_cause"] == "Sepsis"
    not_fatal = services.ae_create(
        participant=participant, user=coordinator_a, data=ae_input(participant)
    )
    refused = api(coordinator_a).put(
        f"/api/v1/participants/{participant.pk}/adverse-events/{not_fatal.pk}/death-report",
        report_body(participant),
        format="json",
    )
    assert refused.status_code == 400 and "death_date" in refused.json()


def test_death_report_roles_and_site(
    participant, other, coordinator_a, coordinator_b, pharmacist_a
):
    event = fatal(participant, coordinator_a)
    other_event = fatal(other, coordinator_b)
    url = f"/api/v1/participants/{participant.pk}/adverse-events/{event.pk}/death-report"
    assert api(pharmacist_a).put(url, report_body(participant), format="json").status_code == 403
    other_url = f"/api/v1/participants/{other.pk}/adverse-events/{other_event.pk}/death-report"
    assert api(coordinator_a).put(other_url, report_body(other), format="json").status_code == 404
    assert api(coordinator_a).get(other_url).status_code == 404
    assert not DeathReport.objects.exists()


# --- Concomitant medication correction --------------------------------------------------


def conmed(p: Participant, user: Any) -> ConcomitantMedication:
    return services.conmed_save(
        participant=p,
        user=user,
        data=ConmedInput(
            drug="Paracetamol",
            indication="Fever",
            route="po",
            start_date=today(p) - dt.timedelta(days=2),
            ongoing=True,
        ),
    )


def conmed_body(p: Participant, **over: Any) -> dict[str, Any]:
    return {
        "drug": "Clarithromycin",
        "indication": "Pneumonia",
        "route": "po",
        "start_date": (today(p) - dt.timedelta(days=2)).isoformat(),
        "ongoing": True,
        "reason_for_change": "Drug name corrected",
        **over,
    }


def test_conmed_correction(participant, other, coordinator_a, coordinator_b, pharmacist_a):
    row = conmed(participant, coordinator_a)
    url = f"/api/v1/participants/{participant.pk}/concomitant-medications/{row.pk}"
    no_reason = api(coordinator_a).put(
        url, conmed_body(participant, reason_for_change=""), format="json"
    )
    assert no_reason.status_code == 400 and "reason_for_change" in no_reason.json()
    rule = api(coordinator_a).put(
        url,
        conmed_body(participant, stop_date=(today(participant) - dt.timedelta(days=5)).isoformat()),
        format="json",
    )
    assert rule.status_code == 400 and "stop_date" in rule.json()
    assert api(pharmacist_a).put(url, conmed_body(participant), format="json").status_code == 403
    other_row = conmed(other, coordinator_b)
    other_url = f"/api/v1/participants/{other.pk}/concomitant-medications/{other_row.pk}"
    assert api(coordinator_a).put(other_url, conmed_body(other), format="json").status_code == 404
    row.refresh_from_db()
    assert row.drug == "Paracetamol"
    response = api(coordinator_a).put(url, conmed_body(participant), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["cyp3a4"] == "inhibitor"
    row.refresh_from_db()
    assert row.drug == "Clarithromycin" and last_reason(row) == "Drug name corrected"


# --- Protocol deviations ------------------------------------------------------------------


def deviation_body(p: Participant, **over: Any) -> dict[str, Any]:
    return {
        "kind": "consent",
        "occurred_on": (today(p) - dt.timedelta(days=1)).isoformat(),
        "description": "Consent form page 3 not initialled",
        "impact_safety": False,
        "irb_reportable": True,
        **over,
    }


def test_deviation_log(participant, other, coordinator_a, coordinator_b, pharmacist_a):
    url = f"/api/v1/participants/{participant.pk}/deviations"
    bad = api(coordinator_a).post(url, deviation_body(participant, kind="late"), format="json")
    assert bad.status_code == 400 and "kind" in bad.json()
    future = (today(participant) + dt.timedelta(days=2)).isoformat()
    rule = api(coordinator_a).post(
        url, deviation_body(participant, occurred_on=future), format="json"
    )
    assert rule.status_code == 400 and "occurred_on" in rule.json()
    blank = api(coordinator_a).post(
        url, deviation_body(participant, description=" "), format="json"
    )
    assert blank.status_code == 400 and "description" in blank.json()
    assert (
        api(pharmacist_a).post(url, deviation_body(participant), format="json").status_code == 403
    )
    assert api(pharmacist_a).get(url).status_code == 403
    other_url = f"/api/v1/participants/{other.pk}/deviations"
    assert (
        api(coordinator_a).post(other_url, deviation_body(other), format="json").status_code == 404
    )
    assert api(coordinator_a).get(other_url).status_code == 404
    assert not ProtocolDeviation.objects.exists()
    response = api(coordinator_a).post(url, deviation_body(participant), format="json")
    assert response.status_code == 201, response.json()
    row = ProtocolDeviation.objects.get()
    assert response.json()["status"] == "open" and response.json()["signature"] is None
    assert (row.kind, row.irb_reportable, row.created_by) == ("consent", True, coordinator_a)
    listed = api(coordinator_a).get(url).json()
    assert [d["id"] for d in listed] == [row.pk]
    # correction (PUT): a reason, the same rules
    item = f"{url}/{row.pk}"
    no_reason = api(coordinator_a).put(item, deviation_body(participant), format="json")
    assert no_reason.status_code == 400 and "reason_for_change" in no_reason.json()
    fixed = api(coordinator_a).put(
        item,
        deviation_body(participant, corrective_action="Re-consented", reason_for_change="CAPA"),
        format="json",
    )
    assert fixed.status_code == 200 and fixed.json()["corrective_action"] == "Re-consented"
    assert last_reason(ProtocolDeviation.objects.get()) == "CAPA"
    other_row = services.deviation_save(
        participant=other,
        user=coordinator_b,
        data=DeviationInput(kind="other", occurred_on=today(other), description="B's"),
    )
    body = deviation_body(other, reason_for_change="x")
    other_item = f"{other_url}/{other_row.pk}"
    assert api(coordinator_a).put(other_item, body, format="json").status_code == 404


def proposal(p: Participant) -> ProtocolDeviation:
    from safety.deviations import Kind, Proposal

    services.deviations_propose(
        participant=p,
        proposals=[Proposal(Kind.DECISION_LATE, "assessment:1", today(p), "Signed a day late.")],
    )
    return ProtocolDeviation.objects.get(participant=p, proposed=True)


def test_decide_and_sign(participant, other, coordinator_a, coordinator_b, investigator_a):
    row = proposal(participant)
    base = f"/api/v1/participants/{participant.pk}/deviations/{row.pk}"
    bad = api(coordinator_a).post(
        f"{base}/decide", {"decision": "maybe", "reason_for_change": "x"}, format="json"
    )
    assert bad.status_code == 400 and "decision" in bad.json()
    no_reason = api(coordinator_a).post(f"{base}/decide", {"decision": "confirm"}, format="json")
    assert no_reason.status_code == 400 and "reason_for_change" in no_reason.json()
    body = {"decision": "confirm", "reason_for_change": "Checked against the decision log"}
    assert api(investigator_a).post(f"{base}/decide", body, format="json").status_code == 403
    other_row = proposal(other)
    other_base = f"/api/v1/participants/{other.pk}/deviations/{other_row.pk}"
    assert api(coordinator_a).post(f"{other_base}/decide", body, format="json").status_code == 404
    # signing a proposal (not confirmed) is refused by the service, named
    sign = {"meaning": APPROVED, "password": TEST_PASSWORD}
    early = api(investigator_a).post(f"{base}/sign", sign, format="json")
    assert early.status_code == 400 and "meaning" in early.json()
    decided = api(coordinator_a).post(f"{base}/decide", body, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "open"
    assert ProtocolDeviation.objects.get(pk=row.pk).status_reason == body["reason_for_change"]
    again = api(coordinator_a).post(f"{base}/decide", body, format="json")
    assert again.status_code == 400 and "confirm" in again.json()
    assert api(coordinator_a).post(f"{base}/sign", sign, format="json").status_code == 403
    assert api(investigator_a).post(f"{other_base}/sign", sign, format="json").status_code == 404
    wrong = api(investigator_a).post(
        f"{base}/sign", {"meaning": APPROVED, "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400 and "password" in wrong.json()
    signed = api(investigator_a).post(f"{base}/sign", sign, format="json")
    assert signed.status_code == 200, signed.json()
    assert signed.json()["deviation"]["status"] == "reviewed"
    assert signed.json()["deviation"]["signature"]["meaning"] == APPROVED
    assert signed.json()["signature"]["printed_name"]
    dismissed = api(coordinator_b).post(
        f"{other_base}/decide",
        {"decision": "dismiss", "reason_for_change": "Not late"},
        format="json",
    )
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
