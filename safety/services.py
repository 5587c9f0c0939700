"""Writes of the safety app: adverse events (with the SAE clock and follow-up versions),
the investigator's signed review, death reports.

Each service is one transaction (the signing service runs its own, after the password),
calls full_clean through dressdb.audit.save_clinical (history with user, UTC time and
reason; a reason is required on any edit) and raises ValidationError({"field": ...}).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from dressdb import signing
from dressdb.audit import require_reason, save_clinical
from dressdb.delegation import Duty, require_duty
from dressdb.models import Role
from enrollment import deaths
from enrollment.models import Participant
from enrollment.services import (
    data_entry_allowed,
    death_evidence_sync,
    participant_death_sync,
)
from notifications.services import Text, alert_raise, in_languages, reminders_close
from safety import deviations, rules
from safety.config import safety_contact_email, safety_settings
from safety.models import (
    CRITERIA_FIELDS,
    ROUTE_CHOICES,
    UNIT_CHOICES,
    AdverseEvent,
    AeTerm,
    ConcomitantMedication,
    DeathReport,
    ProtocolDeviation,
    SystemOrganClass,
)
from safety.terms import CYP3A4_INDUCERS, CYP3A4_INHIBITORS, Drug

logger = logging.getLogger(__name__)

SAE_NEW = "sae_new"
SAE_DUE = "sae_report_due"
SAE_OVERDUE = "sae_report_overdue"
TITLES = {
    SAE_NEW: gettext_noop("Serious adverse event: report due"),
    SAE_DUE: gettext_noop("SAE report due"),
    SAE_OVERDUE: gettext_noop("SAE report OVERDUE"),
}


def due_utc_words(due: dt.datetime) -> str:
    """A due time in UTC, labelled, the date in the language in force."""
    due = timezone.localtime(due, dt.UTC)
    return f"{date_format(due, 'SHORT_DATE_FORMAT')} {due:%H:%M} UTC"


def clock_words(state: rules.Clock) -> str:
    """The clock's state in the language in force ('3 h 05 min left')."""
    if state.reported:
        return gettext("reported")
    hours, rest = divmod(abs(state.seconds_left), 3600)
    time = f"{hours} h {rest // 60:02d} min"
    if state.overdue:
        return gettext("overdue by %(time)s") % {"time": time}
    return gettext("%(time)s left") % {"time": time}


def sae_new_message(ae: AdverseEvent) -> str:
    """The new-SAE alert, in the language in force (notifications.in_languages)."""
    text = gettext(
        "%(study_id)s: serious adverse event %(term)s (grade %(grade)s); initial report "
        "due %(due)s."
    )
    if ae.susar:
        text = gettext(
            "%(study_id)s: serious adverse event %(term)s (grade %(grade)s) - SUSAR; initial "
            "report due %(due)s."
        )
    return text % {
        "study_id": ae.participant.study_id,
        "term": ae.term_name,
        "grade": ae.grade,
        "due": due_utc_words(ae.report_due_at) if ae.report_due_at else "—",
    }


SIGN_MEANINGS = (signing.Meaning.REVIEWED_APPROVED,)


@dataclass(frozen=True)
class AeInput:
    """The adverse-event form's typed values (the form and the API build it)."""

    onset_date: dt.date
    grade: int
    outcome: str
    aware_at: dt.datetime  # timezone-aware
    related_cyclosporine: str
    related_corticosteroids: str
    action_cyclosporine: str
    action_corticosteroids: str
    term: AeTerm | None = None
    term_other: str = ""
    soc: SystemOrganClass | None = None
    stop_date: dt.date | None = None
    ongoing: bool = False
    serious: bool = False
    criteria: frozenset[str] = field(default_factory=frozenset)


def site_local_date(participant: Participant, moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, participant.site.tz).date()


def ae_url(ae: AdverseEvent) -> str:
    return reverse("safety:ae_detail", kwargs={"pk": ae.participant_id, "ae_pk": ae.pk})


def _check_choices(data: AeInput) -> None:
    errors = {}
    for name, allowed in (
        ("related_cyclosporine", rules.Relatedness),
        ("related_corticosteroids", rules.Relatedness),
        ("action_cyclosporine", rules.Action),
        ("action_corticosteroids", rules.Action),
        ("outcome", rules.Outcome),
    ):
        if getattr(data, name) not in {str(v) for v in allowed}:
            errors[name] = "Choose one of the listed answers."
    if errors:
        raise ValidationError(errors)


def _term_and_soc(data: AeInput) -> tuple[AeTerm | None, str, SystemOrganClass]:
    other = (data.term_other or "").strip()
    if data.term is not None and other:
        raise ValidationError(
            {"term_other": gettext("Choose a listed term or write another one, not both.")}
        )
    if data.term is None and not other:
        raise ValidationError(
            {"term": gettext("Choose the adverse event term, or write another one.")}
        )
    if data.term is not None:
        return data.term, "", data.term.soc
    if data.soc is None:
        raise ValidationError({"soc": gettext("A free-text term needs its system organ class.")})
    return None, other, data.soc


def _apply(ae: AdverseEvent, participant: Participant, data: AeInput) -> None:
    """Check every rule and set the fields (computed ones included) on `ae`."""
    _check_choices(data)
    term, other, soc = _term_and_soc(data)
    if data.aware_at.tzinfo is None:
        raise ValidationError(
            {"aware_at": gettext("Give the awareness date and time with its zone.")}
        )
    config = safety_settings()
    facts = rules.EventFacts(
        onset=data.onset_date,
        stop=data.stop_date,
        ongoing=data.ongoing,
        grade=data.grade,
        outcome=data.outcome,
        serious=data.serious,
        criteria=frozenset(data.criteria),
        aware_at=data.aware_at,
        aware_local_date=site_local_date(participant, data.aware_at),
        consent_date=site_local_date(participant, participant.consent_at),
        day1=participant.study_day_1,
        now=timezone.now(),
    )
    errors = rules.check_event(facts, config)
    if errors:
        raise ValidationError(errors)
    ae.participant = participant
    ae.term = term
    ae.term_other = other
    ae.soc = soc
    for name in (
        "onset_date",
        "stop_date",
        "ongoing",
        "grade",
        "serious",
        "related_cyclosporine",
        "related_corticosteroids",
        "action_cyclosporine",
        "action_corticosteroids",
        "outcome",
    ):
        setattr(ae, name, getattr(data, name))
    ae.aware_at = data.aware_at.astimezone(dt.UTC)
    for name in CRITERIA_FIELDS:
        setattr(ae, f"criterion_{name}", name in data.criteria)
    term_code = term.code if term is not None else ""
    ae.expected_cyclosporine = rules.expected(term_code, soc.code, Drug.CYCLOSPORINE)
    ae.expected_corticosteroids = rules.expected(term_code, soc.code, Drug.CORTICOSTEROIDS)
    ae.susar = rules.susar(
        serious=ae.serious,
        relatedness={
            Drug.CYCLOSPORINE: ae.related_cyclosporine,
            Drug.CORTICOSTEROIDS: ae.related_corticosteroids,
        },
        expectedness={
            Drug.CYCLOSPORINE: ae.expected_cyclosporine,
            Drug.CORTICOSTEROIDS: ae.expected_corticosteroids,
        },
    )
    if ae.serious:
        ae.report_due_at = rules.report_due_at(ae.aware_at, config.sae_report_hours)
    else:
        ae.report_due_at = None
        ae.reported_at = None


def _sae_alert(ae: AdverseEvent) -> None:
    """At once: the site's investigators (to-do + email, each in their own language) and
    the sponsor's safety contact (in the trial's default language)."""
    p = ae.participant
    message = in_languages(sae_new_message, ae)
    alert_raise(
        site=p.site,
        subject=ae,
        kind=SAE_NEW,
        title=TITLES[SAE_NEW],
        message=message,
        roles=(Role.INVESTIGATOR,),
        label=p.study_id,
        url=ae_url(ae),
    )
    contact = safety_contact_email()
    if contact:
        transaction.on_commit(lambda: _email_contact(contact, message))


def _email_contact(address: str, message: Text) -> None:
    """The sponsor's safety contact is an address, not a user: the email is in the
    trial's default language (settings.LANGUAGE_CODE, the language `message.english`
    was written in), its due time in that language's date format."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = f"[dressdb] {gettext('Serious adverse event')}"
    try:
        send_mail(
            subject=subject,
            message=message.english,
            from_email=None,
            recipient_list=[address],
        )
    except Exception:  # the mail server down must not fail the page; the to-do stays
        logger.exception("event=sae_contact_email_failed")


@transaction.atomic
def ae_create(*, participant: Participant, user: Any, data: AeInput) -> AdverseEvent:
    """Record an adverse event; a serious one starts its SAE clock and alerts at once."""
    data_entry_allowed(participant, safety_report=True)
    require_duty(user, participant.site, Duty.DATA_ENTRY, field="participant")
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    ae = AdverseEvent(created_by=user)
    _apply(ae, locked, data)
    save_clinical(ae, user=user, reason=gettext_noop("Initial report"))
    if ae.serious:
        _sae_alert(ae)
    return ae


@transaction.atomic
def ae_update(
    *,
    adverse_event: AdverseEvent,
    user: Any,
    data: AeInput,
    reason: str,
    follow_up: bool = False,
    request: Any = None,
) -> AdverseEvent:
    """Correct an event, or add a follow-up report (a new version of the same event; the
    history keeps each version). A reason is required; a change voids the signature."""
    ae = (
        AdverseEvent.objects.select_for_update(of=("self",))
        .select_related("participant__site", "term", "soc")
        .get(pk=adverse_event.pk)
    )
    final_reason = require_reason(ae, reason)
    data_entry_allowed(ae.participant, safety_report=True)
    require_duty(user, ae.participant.site, Duty.DATA_ENTRY, field="participant")
    was_serious = ae.serious
    before = signing.fingerprint(ae)
    _apply(ae, ae.participant, data)
    if follow_up:
        ae.version += 1
        # English as stored; safety_labels.change_reason shows it in the reader's language.
        final_reason = f"Follow-up report {ae.version}: {final_reason}"
    changed = follow_up or signing.fingerprint(ae) != before
    save_clinical(ae, user=user, reason=final_reason)
    if changed:
        signing.void_for(ae, reason=final_reason, user=user, request=request)
    if ae.serious and not was_serious:
        _sae_alert(ae)
    if not ae.serious:
        reminders_close(subject=ae)
    report = DeathReport.objects.filter(adverse_event=ae).first()
    if report is not None:  # fatal no more (or again): the report stops (or starts) counting
        _death_evidence(ae, report, user=user, reason=final_reason)
    return ae


def sign_summary(ae: AdverseEvent) -> list[tuple[str, str]]:
    """What the investigator signs: causality and seriousness, as stored now."""
    criteria = ", ".join(
        rules.CRITERION_LABELS[rules.Criterion(c)] for c in CRITERIA_FIELDS if c in ae.criteria
    )
    return [
        ("Participant", ae.participant.study_id),
        ("Event", f"{ae.term_name} ({ae.soc.name})"),
        ("Onset", f"{ae.onset_date:%Y-%m-%d}"),
        ("CTCAE grade", ae.get_grade_display()),
        ("Serious", f"yes: {criteria}" if ae.serious else "no"),
        ("Relatedness to cyclosporine", ae.get_related_cyclosporine_display()),
        ("Relatedness to corticosteroids", ae.get_related_corticosteroids_display()),
        ("Expected for cyclosporine", "yes" if ae.expected_cyclosporine else "no"),
        ("Expected for corticosteroids", "yes" if ae.expected_corticosteroids else "no"),
        ("SUSAR", "yes" if ae.susar else "no"),
        ("Outcome", ae.get_outcome_display()),
        ("Report version", "initial" if ae.version == 0 else f"follow-up {ae.version}"),
    ]


def ae_sign(
    *, adverse_event: AdverseEvent, user: Any, password: str, meaning: str, request: Any = None
) -> AdverseEvent:
    """The investigator's review of causality and seriousness, signed through the one
    signing service (every other check first, the password last). Signing a serious
    event's report stops its SAE clock."""
    current = AdverseEvent.objects.select_related("participant__site", "term", "soc").get(
        pk=adverse_event.pk
    )
    if meaning not in SIGN_MEANINGS:
        raise ValidationError({"meaning": gettext("Choose the meaning of your signature.")})
    live = signing.current_signature(current)
    if live is not None and signing.is_bound(live, current):
        raise ValidationError({"meaning": gettext("This version is already signed.")})
    written: list[AdverseEvent] = []

    def write() -> AdverseEvent:
        ae = (
            AdverseEvent.objects.select_for_update(of=("self",))
            .select_related("participant__site")
            .get(pk=current.pk)
        )
        if ae.serious and ae.reported_at is None:
            ae.reported_at = timezone.now()
            save_clinical(ae, user=user, reason=f"SAE report signed: {meaning}")
        reminders_close(subject=ae)
        written.append(ae)
        return ae

    signing.sign(
        user=user,
        password=password,
        record=write,
        meaning=meaning,
        summary=sign_summary(current),
        request=request,
    )
    return written[0]


# --- Death report -------------------------------------------------------------


def _check_death(ae: AdverseEvent, death_date: dt.date, fields: dict[str, str]) -> None:
    p = ae.participant
    if ae.outcome != rules.Outcome.FATAL:
        raise ValidationError(
            {"death_date": gettext("Only an event with outcome fatal has a death report.")}
        )
    errors = {}
    today = timezone.localdate(timezone=p.site.tz)
    if death_date > today:
        errors["death_date"] = "The date of death is in the future."
    elif death_date < ae.onset_date:
        errors["death_date"] = "The date of death is before the onset of the event."
    if not fields["primary_cause"].strip():
        errors["primary_cause"] = "Give the primary cause of death."
    for name in ("related_cyclosporine", "related_corticosteroids"):
        if fields[name] not in {str(r) for r in rules.Relatedness}:
            errors[name] = "Choose one of the listed answers."
    if fields["autopsy"] not in {"yes", "no", "unknown"}:
        errors["autopsy"] = "Choose yes, no or unknown."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def death_report_save(
    *,
    adverse_event: AdverseEvent,
    user: Any,
    death_date: dt.date,
    primary_cause: str,
    related_cyclosporine: str,
    related_corticosteroids: str,
    autopsy: str,
    reason: str = "",
) -> DeathReport:
    """The death report a fatal event asks for (date, primary cause, relatedness, autopsy).

    It feeds the participant's single date of death: its date is stored as death evidence
    on the enrollment floor beside the visits' and the hospital course's, and the date is
    reconciled from every source at once (a date that disagrees with another source is a
    discrepancy on the participant, shown on the event's page: death_consistency)."""
    ae = AdverseEvent.objects.select_related("participant__site").get(pk=adverse_event.pk)
    data_entry_allowed(ae.participant, "death_date", safety_report=True)
    require_duty(user, ae.participant.site, Duty.DATA_ENTRY, field="death_date")
    fields = {
        "primary_cause": primary_cause,
        "related_cyclosporine": related_cyclosporine,
        "related_corticosteroids": related_corticosteroids,
        "autopsy": autopsy,
    }
    _check_death(ae, death_date, fields)
    report = DeathReport.objects.select_for_update().filter(adverse_event=ae).first()
    if report is None:
        report = DeathReport(adverse_event=ae, created_by=user)
    report.death_date = death_date
    report.primary_cause = primary_cause.strip()
    report.related_cyclosporine = related_cyclosporine
    report.related_corticosteroids = related_corticosteroids
    report.autopsy = autopsy
    save_clinical(report, user=user, reason=reason)
    why = f"AE death report: {reason.strip()}" if reason.strip() else "AE death report"
    _death_evidence(ae, report, user=user, reason=why)
    return report


def _death_evidence(ae: AdverseEvent, report: DeathReport, *, user: Any, reason: str) -> None:
    """What the report says about vital status (nothing if the event is not fatal), then
    the participant's one date of death reconciled from every source."""
    fatal = ae.outcome == rules.Outcome.FATAL
    death_evidence_sync(
        participant=ae.participant,
        source=deaths.Source.AE_DEATH_REPORT,
        source_id=report.pk,
        items=deaths.death_report_items(report.death_date if fatal else None),
        user=user,
        reason=reason,
    )
    participant_death_sync(participant=ae.participant, user=user, reason=reason)


def criteria_from(values: Iterable[str]) -> frozenset[str]:
    return frozenset(str(v) for v in values)


# --- Concomitant medications ---------------------------------------------------


@dataclass(frozen=True)
class ConmedInput:
    drug: str
    indication: str
    route: str
    start_date: dt.date
    dose: Decimal | None = None
    unit: str = ""
    frequency: str = ""
    stop_date: dt.date | None = None
    ongoing: bool = False
    culprit: bool = False
    reaction_onset_date: dt.date | None = None


def _check_conmed(participant: Participant, data: ConmedInput) -> None:
    errors: dict[str, str] = {}
    if not data.drug.strip():
        errors["drug"] = "Give the drug's name."
    if not data.indication.strip():
        errors["indication"] = "Give the indication."
    if data.route not in {r for r, _ in ROUTE_CHOICES}:
        errors["route"] = "Choose one of the listed routes."
    if data.unit and data.unit not in {u for u, _ in UNIT_CHOICES}:
        errors["unit"] = "Choose one of the listed units."
    if data.dose is not None and data.dose <= 0:
        errors["dose"] = "The dose must be more than 0."
    if data.dose is not None and not data.unit:
        errors["unit"] = "Give the dose's unit."
    today = timezone.localdate(timezone=participant.site.tz)
    if data.start_date > today:
        errors["start_date"] = "The start date is in the future."
    if data.stop_date is not None and data.stop_date < data.start_date:
        errors["stop_date"] = "The stop date is before the start date."
    elif data.stop_date is not None and data.ongoing:
        errors["ongoing"] = "A drug with a stop date is not ongoing: give one or the other."
    elif data.stop_date is None and not data.ongoing:
        errors["stop_date"] = "Give the stop date, or tick ongoing."
    if data.culprit and data.reaction_onset_date is None:
        errors["reaction_onset_date"] = "A culprit drug needs the DRESS onset date (latency)."
    elif data.reaction_onset_date is not None and data.reaction_onset_date < data.start_date:
        errors["reaction_onset_date"] = "The DRESS onset is before the drug was started."
    elif data.reaction_onset_date is not None and not data.culprit:
        errors["culprit"] = "The DRESS onset date is only asked for a culprit drug."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def conmed_save(
    *,
    participant: Participant,
    user: Any,
    data: ConmedInput,
    medication: ConcomitantMedication | None = None,
    reason: str = "",
) -> ConcomitantMedication:
    """Add a drug to the repeating form, or correct one (a reason is required)."""
    data_entry_allowed(participant, safety_report=True)
    require_duty(user, participant.site, Duty.DATA_ENTRY, field="participant")
    _check_conmed(participant, data)
    if medication is None:
        row = ConcomitantMedication(participant=participant, created_by=user)
    else:
        row = ConcomitantMedication.objects.select_for_update().get(
            pk=medication.pk, participant=participant
        )
    for name in (
        "dose",
        "unit",
        "route",
        "start_date",
        "stop_date",
        "ongoing",
        "culprit",
        "reaction_onset_date",
    ):
        setattr(row, name, getattr(data, name))
    row.drug = data.drug.strip()
    row.indication = data.indication.strip()
    row.frequency = data.frequency.strip()
    row.cyp3a4 = rules.interaction(row.drug, CYP3A4_INHIBITORS, CYP3A4_INDUCERS)
    save_clinical(row, user=user, reason=reason)
    return row


# --- Protocol deviations -------------------------------------------------------

DEVIATION_FIELDS = (
    "kind",
    "occurred_on",
    "description",
    "reason",
    "impact_safety",
    "impact_endpoints",
    "corrective_action",
    "irb_reportable",
)


@dataclass(frozen=True)
class DeviationInput:
    kind: str
    occurred_on: dt.date
    description: str
    reason: str = ""
    impact_safety: bool = False
    impact_endpoints: bool = False
    corrective_action: str = ""
    irb_reportable: bool = False


def _check_deviation(participant: Participant, data: DeviationInput) -> None:
    errors = {}
    if data.kind not in {str(k) for k in deviations.Kind}:
        errors["kind"] = "Choose one of the listed kinds."
    if not data.description.strip():
        errors["description"] = "Describe the deviation."
    if data.occurred_on > timezone.localdate(timezone=participant.site.tz):
        errors["occurred_on"] = "The date is in the future."
    elif data.occurred_on < site_local_date(participant, participant.consent_at):
        errors["occurred_on"] = "The date is before consent."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def deviation_save(
    *,
    participant: Participant,
    user: Any,
    data: DeviationInput,
    deviation: ProtocolDeviation | None = None,
    reason: str = "",
    request: Any = None,
) -> ProtocolDeviation:
    """Log a deviation by hand, or correct one (a reason; a change voids the review)."""
    data_entry_allowed(participant, safety_report=True)
    require_duty(user, participant.site, Duty.DATA_ENTRY, field="participant")
    _check_deviation(participant, data)
    if deviation is None:
        row = ProtocolDeviation(participant=participant, created_by=user)
    else:
        row = ProtocolDeviation.objects.select_for_update().get(
            pk=deviation.pk, participant=participant
        )
    before = signing.fingerprint(row) if row.pk else ""
    for name in DEVIATION_FIELDS:
        value = getattr(data, name)
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    if row.pk and row.status == ProtocolDeviation.Status.REVIEWED:
        row.status = ProtocolDeviation.Status.OPEN
    save_clinical(row, user=user, reason=reason)
    if before and signing.fingerprint(row) != before:
        signing.void_for(row, reason=reason, user=user, request=request)
    return row


@transaction.atomic
def deviations_propose(
    *, participant: Participant, proposals: Iterable[deviations.Proposal]
) -> int:
    """Store dressdb's proposals (one per participant, kind and key: a second run adds
    nothing, and a dismissed proposal is not proposed again). Returns how many are new."""
    wanted = list(proposals)
    if not wanted:
        return 0
    existing = set(
        ProtocolDeviation.objects.filter(participant=participant)
        .exclude(source_key="")
        .values_list("kind", "source_key")
    )
    created = 0
    for p in wanted:
        if (str(p.kind), p.key) in existing:
            continue
        row = ProtocolDeviation(
            participant=participant,
            kind=str(p.kind),
            occurred_on=p.on,
            description=p.description,
            status=ProtocolDeviation.Status.PROPOSED,
            proposed=True,
            source_key=p.key,
        )
        save_clinical(row, user=None, reason="Proposed by dressdb")
        existing.add((str(p.kind), p.key))
        created += 1
    return created


@transaction.atomic
def deviation_decide(
    *, deviation: ProtocolDeviation, user: Any, confirm: bool, reason: str
) -> ProtocolDeviation:
    """A coordinator confirms or dismisses a proposal, with a reason."""
    row = ProtocolDeviation.objects.select_for_update().get(pk=deviation.pk)
    if row.status != ProtocolDeviation.Status.PROPOSED:
        raise ValidationError(
            {"confirm": gettext("Only a proposal can be confirmed or dismissed.")}
        )
    final = require_reason(row, reason)
    row.status = ProtocolDeviation.Status.OPEN if confirm else ProtocolDeviation.Status.DISMISSED
    row.status_reason = final
    verb = "Confirmed" if confirm else "Dismissed"
    save_clinical(row, user=user, reason=f"{verb}: {final}")
    return row


DEVIATION_MEANINGS = (signing.Meaning.REVIEWED_APPROVED,)


def deviation_summary(row: ProtocolDeviation) -> list[tuple[str, str]]:
    return [
        ("Participant", row.participant.study_id),
        ("Kind", row.get_kind_display()),
        ("Date", f"{row.occurred_on:%Y-%m-%d}"),
        ("Description", row.description),
        ("Why it happened", row.reason),
        ("Impact on safety", "yes" if row.impact_safety else "no"),
        ("Impact on the endpoints", "yes" if row.impact_endpoints else "no"),
        ("Corrective and preventive action", row.corrective_action),
        ("Reportable to the IRB", "yes" if row.irb_reportable else "no"),
    ]


def deviation_sign(
    *, deviation: ProtocolDeviation, user: Any, password: str, meaning: str, request: Any = None
) -> ProtocolDeviation:
    """The investigator's review of a confirmed deviation, through the signing service."""
    current = ProtocolDeviation.objects.select_related("participant").get(pk=deviation.pk)
    if current.status != ProtocolDeviation.Status.OPEN:
        raise ValidationError({"meaning": gettext("Only a confirmed, open deviation is reviewed.")})
    if meaning not in DEVIATION_MEANINGS:
        raise ValidationError({"meaning": gettext("Choose the meaning of your signature.")})
    written: list[ProtocolDeviation] = []

    def write() -> ProtocolDeviation:
        row = ProtocolDeviation.objects.select_for_update().get(pk=current.pk)
        row.status = ProtocolDeviation.Status.REVIEWED
        save_clinical(row, user=user, reason=f"Investigator review signed: {meaning}")
        written.append(row)
        return row

    signing.sign(
        user=user,
        password=password,
        record=write,
        meaning=meaning,
        summary=deviation_summary(current),
        request=request,
    )
    return written[0]
