"""Celery tasks of the safety app. They take ids and call the services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="safety.sae_clock_sweep")
def sae_clock_sweep() -> dict[str, int]:
    """Open SAE clocks on the investigators' to-do lists (beat entry "safety SAE clock
    sweep", every 15 minutes)."""
    from safety.reminders import sae_clock_sweep as sweep

    result = sweep()
    logger.info(
        "event=reminder_sweep app=safety %s", " ".join(f"{k}={v}" for k, v in result.items())
    )
    return result
