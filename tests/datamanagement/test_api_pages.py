"""API (/api/v1/participants/{id}/queries, /api/v1/queries/{id}/answer|close) and pages:
roles (403), site scope (404), bad input (400, nothing written), the monitor role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from datamanagement import services
from datamanagement.models import Query, SdvRecord
from dressdb import two_factor
from dressdb.access import sites_visible_to
from tests.conftest import pass_second_factor
from tests.datamanagement.helpers import followed, monitor, record, visit

pytestmark = pytest.mark.django_db


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
    return followed(site_b, coordinator_b)


def body(participant, **over):
    data = {
        "form": "visit",
        "record_id": visit(participant, "day7").pk,
        "field": "eosinophil_count",
        "text": "Please check against the lab report.",
    }
    data.update(over)
    return data


def test_monitor_role_is_site_scoped_read_only_and_needs_two_factor(site_a, site_b, participant):
    mon = monitor(site_a)
    assert list(sites_visible_to(mon)) == [site_a]
    assert two_factor.required_for(mon)
    client = client_for(mon)
    assert (
        client.get(reverse("participant_detail", kwargs={"pk": participant.pk})).status_code == 200
    )
    assert (
        client.get(reverse("participant_audit", kwargs={"pk": participant.pk})).status_code == 200
    )
    # Read-only on clinical data: no data-entry page answers.
    day7 = visit(participant, "day7")
    assert (
        client.get(
            reverse("visit_edit", kwargs={"pk": participant.pk, "visit_pk": day7.pk})
        ).status_code
        == 403
    )
    assert client.get(reverse("hospital_course", kwargs={"pk": participant.pk})).status_code == 403
    # No identified export.
    assert client.get(reverse("export_home")).status_code == 403


def test_api_open_list_answer_close(participant, site_a, coordinator_a):
    mon = monitor(site_a)
    url = f"/api/v1/participants/{participant.pk}/queries"
    response = client_for(mon).post(url, body(participant), format="json")
    assert response.status_code == 201, response.json()
    qid = response.json()["id"]
    assert response.json()["status"] == "open"
    listed = client_for(coordinator_a).get(url)
    assert listed.status_code == 200 and [q["id"] for q in listed.json()] == [qid]
    answer = client_for(coordinator_a).post(
        f"/api/v1/queries/{qid}/answer", {"text": "Checked: correct"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "answered"
    close = client_for(mon).post(f"/api/v1/queries/{qid}/close", {}, format="json")
    assert close.status_code == 200 and close.json()["status"] == "closed"
    assert [m["kind"] for m in close.json()["messages"]] == ["opened", "answer", "closed"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"form": "nope"}, "form"),
        ({"field": "no_such"}, "field"),
        ({"record_id": 99999999}, "record_id"),
        ({"text": ""}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"record_id": "x"}, "record_id"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(participant, statistician, over, field):
    url = f"/api/v1/participants/{participant.pk}/queries"
    response = client_for(statistician).post(url, body(participant, **over), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Query.objects.exists()


def test_api_roles_and_scope(
    participant, other, site_a, coordinator_a, coordinator_b, pharmacist_a, statistician
):
    url = f"/api/v1/participants/{participant.pk}/queries"
    assert client_for(coordinator_a).post(url, body(participant), format="json").status_code == 403
    assert client_for(pharmacist_a).get(url).status_code == 403
    assert client_for(coordinator_b).get(url).status_code == 404
    query = services.query_open(
        participant=participant, user=statistician, **{k: v for k, v in body(participant).items()}
    )
    assert (
        client_for(coordinator_b)
        .post(f"/api/v1/queries/{query.pk}/answer", {"text": "x"}, format="json")
        .status_code
        == 404
    )
    assert (
        client_for(statistician)
        .post(f"/api/v1/queries/{query.pk}/answer", {"text": "x"}, format="json")
        .status_code
        == 403
    )
    assert (
        client_for(coordinator_a)
        .post(f"/api/v1/queries/{query.pk}/close", {}, format="json")
        .status_code
        == 403
    )
    # A monitor of another site: 404.
    mon_b = monitor(other.site, "mon_b")
    assert client_for(mon_b).get(url).status_code == 404
    assert (
        client_for(mon_b).post(f"/api/v1/queries/{query.pk}/close", {}, format="json").status_code
        == 404
    )
    query.refresh_from_db()
    assert query.status == Query.Status.OPEN


def test_schema_describes_the_routes(statistician):
    schema = (
        client_for(statistician)
        .get("/api/v1/schema/", HTTP_ACCEPT="application/json")
        .content.decode()
    )
    for path in (
        "/api/v1/participants/{id}/queries",
        "/api/v1/queries/{query_pk}/answer",
        "/api/v1/queries/{query_pk}/close",
    ):
        assert path in schema


def test_pages_per_role(
    participant,
    other,
    site_a,
    coordinator_a,
    coordinator_b,
    pharmacist_a,
    statistician,
    trial_admin,
):
    mon = monitor(site_a)
    page = reverse("datamanagement:participant_queries", kwargs={"pk": participant.pk})
    for user in (mon, coordinator_a, statistician):
        assert client_for(user).get(page).status_code == 200
    assert client_for(pharmacist_a).get(page).status_code == 403
    assert client_for(coordinator_b).get(page).status_code == 404
    for name in ("datamanagement:ageing", "datamanagement:rules", "datamanagement:sdv_dashboard"):
        assert client_for(mon).get(reverse(name)).status_code == 200
        assert client_for(coordinator_a).get(reverse(name)).status_code == 403
    assert client_for(statistician).get(reverse("datamanagement:freezes")).status_code == 200
    assert client_for(mon).get(reverse("datamanagement:freezes")).status_code == 403


def test_page_flow_query_field_icon_sdv_freeze(participant, site_a, coordinator_a, statistician):
    mon = monitor(site_a)
    day7 = visit(participant, "day7")
    page = reverse("datamanagement:participant_queries", kwargs={"pk": participant.pk})
    response = client_for(mon).post(
        reverse("datamanagement:query_new", kwargs={"pk": participant.pk}),
        {"target": f"visit:{day7.pk}:eosinophil_count", "text": "Check the lab report"},
    )
    assert response.status_code == 302
    query = Query.objects.get()
    # The field icon on the visit form, the count on the participant page.
    edit = client_for(coordinator_a).get(
        reverse("visit_edit", kwargs={"pk": participant.pk, "visit_pk": day7.pk})
    )
    assert 'data-testid="field-queries-eosinophil_count"' in edit.content.decode()
    detail = client_for(coordinator_a).get(
        reverse("participant_detail", kwargs={"pk": participant.pk})
    )
    assert 'data-testid="dm-open-queries"' in detail.content.decode()
    # The coordinator answers through the page.
    answer = client_for(coordinator_a).post(
        reverse("datamanagement:query_action", kwargs={"query_pk": query.pk, "action": "answer"}),
        {"text": "Value confirmed"},
    )
    assert answer.status_code == 302
    query.refresh_from_db()
    assert query.status == Query.Status.ANSWERED
    # An unknown action is 404, a GET is 405.
    assert (
        client_for(mon)
        .post(
            reverse("datamanagement:query_action", kwargs={"query_pk": query.pk, "action": "zap"})
        )
        .status_code
        == 404
    )
    # SDV through the page.
    response = client_for(mon).post(
        reverse("datamanagement:sdv_verify", kwargs={"pk": participant.pk}),
        {"form": "primary_endpoints", "record_id": day7.pk},
    )
    assert response.status_code == 302
    assert SdvRecord.objects.get(form="primary_endpoints").status == SdvRecord.Status.VERIFIED
    # Freeze through the page; the visit page then refuses the edit.
    client_for(statistician).post(
        reverse("datamanagement:participant_freeze", kwargs={"pk": participant.pk}),
        {"reason": "Interim"},
    )
    assert "freeze-banner" in client_for(statistician).get(page).content.decode()
    with pytest.raises(ValidationError):
        record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.2"))


def test_ageing_and_rules_pages(participant, coordinator_a, statistician):
    record(participant, coordinator_a, "day30", eosinophil_count=Decimal("8.00"))
    services.checks_run(participant=participant)
    client = client_for(statistician)
    rules_page = client.get(reverse("datamanagement:rules")).content.decode()
    assert 'data-testid="rule-eosinophil_jump"' in rules_page
    ageing = client.get(
        reverse("datamanagement:ageing"), {"status": "open", "form": "visit", "min_days": "0"}
    )
    assert ageing.status_code == 200
    assert "Day 30 visit · Eosinophil count (x10⁹/L)" in ageing.content.decode()
    bad = client.get(reverse("datamanagement:ageing"), {"min_days": "-3", "site": "abc"})
    assert bad.status_code == 200


def test_monitoring_visit_report(participant, site_a, site_b, statistician):
    mon = monitor(site_a)
    day7 = visit(participant, "day7")
    services.query_open(
        participant=participant,
        user=mon,
        form="visit",
        record_id=day7.pk,
        field="fever",
        text="Fever documented?",
    )
    services.sdv_verify(participant=participant, user=mon, form="consent", record_id=participant.pk)
    url = reverse("datamanagement:monitoring_report")
    body = (
        client_for(mon).get(url, {"site": str(site_a.pk), "since": "2020-01-01"}).content.decode()
    )
    assert "Fever documented?" in body and "<td>Consent</td>" in body
    # Another site's id is ignored (the monitor's own sites only), a bad date is a message.
    other = client_for(mon).get(url, {"site": str(site_b.pk), "since": "not-a-date"})
    assert other.status_code == 200 and "YYYY-MM-DD" in other.content.decode()
    future = client_for(mon).get(url, {"since": "2999-01-01"}).content.decode()
    assert "Fever documented?" not in future
