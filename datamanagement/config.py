"""Settings of the data-management app."""

from __future__ import annotations

from django.conf import settings


def sdv_sample_every() -> int:
    """Outside the 100% forms, SDV every n-th participant of a site (1 = all, 0 = none):
    the setting TRIAL_SDV_SAMPLE_EVERY (default 3)."""
    return int(getattr(settings, "TRIAL_SDV_SAMPLE_EVERY", 3))
