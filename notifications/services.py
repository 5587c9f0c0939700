"""Writes of the notifications app: raise reminders and alerts, close, dismiss, email.

Domain apps own their reminder rules (`dosing/reminders.py`, `outcomes/reminders.py`)
and call these services; this app never reads a domain model.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from dressdb.access import current_membership_q
from dressdb.models import Role, Site, StaffMembership
from notifications.models import Reminder

logger = logging.getLogger(__name__)


def site_today(site: Site) -> dt.date:
    return timezone.localdate(timezone=site.tz)


@dataclass(frozen=True)
class Text:
    """A reminder's message in English (stored as `message`) and in each other language
    of the trial (stored in `translations`), made once per subject by `in_languages`."""

    english: str
    others: dict[str, str] = field(default_factory=dict)


def in_languages(build: Callable[..., object], /, *args: Any, **kwargs: Any) -> Text:
    """The message `build(*args, **kwargs)` makes (with gettext and the page formats) in
    every language of settings.LANGUAGES: English to store, the others to show."""
    with translation.override(settings.LANGUAGE_CODE):
        english = str(build(*args, **kwargs))[:500]
    others = {}
    for code, _name in settings.LANGUAGES:
        if code != settings.LANGUAGE_CODE:
            with translation.override(code):
                others[code] = str(build(*args, **kwargs))[:500]
    return Text(english, others)


def _english(title: object) -> str:
    """A title as stored: English (a lazy label made during a French page is still
    written in English; the to-do list translates it when shown)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(title)[:100]


def _message(message: str | Text) -> tuple[str, dict[str, str]]:
    if isinstance(message, Text):
        return message.english[:500], dict(message.others)
    return message[:500], {}


def reminder_new(
    *,
    user_id: int,
    subject: models.Model,
    kind: str,
    title: str | Promise,
    due_date: dt.date,
    message: str | Text,
    site_id: int | None = None,
    label: str = "",
    url: str = "",
) -> Reminder:
    """An unsaved reminder, for `reminders_raise` (content types are cached per process).
    The title is an English constant marked with gettext_noop (translated when shown);
    the message a `Text` from `in_languages` (or plain English)."""
    english, others = _message(message)
    return Reminder(
        user_id=user_id,
        site_id=site_id,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        kind=kind,
        title=_english(title),
        label=label[:40],
        url=url[:200],
        due_date=due_date,
        message=english,
        translations=others,
    )


def _key(reminder: Reminder) -> tuple[int, int, int, str, dt.date]:
    return (
        reminder.user_id,
        reminder.subject_type_id,
        reminder.subject_id,
        reminder.kind,
        reminder.due_date,
    )


def _not_raised_yet(wanted: list[Reminder]) -> list[Reminder]:
    """The reminders whose unique key is not in the table yet: one read, so that the next
    sweep does not send every reminder again to the database (the INSERT's ON CONFLICT
    still settles a race with another sweep)."""
    if not wanted:
        return wanted
    existing = set(
        Reminder.objects.filter(
            kind__in={r.kind for r in wanted},
            subject_type_id__in={r.subject_type_id for r in wanted},
            due_date__in={r.due_date for r in wanted},
        ).values_list("user_id", "subject_type_id", "subject_id", "kind", "due_date")
    )
    return [r for r in wanted if _key(r) not in existing]


def reminders_raise(reminders: Iterable[Reminder]) -> dict[str, int]:
    """Insert the reminders that do not exist yet (the unique key makes a second run a
    no-op), then enqueue one task that emails every open reminder not yet emailed. Three
    queries whatever the number of reminders (SQLite batches the INSERT)."""
    wanted = list(reminders)
    Reminder.objects.bulk_create(_not_raised_yet(wanted), ignore_conflicts=True)
    unsent = Reminder.objects.filter(status=Reminder.Status.OPEN, emailed_at__isnull=True).count()
    if unsent:
        enqueue_email_sweep()
    return {"candidates": len(wanted), "unsent": unsent}


def _enqueue_now(task: Any, *args: Any) -> bool:
    """Enqueue a task. A broker that is down is logged and left: the next sweep sends
    every reminder not yet emailed (a send stamps each one, so none is sent twice)."""
    try:
        task.delay(*args)
    except Exception:  # kombu OperationalError and friends: never fail the page
        logger.exception(
            "event=enqueue_failed task=%s args=%s left_for_next_sweep=1", task.name, args
        )
        return False
    return True


def enqueue_emails(reminder_ids: Iterable[int]) -> None:
    """Enqueue each reminder's email after the transaction commits (never for a
    rolled-back one): for alerts, a few at a time."""
    from notifications.tasks import reminder_email

    ids = list(reminder_ids)

    def now() -> None:
        for reminder_id in ids:
            if not _enqueue_now(reminder_email, reminder_id):
                return  # the broker is down: the rest would wait for it in vain

    if ids:
        transaction.on_commit(now)


def enqueue_email_sweep() -> None:
    """Enqueue one task that emails every reminder not yet emailed, after the commit: a
    sweep enqueues one message whatever the number of reminders."""
    from notifications.tasks import reminder_emails_send

    transaction.on_commit(lambda: _enqueue_now(reminder_emails_send))


def users_with_roles(site: Site, roles: Iterable[str]) -> list[User]:
    roles = list(roles)
    trial_wide = [r for r in roles if r in (Role.ADMIN, Role.STATISTICIAN)]
    memberships = StaffMembership.objects.filter(
        Q(site=site, role__in=roles) | Q(role__in=trial_wide),
        current_membership_q(),  # in force today (issue 21)
        active=True,
        user__is_active=True,
    ).select_related("user")
    return list({m.user_id: m.user for m in memberships}.values())


def alert_raise(
    *,
    site: Site,
    subject: models.Model | None,
    kind: str,
    title: str | Promise,
    message: str | Text,
    roles: tuple[str, ...],
    label: str = "",
    url: str = "",
) -> None:
    """An immediate to-do item and email for every user with those roles at that site.

    The subject is the record the alert is about (the site itself if None). The title
    is an English constant marked with gettext_noop; the message a `Text` from
    `in_languages` (or plain English)."""
    english, others = _message(message)
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
                    "title": _english(title),
                    "label": label[:40],
                    "url": url[:200],
                    "message": english,
                    "translations": others,
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
