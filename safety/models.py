"""Adverse events (with their SAE clock and follow-up versions), death reports.

The vocabulary is defined once in the pure cores (safety/rules.py, safety/terms.py);
the choices here are built from it. Term and system organ class tables are loaded from
safety/terms.py by the data migration 0002.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy
from simple_history.models import HistoricalRecords

from dressdb.choices import choices
from safety.deviations import KIND_LABELS, Kind
from safety.rules import (
    ACTION_LABELS,
    CRITERION_LABELS,
    GRADE_LABELS,
    OUTCOME_LABELS,
    RELATEDNESS_LABELS,
    Action,
    Criterion,
    Outcome,
    Relatedness,
)

RELATEDNESS_CHOICES = choices(Relatedness, RELATEDNESS_LABELS)
ACTION_CHOICES = choices(Action, ACTION_LABELS)
OUTCOME_CHOICES = choices(Outcome, OUTCOME_LABELS)
GRADE_CHOICES = [(int(g), gettext_lazy(label)) for g, label in GRADE_LABELS.items()]
DEVIATION_KIND_CHOICES = choices(Kind, KIND_LABELS)
AUTOPSY_CHOICES = [
    ("yes", gettext_lazy("Yes")),
    ("no", gettext_lazy("No")),
    ("unknown", gettext_lazy("Unknown")),
]


class SystemOrganClass(models.Model):
    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        """The name in the reader's language (the names are marked in safety/terms.py),
        else as stored."""
        return gettext(self.name)


class AeTerm(models.Model):
    """A curated CTCAE v5.0 term (or trial term graded as "Other, specify")."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    soc = models.ForeignKey(SystemOrganClass, on_delete=models.PROTECT, related_name="terms")
    ctcae = models.BooleanField("CTCAE v5.0 term", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AdverseEvent(models.Model):
    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="adverse_events"
    )
    term = models.ForeignKey(
        AeTerm, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    term_other = models.CharField(
        "other term (free text)",
        max_length=200,
        blank=True,
        help_text=gettext_lazy("When no term fits."),
    )
    soc = models.ForeignKey(
        SystemOrganClass,
        verbose_name=gettext_lazy("system organ class"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    onset_date = models.DateField()
    stop_date = models.DateField(null=True, blank=True)
    ongoing = models.BooleanField(default=False)
    grade = models.PositiveSmallIntegerField("CTCAE grade", choices=GRADE_CHOICES)
    serious = models.BooleanField(default=False)
    criterion_death = models.BooleanField("results in death", default=False)
    criterion_life_threatening = models.BooleanField("life-threatening", default=False)
    criterion_hospitalisation = models.BooleanField(
        "hospitalisation or its prolongation", default=False
    )
    criterion_disability = models.BooleanField("disability", default=False)
    criterion_congenital_anomaly = models.BooleanField("congenital anomaly", default=False)
    criterion_important_medical_event = models.BooleanField(
        "important medical event", default=False
    )
    related_cyclosporine = models.CharField(
        "relatedness to cyclosporine", max_length=12, choices=RELATEDNESS_CHOICES
    )
    related_corticosteroids = models.CharField(
        "relatedness to corticosteroids", max_length=12, choices=RELATEDNESS_CHOICES
    )
    expected_cyclosporine = models.BooleanField("expected for cyclosporine", default=False)
    expected_corticosteroids = models.BooleanField("expected for corticosteroids", default=False)
    action_cyclosporine = models.CharField(
        "action taken with cyclosporine", max_length=16, choices=ACTION_CHOICES
    )
    action_corticosteroids = models.CharField(
        "action taken with corticosteroids", max_length=16, choices=ACTION_CHOICES
    )
    outcome = models.CharField(max_length=24, choices=OUTCOME_CHOICES)
    aware_at = models.DateTimeField("site aware (UTC)")
    report_due_at = models.DateTimeField("initial SAE report due (UTC)", null=True, blank=True)
    reported_at = models.DateTimeField("initial SAE report signed (UTC)", null=True, blank=True)
    susar = models.BooleanField("SUSAR", default=False)
    version = models.PositiveSmallIntegerField(
        default=0, help_text=gettext_lazy("0: initial report; 1, 2, ...: follow-up reports.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id", "onset_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__gte=1, grade__lte=5), name="safety_ae_grade_1_5"
            ),
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True) | Q(stop_date__gte=models.F("onset_date")),
                name="safety_ae_stop_after_onset",
            ),
            models.CheckConstraint(
                condition=~Q(term__isnull=True, term_other=""), name="safety_ae_has_term"
            ),
            models.CheckConstraint(
                condition=Q(serious=False, report_due_at__isnull=True)
                | Q(serious=True, report_due_at__isnull=False),
                name="safety_ae_serious_has_clock",
            ),
        ]
        indexes = [models.Index(fields=["serious", "reported_at"])]

    def __str__(self) -> str:
        return f"{self.term_name} (grade {self.grade})"

    @property
    def term_name(self) -> str:
        return self.term.name if self.term_id and self.term else self.term_other

    @property
    def criteria(self) -> frozenset[str]:
        return frozenset(
            name for name in CRITERIA_FIELDS if getattr(self, f"criterion_{name}", False)
        )

    @property
    def criteria_labels(self) -> list[str]:
        return [
            gettext(CRITERION_LABELS[Criterion(name)])
            for name in CRITERIA_FIELDS
            if name in self.criteria
        ]


CRITERIA_FIELDS = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
)


class DeathReport(models.Model):
    """Asked for by an adverse event with outcome fatal."""

    adverse_event = models.OneToOneField(
        AdverseEvent, on_delete=models.PROTECT, related_name="death_report"
    )
    death_date = models.DateField("date of death")
    primary_cause = models.CharField(max_length=300)
    related_cyclosporine = models.CharField(
        "death related to cyclosporine", max_length=12, choices=RELATEDNESS_CHOICES
    )
    related_corticosteroids = models.CharField(
        "death related to corticosteroids", max_length=12, choices=RELATEDNESS_CHOICES
    )
    autopsy = models.CharField("autopsy performed", max_length=8, choices=AUTOPSY_CHOICES)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Death {self.death_date:%Y-%m-%d}: {self.primary_cause}"


ROUTE_CHOICES = [
    ("po", "Oral"),
    ("iv", "Intravenous"),
    ("sc", "Subcutaneous"),
    ("im", "Intramuscular"),
    ("topical", "Topical"),
    ("inhaled", "Inhaled"),
    ("other", "Other"),
]
UNIT_CHOICES = [
    ("mg", "mg"),
    ("g", "g"),
    ("mcg", "mcg"),
    ("ml", "mL"),
    ("iu", "IU"),
    ("units", "units"),
    ("other", "other"),
]
INTERACTION_CHOICES = [
    ("", "none"),
    ("inhibitor", "strong CYP3A4 inhibitor"),
    ("inducer", "strong CYP3A4 inducer"),
]


class ConcomitantMedication(models.Model):
    """One drug of the repeating concomitant-medication form."""

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="concomitant_medications"
    )
    drug = models.CharField(max_length=120)
    indication = models.CharField(max_length=200)
    dose = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    unit = models.CharField(max_length=8, choices=UNIT_CHOICES, blank=True)
    route = models.CharField(max_length=8, choices=ROUTE_CHOICES)
    frequency = models.CharField(max_length=60, blank=True, help_text='e.g. "bid", "once daily"')
    start_date = models.DateField()
    stop_date = models.DateField(null=True, blank=True)
    ongoing = models.BooleanField(default=False)
    culprit = models.BooleanField(
        "suspected culprit drug",
        default=False,
        help_text=gettext_lazy("Suspected of causing the DRESS episode."),
    )
    reaction_onset_date = models.DateField(
        "DRESS onset date",
        null=True,
        blank=True,
        help_text=gettext_lazy("For a culprit drug: its latency."),
    )
    cyp3a4 = models.CharField(
        "CYP3A4 interaction", max_length=10, choices=INTERACTION_CHOICES, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True) | Q(stop_date__gte=models.F("start_date")),
                name="safety_conmed_stop_after_start",
            ),
            models.CheckConstraint(
                condition=Q(dose__isnull=True) | Q(dose__gt=0), name="safety_conmed_dose_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.drug

    @property
    def latency_days(self) -> int | None:
        if not self.culprit or self.reaction_onset_date is None:
            return None
        return (self.reaction_onset_date - self.start_date).days


class ProtocolDeviation(models.Model):
    """The deviation log: recorded by hand, or proposed by dressdb and confirmed or
    dismissed (with a reason) by a coordinator; the investigator's review is signed."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", gettext_lazy("Proposed by dressdb")
        OPEN = "open", gettext_lazy("Confirmed, open")
        DISMISSED = "dismissed", gettext_lazy("Dismissed")
        REVIEWED = "reviewed", gettext_lazy("Reviewed (signed)")

    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="deviations"
    )
    kind = models.CharField(max_length=30, choices=DEVIATION_KIND_CHOICES)
    occurred_on = models.DateField("date")
    description = models.TextField()
    reason = models.TextField("why it happened", blank=True)
    impact_safety = models.BooleanField("impact on participant safety", default=False)
    impact_endpoints = models.BooleanField("impact on the endpoints", default=False)
    corrective_action = models.TextField("corrective and preventive action", blank=True)
    irb_reportable = models.BooleanField("reportable to the IRB", default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    status_reason = models.TextField("reason for confirming or dismissing", blank=True)
    proposed = models.BooleanField("proposed by dressdb", default=False)
    source_key = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("Empty for a proposal made by dressdb."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id", "occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind", "source_key"],
                condition=~Q(source_key=""),
                name="safety_one_proposal_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on:%Y-%m-%d}"
