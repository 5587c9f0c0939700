"""Visits, endpoints and the hospital course. (Reminders: the notifications app.)"""

from collections.abc import Mapping

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from dressdb.choices import choices
from outcomes.schedule import MISSED_REASON_LABELS, MissedReason, missed_label

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]
# A yes/no endpoint may also be unknown or not assessed: explicit answers, never blanks,
# exported as missing codes (reports/datasets.py; ANSWER_MISSING_CODES).
ANSWER_UNKNOWN = "unknown"
ANSWER_NOT_ASSESSED = "not_assessed"
YES_NO_ENDPOINT = [
    *YES_NO,
    (ANSWER_UNKNOWN, gettext_lazy("Unknown")),
    (ANSWER_NOT_ASSESSED, gettext_lazy("Not assessed")),
]
ANSWER_MISSING_CODES = {ANSWER_UNKNOWN: "NA_UNKNOWN", ANSWER_NOT_ASSESSED: "NA_NOT_ASSESSED"}
PCR = [
    ("negative", gettext_lazy("PCR negative")),
    ("positive", gettext_lazy("PCR positive")),
    ("not_done", gettext_lazy("Not done")),
]
VITAL = [("alive", gettext_lazy("Alive")), ("dead", gettext_lazy("Dead"))]
AUTOIMMUNE_TYPES = [
    ("thyroiditis", gettext_lazy("Thyroiditis")),
    ("type1_diabetes", gettext_lazy("Type 1 diabetes")),
    ("other", gettext_lazy("Other")),
]
VIRUSES = ("hhv6", "hhv7", "ebv", "cmv")
MISSED_REASON_CHOICES = choices(MissedReason, MISSED_REASON_LABELS)
VIRUS_LABELS = {"hhv6": "HHV-6", "hhv7": "HHV-7", "ebv": "EBV", "cmv": "CMV"}

# PROTOCOL.md section 4: which endpoints each visit collects.
ENDPOINTS_BY_VISIT: dict[str, tuple[str, ...]] = {
    "day7": (
        "organ_resolution",
        "erythema_resolution",
        "fever",
        "facial_oedema_resolved",
        "pruritus_resolved",
        "lymphadenopathy",
        "eosinophil_count",
        "vital_status",
    ),
    "day30": (
        "organ_resolution",
        "erythema_resolution",
        "fever",
        "facial_oedema_resolved",
        "pruritus_resolved",
        "lymphadenopathy",
        "eosinophil_count",
        "vital_status",
        *(f"{v}_pcr" for v in VIRUSES),
        *(f"{v}_load" for v in VIRUSES),
        "autoimmune_disease",
        "autoimmune_type",
        "autoimmune_other",
    ),
    "day60": (*(f"{v}_pcr" for v in VIRUSES), *(f"{v}_load" for v in VIRUSES)),
    "day90": (
        "vital_status",
        *(f"{v}_pcr" for v in VIRUSES),
        *(f"{v}_load" for v in VIRUSES),
        "autoimmune_disease",
        "autoimmune_type",
        "autoimmune_other",
    ),
}
# Branching: a field that applies only when another field has one of these answers.
# Not applicable (hidden) fields are cleared and never required (form, service, API).
SHOWN_WHEN: dict[str, tuple[str, frozenset[str]]] = {
    **{f"{v}_load": (f"{v}_pcr", frozenset({"positive"})) for v in VIRUSES},
    "autoimmune_type": ("autoimmune_disease", frozenset({"yes"})),
    "autoimmune_other": ("autoimmune_type", frozenset({"other"})),
    "death_date": ("vital_status", frozenset({"dead"})),
}
HOSPITAL_SHOWN_WHEN: dict[str, tuple[str, frozenset[str]]] = {
    "readmission_date": ("readmitted_within_30_days", frozenset({"yes"})),
    "readmission_reason": ("readmitted_within_30_days", frozenset({"yes"})),
}


def not_applicable(
    values: Mapping[str, object], rules: dict[str, tuple[str, frozenset[str]]]
) -> set[str]:
    """The fields whose controlling answer does not open them (in rule order, so a chain
    such as disease -> type -> other closes as a whole)."""
    closed: set[str] = set()
    for name, (controller, opens) in rules.items():
        answer = values.get(controller)
        if controller in closed or not isinstance(answer, str) or answer not in opens:
            closed.add(name)
    return closed


# Endpoints that may be left empty even at a completed visit.
OPTIONAL_ENDPOINTS = {
    *(f"{v}_load" for v in VIRUSES),
    "autoimmune_type",
    "autoimmune_other",
}


def _yes_no(label: str) -> models.CharField:
    return models.CharField(label, max_length=12, choices=YES_NO_ENDPOINT, blank=True)


class Visit(models.Model):
    participant = models.ForeignKey(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="visits"
    )
    name = models.CharField(max_length=10)
    study_day = models.PositiveSmallIntegerField()
    target_date = models.DateField()
    window_opens = models.DateField(db_index=True)
    window_closes = models.DateField(db_index=True)
    completed_on = models.DateField(null=True, blank=True)
    out_of_window_reason = models.TextField(blank=True)
    missed = models.BooleanField(default=False)
    missed_reason = models.TextField(blank=True)
    missed_reason_code = models.CharField(max_length=14, choices=MISSED_REASON_CHOICES, blank=True)
    locked = models.BooleanField(default=False)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    # Endpoints (PROTOCOL.md section 4); which ones a visit asks: ENDPOINTS_BY_VISIT.
    organ_resolution = _yes_no("complete or near-complete resolution of organ involvement")
    erythema_resolution = _yes_no("erythema resolution")
    fever = _yes_no("fever")
    facial_oedema_resolved = _yes_no("facial oedema resolved")
    pruritus_resolved = _yes_no("pruritus resolved")
    lymphadenopathy = _yes_no("lymphadenopathy")
    eosinophil_count = models.DecimalField(
        "eosinophil count (x10⁹/L)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
    )
    vital_status = models.CharField(max_length=5, choices=VITAL, blank=True)
    death_date = models.DateField(
        "date of death",
        null=True,
        blank=True,
        help_text=gettext_lazy("Required when the vital status is dead."),
    )
    hhv6_pcr = models.CharField("HHV-6 PCR", max_length=8, choices=PCR, blank=True)
    hhv7_pcr = models.CharField("HHV-7 PCR", max_length=8, choices=PCR, blank=True)
    ebv_pcr = models.CharField("EBV PCR", max_length=8, choices=PCR, blank=True)
    cmv_pcr = models.CharField("CMV PCR", max_length=8, choices=PCR, blank=True)
    hhv6_load = models.PositiveIntegerField("HHV-6 load (copies/mL)", null=True, blank=True)
    hhv7_load = models.PositiveIntegerField("HHV-7 load (copies/mL)", null=True, blank=True)
    ebv_load = models.PositiveIntegerField("EBV load (copies/mL)", null=True, blank=True)
    cmv_load = models.PositiveIntegerField("CMV load (copies/mL)", null=True, blank=True)
    autoimmune_disease = _yes_no("autoimmune disease since randomization")
    autoimmune_type = models.CharField(max_length=16, choices=AUTOIMMUNE_TYPES, blank=True)
    autoimmune_other = models.CharField("other autoimmune disease", max_length=200, blank=True)

    history = HistoricalRecords()
    # The reminders about this visit (no column; deleting a visit deletes them).
    reminders = GenericRelation(
        "notifications.Reminder",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="visit",
    )

    class Meta:
        ordering = ["participant", "study_day"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "name"], name="one_visit_per_name"),
            models.CheckConstraint(
                condition=~(models.Q(missed=True) & models.Q(completed_on__isnull=False)),
                name="visit_not_both_missed_and_completed",
            ),
            models.CheckConstraint(
                condition=models.Q(eosinophil_count__isnull=True)
                | (models.Q(eosinophil_count__gte=0) & models.Q(eosinophil_count__lte=50)),
                name="visit_eosinophils_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} {self.label}"

    @property
    def label(self) -> str:
        return f"Day {self.study_day}"

    @property
    def missed_label(self) -> str:
        """'missed (participant died)' and so on."""
        return missed_label(self.missed_reason_code, self.missed_reason) if self.missed else ""

    @property
    def endpoint_names(self) -> tuple[str, ...]:
        return ENDPOINTS_BY_VISIT.get(self.name, ())


class HospitalCourse(models.Model):
    """Per participant: hospitalization, re-admission within 30 days, death."""

    participant = models.OneToOneField(
        "enrollment.Participant", on_delete=models.PROTECT, related_name="hospital_course"
    )
    admission_date = models.DateField(null=True, blank=True)
    discharge_date = models.DateField(null=True, blank=True)
    readmitted_within_30_days = models.CharField(max_length=3, choices=YES_NO, blank=True)
    readmission_date = models.DateField(null=True, blank=True)
    readmission_reason = models.CharField(max_length=300, blank=True)
    death_date = models.DateField(null=True, blank=True)
    death_cause = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discharge_date__isnull=True)
                | models.Q(admission_date__isnull=True)
                | models.Q(discharge_date__gte=models.F("admission_date")),
                name="discharge_not_before_admission",
            ),
        ]

    def __str__(self) -> str:
        return f"Hospital course of {self.participant}"

    @property
    def days_of_hospitalization(self) -> int | None:
        if self.admission_date is None or self.discharge_date is None:
            return None
        return (self.discharge_date - self.admission_date).days
