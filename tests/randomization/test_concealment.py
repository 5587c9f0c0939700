"""Concealment: no role but statistician/admin can see or infer upcoming allocations."""

import pytest

from randomization import services
from randomization.models import AllocationList
from tests.randomization.helpers import live_list

pytestmark = pytest.mark.django_db

NON_STATISTICIANS = ["coordinator_a", "investigator_a", "pharmacist_a"]


@pytest.fixture
def alist(statistician, site_a) -> AllocationList:
    return live_list(statistician)


def list_urls(alist: AllocationList) -> list[str]:
    return [
        "/randomization/lists/",
        f"/randomization/lists/{alist.pk}/",
        f"/randomization/lists/{alist.pk}/export.csv",
    ]


@pytest.mark.parametrize("persona", NON_STATISTICIANS)
def test_list_pages_and_export_are_forbidden(request, login, alist, persona):
    client = login(request.getfixturevalue(persona))
    for url in list_urls(alist):
        assert client.get(url).status_code == 403, url
    response = client.post(f"/randomization/lists/{alist.pk}/append/", {"slots_per_stratum": 5})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["statistician", "trial_admin"])
def test_statistician_and_admin_see_lists(request, login, alist, persona):
    client = login(request.getfixturevalue(persona))
    for url in list_urls(alist):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", NON_STATISTICIANS)
def test_no_future_arm_on_participant_pages_or_summary(
    request, login, alist, persona, participant_a, coordinator_a
):
    user = request.getfixturevalue(persona)
    client = login(user)
    body = client.get(f"/participants/{participant_a.pk}/").content.decode()
    assert "Cyclosporine" not in body and "Corticosteroids" not in body
    assert alist.seed not in body
    summary = client.get("/randomization/summary/")
    assert summary.status_code in (200, 403)
    assert alist.seed not in summary.content.decode()


def test_summary_counts_only_done_allocations(
    login, alist, investigator_a, statistician, coordinator_a, participant_a
):
    services.participant_randomize(participant=participant_a, user=coordinator_a)
    # Per-stratum counts: statisticians and admins only (issue 15 item 4).
    assert login(investigator_a).get("/randomization/summary/").status_code == 403
    body = login(statistician).get("/randomization/summary/").content.decode()
    assert "SITEA|renal_impairment=no" in body
    assert "SITEA|renal_impairment=yes" not in body  # no allocation there yet: not listed
    assert alist.seed not in body


def test_api_randomize_returns_only_this_participants_arm(alist, coordinator_a, participant_a):
    from rest_framework.test import APIClient

    from tests.api_tokens import api_key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(coordinator_a)}")
    body = client.post(f"/api/v1/participants/{participant_a.pk}/randomize").json()
    assert set(body) == {"arm", "randomized_at", "stratum"}
