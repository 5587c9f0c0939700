"""Dosing pages and API: roles, site scope, query counts."""

import pytest
from rest_framework.test import APIClient

from dosing.models import Assessment
from tests.api_tokens import api_key
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def participant_urls(pk: int) -> list[str]:
    return [
        f"/dosing/participants/{pk}/assess/",
        f"/dosing/participants/{pk}/relapse/",
        f"/dosing/participants/{pk}/npo/",
        f"/dosing/participants/{pk}/weight/",
        f"/dosing/participants/{pk}/order-sheet/",
    ]


def test_other_sites_coordinator_gets_404_everywhere(
    login, site_a, coordinator_a, coordinator_b, investigator_a
):
    participant, _ = started(site_a, coordinator_a)
    client = login(coordinator_b)
    for url in participant_urls(participant.pk)[1:]:
        assert client.get(url).status_code == 404, url
    assert (
        api(coordinator_b).get(f"/api/v1/participants/{participant.pk}/orders").status_code == 404
    )


def test_roles_gate_the_pages(login, site_a, coordinator_a, pharmacist_a, statistician):
    participant, _ = started(site_a, coordinator_a)
    assert (
        login(coordinator_a).get(f"/dosing/participants/{participant.pk}/assess/").status_code
        == 403
    )
    assert login(pharmacist_a).get("/dosing/decisions/").status_code == 403
    assert login(statistician).get("/dosing/orders/today/").status_code == 403
    assert login(coordinator_a).get("/dosing/preview/").status_code == 403


def test_assessment_form_signs_and_shows_next_orders(login, site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    client = login(investigator_a)
    page = client.get(f"/dosing/participants/{participant.pk}/assess/").content.decode()
    assert "Electronic signature" in page and investigator_a.get_full_name() in page
    response = client.post(
        f"/dosing/participants/{participant.pk}/assess/",
        {
            "improvement": "gt25",
            "labs_trend": "down",
            "password": TEST_PASSWORD,
            "baseline_alt": "400",
            "alt": "120",
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.suggested_improvement == "gt25"
    detail = client.get(f"/participants/{participant.pk}/").content.decode()
    assert "CSA_TAPER" in detail


def test_assessment_form_wrong_password(login, site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    response = login(investigator_a).post(
        f"/dosing/participants/{participant.pk}/assess/",
        {"improvement": "gt25", "labs_trend": "down", "password": "nope"},
    )
    assert response.status_code == 200
    assert "Wrong password" in response.content.decode()
    assert Assessment.objects.count() == 0


def test_assessment_form_bad_lab_value(login, site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    response = login(investigator_a).post(
        f"/dosing/participants/{participant.pk}/assess/",
        {
            "improvement": "gt25",
            "labs_trend": "down",
            "password": TEST_PASSWORD,
            "creatinine": "99",
        },
    )
    assert "less than or equal to 20" in response.content.decode()
    assert Assessment.objects.count() == 0


def test_decisions_due_lists_the_participant(login, site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    body = login(investigator_a).get("/dosing/decisions/").content.decode()
    assert participant.study_id in body


def test_todays_orders_query_count_is_constant(
    login, site_a, coordinator_a, pharmacist_a, django_assert_max_num_queries
):
    client = login(pharmacist_a)
    for _ in range(2):
        started(site_a, coordinator_a, days_ago=3)
    with django_assert_max_num_queries(40) as few:
        body = client.get("/dosing/orders/today/").content.decode()
    assert body.count("CSA_INDUCTION") == 2
    for _ in range(8):
        started(site_a, coordinator_a, days_ago=3)
    with django_assert_max_num_queries(40) as many:
        body = client.get("/dosing/orders/today/").content.decode()
    assert body.count("CSA_INDUCTION") == 10
    assert len(few.captured_queries) == len(many.captured_queries)


def test_order_sheet_for_a_date_range(login, site_a, coordinator_a, pharmacist_a):
    participant, regimen = started(site_a, coordinator_a, days_ago=3)
    start = regimen.day1.isoformat()
    end = regimen.day1.replace(day=regimen.day1.day).isoformat()
    body = (
        login(pharmacist_a)
        .get(f"/dosing/participants/{participant.pk}/order-sheet/?start={start}&end={end}")
        .content.decode()
    )
    assert "Medication administration record" in body
    assert body.count("Cyclosporine") >= 1


def test_protocol_preview_page(login, investigator_a):
    body = (
        login(investigator_a)
        .get("/dosing/preview/?arm=cyclosporine&weight_kg=70&decisions=gt25+down")
        .content.decode()
    )
    assert "Completed" in body  # the state's label (issue 16 item 3)
    assert "CSA_TAPER" in body
    assert 'id="regimen-chart-data"' in body
    bad = (
        login(investigator_a)
        .get("/dosing/preview/?arm=cyclosporine&weight_kg=70&decisions=gt25+down%0Agt25+down")
        .content.decode()
    )
    assert "more decisions than the path uses" in bad


def test_api_orders_have_contract_fields(site_a, coordinator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a)
    items = api(pharmacist_a).get(f"/api/v1/participants/{participant.pk}/orders").json()
    assert len(items) == 7
    assert set(items[0]) >= {
        "day",
        "date",
        "drug",
        "route",
        "dose_mg",
        "calculated_dose_mg",
        "times_per_day",
        "daily_dose_mg",
        "block",
    }
    assert items[0]["dose_mg"] == 175


def test_api_assessment(site_a, coordinator_a, investigator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a)
    url = f"/api/v1/participants/{participant.pk}/assessments"
    assert api(pharmacist_a).post(url, {}, format="json").status_code == 403
    missing = api(investigator_a).post(url, {"improvement": "gt25"}, format="json")
    assert missing.status_code == 400 and "password" in missing.json()
    wrong = api(investigator_a).post(
        url, {"improvement": "gt25", "labs_trend": "down", "password": "x"}, format="json"
    )
    assert wrong.status_code == 400 and "password" in wrong.json()
    ok = api(investigator_a).post(
        url, {"improvement": "gt25", "labs_trend": "down", "password": TEST_PASSWORD}, format="json"
    )
    assert ok.status_code == 201
    assert ok.json()["result"] == "CSA_TAPER"
