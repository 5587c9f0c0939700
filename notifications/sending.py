"""Sending the reminders' emails, at least once (docs/operations.md, "Reminder emails").

The Celery tasks of `notifications/tasks.py` call these; the services enqueue those
tasks. Kept apart from `notifications/services.py` so that the two do not import each
other.

Each email goes out in its recipient's language (dressdb.i18n: their own choice, else
their sites' language, else the default): the title from the catalogue, the message as it
was written in that language when raised (`Reminder.translations`), else as stored; the
fixed words through gettext. The sweep reads the languages of every recipient once per
batch, not once per reminder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from dressdb.i18n import language_for_user, languages_for_users
from notifications.models import Reminder


def _message_id(reminder_id: int, created_at: dt.datetime) -> str:
    """The same Message-ID for every copy of a reminder's email: a copy sent again after
    a worker died between the send and the commit is recognisable as the same message."""
    host = urlsplit(settings.SITE_URL).hostname or "dressdb.invalid"
    return f"<reminder-{reminder_id}.{created_at:%Y%m%d%H%M%S}@{host}>"


def _email(row: Mapping[str, Any], language: str, connection: Any) -> EmailMessage:
    """A reminder's email in `language`: the title and the message as the to-do list
    shows them to a reader of that language (`Reminder.title_shown`, `message_shown`)."""
    reminder = Reminder(
        title=row["title"], message=row["message"], translations=row["translations"]
    )
    with translation.override(language):
        url = f"{settings.SITE_URL}{reverse('todo_list')}"
        body = gettext("Your to-do list: %(url)s") % {"url": url}
        return EmailMessage(
            subject=f"[dressdb] {reminder.title_shown}",
            body=f"{reminder.message_shown}\n\n{body}\n",
            to=[row["user__email"]],
            headers={
                "Message-ID": _message_id(row["pk"], row["created_at"]),
                "Content-Language": language,
            },
            connection=connection,
        )


def reminder_email_send(
    *,
    reminder_id: int | None = None,
    connection: Any = None,
    languages: Mapping[int, str] | None = None,
) -> int | None:
    """Email one reminder (that one, or the oldest open one not yet emailed), at least once.

    One transaction: lock the row (a concurrent sender skips it), stamp `emailed_at`, send,
    commit. A worker that dies before the commit leaves the row unstamped and unlocked
    (the database rolls the transaction back), so the next sweep sends it: an email is
    never lost, and sent twice only if the worker died after the mail server took it and
    before the commit (docs/operations.md, "Reminder emails"). A closed reminder, or a
    user without an address, is stamped without an email.
    The email is in the recipient's language: from `languages` (user id -> language,
    read once for a batch), else read for this recipient (`language_for_user`).
    Returns the id of the reminder handled, 0 if another sender took it first, None if
    there is none to handle."""
    with transaction.atomic():
        rows = Reminder.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            emailed_at__isnull=True
        )
        if reminder_id is not None:
            rows = rows.filter(pk=reminder_id)
        else:
            rows = rows.filter(status=Reminder.Status.OPEN).order_by("pk")
        row = rows.values(
            "pk",
            "status",
            "title",
            "message",
            "translations",
            "created_at",
            "user_id",
            "user__email",
        ).first()
        if row is None:
            return None
        # The conditional update also claims the row where SELECT FOR UPDATE is a no-op
        # (SQLite: the write lock); 0 rows means another sender stamped it first.
        if not Reminder.objects.filter(pk=row["pk"], emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        ):
            return 0
        if row["status"] == Reminder.Status.OPEN and row["user__email"]:
            language = (languages or {}).get(row["user_id"]) or language_for_user(row["user_id"])
            if connection is not None:
                connection.open()  # once: a no-op while it is open
            _email(row, language, connection).send()
    return int(row["pk"])


def reminder_emails_send(*, limit: int | None = None) -> int:
    """Email every open reminder not yet emailed (up to `limit`), one transaction each,
    over one mail-server connection. Several workers may run it at once: each skips the
    rows another is sending. The recipients' languages are read once, before the first
    (a reminder raised meanwhile for another user reads its recipient's). Returns the
    number handled."""
    handled = 0
    recipients = (
        Reminder.objects.filter(status=Reminder.Status.OPEN, emailed_at__isnull=True)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    languages = languages_for_users(recipients)
    connection = get_connection()  # opened at the first email, not for none
    try:
        while limit is None or handled < limit:
            done = reminder_email_send(connection=connection, languages=languages)
            if done is None:
                break
            handled += 1 if done else 0
    finally:
        connection.close()
    return handled
