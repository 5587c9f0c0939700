"""The dosing engine's config from Django settings (the [reading] values of PROTOCOL.md)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from dosing.administration_rules import MonitoringLimits
from dosing.protocol import DosingSettings


def dosing_settings() -> DosingSettings:
    num, _, den = str(settings.TRIAL_CSA_IV_FRACTION).partition("/")
    return DosingSettings(
        csa_capsule_step_mg=settings.TRIAL_CSA_CAPSULE_STEP_MG,
        csa_iv_step_mg=settings.TRIAL_CSA_IV_STEP_MG,
        csa_iv_fraction=(int(num), int(den or 1)),
        prednisone_step_mg=settings.TRIAL_PREDNISONE_STEP_MG,
    )


def admin_dose_tolerance_pct() -> Decimal:
    """TRIAL_ADMIN_DOSE_TOLERANCE_PCT: a dose given differing from the order by more than
    this percent of the ordered dose is a discrepancy (issue 19; default 10)."""
    return Decimal(str(settings.TRIAL_ADMIN_DOSE_TOLERANCE_PCT))


def monitoring_limits() -> MonitoringLimits:
    """The cyclosporine monitoring alert thresholds (issue 19):
    TRIAL_CSA_TROUGH_MAX_NG_ML (default 200 ng/mL, the top of the target range),
    TRIAL_SYSTOLIC_ALERT_MMHG (default 160), TRIAL_CREATININE_RISE_ALERT_PCT (default 30,
    the rise from baseline)."""
    return MonitoringLimits(
        trough_max_ng_ml=Decimal(str(settings.TRIAL_CSA_TROUGH_MAX_NG_ML)),
        systolic_max_mmhg=int(settings.TRIAL_SYSTOLIC_ALERT_MMHG),
        creatinine_rise_pct=Decimal(str(settings.TRIAL_CREATININE_RISE_ALERT_PCT)),
    )
