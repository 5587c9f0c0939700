"""Queries (discrepancy notes) with their message threads, source data verification,
and the participant's casebook (what the investigator signs). Issue 18.

The freeze and lock flags live on the core floor (`dressdb.models.EditFreeze`) so that the
domain services can honour them without importing this top-floor app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords


class Query(models.Model):
    """A question about one field of one record of one participant's form."""

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        ANSWERED = "answered", gettext_lazy("Answered")
        CLOSED = "closed", gettext_lazy("Closed")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    class Origin(models.TextChoices):
        MANUAL = "manual", gettext_lazy("Raised by a person")
        AUTO = "auto", gettext_lazy("Automatic edit check")

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="queries"
    )
    form = models.CharField(max_length=30, help_text='The form code, e.g. "visit".')
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    origin = models.CharField(max_length=6, choices=Origin.choices, default=Origin.MANUAL)
    rule = models.CharField(
        max_length=40, blank=True, help_text=gettext_lazy("Automatic: the rule's code.")
    )
    text = models.TextField(help_text=gettext_lazy("The question."))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correction_history_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=gettext_lazy("The record's history row of the correction.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name_plural = "queries"
        indexes = [
            models.Index(fields=["content_type", "object_id", "field"], name="query_field"),
            models.Index(fields=["status", "opened_at"], name="query_status_age"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(origin="auto") | ~models.Q(rule=""),
                name="query_auto_has_rule",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True)
                | models.Q(status__in=["closed", "cancelled"]),
                name="query_closed_at_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Query {self.pk} on {self.form}.{self.field} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.ANSWERED)

    @property
    def days_open(self) -> int:
        end = self.closed_at or timezone.now()
        return max(0, (end - self.opened_at).days)


class QueryMessage(models.Model):
    """One message of a query's thread (append-only)."""

    class Kind(models.TextChoices):
        OPENED = "opened", gettext_lazy("Opened")
        ANSWER = "answer", gettext_lazy("Answer")
        NOTE = "note", gettext_lazy("Note")
        CLOSED = "closed", gettext_lazy("Closed")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")
        REOPENED = "reopened", gettext_lazy("Re-opened")

    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class SdvRecord(models.Model):
    """Source data verification of one form record of a participant."""

    class Status(models.TextChoices):
        NOT_REQUIRED = "not_required", gettext_lazy("Not required")
        TO_VERIFY = "to_verify", gettext_lazy("To verify")
        VERIFIED = "verified", gettext_lazy("Verified")
        REVERIFY = "reverify", gettext_lazy("Needs re-verification")

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="sdv_records"
    )
    form = models.CharField(max_length=30)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_fingerprint = models.CharField(max_length=64, blank=True)
    verified_history_id = models.PositiveBigIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "form", "object_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "content_type", "object_id"], name="one_sdv_record_per_form_record"
            ),
        ]

    def __str__(self) -> str:
        return f"SDV {self.form} {self.object_id}: {self.status}"


class Casebook(models.Model):
    """The participant's casebook, as the investigator signs it (dressdb.signing binds the
    signature to this row: its `content_fingerprint` is a SHA-256 of every form's data)."""

    participant = models.OneToOneField(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="casebook"
    )
    content_fingerprint = models.CharField(max_length=64, blank=True)
    forms_signed = models.JSONField(default=list, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Casebook of {self.participant}"
