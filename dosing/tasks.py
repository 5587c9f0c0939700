"""Celery tasks of the dosing app. They take ids and call the services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="dosing.reminder_sweep")
def reminder_sweep() -> dict[str, int]:
    """Decisions due and tomorrow's orders (beat entry "dosing reminder sweep", every 15
    minutes)."""
    from dosing.reminders import dosing_reminders_sweep

    result = dosing_reminders_sweep()
    logger.info(
        "event=reminder_sweep app=dosing %s", " ".join(f"{k}={v}" for k, v in result.items())
    )
    return result
