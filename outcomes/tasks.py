"""Celery tasks of the outcomes app. They take ids and call the services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="outcomes.reminder_sweep")
def reminder_sweep() -> dict[str, int]:
    """The visit reminders (beat entry "outcomes reminder sweep", every 15 minutes)."""
    from outcomes.reminders import visit_reminders_sweep

    result = visit_reminders_sweep()
    logger.info(
        "event=reminder_sweep app=outcomes %s", " ".join(f"{k}={v}" for k, v in result.items())
    )
    return result
