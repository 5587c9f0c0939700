"""The eligibility config of this deployment (Django settings -> the pure core)."""

from __future__ import annotations

from django.conf import settings

from enrollment.eligibility import EligibilitySettings


def eligibility_settings() -> EligibilitySettings:
    return EligibilitySettings(
        inclusion_min_score=settings.TRIAL_INCLUSION_MIN_REGISCAR,
        renal_impairment_egfr_below=settings.TRIAL_RENAL_IMPAIRMENT_EGFR_BELOW,
        exclusion_egfr_below=settings.TRIAL_EXCLUSION_EGFR_BELOW,
    )
