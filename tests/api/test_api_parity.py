"""API parity (DESIGN.md): each form a site user fills has its JSON API route in the
OpenAPI schema, calling the same service as the page, with the same role gate (403), site
scope (404) and reason for change, and a 400 naming the field on bad input.

One test per route: the happy path (the database effect and the history reason), a bad
field (400 naming it, nothing written), a wrong role (403) and another site (404). Then a
walk over the URL conf: every view that shows or takes a form maps to an API operation
of the schema, or is listed as exempt with its reason.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from dosing import services as dosing_services
from dosing.protocol_contract import preview
from enrollment.models import Participant, Screening
from outcomes import services as outcomes_services
from outcomes.models import HospitalCourse, Visit
from tests.api_tokens import api_key
from tests.dosing.helpers import started
from tests.enrollment.factories import screen
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def last_reason(obj: Any) -> str:
    return str(obj.history.order_by("-history_id").first().history_change_reason)


def site_today(site: Any) -> dt.date:
    return timezone.localdate(timezone=site.tz)


def enrolled_days_ago(participant: Participant, days: int) -> None:
    participant.enrolled_at = timezone.now() - dt.timedelta(days=days)
    participant.save()


# --- enrollment ----------------------------------------------------------------------


def enrol_body(site: Any, **changes: Any) -> dict[str, Any]:
    local = timezone.localtime(timezone=site.tz) - dt.timedelta(hours=1)
    body = {
        "consent_at": local.strftime("%Y-%m-%dT%H:%M"),
        "consent_form_version": "v1.0",
        "consent_obtained_by": "Dr Lee",
        "npo": True,
    }
    return {**body, **changes}


def test_enrol(site_a, site_b, coordinator_a, coordinator_b, investigator_a):
    screening = screen(site_a, coordinator_a)
    body = enrol_body(site_a)
    response = api(coordinator_a).post(
        f"/api/v1/screenings/{screening.pk}/enrol", body, format="json"
    )
    assert response.status_code == 201, response.content
    participant = Participant.objects.get(screening=screening)
    assert response.json()["study_id"] == participant.study_id == "SITEA-001"
    # A wall-clock time without an offset is the site's local time, as on the form.
    wall = dt.datetime.strptime(body["consent_at"], "%Y-%m-%dT%H:%M").replace(tzinfo=site_a.tz)
    assert participant.consent_at == wall
    assert (participant.npo, participant.created_by) == (True, coordinator_a)
    assert last_reason(participant) == "Enrolled after consent"
    screening.refresh_from_db()
    assert screening.outcome == Screening.Outcome.ENROLLED
    assert last_reason(screening) == "Enrolled as SITEA-001"


def test_enrol_rejects_bad_fields(site_a, coordinator_a):
    screening = screen(site_a, coordinator_a)
    url = f"/api/v1/screenings/{screening.pk}/enrol"
    bad_type = api(coordinator_a).post(url, enrol_body(site_a, consent_at="soon"), format="json")
    assert bad_type.status_code == 400 and "consent_at" in bad_type.json()
    future = (timezone.localtime(timezone=site_a.tz) + dt.timedelta(days=2)).isoformat()
    rule = api(coordinator_a).post(url, enrol_body(site_a, consent_at=future), format="json")
    assert rule.status_code == 400
    assert rule.json() == {"consent_at": ["Consent cannot be in the future."]}
    missing = api(coordinator_a).post(url, {}, format="json")
    assert missing.status_code == 400
    assert {"consent_at", "consent_form_version", "consent_obtained_by"} <= set(missing.json())
    assert not Participant.objects.exists()


def test_enrol_role_and_site(site_a, site_b, coordinator_a, coordinator_b, investigator_a):
    own, other = screen(site_a, coordinator_a), screen(site_b, coordinator_b)
    body = enrol_body(site_a)
    url = "/api/v1/screenings/{}/enrol"
    assert api(investigator_a).post(url.format(own.pk), body, format="json").status_code == 403
    assert api(coordinator_a).post(url.format(other.pk), body, format="json").status_code == 404
    assert not Participant.objects.exists()


def test_not_consented(site_a, site_b, coordinator_a, coordinator_b, investigator_a):
    screening = screen(site_a, coordinator_a)
    url = f"/api/v1/screenings/{screening.pk}/not-consented"
    bad = api(coordinator_a).post(url, {"reason": ""}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()
    too_long = api(coordinator_a).post(url, {"reason": "x" * 501}, format="json")
    assert too_long.status_code == 400 and "reason" in too_long.json()
    screening.refresh_from_db()
    assert screening.outcome == Screening.Outcome.ELIGIBLE_PENDING

    assert api(investigator_a).post(url, {"reason": "Declined"}, format="json").status_code == 403
    other = screen(site_b, coordinator_b)
    assert (
        api(coordinator_a)
        .post(f"/api/v1/screenings/{other.pk}/not-consented", {"reason": "x"}, format="json")
        .status_code
        == 404
    )

    response = api(coordinator_a).post(url, {"reason": "Declined consent"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "eligible_not_consented"
    screening.refresh_from_db()
    assert screening.outcome == Screening.Outcome.NOT_CONSENTED
    assert screening.not_consented_reason == "Declined consent"
    assert last_reason(screening) == "Declined consent"
    # The service's rule, through the API: only a pending screening can be marked.
    again = api(coordinator_a).post(url, {"reason": "Again"}, format="json")
    assert again.status_code == 400 and "outcome" in again.json()


def test_renal_impairment(site_a, coordinator_a, investigator_a, participant_a, participant_b):
    url = f"/api/v1/participants/{participant_a.pk}/renal-impairment"
    body = {"renal_impairment": "yes", "reason_for_change": "Creatinine repeated: 2.1 mg/dL"}
    response = api(investigator_a).put(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["renal_impairment"] is True
    participant_a.refresh_from_db()
    assert participant_a.renal_impairment_override is True
    assert last_reason(participant_a) == "Creatinine repeated: 2.1 mg/dL"


def test_renal_impairment_rejects_bad_fields(investigator_a, participant_a):
    url = f"/api/v1/participants/{participant_a.pk}/renal-impairment"
    choice = api(investigator_a).put(
        url, {"renal_impairment": "maybe", "reason_for_change": "x"}, format="json"
    )
    assert choice.status_code == 400 and "renal_impairment" in choice.json()
    no_reason = api(investigator_a).put(
        url, {"renal_impairment": "yes", "reason_for_change": " "}, format="json"
    )
    assert no_reason.status_code == 400 and "reason_for_change" in no_reason.json()
    participant_a.refresh_from_db()
    assert participant_a.renal_impairment_override is None


def test_renal_impairment_role_and_site(
    coordinator_a, investigator_a, participant_a, participant_b
):
    body = {"renal_impairment": "no", "reason_for_change": "Reviewed"}
    url = "/api/v1/participants/{}/renal-impairment"
    assert api(coordinator_a).put(url.format(participant_a.pk), body).status_code == 403
    assert (
        api(investigator_a).put(url.format(participant_b.pk), body, format="json").status_code
        == 404
    )


# --- dosing course changes -------------------------------------------------------------


def test_relapse(site_a, site_b, coordinator_a, coordinator_b, investigator_a, pharmacist_a):
    participant, regimen = started(site_a, coordinator_a, days_ago=30)
    dosing_services.assessment_sign(
        participant=participant,
        user=investigator_a,
        password=TEST_PASSWORD,
        improvement="complete",
        labs_trend="down",
    )
    url = f"/api/v1/participants/{participant.pk}/relapse"
    relapse_on = regimen.day1 + dt.timedelta(days=14)  # study day 15
    body = {"relapse_on": relapse_on.isoformat(), "reason_for_change": "Rash and ALT back up"}

    bad = api(investigator_a).post(url, {**body, "relapse_on": "15"}, format="json")
    assert bad.status_code == 400 and "relapse_on" in bad.json()
    future = (site_today(site_a) + dt.timedelta(days=1)).isoformat()
    rule = api(investigator_a).post(url, {**body, "relapse_on": future}, format="json")
    assert rule.status_code == 400 and "relapse_on" in rule.json()
    assert api(pharmacist_a).post(url, body, format="json").status_code == 403
    assert api(coordinator_b).post(url, body, format="json").status_code == 404
    regimen.refresh_from_db()
    assert (regimen.state, regimen.relapse_day) == ("monitoring", None)

    response = api(investigator_a).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["regimen"]["current_block"] == "CSA_RETREATMENT"
    regimen.refresh_from_db()
    assert (regimen.state, regimen.current_block, regimen.relapse_day) == (
        "awaiting_decision",
        "CSA_RETREATMENT",
        15,
    )
    assert last_reason(regimen) == "Relapse on day 15: Rash and ALT back up"


def test_relapse_before_randomization_is_a_400(coordinator_a, participant_a):
    response = api(coordinator_a).post(
        f"/api/v1/participants/{participant_a.pk}/relapse",
        {"relapse_on": "2026-01-10", "reason_for_change": "x"},
        format="json",
    )
    assert response.status_code == 400 and "relapse_on" in response.json()


def test_npo(site_a, site_b, coordinator_a, coordinator_b, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    url = f"/api/v1/participants/{participant.pk}/npo"
    no_reason = api(coordinator_a).put(url, {"npo": True, "reason_for_change": ""}, format="json")
    assert no_reason.status_code == 400 and "reason_for_change" in no_reason.json()
    bad = api(coordinator_a).put(url, {"npo": "sometimes", "reason_for_change": "x"}, format="json")
    assert bad.status_code == 400 and "npo" in bad.json()
    body = {"npo": True, "reason_for_change": "Intubated"}
    assert api(pharmacist_a).put(url, body, format="json").status_code == 403
    assert api(coordinator_b).put(url, body, format="json").status_code == 404
    participant.refresh_from_db()
    assert participant.npo is False

    response = api(coordinator_a).put(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["participant"]["npo"] is True
    participant.refresh_from_db()
    assert participant.npo is True
    assert last_reason(participant) == "Intubated"
    future = participant.orders.filter(date__gt=site_today(site_a))
    assert future.exists() and {o.route for o in future if o.drug == "cyclosporine"} == {"IV"}


def test_weight(site_a, site_b, coordinator_a, coordinator_b, investigator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    url = f"/api/v1/participants/{participant.pk}/weight"
    for weight in (20, "80.25", "heavy"):
        bad = api(investigator_a).put(
            url, {"weight_kg": weight, "reason_for_change": "Re-weighed"}, format="json"
        )
        assert bad.status_code == 400 and "weight_kg" in bad.json(), weight
    body = {"weight_kg": 80.5, "reason_for_change": "Re-weighed on admission scale"}
    assert api(pharmacist_a).put(url, body, format="json").status_code == 403
    assert api(coordinator_b).put(url, body, format="json").status_code == 404
    participant.refresh_from_db()
    assert participant.weight_kg == Decimal("70.0")

    response = api(investigator_a).put(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["participant"]["weight_kg"] == 80.5
    participant.refresh_from_db()
    assert participant.weight_kg == Decimal("80.5")
    assert last_reason(participant) == "Re-weighed on admission scale"


PREVIEW: dict[str, Any] = {
    "arm": "cyclosporine",
    "weight_kg": 70,
    "renal_impairment": False,
    "npo": False,
    "start_date": "2026-01-05",
    "decisions": [{"improvement": "gt25", "labs_trend": "down"}],
    "relapse_day": None,
}


def test_protocol_preview(coordinator_a, investigator_a, pharmacist_a):
    url = "/api/v1/protocol-preview"
    response = api(pharmacist_a).post(url, PREVIEW, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == preview(PREVIEW)  # the command's own code
    assert len(response.json()["orders"]) == 41
    bad = api(investigator_a).post(url, {**PREVIEW, "arm": "placebo"}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["arm"]
    extra = api(investigator_a).post(
        url, {**PREVIEW, "decisions": PREVIEW["decisions"] * 3}, format="json"
    )
    assert extra.status_code == 400 and "decisions[1]" in extra.json()
    assert api(coordinator_a).post(url, PREVIEW, format="json").status_code == 403
    # No participant, so no site scope: a hypothetical patient.


# --- outcomes ------------------------------------------------------------------------------


def test_hospital_course(
    site_a, site_b, coordinator_a, coordinator_b, investigator_a, pharmacist_a
):
    participant, _ = started(site_a, coordinator_a, days_ago=10)
    enrolled_days_ago(participant, 12)
    today = site_today(site_a)
    url = f"/api/v1/participants/{participant.pk}/hospital-course"
    body = {
        "admission_date": (today - dt.timedelta(days=11)).isoformat(),
        "discharge_date": (today - dt.timedelta(days=2)).isoformat(),
    }
    before = api(coordinator_a).put(
        url, {**body, "discharge_date": (today - dt.timedelta(days=20)).isoformat()}, format="json"
    )
    assert before.status_code == 400 and list(before.json()) == ["discharge_date"]
    bad = api(coordinator_a).put(url, {**body, "readmitted_within_30_days": "y"}, format="json")
    assert bad.status_code == 400 and "readmitted_within_30_days" in bad.json()
    assert api(pharmacist_a).put(url, body, format="json").status_code == 403
    assert api(coordinator_b).put(url, body, format="json").status_code == 404
    assert not HospitalCourse.objects.exists()

    first = api(coordinator_a).put(url, body, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["days_of_hospitalization"] == 9
    course = HospitalCourse.objects.get(participant=participant)
    assert last_reason(course) == "Initial entry"

    correction = {**body, "discharge_date": (today - dt.timedelta(days=1)).isoformat()}
    no_reason = api(investigator_a).put(url, correction, format="json")
    assert no_reason.status_code == 400 and "reason_for_change" in no_reason.json()
    fixed = api(investigator_a).put(
        url, {**correction, "reason_for_change": "Discharge letter"}, format="json"
    )
    assert fixed.status_code == 200, fixed.content
    course.refresh_from_db()
    assert course.discharge_date == today - dt.timedelta(days=1)
    assert last_reason(course) == "Discharge letter"


DAY7 = {
    "organ_resolution": "no",
    "erythema_resolution": "yes",
    "fever": "no",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "lymphadenopathy": "no",
    "eosinophil_count": "0.8",
    "vital_status": "alive",
}


def signed_day7(participant: Participant, coordinator: Any, investigator: Any) -> Visit:
    visit = Visit.objects.get(participant=participant, name="day7")
    outcomes_services.visit_record(
        visit=visit, user=coordinator, completed_on=visit.target_date, endpoints=DAY7
    )
    outcomes_services.visit_sign_off(
        visit=visit, user=investigator, password=TEST_PASSWORD, meaning="reviewed and approved"
    )
    visit.refresh_from_db()
    assert visit.locked
    return visit


def test_visit_unlock(site_a, site_b, coordinator_a, coordinator_b, investigator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    enrolled_days_ago(participant, 8)
    visit = signed_day7(participant, coordinator_a, investigator_a)
    other, _ = started(site_b, coordinator_b, days_ago=7)
    url = f"/api/v1/participants/{participant.pk}/visits/day7/unlock"

    no_reason = api(investigator_a).post(url, {"reason_for_change": ""}, format="json")
    assert no_reason.status_code == 400 and "reason_for_change" in no_reason.json()
    body = {"reason_for_change": "Lab value corrected"}
    assert api(coordinator_a).post(url, body, format="json").status_code == 403
    other_url = f"/api/v1/participants/{other.pk}/visits/day7/unlock"
    assert api(investigator_a).post(other_url, body, format="json").status_code == 404
    visit.refresh_from_db()
    assert visit.locked

    response = api(investigator_a).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["locked"] is False
    visit.refresh_from_db()
    assert visit.locked is False
    assert last_reason(visit) == "Unlocked: Lab value corrected"
    # The service's rule: a visit that is not locked cannot be unlocked.
    again = api(investigator_a).post(url, body, format="json")
    assert again.status_code == 400 and "reason_for_change" in again.json()


# --- withdrawal (randomization floor: it composes enrollment, dosing and outcomes) -------


def test_withdraw(site_a, site_b, coordinator_a, coordinator_b, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=10)
    enrolled_days_ago(participant, 11)
    url = f"/api/v1/participants/{participant.pk}/withdraw"
    today = site_today(site_a).isoformat()
    body = {"kind": "follow_up", "withdrawn_on": today, "reason": "Moved abroad"}

    bad = api(coordinator_a).post(url, {**body, "kind": "everything"}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["kind"]
    future = (site_today(site_a) + dt.timedelta(days=3)).isoformat()
    rule = api(coordinator_a).post(url, {**body, "withdrawn_on": future}, format="json")
    assert rule.status_code == 400 and "withdrawn_on" in rule.json()
    assert api(pharmacist_a).post(url, body, format="json").status_code == 403
    other, _ = started(site_b, coordinator_b, days_ago=10)
    other_url = f"/api/v1/participants/{other.pk}/withdraw"
    assert api(coordinator_a).post(other_url, body, format="json").status_code == 404
    participant.refresh_from_db()
    assert participant.withdrawn_on is None

    response = api(coordinator_a).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["withdrawal_kind"] == "follow_up"
    participant.refresh_from_db()
    assert (participant.status, participant.withdrawal_kind) == ("withdrawn", "follow_up")
    assert participant.withdrawal_reason == "Moved abroad"
    assert "Moved abroad" in last_reason(participant)
    assert Participant.history.filter(
        id=participant.pk, history_change_reason__startswith="Withdrawal ("
    ).exists()


# --- CSV endpoints answer errors in JSON ------------------------------------------------


def test_export_errors_are_json(coordinator_a, statistician):
    refused = api(coordinator_a).get("/api/v1/exports/participants.csv")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/json"
    assert refused.json() == {"detail": "Only statisticians and admins export data."}
    assert b"ErrorDetail" not in refused.content
    bad = api(statistician).get("/api/v1/exports/orders.csv?start=tomorrow")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"
    assert bad.json() == {"start": ["must be an ISO date (YYYY-MM-DD)"]}
    missing = api(statistician).get("/api/v1/exports/nothing.csv", HTTP_ACCEPT="text/csv")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert APIClient().get("/api/v1/exports/orders.csv").json()["detail"]
    ok = api(statistician).get("/api/v1/exports/orders.csv")
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/csv")


# --- every form view has its API operation ----------------------------------------------

Op = tuple[str, str]  # (method, OpenAPI path)

# Form view (URL name) -> the API operation that does the same through the same service,
# or the reason it has none.
FORM_API: dict[str, Op | str] = {
    # enrollment
    "screening_new": ("POST", "/api/v1/screenings/"),
    "screening_detail": ("POST", "/api/v1/screenings/{id}/not-consented"),  # form shown here
    "screening_not_consented": ("POST", "/api/v1/screenings/{id}/not-consented"),
    "screening_enrol": ("POST", "/api/v1/screenings/{id}/enrol"),
    "participant_renal_impairment": ("PUT", "/api/v1/participants/{id}/renal-impairment"),
    "participant_withdraw": ("POST", "/api/v1/participants/{id}/withdraw"),
    "consent_versions": ("POST", "/api/v1/consent-versions"),  # issue 18
    "participant_consents": ("POST", "/api/v1/participants/{id}/consents"),
    # randomization
    "randomize": ("POST", "/api/v1/participants/{id}/randomize"),
    # dosing
    "assessment_new": ("POST", "/api/v1/participants/{id}/assessments"),
    "relapse_new": ("POST", "/api/v1/participants/{id}/relapse"),
    "npo_change": ("PUT", "/api/v1/participants/{id}/npo"),
    "weight_change": ("PUT", "/api/v1/participants/{id}/weight"),
    "order_sheet": ("GET", "/api/v1/participants/{id}/orders"),  # a date range over orders
    "protocol_preview": ("POST", "/api/v1/protocol-preview"),
    "administrations_day": ("POST", "/api/v1/participants/{id}/administrations"),
    "order_verify": ("POST", "/api/v1/participants/{id}/verify"),
    # outcomes
    "visit_edit": ("PUT", "/api/v1/participants/{id}/visits/{visit}/endpoints"),
    "visit_missed": ("PUT", "/api/v1/participants/{id}/visits/{visit}/missed"),
    "visit_sign_off": ("POST", "/api/v1/participants/{id}/visits/{visit}/sign-off"),
    "visit_unlock": ("POST", "/api/v1/participants/{id}/visits/{visit}/unlock"),
    "hospital_course": ("PUT", "/api/v1/participants/{id}/hospital-course"),
    # reports
    "export_home": ("GET", "/api/v1/exports/{dataset}.csv"),  # the options form
    "export_download": ("GET", "/api/v1/exports/{dataset}.csv"),
    "export_odm": ("GET", "/api/v1/exports/odm.xml"),  # issue 20
    # data management (issue 18)
    "datamanagement:participant_queries": ("POST", "/api/v1/participants/{id}/queries"),
    "datamanagement:query_new": ("POST", "/api/v1/participants/{id}/queries"),
    "datamanagement:query_action": ("POST", "/api/v1/queries/{query_pk}/answer"),  # and /close
    "datamanagement:checks_now": "runs the automatic edit checks of one participant now; the "
    "beat runs them every 10 minutes and nightly, and the run_edit_checks command on demand",
    "datamanagement:sdv_verify": ("POST", "/api/v1/participants/{id}/sdv"),
    "datamanagement:casebook_sign": ("POST", "/api/v1/participants/{id}/casebook/sign"),
    "datamanagement:participant_freeze": ("POST", "/api/v1/participants/{id}/freeze"),
    # and /api/v1/database-lock (the page's other button)
    "datamanagement:freezes": ("POST", "/api/v1/study/freeze"),
    # and /api/v1/participants/{id}/unfreeze, /api/v1/study/unfreeze,
    # /api/v1/database-lock/unlock-approve (the page's other steps)
    "datamanagement:freeze_release": ("POST", "/api/v1/database-lock/unlock-request"),
    "datamanagement:ageing": "the filter form of the read-only query ageing list",
    # safety (issue 17)
    "safety:ae_new": ("POST", "/api/v1/participants/{id}/adverse-events"),
    "safety:ae_edit": ("PUT", "/api/v1/participants/{id}/adverse-events/{ae_pk}"),
    "safety:ae_sign": ("POST", "/api/v1/participants/{id}/adverse-events/{ae_pk}/sign"),
    "safety:death_report": (
        "PUT",
        "/api/v1/participants/{id}/adverse-events/{ae_pk}/death-report",
    ),
    "safety:conmed_new": ("POST", "/api/v1/participants/{id}/concomitant-medications"),
    "safety:conmed_edit": (
        "PUT",
        "/api/v1/participants/{id}/concomitant-medications/{conmed_pk}",
    ),
    "safety:deviation_new": ("POST", "/api/v1/participants/{id}/deviations"),
    "safety:deviation_edit": ("PUT", "/api/v1/participants/{id}/deviations/{dev_pk}"),
    "safety:deviation_decide": ("POST", "/api/v1/participants/{id}/deviations/{dev_pk}/decide"),
    "safety:deviation_sign": ("POST", "/api/v1/participants/{id}/deviations/{dev_pk}/sign"),
    # the log page shows the confirm/dismiss form (tests/safety/test_api_routes.py)
    "safety:deviation_list": ("POST", "/api/v1/participants/{id}/deviations/{dev_pk}/decide"),
    # Exempt, with the reason.
    "screening_preview": "htmx live panel of the screening form: writes nothing; the "
    "screening route answers the same result, and eligibility_check is the offline check",
    "assessment_suggest": "htmx helper of the assessment form (suggested answers as labs are "
    "typed): writes nothing, and the decision itself is the assessments route",
    "allocation_lists": "allocation-list generation/upload: trial-wide statistician and admin "
    "work, not a site user's form; concealed lists stay off the token API",
    "allocation_list_detail": "shows the append form of an allocation list (see allocation_lists)",
    "allocation_list_append": "allocation-list append: statistician/admin, as allocation_lists",
    "export_pack_start": "the analysis pack (zip) is a background job for statisticians built "
    "from the datasets, which the exports route serves one by one",
    "todo_dismiss": "dismissing a reminder of one's own to-do list: a button, not clinical data",
    "login": "authentication itself: the API authenticates each request (token or session)",
    "logout": "ends a browser session; an API token is revoked on the token page",
    "two_factor_setup": "second factor of an interactive session; tokens are created behind it",
    "two_factor_verify": "second factor of an interactive session",
    "two_factor_backup_codes": "second factor of an interactive session",
    "language_set": "the language of one's own pages (a user preference): the API stays "
    "English, its messages are part of the contract",
    "password_change": "account security: a person changes their own password in a session",
    "api_tokens": "API tokens are made in a session that passed two-factor (a token does not "
    "mint tokens)",
    "api_token_revoke": "API tokens are revoked on the token page (in a session)",
    "lockout_unlock": "admin account-lockout release (security), not a site user's form",
    # Trial administration (issue 21): admin pages, not a site user's data entry. People,
    # roles and sites are administered in the app only; an API for them is not offered.
    "trialadmin:invite": "admin invites a user (trial administration, not a site user's form)",
    "trialadmin:accept": "the invited user's first password (single-use link, anonymous)",
    "trialadmin:deactivate": "admin deactivates a user (trial administration)",
    "trialadmin:role_grant": "admin grants a role at a site (trial administration)",
    "trialadmin:role_end": "admin ends a role (trial administration)",
    "trialadmin:site_new": "admin creates a site (trial administration)",
    "trialadmin:site_edit": "admin edits a site (trial administration)",
    "trialadmin:site_deactivate": "admin deactivates a site (trial administration)",
    "trialadmin:delegation_log": "site delegation log (GCP): recorded by an admin, page only",
    "trialadmin:delegation_sign": "investigator's Part 11 signature of a delegation, page only",
    "trialadmin:delegation_end": "admin ends a delegation (trial administration)",
    # Training records (issue 21): the page's new record is the API's POST (multipart).
    "trialadmin:training": ("POST", "/api/v1/people/{id}/training"),
    "trialadmin:training_edit": "admin corrects a training record with a reason (page only; "
    "the API records new courses, a correction is rare trial administration)",
}


def _posts(callback: Any) -> bool:
    """Wrapped by require_POST / require_http_methods(["POST"])."""
    func = callback
    while func is not None:
        for cell in getattr(func, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, list | tuple) and "POST" in value:
                return True
        func = getattr(func, "__wrapped__", None)
    return False


def _is_form_view(callback: Any) -> bool:
    """A page that shows or takes a form: a class-based view that accepts POST, or a
    function view that uses a Django form class or reads request.POST / request.FILES."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post") or hasattr(view_class, "form_class")
    if _posts(callback):
        return True
    return _reads_a_form(inspect.unwrap(callback), depth=1)


def _reads_a_form(func: Any, depth: int) -> bool:
    """The function reads request.POST/FILES or names a Django form class, itself or in a
    module function it calls (`depth` levels down: a view that hands the request to a
    helper such as `_save(request, ...)`)."""
    source = inspect.getsource(func)
    if "request.POST" in source or "request.FILES" in source:
        return True
    module_globals = func.__globals__
    for name in set(re.findall(r"\b(\w+)\b", source)):
        value = module_globals.get(name)
        if isinstance(value, type) and issubclass(value, forms.BaseForm):
            return True
    if depth > 0:
        for name in set(re.findall(r"\b(\w+)\(request\b", source)):  # helper(request, ...)
            value = module_globals.get(name)
            if (
                inspect.isfunction(value)
                and value is not func
                and value.__module__ == func.__module__
                and _reads_a_form(value, depth - 1)
            ):
                return True
    return False


def form_views() -> set[str]:
    """URL names of the form views ("namespace:name" inside a namespace; admin aside)."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace != "admin":
                    walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                if getattr(p.callback, "cls", None) is not None:
                    continue  # a DRF API view
                if _is_form_view(p.callback):
                    names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_form_view_has_an_api_operation():
    found = form_views()
    missing = found - set(FORM_API)
    assert not missing, f"form views without an API operation or exemption: {sorted(missing)}"
    stale = set(FORM_API) - found
    assert not stale, f"FORM_API entries that are not form views: {sorted(stale)}"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}
    for name, target in sorted(FORM_API.items()):
        if isinstance(target, str):
            assert len(target) > 20, f"{name}: give the exemption's reason"
            continue
        assert target in operations, f"{name}: {target} is not in the OpenAPI schema"
        method, path = target
        operation = schema["paths"][path][method.lower()]
        assert operation.get("summary"), f"{name}: {target} has no summary"
        if method in ("PUT", "POST") and name != "randomize":
            assert "requestBody" in operation, f"{name}: {target} documents no request body"


NEW_ROUTES: list[Op] = [
    ("POST", "/api/v1/screenings/{id}/enrol"),
    ("POST", "/api/v1/screenings/{id}/not-consented"),
    ("PUT", "/api/v1/participants/{id}/renal-impairment"),
    ("POST", "/api/v1/participants/{id}/withdraw"),
    ("POST", "/api/v1/participants/{id}/relapse"),
    ("PUT", "/api/v1/participants/{id}/npo"),
    ("PUT", "/api/v1/participants/{id}/weight"),
    ("POST", "/api/v1/protocol-preview"),
    ("PUT", "/api/v1/participants/{id}/hospital-course"),
    ("POST", "/api/v1/participants/{id}/visits/{visit}/unlock"),
]


@pytest.mark.parametrize(("method", "path"), NEW_ROUTES)
def test_new_routes_document_body_answers_and_errors(method, path):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][path][method.lower()]
    assert "$ref" in operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"200", "400", "403", "404"} <= set(operation["responses"]) or {
        "201",
        "400",
        "403",
        "404",
    } <= set(operation["responses"])


def test_relapse_before_randomization_is_a_field_error(participant_a, investigator_a):
    """The service's own rule answers (400 naming relapse_on), nothing is written."""
    url = f"/api/v1/participants/{participant_a.pk}/relapse"
    body = {"relapse_on": participant_a.enrolled_at.date().isoformat(), "reason_for_change": "x"}
    response = api(investigator_a).post(url, body, format="json")
    assert response.status_code == 400 and "relapse_on" in response.json()
