"""JSON API: /api/v1/participants/{id}/adverse-events (GET list, POST create)."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from safety.models import AdverseEvent
from tests.conftest import pass_second_factor
from tests.safety.helpers import api_body, recent_participant

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, user)
    return client


def route(participant) -> str:
    return f"/api/v1/participants/{participant.pk}/adverse-events"


@pytest.fixture
def participant(site_a, coordinator_a):
    return recent_participant(site_a, coordinator_a)


def test_post_creates_and_answers_the_clock_in_utc_and_the_susar_flag(participant, coordinator_a):
    body = api_body(participant)
    response = api(coordinator_a).post(route(participant), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    ae = AdverseEvent.objects.get(pk=data["id"])
    assert data["serious"] is True and data["susar"] is True
    assert data["report_due_at"].endswith("Z")
    due = dt.datetime.fromisoformat(data["report_due_at"].replace("Z", "+00:00"))
    assert due == ae.report_due_at
    assert due - dt.datetime.fromisoformat(body["aware_at"]) == dt.timedelta(hours=24)
    listed = api(coordinator_a).get(route(participant)).json()
    assert [row["id"] for row in listed] == [ae.pk]


def test_a_time_without_offset_is_read_in_the_site_zone(participant, coordinator_a):
    body = api_body(participant, aware_at="2026-01-01T00:00")
    body["onset_date"] = "2026-01-01"
    response = api(coordinator_a).post(route(participant), body, format="json")
    # 2026-01-01 is before this participant's consent: the onset is refused, by name.
    assert response.status_code == 400 and "onset_date" in response.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grade": 7}, "grade"),
        ({"grade": 5}, "outcome"),
        ({"aware_at": "2999-01-01T00:00:00Z"}, "aware_at"),
        ({"aware_at": "yesterday"}, "aware_at"),
        ({"term": "no_such_term"}, "term"),
        ({"criteria": ["bogus"]}, "criteria"),
        ({"related_cyclosporine": "maybe"}, "related_cyclosporine"),
        ({"onset_date": None}, "onset_date"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    participant, coordinator_a, change, field
):
    response = api(coordinator_a).post(
        route(participant), api_body(participant, **change), format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not AdverseEvent.objects.exists()


def test_wrong_role_403_and_other_site_404(
    participant, pharmacist_a, statistician, coordinator_b, investigator_a
):
    assert api(pharmacist_a).get(route(participant)).status_code == 403
    assert api(statistician).post(route(participant), {}, format="json").status_code == 403
    assert api(coordinator_b).get(route(participant)).status_code == 404
    body = api_body(participant)
    assert api(coordinator_b).post(route(participant), body, format="json").status_code == 404
    assert api(investigator_a).post(route(participant), body, format="json").status_code == 201


def test_the_route_is_in_the_openapi_schema(coordinator_a):
    schema = api(coordinator_a).get("/api/v1/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/participants/{id}/adverse-events"]
    assert {"get", "post"} <= set(operations)
    assert {"201", "400", "403", "404"} <= set(operations["post"]["responses"])
    props = schema["components"]["schemas"]["AdverseEvent"]["properties"]
    assert {"id", "serious", "report_due_at", "susar"} <= set(props)


def conmed_route(participant) -> str:
    return f"/api/v1/participants/{participant.pk}/concomitant-medications"


def test_concomitant_medications_api(participant, coordinator_a, coordinator_b, pharmacist_a):
    start = participant.study_day_1 - dt.timedelta(days=20)
    body = {
        "drug": "Carbamazepine",
        "indication": "Epilepsy",
        "dose": "200",
        "unit": "mg",
        "route": "po",
        "start_date": start.isoformat(),
        "stop_date": (start + dt.timedelta(days=18)).isoformat(),
        "culprit": True,
        "reaction_onset_date": (start + dt.timedelta(days=17)).isoformat(),
    }
    created = api(coordinator_a).post(conmed_route(participant), body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["latency_days"] == 17 and created.json()["cyp3a4"] == "inducer"
    bad = api(coordinator_a).post(
        conmed_route(participant), {**body, "reaction_onset_date": None}, format="json"
    )
    assert bad.status_code == 400 and "reaction_onset_date" in bad.json()
    assert api(pharmacist_a).get(conmed_route(participant)).status_code == 403
    assert api(coordinator_b).get(conmed_route(participant)).status_code == 404
    listed = api(coordinator_a).get(conmed_route(participant)).json()
    assert [row["drug"] for row in listed] == ["Carbamazepine"]
