"""The dosing engine's config from Django settings (the [reading] values of PROTOCOL.md)."""

from __future__ import annotations

from django.conf import settings

from dosing.protocol import DosingSettings


def dosing_settings() -> DosingSettings:
    num, _, den = str(settings.TRIAL_CSA_IV_FRACTION).partition("/")
    return DosingSettings(
        csa_capsule_step_mg=settings.TRIAL_CSA_CAPSULE_STEP_MG,
        csa_iv_step_mg=settings.TRIAL_CSA_IV_STEP_MG,
        csa_iv_fraction=(int(num), int(den or 1)),
        prednisone_step_mg=settings.TRIAL_PREDNISONE_STEP_MG,
    )
