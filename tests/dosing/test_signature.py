"""Dosing decisions are signed through dressdb.signing (issue 14, defect 3).

The reproduction: 30 wrong passwords on POST /api/v1/participants/{id}/assessments gave
30 x 400, nothing in the security log, and log-in still worked; a right password was
recognisable from a different error when another field was wrong.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from dosing.models import Assessment
from dressdb.models import SecurityEvent, Signature
from tests.api_tokens import api_key
from tests.conftest import pass_second_factor
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def session_api(user) -> APIClient:
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, user)
    return client


def url(participant) -> str:
    return f"/api/v1/participants/{participant.pk}/assessments"


def decision(password: str, **extra: str) -> dict[str, str]:
    return {"improvement": "gt25", "labs_trend": "down", "password": password, **extra}


def test_thirty_wrong_passwords_lock_the_account_and_end_the_session(
    site_a, coordinator_a, investigator_a
):
    participant, _ = started(site_a, coordinator_a)
    client = session_api(investigator_a)
    statuses = []
    for _ in range(30):
        response = client.post(url(participant), decision("guess"), format="json")
        statuses.append(response.status_code)
        if response.status_code == 400:
            assert response.json() == {"password": ["Wrong password: nothing was signed."]}
        if response.status_code == 429:
            assert "Account locked" in response.json()["detail"]
    assert statuses[:4] == [400] * 4
    assert statuses[4] == 429  # the fifth failure locks the account and ends the session
    assert set(statuses[5:]) <= {401, 403}  # no session any more
    assert SecurityEvent.objects.filter(kind="signature_failed", user=investigator_a).count() == 5
    assert SecurityEvent.objects.filter(kind="logout", user=investigator_a).count() == 1
    assert SecurityEvent.objects.filter(kind="locked_out", username="inv_a").exists()
    # Log-in is refused now, even with the right password.
    login = Client().post("/accounts/login/", {"username": "inv_a", "password": TEST_PASSWORD})
    assert login.status_code == 429 and "Account locked" in login.content.decode()
    assert not Assessment.objects.exists() and not Signature.objects.exists()


def test_with_a_token_every_attempt_is_logged_and_refused_once_locked(
    site_a, coordinator_a, investigator_a
):
    """A token has no session to end: after the limit every attempt, the right
    password included, is refused (429) and logged."""
    participant, _ = started(site_a, coordinator_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(investigator_a)}")
    statuses = [
        client.post(url(participant), decision("guess"), format="json").status_code
        for _ in range(29)
    ]
    right = client.post(url(participant), decision(TEST_PASSWORD), format="json")
    assert statuses[:4] == [400] * 4 and set(statuses[4:]) == {429}
    assert right.status_code == 429
    assert SecurityEvent.objects.filter(kind="signature_failed", user=investigator_a).count() == 30
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [{"improvement": "bogus"}, {"labs_trend": "sideways"}],
    ids=["improvement", "labs_trend"],
)
def test_another_invalid_field_answers_alone_whatever_the_password(
    site_a, coordinator_a, investigator_a, bad
):
    participant, _ = started(site_a, coordinator_a)
    client = session_api(investigator_a)
    wrong = client.post(url(participant), decision("guess", **bad), format="json")
    right = client.post(url(participant), decision(TEST_PASSWORD, **bad), format="json")
    assert wrong.status_code == right.status_code == 400
    assert wrong.json() == right.json()
    assert set(wrong.json()) == set(bad)
    assert not SecurityEvent.objects.filter(kind="signature_failed").exists()


def test_no_decision_due_answers_the_same_whatever_the_password(
    site_a, coordinator_a, investigator_a
):
    participant, _ = started(site_a, coordinator_a, days_ago=2)  # day 7 not reached
    client = session_api(investigator_a)
    wrong = client.post(url(participant), decision("guess"), format="json")
    right = client.post(url(participant), decision(TEST_PASSWORD), format="json")
    assert wrong.json() == right.json() and "password" not in wrong.json()
    assert "improvement" in wrong.json()


def test_the_form_shows_a_lab_error_without_a_password_hint(
    login, site_a, coordinator_a, investigator_a
):
    participant, _ = started(site_a, coordinator_a)
    client = login(investigator_a)
    # 12.34 passes the form (3 decimals) but not the stored field (ALT: 1 decimal).
    for password in ("guess", TEST_PASSWORD):
        page = client.post(
            f"/dosing/participants/{participant.pk}/assess/",
            {"improvement": "gt25", "labs_trend": "down", "alt": "12.34", "password": password},
        ).content.decode()
        assert "decimal place" in page and "Wrong password" not in page
    assert not SecurityEvent.objects.filter(kind="signature_failed").exists()
    assert not Assessment.objects.exists()


def test_a_signed_decision_keeps_the_api_contract_and_has_a_part_11_signature(
    site_a, coordinator_a, investigator_a
):
    participant, _ = started(site_a, coordinator_a)
    response = session_api(investigator_a).post(
        url(participant), decision(TEST_PASSWORD), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"number", "study_day", "result", "signed_at", "signed_by"}
    assessment = Assessment.objects.get()
    signature = Signature.objects.get()
    assert (signature.content_type.model, signature.object_id) == ("assessment", assessment.pk)
    assert signature.meaning == "dosing decision authorised"
    assert signature.printed_name == body["signed_by"] == investigator_a.get_full_name()
    assert ["Improvement", "> 25% improvement in every involved organ"] in signature.summary
    assert signature.record_history_id == assessment.history.first().history_id


def test_the_assessment_page_uses_the_signing_template(
    login, site_a, coordinator_a, investigator_a
):
    participant, _ = started(site_a, coordinator_a)
    page = login(investigator_a).get(f"/dosing/participants/{participant.pk}/assess/")
    assert "signing/_sign.html" in [t.name for t in page.templates]
    text = page.content.decode()
    assert "dosing decision authorised" in text and investigator_a.get_full_name() in text
    assert 'name="password"' in text and "UTC" in text
