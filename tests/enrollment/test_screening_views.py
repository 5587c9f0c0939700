"""Screening form, live panel and screening log, as coordinators use them."""

import pytest

from enrollment.models import Screening
from tests.enrollment.factories import form_data, screen

pytestmark = pytest.mark.django_db


def test_eligible_screening_is_saved_and_shown(login, coordinator_a, site_a):
    client = login(coordinator_a)
    response = client.post("/participants/screening/new/", form_data(site_a))
    assert response.status_code == 302, response.content.decode()[:3000]
    screening = Screening.objects.get()
    assert (screening.regiscar_score, screening.eligible, screening.outcome) == (
        6,
        True,
        "eligible_pending",
    )
    assert screening.rash_suggestive == "yes"  # 2 of 4 features
    assert screening.screening_number == 1
    assert screening.history.latest().history_user == coordinator_a
    page = client.get(response["Location"]).content.decode()
    assert "Eligible" in page and "Record consent and enrol" in page


def test_ineligible_screening_keeps_reasons(login, coordinator_a, site_a):
    client = login(coordinator_a)
    client.post(
        "/participants/screening/new/",
        form_data(site_a, sepsis="yes", age="17"),
    )
    screening = Screening.objects.get()
    assert screening.reasons == ["age_under_18", "sepsis"]
    assert screening.outcome == "ineligible"
    log = client.get("/participants/screening/").content.decode()
    assert "Age under 18, Active sepsis" in log  # the labels, not the codes
    assert "age_under_18" not in log


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight_kg", "2000", "less than or equal to 350"),
        ("weight_kg", "abc", "Enter a number"),
        ("creatinine", "55", "between 0.1 and 20"),
        ("eosinophil_count", "60", "less than or equal to 50"),
        ("eosinophil_percent", "-1", "greater than or equal to 0"),
        ("age", "300", "less than or equal to 120"),
        ("fever", "", "This field is required"),
        ("fever", "maybe", "Select a valid choice"),
        ("initials", "John Smith", "at most 4"),
        ("initials", "A1", "2 to 4 letters"),
        ("organs_involved", ["spleen"], "Select a valid choice"),
        ("screened_on", "2099-01-01", "cannot be in the future"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_saved(
    login, coordinator_a, site_a, field, value, message
):
    response = login(coordinator_a).post(
        "/participants/screening/new/", form_data(site_a, **{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Screening.objects.count() == 0


def test_umol_creatinine_range(login, coordinator_a, site_a):
    response = login(coordinator_a).post(
        "/participants/screening/new/",
        form_data(site_a, creatinine="5", creatinine_unit="umol_l"),
    )
    assert "between 8.8 and 1768" in response.content.decode()
    ok = login(coordinator_a).post(
        "/participants/screening/new/",
        form_data(site_a, creatinine="97.24", creatinine_unit="umol_l"),
    )
    assert ok.status_code == 302
    assert str(Screening.objects.get().egfr) == "63.1"


def test_cannot_screen_at_another_site(login, coordinator_a, site_b):
    response = login(coordinator_a).post("/participants/screening/new/", form_data(site_b))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Screening.objects.count() == 0


def test_live_panel_partial_and_full(login, coordinator_a, site_a):
    client = login(coordinator_a)
    partial = client.post(
        "/participants/screening/preview/",
        {"fever": "no", "age": "50", "sex": "male", "creatinine": "1.0"},
    )
    body = partial.content.decode()
    assert partial.status_code == 200
    assert "91.7" in body  # eGFR shown as soon as age, sex and creatinine are there
    assert "Answer every item" in body
    full = client.post("/participants/screening/preview/", form_data(site_a)).content.decode()
    assert 'data-testid="live-score">6<' in full
    assert "Eligible" in full
    assert "RegiSCAR ≥ 5" in full  # the protocol setting is shown


@pytest.mark.parametrize("persona", ["pharmacist_a", "statistician"])
def test_screening_form_forbidden_to_other_roles(request, login, persona):
    user = request.getfixturevalue(persona)
    assert login(user).get("/participants/screening/new/").status_code == 403


def test_log_is_site_scoped(login, coordinator_a, coordinator_b, site_a, site_b):
    mine = screen(site_a, coordinator_a)
    theirs = screen(site_b, coordinator_b)
    body = login(coordinator_a).get("/participants/screening/").content.decode()
    assert mine.label in body
    assert theirs.label not in body


def test_other_sites_screening_is_404(login, coordinator_b, coordinator_a, site_a):
    screening = screen(site_a, coordinator_a)
    client = login(coordinator_b)
    assert client.get(f"/participants/screening/{screening.pk}/").status_code == 404
    assert client.get(f"/participants/screening/{screening.pk}/enrol/").status_code == 404
    response = client.post(
        f"/participants/screening/{screening.pk}/not-consented/", {"reason": "x"}
    )
    assert response.status_code == 404


def test_log_filters_and_counts(login, coordinator_a, site_a):
    screen(site_a, coordinator_a)
    screen(site_a, coordinator_a, eligible=False)
    client = login(coordinator_a)
    body = client.get("/participants/screening/?outcome=ineligible").content.decode()
    assert "S002" in body and "S001" not in body
    assert "Ineligible: 1" in body


def test_log_query_count_is_constant(login, coordinator_a, site_a, django_assert_max_num_queries):
    client = login(coordinator_a)
    screen(site_a, coordinator_a)
    with django_assert_max_num_queries(30) as few:
        client.get("/participants/screening/")
    for _ in range(15):
        screen(site_a, coordinator_a)
    with django_assert_max_num_queries(30) as many:
        client.get("/participants/screening/")
    assert len(few.captured_queries) == len(many.captured_queries)


def test_screening_numbers_are_per_site(coordinator_a, coordinator_b, site_a, site_b):
    a1, a2 = screen(site_a, coordinator_a), screen(site_a, coordinator_a)
    b1 = screen(site_b, coordinator_b)
    assert (a1.screening_number, a2.screening_number, b1.screening_number) == (1, 2, 1)
