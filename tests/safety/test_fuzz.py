"""Fuzz targets for every safety form and the adverse-events API: hostile values (from
the core form fuzzer's strategies) never give a 500, and a refused submission writes no
safety row (nor any history row)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from safety import services
from tests.conftest import pass_second_factor
from tests.core.test_form_fuzzing import HOSTILE, FormParser, form_data, send
from tests.safety.helpers import ae_input, api_body, recent_participant

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("DRESSDB_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def safety_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_app_config("safety").get_models()
    }


@pytest.fixture
def world(site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    ae = services.ae_create(participant=participant, user=coordinator_a, data=ae_input(participant))
    return participant, ae


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, user)
    return client


@pytest.mark.parametrize(
    "route", ["ae_new", "ae_edit", "death_report", "conmed_new", "deviation_new"]
)
def test_safety_form_survives_hostile_input(world, coordinator_a, route):
    participant, ae = world
    kwargs: dict[str, int] = {"pk": participant.pk}
    if route in ("ae_edit", "death_report"):
        kwargs["ae_pk"] = ae.pk
    path = reverse(f"safety:{route}", kwargs=kwargs)
    client = _client(coordinator_a)
    parser = FormParser()
    parser.feed(client.get(path).content.decode())
    form = max((f for f in parser.forms if f.method == "post"), key=lambda f: len(f.fields))
    assert form.fields

    @FUZZ
    @given(data=form_data(form))
    def submit(data: dict[str, Any]) -> None:
        before = safety_counts()
        response = send(client, "post", path, data)
        assert response.status_code < 500
        if response.status_code != 302:
            assert safety_counts() == before, f"rejected input wrote rows: {data!r}"

    submit()


def test_the_api_survives_hostile_bodies(world, coordinator_a):
    participant, _ = world
    client = APIClient()
    client.force_login(coordinator_a, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, coordinator_a)
    good = api_body(participant)
    path = f"/api/v1/participants/{participant.pk}/adverse-events"
    hostile = st.one_of(
        # JSON the test client can encode: lone surrogates reach the API as raw bytes in
        # tests/core/test_input_robustness.py (StrictJSONParser), not through json.dumps.
        st.sampled_from([h for h in HOSTILE if _encodable(h)]),
        st.integers(),
        st.none(),
        st.booleans(),
        st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"]))),
    )

    @FUZZ
    @given(field=st.sampled_from(sorted(good)), value=hostile)
    def submit(field: str, value: Any) -> None:
        before = safety_counts()
        response = client.post(path, {**good, field: value}, format="json")
        assert response.status_code < 500
        if response.status_code != 201:
            assert response.status_code == 400
            assert safety_counts() == before

    submit()


def _encodable(value: object) -> bool:
    try:
        str(value).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
