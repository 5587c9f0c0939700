"""The cross-cutting core: sites, staff roles and the security log."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone (e.g. Europe/Paris).")


class Site(models.Model):
    code = models.CharField(
        max_length=10,
        unique=True,
        help_text=gettext_lazy("Short upper-case code used in study IDs, e.g. USC."),
    )
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    active = models.BooleanField(default=True)
    # Issue 21 (trial administration): the site's language, investigator and target.
    language = models.CharField(max_length=10, default="en", help_text=gettext_lazy("e.g. en, fr."))
    principal_investigator = models.CharField(max_length=150, blank=True)
    target_enrolment = models.PositiveIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z0-9]{2,10}$"),
                name="site_code_upper_alnum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    COORDINATOR = "coordinator", gettext_lazy("Site coordinator")
    INVESTIGATOR = "investigator", gettext_lazy("Investigator")
    PHARMACIST = "pharmacist", gettext_lazy("Pharmacist")
    STATISTICIAN = "statistician", gettext_lazy("Statistician / data manager")
    ADMIN = "admin", gettext_lazy("Trial admin")
    MONITOR = "monitor", gettext_lazy("Monitor (CRA)")


class StaffMembership(models.Model):
    """Ties a user to one site with one role. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Issue 21: a membership counts from start_on to end_on inclusive (UTC dates; empty:
    # open). dressdb.access reads only current memberships.
    start_on = models.DateField(null=True, blank=True)
    end_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["site__code", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site", "role"], name="one_membership_per_user_site_role"
            ),
            models.CheckConstraint(
                condition=models.Q(start_on__isnull=True)
                | models.Q(end_on__isnull=True)
                | models.Q(end_on__gte=models.F("start_on")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.site.code}"


class SecurityEvent(models.Model):
    """Append-only log of logins, failed logins, role changes, exports, randomizations."""

    class Kind(models.TextChoices):
        LOGIN = "login", gettext_lazy("Login")
        LOGOUT = "logout", gettext_lazy("Logout")
        LOGIN_FAILED = "login_failed", gettext_lazy("Failed login")
        ROLE_CHANGE = "role_change", gettext_lazy("Role change")
        EXPORT = "export", gettext_lazy("Export")
        RANDOMIZATION = "randomization", gettext_lazy("Randomization")
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", gettext_lazy("Two-factor set up")
        TWO_FACTOR_VERIFIED = "two_factor_verified", gettext_lazy("Two-factor code accepted")
        TWO_FACTOR_FAILED = "two_factor_failed", gettext_lazy("Two-factor code refused")
        BACKUP_CODES_ISSUED = "backup_codes_issued", gettext_lazy("Backup codes issued")
        LOCKED_OUT = "locked_out", gettext_lazy("Locked out (account or address)")
        UNLOCKED = "unlocked", gettext_lazy("Lockout lifted by an admin")
        SIGNED = "signed", gettext_lazy("Electronic signature")
        SIGNATURE_FAILED = "signature_failed", gettext_lazy("Signature refused (wrong password)")
        SIGNATURE_VOIDED = "signature_voided", gettext_lazy("Signature voided")
        API_TOKEN_CREATED = "api_token_created", gettext_lazy("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", gettext_lazy("API token revoked")
        API_TOKEN_USED = "api_token_used", gettext_lazy("API token used (first use of the day)")
        USER_INVITED = "user_invited", gettext_lazy("User invited")
        INVITATION_ACCEPTED = "invite_accepted", gettext_lazy("Invitation accepted")
        USER_DEACTIVATED = "user_deactivated", gettext_lazy("User deactivated")
        SITE_CHANGE = "site_change", gettext_lazy("Site created or changed")
        DELEGATION_CHANGE = "delegation_change", gettext_lazy("Delegation granted or ended")
        DUTY_REFUSED = "duty_refused", gettext_lazy("Action refused outside delegation or training")
        TRAINING_CHANGE = "training_change", gettext_lazy("Training record added or changed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S}Z {self.kind} {self.username}"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the beat's heartbeat task (shown by /healthz)."""

    name = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}Z"


class ApiToken(models.Model):
    """An API token. Only its SHA-256 hash is stored; the token is shown once (dressdb/tokens.py).

    `prefix` is the token's first characters, not secret: it finds the row and lets a
    user tell their tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name}, {self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class Signature(models.Model):
    """A Part 11 electronic signature (21 CFR 11.50, 11.70): written by dressdb.signing only.

    It names the signer (printed name), the UTC time and the meaning, and is bound to the
    signed record (a generic reference), to the record's history row at signing and to a
    SHA-256 fingerprint of the signed data. A later change voids it with a reason; the
    row and its history are kept.
    """

    class Meaning(models.TextChoices):
        REVIEWED_APPROVED = "reviewed and approved", gettext_lazy("Reviewed and approved")
        DOSING_DECISION = "dosing decision authorised", gettext_lazy("Dosing decision authorised")
        DELEGATION = "delegation authorised", gettext_lazy("Delegation authorised")

    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    printed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField(help_text=gettext_lazy("UTC."))
    meaning = models.CharField(max_length=40, choices=Meaning.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    record_history_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=gettext_lazy("The signed record's history row at signing.")
    )
    fingerprint = models.CharField(
        max_length=64, help_text=gettext_lazy("SHA-256 of the signed data.")
    )
    summary = models.JSONField(
        default=list, blank=True, help_text=gettext_lazy("What the signer saw.")
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="signature_record")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voided_at__isnull=True) | ~models.Q(voided_reason=""),
                name="signature_void_has_reason",
            ),
        ]

    def __str__(self) -> str:
        state = f" (void: {self.voided_reason})" if self.voided_at else ""
        return f"{self.printed_name}, {self.signed_at:%Y-%m-%d %H:%M:%S} UTC, {self.meaning}{state}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class EditFreeze(models.Model):
    """A data freeze or database lock (issue 18): while active, no clinical edit is saved.

    Written by the datamanagement app; read by the domain services' data-entry check
    (`enrollment.services.data_entry_allowed`). It lives on the core floor so every domain
    app may read it without importing the top floor. A participant-level freeze holds the
    participant's id (no foreign key: the core does not know the participant table); a
    study-level one (freeze or lock) has none. Releasing a lock needs a second person.
    """

    class Kind(models.TextChoices):
        FREEZE = "freeze", gettext_lazy("Freeze")
        LOCK = "lock", gettext_lazy("Database lock")

    kind = models.CharField(max_length=6, choices=Kind.choices)
    participant_id = models.PositiveBigIntegerField(
        null=True, blank=True, db_index=True, help_text=gettext_lazy("Empty: the whole study.")
    )
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True)
    snapshot = models.JSONField(
        default=dict,
        blank=True,
        help_text=gettext_lazy("Database lock: SHA-256 of each exported file."),
    )
    release_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_reason = models.TextField(blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="lock") | models.Q(participant_id__isnull=True),
                name="editfreeze_lock_is_study_wide",
            ),
        ]

    def __str__(self) -> str:
        scope = "study" if self.participant_id is None else f"participant {self.participant_id}"
        return f"{self.get_kind_display()} of the {scope}"


class Duty(models.TextChoices):
    """The trial duties of a site delegation log (issue 21)."""

    SCREENING = "screening", gettext_lazy("Screening")
    CONSENT = "consent", gettext_lazy("Consent")
    RANDOMIZATION = "randomization", gettext_lazy("Randomization")
    DOSING_DECISIONS = "dosing_decisions", gettext_lazy("Dosing decisions")
    DRUG_DISPENSING = "drug_dispensing", gettext_lazy("Drug dispensing")
    DATA_ENTRY = "data_entry", gettext_lazy("Data entry")
    SIGN_OFF = "sign_off", gettext_lazy("Sign-off")


class Delegation(models.Model):
    """One line of a site's delegation log: a user delegated one duty, from start to end.

    Written by trialadmin; read by `dressdb.delegation.require_duty`. A line counts once
    the site investigator signed it (dressdb.signing, meaning "delegation authorised").
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="delegations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations"
    )
    duty = models.CharField(max_length=20, choices=Duty.choices)
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["site__code", "user__username", "duty", "start_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True)
                | models.Q(end_on__gte=models.F("start_on")),
                name="delegation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_duty_display()} at {self.site.code}"


class UserPreference(models.Model):
    """A user's own settings; today the language of the pages (dressdb.i18n)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    # "" = the language of the user's sites (dressdb.i18n.language_for_user).
    language = models.CharField(max_length=10, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user}: {self.language or 'site language'}"


TRAINING_CERTIFICATE_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}
TRAINING_CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024


def training_certificate_path(instance: "TrainingRecord", filename: str) -> str:
    return f"training/{instance.user_id}/{filename}"


class TrainingRecord(models.Model):
    """A course a staff member completed (issue 21), entered by an admin.

    Read by `dressdb.delegation` (each duty may require courses, TRIAL_REQUIRED_TRAINING):
    a record counts from `completed_on` to `valid_until` (empty: does not expire). The
    certificate file is stored through STORAGES["default"]. Never deleted: a correction is
    an edit with a reason (history).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records"
    )
    course = models.CharField(max_length=100, help_text=gettext_lazy("e.g. GCP, protocol."))
    completed_on = models.DateField()
    valid_until = models.DateField(
        null=True, blank=True, help_text=gettext_lazy("Empty: does not expire.")
    )
    certificate = models.FileField(upload_to=training_certificate_path, blank=True, max_length=300)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username", "course", "-completed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("completed_on")),
                name="training_valid_after_completion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.course} ({self.completed_on})"
