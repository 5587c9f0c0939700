"""Reminders and alerts: the to-do list and its emails.

A reminder is about a generic subject (a visit, a participant, a site: any row, through
the content types framework), so this app knows no domain model. The domain rule that
raises it stores what the to-do list shows: a title (the kind's label), a label (e.g. the
study ID), the message and the URL of the page to open.

Languages (issue 16 item 9): the title and the message are stored in English (exports,
history, rows written before). The title is a constant marked with gettext_noop where it
is made, translated when shown; the message, which has parameters (dates, visit names,
block names), is also written in each other language of the trial when it is raised
(`translations`), and shown in the reader's language, else as stored. The emails read
them the same way, in the recipient's language (notifications/sending.py).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy


class Reminder(models.Model):
    """A to-do item and its email. The unique key makes each reminder happen once."""

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        CLOSED = "closed", gettext_lazy("Done")
        DISMISSED = "dismissed", gettext_lazy("Dismissed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    site = models.ForeignKey(
        "dressdb.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    kind = models.CharField(max_length=40, help_text='e.g. "visit_due", "decision_due"')
    title = models.CharField(
        max_length=100, help_text=gettext_lazy("The kind's label, e.g. Visit due today")
    )
    label = models.CharField(max_length=40, blank=True, help_text=gettext_lazy("e.g. the study ID"))
    url = models.CharField(max_length=200, blank=True, help_text=gettext_lazy("The page to open"))
    due_date = models.DateField()
    message = models.CharField(max_length=500)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text=gettext_lazy("The message in the other languages, by language code"),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "subject_type", "subject_id", "kind", "due_date"],
                name="notifications_one_per_user_subject_kind_day",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["subject_type", "subject_id", "status"]),
            # The emails still to send: the sweep's count and the sender's next row read
            # this small index, not the whole (growing) table.
            models.Index(
                fields=["id"],
                condition=models.Q(status="open", emailed_at__isnull=True),
                name="notifications_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"

    @property
    def title_shown(self) -> str:
        """The title in the reader's language (a catalogue entry), else as stored."""
        return gettext(self.title) if self.title else ""

    @property
    def message_shown(self) -> str:
        """The message in the reader's language when it was written in it, else as stored
        (English; rows raised before the translations were kept)."""
        language = translation.get_language() or ""
        texts = self.translations if isinstance(self.translations, dict) else {}
        shown = texts.get(language) or texts.get(language.split("-")[0])
        return str(shown) if shown else self.message
