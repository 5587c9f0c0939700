"""The safety rules' config from Django settings (protocol settings, with defaults)."""

from __future__ import annotations

from django.conf import settings

from safety.rules import SafetySettings


def safety_settings() -> SafetySettings:
    return SafetySettings(
        ae_period_days=int(getattr(settings, "TRIAL_AE_PERIOD_DAYS", 90)),
        sae_report_hours=int(getattr(settings, "TRIAL_SAE_REPORT_HOURS", 24)),
    )


def safety_contact_email() -> str:
    return str(getattr(settings, "TRIAL_SAFETY_CONTACT_EMAIL", "") or "")
