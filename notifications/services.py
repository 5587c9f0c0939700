"""Writes of the notifications app: raise reminders and alerts, close, dismiss, email.

Domain apps own their reminder rules (`dosing/reminders.py`, `outcomes/reminders.py`)
and call these services; this app never reads a domain model.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from dressdb.models import Role, Site, StaffMembership
from notifications.models import Reminder

logger = logging.getLogger(__name__)


def site_today(site: Site) -> dt.date:
    return timezone.localdate(timezone=site.tz)


def reminder_new(
    *,
    user_id: int,
    subject: models.Model,
    kind: str,
    title: str,
    due_date: dt.date,
    message: str,
    site_id: int | None = None,
    label: str = "",
    url: str = "",
) -> Reminder:
    """An unsaved reminder, for `reminders_raise` (content types are cached per process)."""
    return Reminder(
        user_id=user_id,
        site_id=site_id,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        kind=kind,
        title=title[:100],
        label=label[:40],
        url=url[:200],
        due_date=due_date,
        message=message[:500],
    )


def reminders_raise(reminders: Iterable[Reminder]) -> dict[str, int]:
    """Insert the reminders that do not exist yet (the unique key makes a second run a
    no-op), then enqueue the email of every open reminder not yet emailed. Two queries
    whatever the number of reminders (SQLite batches the INSERT)."""
    wanted = list(reminders)
    Reminder.objects.bulk_create(wanted, ignore_conflicts=True)
    unsent = list(
        Reminder.objects.filter(status=Reminder.Status.OPEN, emailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    enqueue_emails(unsent)
    return {"candidates": len(wanted), "unsent": len(unsent)}


def _enqueue_emails_now(reminder_ids: list[int]) -> None:
    """Enqueue each email. A broker that is down is logged once and the rest are left:
    they would each wait for the broker in vain, and the next sweep sends every reminder
    not yet emailed (the task stamps each one, so none is sent twice)."""
    from notifications.tasks import reminder_email

    for n, reminder_id in enumerate(reminder_ids):
        try:
            reminder_email.delay(reminder_id)
        except Exception:  # kombu OperationalError and friends: never fail the page
            logger.exception(
                "event=enqueue_failed task=reminder_email reminder=%s left_for_next_sweep=%s",
                reminder_id,
                len(reminder_ids) - n - 1,
            )
            return


def enqueue_emails(reminder_ids: Iterable[int]) -> None:
    """Enqueue the emails after the transaction commits (never for a rolled-back one)."""
    ids = list(reminder_ids)
    if ids:
        transaction.on_commit(lambda: _enqueue_emails_now(ids))


def users_with_roles(site: Site, roles: Iterable[str]) -> list[User]:
    roles = list(roles)
    trial_wide = [r for r in roles if r in (Role.ADMIN, Role.STATISTICIAN)]
    memberships = StaffMembership.objects.filter(
        Q(site=site, role__in=roles) | Q(role__in=trial_wide), active=True, user__is_active=True
    ).select_related("user")
    return list({m.user_id: m.user for m in memberships}.values())


def alert_raise(
    *,
    site: Site,
    subject: models.Model | None,
    kind: str,
    title: str,
    message: str,
    roles: tuple[str, ...],
    label: str = "",
    url: str = "",
) -> None:
    """An immediate to-do item and email for every user with those roles at that site.

    The subject is the record the alert is about (the site itself if None)."""
    today = site_today(site)
    about = subject if subject is not None else site
    subject_type = ContentType.objects.get_for_model(about)
    created = []
    with transaction.atomic():
        for user in users_with_roles(site, roles):
            reminder, new = Reminder.objects.get_or_create(
                user=user,
                subject_type=subject_type,
                subject_id=about.pk,
                kind=kind,
                due_date=today,
                defaults={
                    "site": site,
                    "title": title[:100],
                    "label": label[:40],
                    "url": url[:200],
                    "message": message[:500],
                },
            )
            if new:
                created.append(reminder.pk)
        enqueue_emails(created)


def reminders_close(*, subject: models.Model, kind: str = "") -> int:
    """Close the open reminders about a subject (all of them, or those of one kind)."""
    rows = Reminder.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        status=Reminder.Status.OPEN,
    )
    if kind:
        rows = rows.filter(kind=kind)
    return rows.update(status=Reminder.Status.CLOSED, closed_at=timezone.now())


def reminder_dismiss(*, reminder_id: int, user: Any) -> Reminder:
    reminder = Reminder.objects.filter(pk=reminder_id, user=user).first()
    if reminder is None:
        raise ValidationError({"reminder": gettext("No such reminder on your list.")})
    reminder.status = Reminder.Status.DISMISSED
    reminder.closed_at = timezone.now()
    reminder.save(update_fields=["status", "closed_at"])
    return reminder
