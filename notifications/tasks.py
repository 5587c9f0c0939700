"""Celery tasks of the notifications app. They take ids and call the services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Reminder

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.reminder_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def reminder_email(reminder_id: int) -> bool:
    """Send a reminder's email once: the row is locked and stamped in one transaction."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update()
            .select_related("user")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.emailed_at is not None:
            return False
        if reminder.status != Reminder.Status.OPEN or not reminder.user.email:
            reminder.emailed_at = timezone.now()
            reminder.save(update_fields=["emailed_at"])
            return False
        send_mail(
            subject=f"[dressdb] {reminder.title}",
            message=f"{reminder.message}\n\nYour to-do list: "
            f"{settings.SITE_URL}{reverse('todo_list')}\n",
            from_email=None,
            recipient_list=[reminder.user.email],
        )
        reminder.emailed_at = timezone.now()
        reminder.save(update_fields=["emailed_at"])
    logger.info("event=reminder_emailed reminder=%s kind=%s", reminder_id, reminder.kind)
    return True
