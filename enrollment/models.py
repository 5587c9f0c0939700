"""Participants: enrolled patients. Screening lives beside them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from dressdb.models import Site


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"


class Participant(models.Model):
    """An enrolled, consented patient. Never deleted: withdrawn with a date and reason.

    Every clinical model carries a `participant` foreign key, which site scope
    (dressdb.access) and the audit trail (dressdb.audit) both rely on.
    """

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        WITHDRAWN = "withdrawn", "Withdrawn"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="participants")
    study_id = models.CharField(max_length=20, unique=True)
    site_sequence = models.PositiveIntegerField()
    enrolled_at = models.DateTimeField()
    consent_at = models.DateTimeField()
    consent_form_version = models.CharField(max_length=40)
    consent_obtained_by = models.CharField(
        max_length=150, help_text="Name of the person who obtained consent."
    )
    age = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(18), MaxValueValidator(120)]
    )
    sex = models.CharField(max_length=6, choices=Sex.choices)
    weight_kg = models.DecimalField(
        "baseline weight (kg)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("25")), MaxValueValidator(Decimal("350"))],
    )
    egfr = models.DecimalField(
        "eGFR (mL/min/1.73m2)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    on_dialysis = models.BooleanField(default=False)
    renal_impairment_computed = models.BooleanField(
        help_text="From eGFR and dialysis, per the protocol setting."
    )
    renal_impairment_override = models.BooleanField(
        null=True, blank=True, help_text="Investigator's override; empty keeps the computed value."
    )
    renal_impairment_override_reason = models.TextField(blank=True)
    npo = models.BooleanField("NPO (nothing by mouth)", default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENROLLED)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    study_day_1 = models.DateField(
        null=True, blank=True, help_text="Day of the first dose; set at randomization."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["site__code", "site_sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "site_sequence"], name="participant_unique_site_sequence"
            ),
            models.CheckConstraint(
                condition=models.Q(weight_kg__gte=25) & models.Q(weight_kg__lte=350),
                name="participant_weight_plausible",
            ),
            models.CheckConstraint(condition=models.Q(age__gte=18), name="participant_adult"),
            models.CheckConstraint(
                condition=models.Q(status="enrolled")
                | (models.Q(status="withdrawn") & models.Q(withdrawn_on__isnull=False)),
                name="participant_withdrawn_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.study_id

    @property
    def renal_impairment(self) -> bool:
        if self.renal_impairment_override is not None:
            return self.renal_impairment_override
        return self.renal_impairment_computed
