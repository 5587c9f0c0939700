"""API routes for SDV, the casebook signature, freeze/unfreeze and the database lock
(issue 18): the pages' services and roles, site scope (404), field errors as JSON 400."""

from __future__ import annotations

from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from datamanagement.models import SdvRecord
from dressdb import signing
from dressdb.models import EditFreeze, Role, Signature
from tests.conftest import _persona, make_trial_admin, pass_second_factor
from tests.datamanagement.helpers import followed, monitor, record, visit

pytestmark = pytest.mark.django_db

ROUTES = [
    ("/api/v1/participants/{id}/sdv", "post"),
    ("/api/v1/participants/{id}/casebook/sign", "post"),
    ("/api/v1/participants/{id}/freeze", "post"),
    ("/api/v1/participants/{id}/unfreeze", "post"),
    ("/api/v1/study/freeze", "post"),
    ("/api/v1/study/unfreeze", "post"),
    ("/api/v1/database-lock", "post"),
    ("/api/v1/database-lock/unlock-request", "post"),
    ("/api/v1/database-lock/unlock-approve", "post"),
]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, user)
    return client


@pytest.fixture
def participant(site_a, coordinator_a):
    p = followed(site_a, coordinator_a)
    record(p, coordinator_a, "day7")
    return p


@pytest.fixture
def other(site_b, coordinator_b):
    p = followed(site_b, coordinator_b)
    record(p, coordinator_b, "day7")
    return p


def _complete(participant):
    from outcomes.models import HospitalCourse, Visit

    HospitalCourse.objects.create(participant=participant)
    Visit.objects.filter(participant=participant, completed_on__isnull=True).update(
        missed=True, missed_reason="test: not done"
    )


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[p for p, _ in ROUTES])
def test_routes_are_documented(path, method):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][path][method]
    assert operation["summary"]
    assert {"403", "404"} <= set(operation["responses"])
    if not path.endswith("unlock-approve"):
        assert "requestBody" in operation and "400" in operation["responses"]


def test_sdv_verify_roles_scope_and_errors(participant, other, site_a, coordinator_a):
    mon = monitor(site_a)
    day7 = visit(participant, "day7")
    url = f"/api/v1/participants/{participant.pk}/sdv"
    good = {"form": "primary_endpoints", "record_id": day7.pk}
    assert client_for(coordinator_a).post(url, good, format="json").status_code == 403
    # Another site's monitor: 404, and this monitor on the other site's participant too.
    mon_b = monitor(other.site, "mon_b")
    assert client_for(mon_b).post(url, good, format="json").status_code == 404
    other_url = f"/api/v1/participants/{other.pk}/sdv"
    other_body = {"form": "primary_endpoints", "record_id": visit(other, "day7").pk}
    assert client_for(mon).post(other_url, other_body, format="json").status_code == 404
    for bad, field in (
        ({"form": "primary_endpoints", "record_id": 99999999}, "record_id"),
        ({"form": "primary_endpoints", "record_id": "x"}, "record_id"),
        ({"record_id": day7.pk}, "form"),
    ):
        response = client_for(mon).post(url, bad, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
    assert not SdvRecord.objects.filter(status=SdvRecord.Status.VERIFIED).exists()
    response = client_for(mon).post(url, good, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "verified"
    assert response.json()["verified_by"] == mon.username
    assert SdvRecord.objects.get(object_id=day7.pk, form="primary_endpoints").verified_by == mon


def test_casebook_sign_through_the_signing_service(
    participant, other, coordinator_a, investigator_a, site_b
):
    url = f"/api/v1/participants/{participant.pk}/casebook/sign"
    investigator_a.set_password("sign-pass-123")
    investigator_a.save()
    client = client_for(investigator_a)
    assert client_for(coordinator_a).post(url, {"password": "x"}, format="json").status_code == 403
    investigator_b = _persona("inv_b", Role.INVESTIGATOR, site_b)
    assert client_for(investigator_b).post(url, {"password": "x"}, format="json").status_code == 404
    # Not complete yet: the blockers, named by field.
    response = client.post(url, {"password": "sign-pass-123"}, format="json")
    assert response.status_code == 400 and "casebook" in response.json()
    _complete(participant)
    response = client.post(url, {"password": "wrong"}, format="json")
    assert response.status_code == 400 and "password" in response.json()
    response = client.post(url, {"password": "sign-pass-123", "meaning": "nope"}, format="json")
    assert response.status_code == 400 and "meaning" in response.json()
    assert not Signature.objects.exists()
    response = client.post(url, {"password": "sign-pass-123"}, format="json")
    assert response.status_code == 200, response.json()
    signature = Signature.objects.get()
    assert signature.signer == investigator_a
    assert signature.meaning == signing.Meaning.REVIEWED_APPROVED
    assert response.json()["participant"] == participant.study_id
    assert len(response.json()["fingerprint"]) == 64


def test_participant_freeze_and_unfreeze(participant, other, coordinator_a, statistician):
    url = f"/api/v1/participants/{participant.pk}"
    assert (
        client_for(coordinator_a).post(f"{url}/freeze", {"reason": "x"}, format="json").status_code
        == 403
    )
    client = client_for(statistician)
    response = client.post(f"{url}/freeze", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(f"{url}/unfreeze", {"reason": "x"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()  # not frozen
    response = client.post(f"{url}/freeze", {"reason": "Interim analysis"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["participant_id"] == participant.pk and response.json()["active"]
    response = client.post(f"{url}/freeze", {"reason": "again"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    with pytest.raises(Exception, match="frozen"):
        record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.3"))
    record(other, other.created_by, "day7", reason="x", eosinophil_count=Decimal("0.3"))
    response = client.post(f"{url}/unfreeze", {"reason": "Interim done"}, format="json")
    assert response.status_code == 200 and not response.json()["active"]
    record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.3"))


def test_study_freeze_and_unfreeze(participant, coordinator_a, statistician, trial_admin):
    assert (
        client_for(trial_admin)
        .post("/api/v1/study/freeze", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    client = client_for(statistician)
    response = client.post("/api/v1/study/freeze", {"reason": "Interim"}, format="json")
    assert response.status_code == 201 and response.json()["participant_id"] is None
    with pytest.raises(Exception, match="The study is frozen"):
        record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.3"))
    response = client.post("/api/v1/study/unfreeze", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post("/api/v1/study/unfreeze", {"reason": "Done"}, format="json")
    assert response.status_code == 200 and not response.json()["active"]
    assert not EditFreeze.objects.filter(active=True).exists()


def test_database_lock_and_two_person_unlock(participant, site_a, coordinator_a, statistician):
    admin1 = make_trial_admin(site_a)
    admin2 = _persona("admin_two", Role.ADMIN, site_a)
    assert (
        client_for(statistician)
        .post("/api/v1/database-lock", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    first, second = client_for(admin1), client_for(admin2)
    response = first.post("/api/v1/database-lock/unlock-request", {"reason": "x"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()  # nothing locked
    response = first.post("/api/v1/database-lock", {"reason": "Final analysis"}, format="json")
    assert response.status_code == 201, response.json()
    assert "participants.csv" in response.json()["snapshot"]
    response = second.post("/api/v1/database-lock/unlock-approve", format="json")
    assert response.status_code == 400 and "reason" in response.json()  # not asked yet
    response = first.post(
        "/api/v1/database-lock/unlock-request", {"reason": "Late SAE"}, format="json"
    )
    assert response.status_code == 200 and response.json()["release_requested_by"] == "trial_admin"
    response = first.post("/api/v1/database-lock/unlock-approve", format="json")
    assert response.status_code == 400 and "approver" in response.json()
    response = second.post("/api/v1/database-lock/unlock-approve", format="json")
    assert response.status_code == 200 and not response.json()["active"]
    assert response.json()["released_by"] == "admin_two"
