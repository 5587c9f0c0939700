"""Shared set-up for randomization tests."""

from __future__ import annotations

from typing import Any

from randomization import services
from randomization.models import AllocationList


def live_list(user: Any, slots: int = 12, sizes: list[int] | None = None) -> AllocationList:
    return services.allocation_list_generate(
        user=user, kind="live", slots_per_stratum=slots, block_sizes=sizes or [2, 4, 6]
    )
