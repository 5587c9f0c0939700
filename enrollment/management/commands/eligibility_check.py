"""`python manage.py eligibility_check FILE` (CONTRACTS.md): the eligibility rules on
one JSON document. No database, no login."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from dressdb.jsoncommand import JsonCommand
from enrollment.eligibility import (
    EligibilitySettings,
    InputError,
    assess_eligibility,
    parse_screening_input,
    result_to_json,
)


def eligibility_settings() -> EligibilitySettings:
    return EligibilitySettings(
        inclusion_min_score=settings.TRIAL_INCLUSION_MIN_REGISCAR,
        renal_impairment_egfr_below=settings.TRIAL_RENAL_IMPAIRMENT_EGFR_BELOW,
        exclusion_egfr_below=settings.TRIAL_EXCLUSION_EGFR_BELOW,
    )


def check(document: Any) -> dict[str, Any]:
    return result_to_json(
        assess_eligibility(parse_screening_input(document), eligibility_settings())
    )


class Command(JsonCommand):
    help = "Eligibility (RegiSCAR, eGFR, exclusions) for one JSON document; see CONTRACTS.md."
    input_errors = (InputError,)
    run = staticmethod(check)
