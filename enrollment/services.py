"""Writes of the enrollment app: screening, consent and enrolment, withdrawal.

Each service runs in one transaction, validates, and saves through
dressdb.audit.save_clinical (history with user and reason).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from dressdb.audit import require_reason, save_clinical
from dressdb.delegation import require_duty
from dressdb.models import Duty, Site
from enrollment import deaths
from enrollment.config import eligibility_settings
from enrollment.consent import current_consent_required
from enrollment.egfr import CreatinineUnit, creatinine_mg_dl
from enrollment.eligibility import ScreeningInput, assess_eligibility
from enrollment.freeze import edits_allowed
from enrollment.models import DeathEvidence, Participant, Screening
from enrollment.regiscar import YesNoUnknown, rash_suggestive_from_features
from enrollment.selectors import death_record
from enrollment.status import WithdrawalKind, withdrawal_allowed

RASH_FEATURES = ("rash_facial_oedema", "rash_infiltration", "rash_purpura", "rash_scaling")


def rash_suggestive(features: Mapping[str, str]) -> str:
    return str(
        rash_suggestive_from_features(*(YesNoUnknown(features[name]) for name in RASH_FEATURES))
    )


@transaction.atomic
def screening_record(
    *,
    site: Site,
    user: Any,
    answers: ScreeningInput,
    initials: str,
    screened_on: dt.date | None = None,
    rash_features: Mapping[str, str] | None = None,
) -> Screening:
    """Record one screening from its typed answers (the form's, or the API's parsed
    CONTRACTS.md `eligibility_check` document): the rules run here, nothing is parsed again.

    `rash_features` (the four features) are recorded when the form gives them; the
    answers' `rash_suggestive` must then agree with them.
    """
    require_duty(user, site, Duty.SCREENING, field="screening")
    result = assess_eligibility(answers, eligibility_settings())
    problems: dict[str, list[str]] = {}  # every problem at once
    initials = (initials or "").strip().upper()
    if initials and not (2 <= len(initials) <= 4 and initials.isalpha()):
        problems["initials"] = [gettext("Give 2 to 4 letters (initials only, no name).")]
    local_today = timezone.localdate(timezone=site.tz)
    screened_on = screened_on or local_today
    if screened_on > local_today:
        problems["screened_on"] = [gettext("The screening date cannot be in the future.")]
    features = dict(rash_features or {})
    if features:
        derived = rash_suggestive(features)
        if derived != str(answers.regiscar.rash_suggestive):
            problems["rash_suggestive"] = [
                gettext("Does not match the rash features (%(derived)s).") % {"derived": derived}
            ]
    if problems:
        raise ValidationError(problems)
    locked_site = Site.objects.select_for_update().get(pk=site.pk)
    last = Screening.objects.filter(site=locked_site).aggregate(n=Max("screening_number"))["n"]
    r = answers.regiscar
    screening = Screening(
        site=locked_site,
        screening_number=(last or 0) + 1,
        screened_on=screened_on,
        screener=user,
        initials=initials,
        age=answers.age,
        sex=str(answers.sex),
        weight_kg=answers.weight_kg,
        creatinine=answers.creatinine,
        creatinine_unit=str(answers.creatinine_unit),
        on_dialysis=answers.on_dialysis,
        fever=str(r.fever),
        lymph_nodes=str(r.lymph_nodes),
        atypical_lymphocytes=str(r.atypical_lymphocytes),
        eosinophil_count=r.eosinophil_count,
        eosinophil_percent=r.eosinophil_percent,
        leukocyte_count=r.leukocyte_count,
        rash_extent_over_50=str(r.rash_extent_over_50),
        rash_suggestive=str(r.rash_suggestive),
        biopsy=str(r.biopsy),
        organs_involved=sorted(str(o) for o in r.organs_involved),
        resolution_15_days=str(r.resolution_15_days),
        other_causes_negative_tests=r.other_causes_negative_tests,
        other_causes_positive_tests=r.other_causes_positive_tests,
        regiscar_score=result.regiscar_score,
        regiscar_category=str(result.regiscar_category),
        egfr=result.egfr,
        renal_impairment=result.renal_impairment,
        eligible=result.eligible,
        reasons=list(result.reasons),
        outcome=(
            Screening.Outcome.ELIGIBLE_PENDING if result.eligible else Screening.Outcome.INELIGIBLE
        ),
        **{name: answers.exclusions[name] for name in answers.exclusions},
        **{name: features.get(name, "") for name in RASH_FEATURES},
    )
    save_clinical(screening, user=user, reason="Screening recorded")
    return screening


def screening_result_json(screening: Screening) -> dict[str, Any]:
    """The CONTRACTS.md output for a stored screening, plus its id."""
    return {
        "regiscar_score": screening.regiscar_score,
        "regiscar_category": screening.regiscar_category,
        "egfr": float(screening.egfr),
        "renal_impairment": screening.renal_impairment,
        "eligible": screening.eligible,
        "reasons": list(screening.reasons),
        "screening_id": screening.pk,
    }


@transaction.atomic
def screening_mark_not_consented(*, screening: Screening, user: Any, reason: str) -> Screening:
    locked = Screening.objects.select_for_update().get(pk=screening.pk)
    if locked.outcome != Screening.Outcome.ELIGIBLE_PENDING:
        raise ValidationError(
            {
                "outcome": gettext(
                    "Only an eligible, pending screening can be marked (now: %(outcome)s)."
                )
                % {"outcome": locked.get_outcome_display()}
            }
        )
    final_reason = require_reason(locked, reason)
    locked.outcome = Screening.Outcome.NOT_CONSENTED
    locked.not_consented_reason = final_reason
    save_clinical(locked, user=user, reason=final_reason)
    return locked


BASELINE_LAB_NAMES = ("alt", "ast", "bilirubin", "creatinine", "eosinophils")


def _screening_baseline(screening: Screening) -> dict[str, Any]:
    """Creatinine (mg/dL) and eosinophils as measured at screening."""
    creatinine = None
    if screening.creatinine is not None and screening.creatinine_unit:
        creatinine = creatinine_mg_dl(
            screening.creatinine, CreatinineUnit(screening.creatinine_unit)
        ).quantize(Decimal("0.01"))
    return {"creatinine": creatinine, "eosinophils": screening.eosinophil_count}


@transaction.atomic
def participant_enrol(
    *,
    screening: Screening,
    user: Any,
    consent_at: dt.datetime,
    consent_form_version: str,
    consent_obtained_by: str,
    npo: bool = False,
    baseline: Mapping[str, Any] | None = None,
) -> Participant:
    """Consent and enrol an eligible screening: the Participant with study ID SITE-NNN.

    `baseline`: the baseline organ labs (alt, ast, bilirubin, creatinine in mg/dL,
    eosinophils), recorded once; creatinine and eosinophils default to the screening's.

    The site row is locked while the next number is taken, so concurrent enrolments at
    one site get consecutive numbers; the unique constraint is the backstop.
    """
    locked = Screening.objects.select_for_update().select_related("site").get(pk=screening.pk)
    if not locked.eligible:
        raise ValidationError({"screening": gettext("Only an eligible screening can be enrolled.")})
    if locked.outcome == Screening.Outcome.ENROLLED:
        raise ValidationError({"screening": gettext("This screening is already enrolled.")})
    require_duty(user, locked.site, Duty.CONSENT, field="consent_obtained_by")
    problems: dict[str, list[str]] = {}  # every problem at once
    if not consent_form_version.strip():
        problems["consent_form_version"] = [gettext("Give the consent form version.")]
    if not consent_obtained_by.strip():
        problems["consent_obtained_by"] = [gettext("Give who obtained consent.")]
    if consent_at > timezone.now():
        problems["consent_at"] = [gettext("Consent cannot be in the future.")]
    elif timezone.localtime(consent_at, locked.site.tz).date() < (
        locked.screened_on - dt.timedelta(days=30)
    ):
        problems["consent_at"] = [
            gettext("Consent is more than 30 days before the screening; re-screen.")
        ]
    if problems:
        raise ValidationError(problems)
    from enrollment.consent_services import enrolment_consent_save, enrolment_version

    version = enrolment_version(
        site=locked.site,
        label=consent_form_version,
        consented_on=timezone.localtime(consent_at, locked.site.tz).date(),
    )
    labs = {**_screening_baseline(locked), **{k: v for k, v in (baseline or {}).items()}}
    unknown_labs = set(labs) - set(BASELINE_LAB_NAMES)
    if unknown_labs:
        raise ValidationError(
            {f"baseline_{sorted(unknown_labs)[0]}": gettext("Not a baseline lab.")}
        )
    site = Site.objects.select_for_update().get(pk=locked.site_id)
    last = Participant.objects.filter(site=site).aggregate(n=Max("site_sequence"))["n"]
    sequence = (last or 0) + 1
    participant = Participant(
        site=site,
        study_id=f"{site.code}-{sequence:03d}",
        site_sequence=sequence,
        screening=locked,
        enrolled_at=timezone.now(),
        consent_at=consent_at,
        consent_form_version=consent_form_version.strip(),
        consent_obtained_by=consent_obtained_by.strip(),
        age=locked.age,
        sex=locked.sex,
        weight_kg=locked.weight_kg,
        egfr=locked.egfr,
        on_dialysis=locked.on_dialysis,
        renal_impairment_computed=locked.renal_impairment,
        npo=npo,
        created_by=user,
        **{f"baseline_{name}": value for name, value in labs.items()},
    )
    save_clinical(participant, user=user, reason="Enrolled after consent")
    enrolment_consent_save(participant=participant, version=version, user=user)
    locked.outcome = Screening.Outcome.ENROLLED
    save_clinical(locked, user=user, reason=f"Enrolled as {participant.study_id}")
    return participant


@transaction.atomic
def participant_withdraw(
    *,
    participant: Participant,
    user: Any,
    withdrawn_on: dt.date,
    reason: str,
    kind: str = WithdrawalKind.FOLLOW_UP,
) -> Participant:
    """Record a withdrawal (enrolment is never undone, nothing is deleted).

    Three kinds (enrollment.status.WithdrawalKind): stopped study treatment (follow-up
    continues), withdrew from follow-up, withdrew consent for further data use. A
    withdrawal may later move to a stronger kind. Any kind ends study treatment on its
    date. Follow-up and consent withdrawals mark the record withdrawn (no visits due,
    no reminders). The consequences in dosing and outcomes are applied by
    randomization.services.participant_withdraw, which calls this first.
    """
    edits_allowed(participant, "withdrawn_on")
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    problem = withdrawal_allowed(
        locked.withdrawal_kind, str(kind), randomized=locked.study_day_1 is not None
    )
    if problem:
        raise ValidationError({"kind": problem})
    final_reason = require_reason(locked, reason)
    if withdrawn_on > timezone.localdate(timezone=locked.site.tz):
        raise ValidationError(
            {"withdrawn_on": gettext("The withdrawal date cannot be in the future.")}
        )
    if withdrawn_on < timezone.localtime(locked.enrolled_at, locked.site.tz).date():
        raise ValidationError({"withdrawn_on": gettext("The withdrawal date is before enrolment.")})
    if locked.died_on is not None and withdrawn_on > locked.died_on:
        raise ValidationError(
            {
                "withdrawn_on": gettext("The participant died on %(date)s: no withdrawal after it.")
                % {"date": locked.died_on}
            }
        )
    if locked.withdrawn_on is not None and withdrawn_on < locked.withdrawn_on:
        raise ValidationError(
            {
                "withdrawn_on": gettext("The date is before the earlier withdrawal (%(date)s).")
                % {"date": locked.withdrawn_on}
            }
        )
    wanted = WithdrawalKind(kind)
    locked.withdrawal_kind = str(wanted)
    locked.withdrawn_on = withdrawn_on
    locked.withdrawal_reason = final_reason
    if locked.treatment_withdrawn_on is None:
        locked.treatment_withdrawn_on = withdrawn_on
    if wanted is not WithdrawalKind.TREATMENT:
        locked.status = Participant.Status.WITHDRAWN
    save_clinical(locked, user=user, reason=f"Withdrawal ({wanted.label}): {final_reason}")
    return locked


MILESTONE_FIELDS = (
    "randomized_on",
    "randomized_arm",
    "current_arm",
    "treatment_stopped_on",
    "course_completed_on",
    "off_protocol_on",
    "follow_up_completed_on",
    "died_on",
    "death_discrepancy",
    "lost_to_follow_up_on",
)


def participant_record_milestones(
    *, participant: Participant, user: Any, reason: str, **facts: Any
) -> Participant:
    """Set milestone facts (called by the owning app's service, inside its transaction).

    Saves (with history) only when a value changes; returns the participant.
    """
    unknown = set(facts) - set(MILESTONE_FIELDS)
    if unknown:
        raise ValueError(f"not a milestone: {sorted(unknown)}")
    changed = {k: v for k, v in facts.items() if getattr(participant, k) != v}
    if not changed:
        return participant
    edits_allowed(participant)
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    for name, value in changed.items():
        setattr(locked, name, value)
        setattr(participant, name, value)
    save_clinical(locked, user=user, reason=reason)
    return participant


def data_entry_allowed(
    participant: Participant, field: str = "participant", *, safety_report: bool = False
) -> None:
    """No new data after consent for further data use was withdrawn (read from the
    database, not from a possibly stale object), nor while frozen or locked
    (`edits_allowed`), nor, unless `safety_report`, while the participant must re-consent
    on a new consent-form version (`current_consent_required`). Every clinical write
    service calls this (or `edits_allowed`) first; the ValidationError names `field`."""
    withdrawn = (
        Participant.objects.filter(pk=participant.pk, withdrawal_kind=WithdrawalKind.CONSENT)
        .values_list("withdrawn_on", flat=True)
        .first()
    )
    if withdrawn is not None:
        raise ValidationError(
            {
                field: gettext(
                    "%(study_id)s withdrew consent for further data use on %(date)s: no new "
                    "data can be recorded."
                )
                % {"study_id": participant.study_id, "date": f"{withdrawn:%Y-%m-%d}"}
            }
        )
    if not safety_report:
        current_consent_required(participant, field)
    edits_allowed(participant, field)


@transaction.atomic
def participant_set_renal_impairment(
    *, participant: Participant, user: Any, override: bool | None, reason: str
) -> Participant:
    """The investigator confirms or overrides the computed renal impairment.

    `override=None` goes back to the computed value. A reason is always required,
    since the record is already saved.
    """
    data_entry_allowed(participant, "renal_impairment_override")
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    final_reason = require_reason(locked, reason)
    if override is not None and not isinstance(override, bool):
        raise ValidationError(
            {"renal_impairment_override": gettext("Choose yes, no, or computed.")}
        )
    locked.renal_impairment_override = override
    locked.renal_impairment_override_reason = final_reason if override is not None else ""
    save_clinical(locked, user=user, reason=final_reason)
    return locked


# --- Death evidence (issue 17): every source of the one date of death ------------------


@transaction.atomic
def death_evidence_sync(
    *,
    participant: Participant,
    source: str,
    source_id: int,
    items: Mapping[str, deaths.Evidence | None],
    user: Any,
    reason: str,
) -> int:
    """Store what one source record (a visit, the hospital course, an AE death report)
    says now, item by item (enrollment.deaths: `visit_items`, `hospital_items`,
    `death_report_items`): a new item is created, a changed one saved with the reason, an
    item that says nothing now is retracted (its date emptied; the history keeps what it
    said). Returns how many rows were written. The caller then reconciles
    (`participant_death_sync`, or outcomes' participant_vital_sync)."""
    if source not in {str(s) for s in deaths.Source}:
        raise ValueError(f"not a death-evidence source: {source}")
    existing = {
        row.item: row
        for row in DeathEvidence.objects.select_for_update().filter(
            source=source, source_id=source_id
        )
    }
    written = 0
    for item, evidence in items.items():
        row = existing.get(item)
        if row is None:
            if evidence is None:
                continue
            row = DeathEvidence(
                participant=participant, source=source, source_id=source_id, item=item
            )
        values: tuple[str, dt.date | None, bool, bool] = (
            (evidence.source, evidence.on, evidence.dead, evidence.exact)
            if evidence is not None
            else (row.label, None, False, True)
        )
        if row.pk and (row.label, row.on, row.dead, row.exact) == values:
            continue
        row.label, row.on, row.dead, row.exact = values
        save_clinical(row, user=user, reason=reason)
        written += 1
    return written


def participant_death_sync(
    *, participant: Participant, user: Any, reason: str
) -> deaths.DeathRecord:
    """Reconcile the participant's one date of death (or its discrepancy) from every
    stored piece of evidence and record it. A death (or a disputed one) ends "lost to
    follow-up" (outcomes' rule: lost only when alive)."""
    record = death_record(participant)
    facts: dict[str, Any] = {
        "died_on": record.died_on,
        "death_discrepancy": record.discrepancy,
    }
    if record.died or record.discrepancy:
        facts["lost_to_follow_up_on"] = None
    participant_record_milestones(participant=participant, user=user, reason=reason, **facts)
    return record
