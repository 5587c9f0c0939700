"""Stored regimens: the engine (dosing/protocol.py) is the one source of truth.

Orders, events and the regimen's state are always what `plan_regimen` gives for the
participant's inputs and signed decisions; services only store that plan, never alter
an order that is already due or past.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from dosing.administration_rules import STATUS_LABELS as ADMIN_STATUS_LABELS
from dosing.administration_rules import Status as AdminStatus
from dosing.protocol import (
    ARM_LABELS,
    BLOCK_LABELS,
    DRUG_LABELS,
    EVENT_TYPE_LABELS,
    IMPROVEMENT_LABELS,
    LABS_TREND_LABELS,
    ROUTE_LABELS,
    STATE_LABELS,
    Arm,
    Block,
    Drug,
    EventType,
    Improvement,
    LabsTrend,
    Route,
    State,
)
from dressdb.choices import choices

ARM_CHOICES = choices(Arm, ARM_LABELS)
DRUG_CHOICES = choices(Drug, DRUG_LABELS)
ROUTE_CHOICES = choices(Route, ROUTE_LABELS)
IMPROVEMENT_CHOICES = choices(Improvement, IMPROVEMENT_LABELS)
TREND_CHOICES = choices(LabsTrend, LABS_TREND_LABELS)
STATE_CHOICES = choices(State, STATE_LABELS)
BLOCK_CHOICES = choices(Block, BLOCK_LABELS)
EVENT_TYPE_CHOICES = choices(EventType, EVENT_TYPE_LABELS)


class Regimen(models.Model):
    participant = models.OneToOneField(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="regimen"
    )
    randomized_arm = models.CharField(max_length=12, choices=ARM_CHOICES)
    day1 = models.DateField(help_text=gettext_lazy("Study day 1 (first dose), site-local date."))
    state = models.CharField(max_length=20, choices=STATE_CHOICES)
    current_arm = models.CharField(max_length=12, choices=ARM_CHOICES)
    current_block = models.CharField(max_length=20, blank=True)
    next_decision_day = models.PositiveSmallIntegerField(null=True, blank=True)
    next_decision_date = models.DateField(null=True, blank=True, db_index=True)
    relapse_day = models.PositiveSmallIntegerField(null=True, blank=True)
    relapse_reason = models.TextField(blank=True)
    switched_on_day = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Regimen of {self.participant}"


class Assessment(models.Model):
    """An assessment and the investigator's e-signed decision on a decision day."""

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="assessments"
    )
    regimen = models.ForeignKey(Regimen, on_delete=models.PROTECT, related_name="assessments")
    number = models.PositiveSmallIntegerField(
        help_text=gettext_lazy("1 for the first decision, and so on.")
    )
    study_day = models.PositiveSmallIntegerField()
    block = models.CharField(max_length=20)
    # Organ labs today and at baseline (empty when not measured).
    alt = models.DecimalField("ALT (U/L)", max_digits=7, decimal_places=1, null=True, blank=True)
    ast = models.DecimalField("AST (U/L)", max_digits=7, decimal_places=1, null=True, blank=True)
    bilirubin = models.DecimalField(
        "bilirubin (mg/dL)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    creatinine = models.DecimalField(
        "creatinine (mg/dL)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    eosinophils = models.DecimalField(
        "eosinophils (x10⁹/L)", max_digits=6, decimal_places=3, null=True, blank=True
    )
    baseline_alt = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    baseline_ast = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    baseline_bilirubin = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    baseline_creatinine = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    baseline_eosinophils = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True
    )
    other_findings = models.TextField(blank=True)
    suggested_improvement = models.CharField(max_length=8, blank=True)
    suggested_labs_trend = models.CharField(max_length=4, blank=True)
    improvement = models.CharField(max_length=8, choices=IMPROVEMENT_CHOICES)
    labs_trend = models.CharField(max_length=4, choices=TREND_CHOICES)
    result = models.CharField(
        max_length=20, blank=True, help_text=gettext_lazy("What the decision led to.")
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    printed_name = models.CharField(max_length=150)
    signature_meaning = models.CharField(max_length=300)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "number"], name="one_assessment_per_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} decision {self.number} (day {self.study_day})"


class Order(models.Model):
    """One drug on one study day: what the pharmacy dispenses."""

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="orders"
    )
    regimen = models.ForeignKey(Regimen, on_delete=models.PROTECT, related_name="orders")
    day = models.PositiveSmallIntegerField()
    date = models.DateField(db_index=True)
    drug = models.CharField(max_length=20, choices=DRUG_CHOICES)
    route = models.CharField(max_length=2, choices=ROUTE_CHOICES)
    dose_mg = models.DecimalField(
        "dose per administration (mg)",
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    calculated_dose_mg = models.DecimalField(max_digits=9, decimal_places=3)
    times_per_day = models.PositiveSmallIntegerField()
    daily_dose_mg = models.DecimalField(max_digits=8, decimal_places=2)
    block = models.CharField(max_length=20)
    pharmacist_to_verify = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "day", "drug"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "day", "drug"], name="one_order_per_drug_per_day"
            ),
            models.CheckConstraint(condition=models.Q(dose_mg__gt=0), name="order_dose_positive"),
            models.CheckConstraint(
                condition=models.Q(times_per_day__gte=1), name="order_times_per_day_positive"
            ),
        ]
        # Today's orders and the reminder sweep (tomorrow's orders) look orders up by date.
        indexes = [models.Index(fields=["date", "participant"], name="order_date_participant")]

    def __str__(self) -> str:
        return f"{self.participant} day {self.day}: {self.drug} {self.dose_mg} mg {self.route}"


class RegimenEvent(models.Model):
    """Stop, relapse, switch, off protocol: with the study day and the reason."""

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="regimen_events"
    )
    regimen = models.ForeignKey(Regimen, on_delete=models.PROTECT, related_name="events")
    day = models.PositiveSmallIntegerField()
    date = models.DateField()
    type = models.CharField(max_length=14)
    to_arm = models.CharField(max_length=12, blank=True)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "day", "type"], name="one_event_per_type_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} day {self.day}: {self.type}"


# --- Administrations (issue 19): what was actually given ---------------------------------

ADMIN_STATUS_CHOICES = choices(AdminStatus, ADMIN_STATUS_LABELS)


class Administration(models.Model):
    """One ordered administration of an order (an order given twice a day has two) and
    what happened: given, given late, held, refused or missed."""

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="administrations"
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="administrations")
    number = models.PositiveSmallIntegerField(
        help_text=gettext_lazy("1..times per day of the order.")
    )
    status = models.CharField(max_length=12, choices=ADMIN_STATUS_CHOICES)
    dose_mg = models.DecimalField(
        "dose given (mg)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    route = models.CharField(max_length=2, choices=ROUTE_CHOICES, blank=True)
    given_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("UTC; shown in site time.")
    )
    given_by = models.CharField("given by", max_length=150, blank=True)
    reason = models.TextField(
        blank=True, help_text=gettext_lazy("Why, for anything other than given as ordered.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "order__date", "order__drug", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "number"], name="one_administration_per_ordered_dose"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="administration_number_positive"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status__in=["given", "given_late"],
                        dose_mg__gt=0,
                        given_at__isnull=False,
                    )
                    | models.Q(
                        status__in=["held", "refused", "missed"],
                        dose_mg__isnull=True,
                        given_at__isnull=True,
                    )
                ),
                name="administration_dose_iff_given",
            ),
        ]
        indexes = [models.Index(fields=["participant", "order"], name="administration_participant")]

    def __str__(self) -> str:
        return f"{self.order} #{self.number}: {self.status}"


class DailyMonitoring(models.Model):
    """Optional cyclosporine monitoring of a day (trough, blood pressure, creatinine)."""

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="daily_monitoring"
    )
    date = models.DateField(help_text=gettext_lazy("Site-local date."))
    csa_trough_ng_ml = models.DecimalField(
        "cyclosporine trough (ng/mL)",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    systolic_mmhg = models.PositiveSmallIntegerField("systolic BP (mmHg)", null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField("diastolic BP (mmHg)", null=True, blank=True)
    creatinine_mg_dl = models.DecimalField(
        "creatinine (mg/dL)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "date"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "date"], name="one_monitoring_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} monitoring {self.date}"
