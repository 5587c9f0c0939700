"""Visit sign-off is a Part 11 signature (issue 14, defect 4).

The reproduction: POST .../sign-off/ with only the session locked the visit as signed.
Now the investigator sees the visit's data, chooses the meaning and re-enters the
password; the signature shows printed name, UTC time and meaning; unlocking voids it
with the reason and history keeps it.
"""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dressdb import signing
from dressdb.models import Role, SecurityEvent, Signature
from outcomes import services
from outcomes.models import Visit
from tests.conftest import pass_second_factor
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

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
APPROVED = "reviewed and approved"


@pytest.fixture
def visit(site_a, coordinator_a) -> Visit:
    participant, _ = started(site_a, coordinator_a, days_ago=7)
    participant.enrolled_at = timezone.now() - dt.timedelta(days=8)
    participant.save()
    day7 = Visit.objects.get(participant=participant, name="day7")
    return services.visit_record(
        visit=day7, user=coordinator_a, completed_on=day7.target_date, endpoints=DAY7
    )


def page_url(visit: Visit) -> str:
    return f"/visits/participants/{visit.participant_id}/{visit.pk}/sign-off/"


def api_url(visit: Visit) -> str:
    return f"/api/v1/participants/{visit.participant_id}/visits/{visit.name}/sign-off"


def test_the_page_shows_the_data_being_signed_the_meaning_and_asks_the_password(
    login, visit, investigator_a
):
    response = login(investigator_a).get(page_url(visit))
    assert response.status_code == 200
    assert "signing/_sign.html" in [t.name for t in response.templates]
    text = response.content.decode()
    assert visit.participant.study_id in text
    assert f"{visit.completed_on:%Y-%m-%d}" in text and "0.80" in text  # the visit's data
    assert "Eosinophil count" in text and "Vital status" in text
    assert investigator_a.get_full_name() in text  # printed name
    assert 'value="reviewed and approved"' in text and 'name="password"' in text


def test_sign_off_without_the_password_is_refused(login, visit, investigator_a):
    client = login(investigator_a)
    for data in ({}, {"meaning": APPROVED}, {"meaning": APPROVED, "password": ""}):
        response = client.post(page_url(visit), data)
        assert response.status_code == 200 and "This field is required" in response.content.decode()
    visit.refresh_from_db()
    assert not visit.locked and not Signature.objects.exists()


def test_a_wrong_password_without_a_meaning_answers_the_meaning_only(login, visit, investigator_a):
    response = login(investigator_a).post(page_url(visit), {"password": "guess"})
    text = response.content.decode()
    assert "This field is required" in text and "Wrong password" not in text
    assert not SecurityEvent.objects.filter(kind="signature_failed").exists()


def test_a_wrong_password_is_refused_logged_and_signs_nothing(login, visit, investigator_a):
    response = login(investigator_a).post(
        page_url(visit), {"meaning": APPROVED, "password": "guess"}
    )
    assert "Wrong password" in response.content.decode()
    visit.refresh_from_db()
    assert not visit.locked
    assert SecurityEvent.objects.filter(kind="signature_failed", user=investigator_a).count() == 1


def test_the_signature_shows_name_utc_time_and_meaning(login, visit, investigator_a):
    client = login(investigator_a)
    response = client.post(page_url(visit), {"meaning": APPROVED, "password": TEST_PASSWORD})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.locked and visit.signed_off_by == investigator_a
    signature = Signature.objects.get()
    assert (signature.content_type.model, signature.object_id) == ("visit", visit.pk)
    assert signature.meaning == APPROVED and signature.record_history_id is not None
    assert ["Eosinophil count (x10⁹/L)", "0.80"] in signature.summary
    panel = client.get(f"/participants/{visit.participant_id}/").content.decode()
    assert "signed off and locked" in panel
    shown = f"{timezone.localtime(signature.signed_at, dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
    assert investigator_a.get_full_name() in panel and shown in panel and APPROVED in panel
    # Signed once: a second sign-off is refused.
    with pytest.raises(Exception, match="Already signed off"):
        services.visit_sign_off(
            visit=visit, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
        )


def test_unlock_then_edit_after_sign_off_voids_the_signature_with_the_reason(
    login, visit, investigator_a, coordinator_a
):
    services.visit_sign_off(
        visit=visit, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
    )
    signature = Signature.objects.get()
    response = login(investigator_a).post(
        f"/visits/participants/{visit.participant_id}/{visit.pk}/unlock/",
        {"reason_for_change": "Eosinophil count re-read from the lab report"},
    )
    assert response.status_code == 302
    services.visit_record(
        visit=visit,
        user=coordinator_a,
        completed_on=visit.completed_on,
        endpoints={**DAY7, "eosinophil_count": "0.9"},
        reason="Lab report re-read",
    )
    signature.refresh_from_db()
    assert signature.is_void
    assert signature.voided_reason == "Unlocked: Eosinophil count re-read from the lab report"
    visit.refresh_from_db()
    assert not signing.is_bound(signature, visit)  # the data no longer is what was signed
    # History keeps the signature as signed, then voided.
    states = [
        (h.history_type, h.voided_at is None) for h in signature.history.order_by("history_id")
    ]
    assert states == [("+", True), ("~", False)]
    page = login(investigator_a).get(page_url(visit)).content.decode()
    assert "void: Unlocked: Eosinophil count re-read" in page
    # Signing again gives a new, live signature.
    services.visit_sign_off(
        visit=visit, user=investigator_a, password=TEST_PASSWORD, meaning=APPROVED
    )
    renewed = signing.current_signature(visit)
    assert renewed is not None and renewed != signature
    assert signing.is_bound(renewed, Visit.objects.get(pk=visit.pk))


def test_other_sites_get_no_sign_off_page(login, visit, site_b, coordinator_b):
    investigator_b = UserFactory.create(username="inv_b")
    MembershipFactory.create(user=investigator_b, site=site_b, role=Role.INVESTIGATOR)
    assert login(investigator_b).get(page_url(visit)).status_code == 404
    assert login(investigator_b).post(page_url(visit), {"meaning": APPROVED}).status_code == 404
    # A coordinator has no sign-off right at any site: refused before any lookup.
    assert login(coordinator_b).get(page_url(visit)).status_code in (403, 404)
    assert not Signature.objects.exists()


def test_the_api_signs_off_with_meaning_and_password(visit, investigator_a, coordinator_a):
    client = APIClient()
    client.force_login(investigator_a, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, investigator_a)
    missing = client.post(api_url(visit), {"meaning": APPROVED}, format="json")
    assert missing.status_code == 400 and "password" in missing.json()
    bad_meaning = client.post(api_url(visit), {"meaning": "ok", "password": "x"}, format="json")
    assert bad_meaning.status_code == 400 and set(bad_meaning.json()) == {"meaning"}
    wrong = client.post(api_url(visit), {"meaning": APPROVED, "password": "x"}, format="json")
    assert wrong.status_code == 400 and "Wrong password" in wrong.json()["password"][0]
    ok = client.post(
        api_url(visit), {"meaning": APPROVED, "password": TEST_PASSWORD}, format="json"
    )
    assert ok.status_code == 200
    body = ok.json()
    assert body["visit"]["locked"] is True
    assert body["signature"]["printed_name"] == investigator_a.get_full_name()
    assert body["signature"]["meaning"] == APPROVED
    coordinator = APIClient()
    coordinator.force_login(coordinator_a, backend="django.contrib.auth.backends.ModelBackend")
    assert coordinator.post(api_url(visit), {}, format="json").status_code == 403
