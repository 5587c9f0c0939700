"""Participants: enrolled patients. Screening lives beside them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from dressdb.choices import choices
from dressdb.models import Site
from enrollment.deaths import SOURCE_LABELS, Evidence, Source
from enrollment.egfr import CREATININE_UNIT_LABELS, SEX_LABELS, CreatinineUnit, Sex
from enrollment.regiscar import YES_NO_UNKNOWN_LABELS, YesNoUnknown
from enrollment.status import WITHDRAWAL_LABELS, Facts, WithdrawalKind, participant_status
from enrollment.status import Status as DerivedStatus

SEX_CHOICES = choices(Sex, SEX_LABELS)
CREATININE_UNIT_CHOICES = choices(CreatinineUnit, CREATININE_UNIT_LABELS)
YES_NO_UNKNOWN = choices(YesNoUnknown, YES_NO_UNKNOWN_LABELS)
WITHDRAWAL_KIND_CHOICES = choices(WithdrawalKind, WITHDRAWAL_LABELS)


class Screening(models.Model):
    """One screened patient, eligible or not (the screening log; CONSORT's first box).

    No direct identifiers beyond initials and the screening number.
    """

    class Outcome(models.TextChoices):
        INELIGIBLE = "ineligible", gettext_lazy("Ineligible")
        ELIGIBLE_PENDING = "eligible_pending", gettext_lazy("Eligible, consent pending")
        NOT_CONSENTED = "eligible_not_consented", gettext_lazy("Eligible, not consented")
        ENROLLED = "enrolled", gettext_lazy("Enrolled")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="screenings")
    screening_number = models.PositiveIntegerField()
    screened_on = models.DateField()
    screener = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    initials = models.CharField(
        max_length=4, blank=True, help_text=gettext_lazy("2-4 letters; no other identifier.")
    )
    age = models.PositiveSmallIntegerField(validators=[MaxValueValidator(120)])
    sex = models.CharField(max_length=6, choices=SEX_CHOICES)
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("25")), MaxValueValidator(Decimal("350"))],
    )
    creatinine = models.DecimalField(max_digits=7, decimal_places=2)
    creatinine_unit = models.CharField(max_length=6, choices=CREATININE_UNIT_CHOICES)
    on_dialysis = models.BooleanField(default=False)
    # RegiSCAR items
    fever = models.CharField("fever >= 38.5 °C", max_length=7, choices=YES_NO_UNKNOWN)
    lymph_nodes = models.CharField(
        "enlarged lymph nodes (> 1 cm, >= 2 sites)", max_length=7, choices=YES_NO_UNKNOWN
    )
    atypical_lymphocytes = models.CharField(max_length=7, choices=YES_NO_UNKNOWN)
    eosinophil_count = models.DecimalField(
        "eosinophils (x10⁹/L)", max_digits=6, decimal_places=3, null=True, blank=True
    )
    eosinophil_percent = models.DecimalField(
        "eosinophils (% of leukocytes)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    leukocyte_count = models.DecimalField(
        "leukocytes (x10⁹/L)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    rash_extent_over_50 = models.CharField(
        "rash extent > 50% body surface", max_length=7, choices=YES_NO_UNKNOWN
    )
    rash_facial_oedema = models.CharField(
        "facial oedema", max_length=7, choices=YES_NO_UNKNOWN, blank=True
    )
    rash_infiltration = models.CharField(
        "infiltration", max_length=7, choices=YES_NO_UNKNOWN, blank=True
    )
    rash_purpura = models.CharField("purpura", max_length=7, choices=YES_NO_UNKNOWN, blank=True)
    rash_scaling = models.CharField("scaling", max_length=7, choices=YES_NO_UNKNOWN, blank=True)
    rash_suggestive = models.CharField(
        "rash suggesting DRESS",
        max_length=7,
        choices=YES_NO_UNKNOWN,
        help_text=gettext_lazy("Derived: yes when >= 2 of the four rash features."),
    )
    biopsy = models.CharField(
        "biopsy suggesting DRESS",
        max_length=7,
        choices=YES_NO_UNKNOWN,
        help_text=gettext_lazy("Unknown includes not done."),
    )
    organs_involved = models.JSONField(default=list, blank=True)
    resolution_15_days = models.CharField(
        "resolution >= 15 days", max_length=7, choices=YES_NO_UNKNOWN
    )
    other_causes_negative_tests = models.PositiveSmallIntegerField(
        "other-cause tests negative", validators=[MaxValueValidator(20)]
    )
    other_causes_positive_tests = models.PositiveSmallIntegerField(
        "other-cause tests positive", validators=[MaxValueValidator(20)]
    )
    # Exclusions
    sepsis = models.BooleanField("active sepsis", default=False)
    hepatitis_b = models.BooleanField("active hepatitis B", default=False)
    hepatitis_c = models.BooleanField("active hepatitis C", default=False)
    tuberculosis = models.BooleanField("active tuberculosis", default=False)
    steroid_allergy = models.BooleanField("documented steroid allergy", default=False)
    cyclosporine_allergy = models.BooleanField("documented cyclosporine allergy", default=False)
    # Results (computed by enrollment.eligibility at save)
    regiscar_score = models.SmallIntegerField()
    regiscar_category = models.CharField(max_length=10)
    egfr = models.DecimalField(max_digits=5, decimal_places=1)
    renal_impairment = models.BooleanField()
    eligible = models.BooleanField()
    reasons = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    not_consented_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-screened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "screening_number"], name="screening_unique_number_per_site"
            ),
            models.CheckConstraint(
                condition=models.Q(eligible=True) | models.Q(outcome="ineligible"),
                name="screening_ineligible_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(regiscar_score__gte=-4) & models.Q(regiscar_score__lte=9),
                name="screening_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.code} screening {self.screening_number}"

    @property
    def label(self) -> str:
        return f"{self.site.code}-S{self.screening_number:03d}"


class Participant(models.Model):
    """An enrolled, consented patient. Never deleted: withdrawn with a date and reason.

    Every clinical model carries a `participant` foreign key, which site scope
    (dressdb.access) and the audit trail (dressdb.audit) both rely on.
    """

    class Status(models.TextChoices):
        ENROLLED = "enrolled", gettext_lazy("Enrolled")
        WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="participants")
    study_id = models.CharField(max_length=20, unique=True)
    site_sequence = models.PositiveIntegerField()
    screening = models.OneToOneField(
        Screening, on_delete=models.PROTECT, null=True, blank=True, related_name="participant"
    )
    enrolled_at = models.DateTimeField()
    consent_at = models.DateTimeField()
    consent_form_version = models.CharField(max_length=40)
    consent_obtained_by = models.CharField(
        max_length=150, help_text=gettext_lazy("Name of the person who obtained consent.")
    )
    age = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(18), MaxValueValidator(120)]
    )
    sex = models.CharField(max_length=6, choices=SEX_CHOICES)
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
        help_text=gettext_lazy("From eGFR and dialysis, per the protocol setting.")
    )
    renal_impairment_override = models.BooleanField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Investigator's override; empty keeps the computed value."),
    )
    renal_impairment_override_reason = models.TextField(blank=True)
    npo = models.BooleanField("NPO (nothing by mouth)", default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENROLLED)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    study_day_1 = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Day of the first dose; set at randomization."),
    )
    # Milestones: the facts the status is derived from (enrollment.status). Each is set
    # by the service of the app that owns the event, in the same transaction.
    withdrawal_kind = models.CharField(max_length=10, choices=WITHDRAWAL_KIND_CHOICES, blank=True)
    treatment_withdrawn_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Study treatment ended by a withdrawal (any kind)."),
    )
    randomized_on = models.DateField(null=True, blank=True)
    randomized_arm = models.CharField(max_length=12, blank=True)
    current_arm = models.CharField(max_length=12, blank=True)
    treatment_stopped_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Last dosing day before monitoring for relapse."),
    )
    course_completed_on = models.DateField(
        null=True, blank=True, help_text=gettext_lazy("Last dosing day of the completed course.")
    )
    off_protocol_on = models.DateField(null=True, blank=True)
    follow_up_completed_on = models.DateField(null=True, blank=True)
    died_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("The one date of death, reconciled from every source."),
    )
    death_discrepancy = models.TextField(blank=True)
    lost_to_follow_up_on = models.DateField(null=True, blank=True)
    # Baseline organ labs, captured once at enrolment (creatinine and eosinophils come
    # from the screening); each dosing assessment reads them instead of asking again.
    baseline_alt = models.DecimalField(
        "baseline ALT (U/L)", max_digits=7, decimal_places=1, null=True, blank=True
    )
    baseline_ast = models.DecimalField(
        "baseline AST (U/L)", max_digits=7, decimal_places=1, null=True, blank=True
    )
    baseline_bilirubin = models.DecimalField(
        "baseline bilirubin (mg/dL)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    baseline_creatinine = models.DecimalField(
        "baseline creatinine (mg/dL)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    baseline_eosinophils = models.DecimalField(
        "baseline eosinophils (x10⁹/L)", max_digits=6, decimal_places=3, null=True, blank=True
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

    def facts(self) -> Facts:
        return Facts(
            enrolled=True,
            randomized_on=self.randomized_on,
            randomized_arm=self.randomized_arm,
            current_arm=self.current_arm,
            day1=self.study_day_1,
            treatment_stopped_on=self.treatment_stopped_on,
            course_completed_on=self.course_completed_on,
            off_protocol_on=self.off_protocol_on,
            follow_up_completed_on=self.follow_up_completed_on,
            died_on=self.died_on,
            death_discrepancy=self.death_discrepancy,
            lost_to_follow_up_on=self.lost_to_follow_up_on,
            withdrawal_kind=self.withdrawal_kind,
            withdrawn_on=self.withdrawn_on,
        )

    @property
    def current_status(self) -> DerivedStatus:
        """The one status, derived from the facts and the site's today."""
        from django.utils import timezone

        return participant_status(self.facts(), timezone.localdate(timezone=self.site.tz))

    @property
    def renal_impairment(self) -> bool:
        if self.renal_impairment_override is not None:
            return self.renal_impairment_override
        return self.renal_impairment_computed


DEATH_SOURCE_CHOICES = choices(Source, SOURCE_LABELS)


class DeathEvidence(models.Model):
    """What one source record says about the participant's vital status (issue 17):
    a visit's vital status, the hospital course's death, discharge and re-admission, the
    death report of a fatal adverse event. One row per source record and item, written
    by the source's service through enrollment.services.death_evidence_sync (history with
    user and reason); `on` empty: the item says nothing now (retracted). The participant's
    one date of death is reconciled from these rows (enrollment.deaths.reconcile)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="death_evidence"
    )
    source = models.CharField(max_length=20, choices=DEATH_SOURCE_CHOICES)
    source_id = models.PositiveIntegerField(help_text=gettext_lazy("The id of the source record."))
    item = models.CharField(max_length=20, help_text='e.g. "vital", "death", "discharge".')
    label = models.CharField(max_length=120, help_text='e.g. "Day 30 visit".')
    on = models.DateField(null=True, blank=True, help_text=gettext_lazy("Empty: retracted."))
    dead = models.BooleanField(
        default=False, help_text=gettext_lazy("Died (on or by `on`); else alive.")
    )
    exact = models.BooleanField(
        default=True, help_text=gettext_lazy("False: dead, no date of death given.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id", "on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "item"], name="death_evidence_one_per_item"
            ),
            models.CheckConstraint(
                condition=models.Q(on__isnull=False) | models.Q(dead=False),
                name="death_evidence_retracted_says_nothing",
            ),
        ]

    def __str__(self) -> str:
        return self.evidence.describe() if self.evidence else f"{self.label}: retracted"

    @property
    def evidence(self) -> Evidence | None:
        if self.on is None:
            return None
        return Evidence(self.label, self.on, dead=self.dead, exact=self.exact)


# --- Consent-form versions and each participant's consents (issue 18) -----------------


class ConsentVersion(models.Model):
    """A consent-form version defined by the trial admin: its label, the date it becomes
    effective (after IRB approval), the sites it applies to (none: every site), its
    document and whether participants consented on an older version must re-consent
    (enrollment.consent_rules)."""

    label = models.CharField(max_length=40, unique=True, help_text='e.g. "v2.0".')
    effective_on = models.DateField(help_text=gettext_lazy("Effective from (site dates)."))
    irb_approved_on = models.DateField("IRB approval date")
    sites = models.ManyToManyField(
        Site,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("The sites it applies to; none: every site."),
    )
    document = models.CharField(
        max_length=200,
        help_text=gettext_lazy("Document reference (file name, document-control number)."),
    )
    requires_reconsent = models.BooleanField(
        default=True,
        help_text=gettext_lazy("Participants consented on an older version must re-consent."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[sites])

    class Meta:
        ordering = ["effective_on", "label"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(irb_approved_on__lte=models.F("effective_on")),
                name="consent_version_effective_after_irb",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} (effective {self.effective_on:%Y-%m-%d})"


class ParticipantConsent(models.Model):
    """One consent a participant gave: at enrolment, or a re-consent on a newer version.
    The signer is the participant or a legally authorised representative (with the
    relationship): critically ill DRESS patients may not be able to sign."""

    class Kind(models.TextChoices):
        INITIAL = "initial", gettext_lazy("Initial consent (enrolment)")
        RECONSENT = "reconsent", gettext_lazy("Re-consent on a new version")

    class Signer(models.TextChoices):
        PARTICIPANT = "participant", gettext_lazy("The participant")
        REPRESENTATIVE = "representative", gettext_lazy("A legally authorised representative")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="consents")
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    consented_on = models.DateField(help_text=gettext_lazy("The site's date of the signature."))
    signer = models.CharField(max_length=14, choices=Signer.choices, default=Signer.PARTICIPANT)
    representative_relationship = models.CharField(
        max_length=80,
        blank=True,
        help_text=gettext_lazy("A representative's relationship to the participant."),
    )
    obtained_by = models.CharField(
        max_length=150, help_text=gettext_lazy("Name of the person who obtained consent.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id", "consented_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "version"], name="participant_consent_once_per_version"
            ),
            models.CheckConstraint(
                condition=~models.Q(signer="representative")
                | ~models.Q(representative_relationship=""),
                name="participant_consent_representative_relationship",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.version_id} on {self.consented_on}"
