"""Dashboards against a hand-built dataset with a known CONSORT flow and known
proportions; access by role; query counts independent of the row count."""

import datetime as dt

import pytest
from django.utils import timezone

from demo.synthetic import seed_trial
from dressdb.models import Site
from enrollment.models import Screening
from outcomes import services as outcomes_services
from outcomes.models import Visit
from randomization.models import Allocation, AllocationList, AllocationSlot, Stratum
from tests.dosing.helpers import started

pytestmark = pytest.mark.django_db

DAY7 = {
    "organ_resolution": "no",
    "erythema_resolution": "no",
    "fever": "no",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "lymphadenopathy": "no",
    "eosinophil_count": "0.5",
    "vital_status": "alive",
}


def allocate(participant, arm: str, user) -> Allocation:
    alist, _ = AllocationList.objects.get_or_create(
        kind="live", active=True, defaults={"source": "uploaded", "created_by": user}
    )
    stratum, _ = Stratum.objects.get_or_create(
        allocation_list=alist,
        key=f"{participant.site.code}|renal_impairment=no",
        defaults={"site": participant.site, "renal_impairment": False},
    )
    position = stratum.slots.count() + 1
    slot = AllocationSlot.objects.create(
        stratum=stratum, position=position, block_number=position, block_size=2, arm=arm
    )
    return Allocation.objects.create(
        participant=participant,
        slot=slot,
        arm=arm,
        stratum_key=stratum.key,
        list_kind="live",
        randomized_at=timezone.now(),
        randomized_by=user,
    )


def screening(site, user, outcome, reasons):
    number = Screening.objects.filter(site=site).count() + 1
    return Screening.objects.create(
        site=site,
        screening_number=number,
        screened_on=timezone.localdate(),
        screener=user,
        initials="AB",
        age=40,
        sex="female",
        weight_kg=70,
        creatinine=1,
        creatinine_unit="mg_dl",
        fever="yes",
        lymph_nodes="no",
        atypical_lymphocytes="no",
        rash_extent_over_50="no",
        rash_suggestive="yes",
        biopsy="unknown",
        resolution_15_days="no",
        other_causes_negative_tests=3,
        other_causes_positive_tests=0,
        regiscar_score=5,
        regiscar_category="probable",
        egfr=90,
        renal_impairment=False,
        eligible=outcome != "ineligible",
        reasons=reasons,
        outcome=outcome,
    )


@pytest.fixture
def dataset(site_a, coordinator_a):
    """9 screened: 2 ineligible (sepsis; sepsis + age), 1 not consented, 6 randomized
    (arms C,S,C,S,C,S). Day 7 organ resolution: cyclosporine 2/3, steroids 1/3.
    One steroid participant died on study day 20; one cyclosporine participant switched."""
    screening(site_a, coordinator_a, "ineligible", ["sepsis"])
    screening(site_a, coordinator_a, "ineligible", ["age_under_18", "sepsis"])
    screening(site_a, coordinator_a, "eligible_not_consented", [])
    arms = ["cyclosporine", "steroids"] * 3
    organ = ["yes", "yes", "yes", "no", "no", "no"]
    people = []
    for arm, resolved in zip(arms, organ, strict=True):
        participant, regimen = started(site_a, coordinator_a, arm=arm, days_ago=40)
        participant.enrolled_at = timezone.now() - dt.timedelta(days=41)
        participant.screening = screening(site_a, coordinator_a, "enrolled", [])
        participant.save()
        allocate(participant, arm, coordinator_a)
        visit = Visit.objects.get(participant=participant, name="day7")
        outcomes_services.visit_record(
            visit=visit,
            user=coordinator_a,
            completed_on=visit.target_date,
            endpoints={**DAY7, "organ_resolution": resolved},
        )
        people.append((participant, regimen))
    dead, dead_regimen = people[1]
    outcomes_services.hospital_course_save(
        participant=dead,
        user=coordinator_a,
        values={"death_date": dead_regimen.day1 + dt.timedelta(days=19), "death_cause": "Sepsis"},
    )
    switched_regimen = people[0][1]
    switched_regimen.switched_on_day = 7
    switched_regimen.save()
    return people


def test_consort_numbers(login, investigator_a, dataset):
    from reports import analysis, selectors

    site_ids = list(Site.objects.values_list("pk", flat=True))
    flow = analysis.consort(
        selectors.screening_rows(site_ids), selectors.participant_rows(site_ids)
    )
    assert flow["assessed"] == 9
    assert flow["excluded"] == 3
    assert flow["ineligible"] == 2 and flow["not_consented"] == 1
    assert dict(flow["reasons"]) == {"sepsis": 2, "age_under_18": 1}
    assert flow["randomized"] == 6
    c, s = flow["arms"]["cyclosporine"], flow["arms"]["steroids"]
    assert (c["allocated"], s["allocated"]) == (3, 3)
    assert (c["switched"], s["switched"]) == (1, 0)
    assert (c["died"], s["died"]) == (0, 1)
    assert (c["analysed_day7"], s["analysed_day7"]) == (3, 3)
    body = login(investigator_a).get("/reports/consort/").content.decode()
    assert 'data-testid="assessed">9<' in body
    assert "Active sepsis: 2" in body and "Age under 18: 1" in body
    assert "age_under_18" not in body  # the reasons in words on the page


def test_endpoint_proportions_with_intervals(login, investigator_a, dataset):
    from reports import analysis, selectors

    site_ids = list(Site.objects.values_list("pk", flat=True))
    result = analysis.endpoints_by_arm(selectors.participant_rows(site_ids))
    organ7 = next(
        r for r in result["binary"] if r["endpoint"] == "organ_resolution" and r["visit"] == "day7"
    )
    c, s, d = organ7["cyclosporine"], organ7["steroids"], organ7["difference"]
    assert (c["x"], c["n"], s["x"], s["n"]) == (2, 3, 1, 3)
    # Wilson 2/3: 20.77-93.85 %; 1/3: 6.15-79.23 %; difference 33.3 (-31.6 to 71.8), by hand
    assert (round(c["lower"], 2), round(c["upper"], 2)) == (20.77, 93.85)
    assert (round(s["lower"], 2), round(s["upper"], 2)) == (6.15, 79.23)
    assert (round(d["estimate"], 1), round(d["lower"], 1), round(d["upper"], 1)) == (
        33.3,
        -31.6,
        71.8,
    )
    mortality30 = next(r for r in result["mortality"] if r["visit"] == "day30")
    assert (mortality30["cyclosporine"]["x"], mortality30["steroids"]["x"]) == (0, 1)
    mortality7 = next(r for r in result["mortality"] if r["visit"] == "day7")
    assert mortality7["steroids"]["x"] == 0
    assert result["eosinophils"][0]["cyclosporine"]["median"] == 0.5
    body = login(investigator_a).get("/reports/endpoints/").content.decode()
    assert "2/3 (66.7%, 20.8–93.9)" in body
    assert "1/3 (33.3%, 6.1–79.2)" in body
    assert "33.3 (-31.6 to 71.8)" in body


def test_enrollment_balance_completeness_and_safety_pages(
    login, investigator_a, statistician, dataset
):
    client = login(investigator_a)
    enrollment = client.get("/reports/").content.decode()
    assert 'data-testid="randomized-total">6<' in enrollment
    assert 'id="dashboard-chart-data"' in enrollment
    # Per-stratum figures: statisticians and admins only (issue 15 item 4).
    assert client.get("/reports/balance/").status_code == 403
    balance = login(statistician).get("/reports/balance/").content.decode()
    assert "SITEA|renal_impairment=no" in balance
    completeness = client.get("/reports/completeness/").content.decode()
    assert "Day 7" in completeness and ">day7<" not in completeness  # the visit's label
    safety = client.get("/reports/safety/").content.decode()
    assert "Sepsis" in safety and "switched arm" in safety


def test_coordinator_sees_enrollment_not_endpoints(login, coordinator_a, coordinator_b, dataset):
    client = login(coordinator_a)
    assert client.get("/reports/").status_code == 200
    assert client.get("/reports/completeness/").status_code == 200
    assert client.get("/reports/endpoints/").status_code == 403
    assert client.get("/reports/balance/").status_code == 403
    assert client.get("/reports/safety/").status_code == 403
    other = login(coordinator_b).get("/reports/").content.decode()
    assert 'data-testid="randomized-total">0<' in other  # site B sees only site B


def test_site_filter_outside_scope_is_404(login, coordinator_b, site_a, dataset):
    assert login(coordinator_b).get(f"/reports/?site={site_a.pk}").status_code == 404


def test_pharmacist_has_no_dashboards(login, pharmacist_a):
    assert login(pharmacist_a).get("/reports/").status_code == 403


PAGES = [
    "/reports/",
    "/reports/consort/",
    "/reports/balance/",
    "/reports/endpoints/",
    "/reports/completeness/",
    "/reports/safety/",
]


def test_query_counts_same_for_10_and_1000_participants(
    login, site_a, site_b, trial_admin, django_assert_max_num_queries
):
    client = login(trial_admin)
    seed_trial(sites=[site_a, site_b], participants=10, user=trial_admin, with_orders=False)
    small = {}
    for page in PAGES:
        with django_assert_max_num_queries(40) as q:
            assert client.get(page).status_code == 200
        small[page] = len(q.captured_queries)
    seed_trial(
        sites=[site_a, site_b], participants=990, user=trial_admin, seed=7, with_orders=False
    )
    for page in PAGES:
        with django_assert_max_num_queries(40) as q:
            assert client.get(page).status_code == 200
        assert len(q.captured_queries) == small[page], page
