"""POST /api/v1/screenings/: the eligibility_check document plus the site."""

import pytest
from rest_framework.test import APIClient

from dressdb.models import ApiToken
from dressdb.tokens import hash_key
from enrollment.models import Screening
from tests.api_tokens import api_key
from tests.enrollment.factories import document

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def test_create_returns_contract_output_plus_id(coordinator_a, site_a):
    response = api(coordinator_a).post(
        "/api/v1/screenings/", {**document(), "site": "SITEA", "initials": "CD"}, format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    screening = Screening.objects.get()
    assert data == {
        "regiscar_score": 6,
        "regiscar_category": "definite",
        "egfr": 63.1,
        "renal_impairment": False,
        "eligible": True,
        "reasons": [],
        "screening_id": screening.pk,
    }
    assert screening.screener == coordinator_a


def test_bad_input_is_400_naming_the_field(coordinator_a, site_a):
    doc = document()
    doc["regiscar"]["fever"] = "maybe"
    response = api(coordinator_a).post(
        "/api/v1/screenings/", {**doc, "site": "SITEA"}, format="json"
    )
    assert response.status_code == 400
    assert "regiscar.fever" in response.json()
    assert Screening.objects.count() == 0


def test_other_site_is_refused(coordinator_a, site_b):
    response = api(coordinator_a).post(
        "/api/v1/screenings/", {**document(), "site": "SITEB"}, format="json"
    )
    assert response.status_code == 400
    assert "site" in response.json()
    assert Screening.objects.count() == 0


def test_wrong_role_is_403(pharmacist_a, site_a):
    response = api(pharmacist_a).post(
        "/api/v1/screenings/", {**document(), "site": "SITEA"}, format="json"
    )
    assert response.status_code == 403


def test_no_token_is_401():
    response = APIClient().post("/api/v1/screenings/", document(), format="json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"x"'])
def test_non_object_body_is_400(coordinator_a, site_a, body):
    response = api(coordinator_a).post("/api/v1/screenings/", body, content_type="application/json")
    assert response.status_code == 400


def test_create_api_token_command(coordinator_a):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_token", "coord_a", stdout=out)
    # Only the hash is stored: the printed token is the one whose hash is kept.
    assert hash_key(out.getvalue().strip()) == ApiToken.objects.get(user=coordinator_a).key_hash
