"""Journey: a coordinator screens an ineligible patient, then an eligible one, consents
and enrols them, and lands on the participant page."""

import pytest

from dressdb.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser

RADIO_ANSWERS = {
    "sex": "female",
    "on_dialysis": "no",
    "fever": "yes",
    "lymph_nodes": "no",
    "atypical_lymphocytes": "unknown",
    "rash_extent_over_50": "yes",
    "rash_facial_oedema": "yes",
    "rash_infiltration": "yes",
    "rash_purpura": "no",
    "rash_scaling": "unknown",
    "biopsy": "unknown",
    "resolution_15_days": "unknown",
    "sepsis": "no",
    "hepatitis_b": "no",
    "hepatitis_c": "no",
    "tuberculosis": "no",
    "steroid_allergy": "no",
    "cyclosporine_allergy": "no",
}


def fill_screening(page, *, initials: str, sepsis: str) -> None:
    page.fill("input[name=initials]", initials)
    page.fill("input[name=age]", "45")
    page.fill("input[name=weight_kg]", "70")
    page.fill("input[name=creatinine]", "1.1")
    page.check("input[name=creatinine_unit][value=mg_dl]")
    page.fill("input[name=eosinophil_count]", "1.6")
    page.fill("input[name=leukocyte_count]", "9.1")
    for name, value in {**RADIO_ANSWERS, "sepsis": sepsis}.items():
        page.check(f"input[name={name}][value={value}]")
    page.check("input[name=organs_involved][value=liver]")
    page.check("input[name=organs_involved][value=kidney]")
    page.fill("input[name=other_causes_negative_tests]", "3")
    page.fill("input[name=other_causes_positive_tests]", "0")


def test_screen_ineligible_then_enrol_eligible(page, live_server, demo_users):
    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)
    page.click("text=Screen a patient")
    page.wait_for_selector("#screening-form")

    fill_screening(page, initials="XY", sepsis="yes")
    page.wait_for_selector("[data-testid=live-eligibility]:has-text('Not eligible: Active sepsis')")
    shot(page, "screening-form-ineligible")
    page.click("button:has-text('Save screening')")
    page.wait_for_selector("[data-testid=reasons]:has-text('Active sepsis')")
    shot(page, "screening-ineligible-detail")

    page.click("text=Back to the screening log")
    assert "Active sepsis" in page.inner_text("[data-testid=screening-log]")

    page.click("text=Screen a patient")
    fill_screening(page, initials="AB", sepsis="no")
    page.wait_for_selector("[data-testid=live-eligibility]:has-text('Eligible')")
    assert page.inner_text("[data-testid=live-score]") == "6"
    page.click("button:has-text('Save screening')")
    page.wait_for_selector("[data-testid=eligibility]:has-text('Eligible')")

    page.click("text=Record consent and enrol")
    page.fill("input[name=consent_obtained_by]", "Dr Cora Ortiz")
    page.click("button:has-text('Enrol')")
    page.wait_for_selector("[data-testid=study-id]")
    assert page.inner_text("[data-testid=study-id]") == "USC-001"
    shot(page, "participant-enrolled")

    page.goto(f"{live_server.url}/participants/screening/")
    log = page.inner_text("[data-testid=screening-log]")
    assert "USC-001" in log and "Active sepsis" in log
    shot(page, "screening-log")
    assert page.console_errors == []
