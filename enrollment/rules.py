"""The eligibility settings of this deployment (Django settings -> the pure core)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from enrollment.eligibility import (
    EligibilityResult,
    EligibilitySettings,
    assess_eligibility,
    parse_screening_input,
)


def eligibility_settings() -> EligibilitySettings:
    return EligibilitySettings(
        inclusion_min_score=settings.TRIAL_INCLUSION_MIN_REGISCAR,
        renal_impairment_egfr_below=settings.TRIAL_RENAL_IMPAIRMENT_EGFR_BELOW,
        exclusion_egfr_below=settings.TRIAL_EXCLUSION_EGFR_BELOW,
    )


def check_document(document: Any) -> EligibilityResult:
    """The CONTRACTS.md input document -> result; raises eligibility.InputError."""
    return assess_eligibility(parse_screening_input(document), eligibility_settings())
