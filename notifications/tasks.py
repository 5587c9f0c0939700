"""Celery tasks of the notifications app. They take ids and call the services."""

from __future__ import annotations

import logging

from celery import shared_task

from notifications import sending

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.reminder_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def reminder_email(reminder_id: int) -> bool:
    """Send a reminder's email (an alert's): the row is locked, stamped and sent in one
    transaction; a repeated delivery finds it stamped (docs/operations.md)."""
    if not sending.reminder_email_send(reminder_id=reminder_id):
        return False  # stamped already, or being sent by another worker
    logger.info("event=reminder_emailed reminder=%s", reminder_id)
    return True


@shared_task(
    name="notifications.reminder_emails_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def reminder_emails_send() -> int:
    """Every open reminder not yet emailed (enqueued once by each sweep that leaves some)."""
    handled = sending.reminder_emails_send()
    logger.info("event=reminder_emails_sent handled=%s", handled)
    return handled
