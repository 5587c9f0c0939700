"""Screening data for tests: form posts and CONTRACTS documents."""

from __future__ import annotations

import copy
from typing import Any

from dressdb.models import Site
from enrollment import services
from enrollment.models import Screening
from enrollment.screening_contract import parse_screening_input
from tests.enrollment.test_eligibility import EXAMPLE

ELIGIBLE_FORM: dict[str, Any] = {
    "initials": "AB",
    "screened_on": "2026-01-04",
    "age": "45",
    "sex": "female",
    "weight_kg": "70",
    "creatinine": "1.1",
    "creatinine_unit": "mg_dl",
    "on_dialysis": "no",
    "fever": "yes",
    "lymph_nodes": "no",
    "eosinophil_count": "1.6",
    "eosinophil_percent": "",
    "leukocyte_count": "9.1",
    "atypical_lymphocytes": "unknown",
    "rash_extent_over_50": "yes",
    "rash_facial_oedema": "yes",
    "rash_infiltration": "yes",
    "rash_purpura": "no",
    "rash_scaling": "unknown",
    "biopsy": "unknown",
    "organs_involved": ["liver", "kidney"],
    "resolution_15_days": "unknown",
    "other_causes_negative_tests": "3",
    "other_causes_positive_tests": "0",
    "sepsis": "no",
    "hepatitis_b": "no",
    "hepatitis_c": "no",
    "tuberculosis": "no",
    "steroid_allergy": "no",
    "cyclosporine_allergy": "no",
}


def form_data(site: Site, **changes: Any) -> dict[str, Any]:
    data = {**ELIGIBLE_FORM, "site": str(site.pk)}
    data.update(changes)
    return data


def document(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    data.update(changes)
    return data


def screen(site: Site, user: Any, eligible: bool = True, **changes: Any) -> Screening:
    doc = document(**changes)
    if not eligible:
        doc["exclusions"] = {**doc["exclusions"], "sepsis": True}
    return services.screening_record(
        site=site, user=user, answers=parse_screening_input(doc), initials="AB"
    )
