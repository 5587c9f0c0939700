"""The randomization config from Django settings (block sizes, strata factors)."""

from __future__ import annotations

from django.conf import settings

from randomization.blocks import RandomizationSettings


def randomization_settings() -> RandomizationSettings:
    return RandomizationSettings(
        block_sizes=tuple(int(size) for size in settings.TRIAL_BLOCK_SIZES),
        strata_factors=tuple(str(name) for name in settings.TRIAL_STRATA_FACTORS),
    )
