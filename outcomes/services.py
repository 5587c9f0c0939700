"""Writes of the outcomes app: visit schedule, endpoints, sign-off, hospital course.

Reminders and alerts are the notifications app's (this app's rules: outcomes/reminders.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dressdb import signing
from dressdb.audit import require_reason, save_clinical
from dressdb.models import Site
from enrollment.models import Participant
from enrollment.services import data_entry_allowed, participant_record_milestones
from notifications.services import reminders_close
from outcomes import deaths, schedule
from outcomes.config import visit_windows
from outcomes.models import ENDPOINTS_BY_VISIT, OPTIONAL_ENDPOINTS, HospitalCourse, Visit

logger = logging.getLogger(__name__)


def site_today(site: Site) -> dt.date:
    return timezone.localdate(timezone=site.tz)


@transaction.atomic
def visit_schedule_start(*, participant: Participant, day1: dt.date, user: Any) -> list[Visit]:
    """The visits on study days 7, 30, 60, 90 with their windows. Idempotent."""
    existing = list(Visit.objects.filter(participant=participant))
    if existing:
        return existing
    visits = []
    for planned in schedule.visit_dates(day1, visit_windows()):
        visit = Visit(
            participant=participant,
            name=planned.name,
            study_day=planned.study_day,
            target_date=planned.target_date,
            window_opens=planned.window_opens,
            window_closes=planned.window_closes,
        )
        save_clinical(visit, user=user, reason="Visit schedule started at randomization")
        visits.append(visit)
    return visits


def _check_not_locked(visit: Visit) -> None:
    if visit.locked:
        raise ValidationError(
            {
                "completed_on": "This visit is signed off and locked. An investigator must "
                "unlock it (with a reason) before any change."
            }
        )


def _check_date(participant: Participant, value: dt.date | None, field: str) -> None:
    if value is None:
        return
    enrolled = timezone.localtime(participant.enrolled_at, participant.site.tz).date()
    if value < enrolled:
        raise ValidationError({field: f"The date is before enrolment ({enrolled:%Y-%m-%d})."})
    if value > site_today(participant.site):
        raise ValidationError({field: "The date cannot be in the future."})


@transaction.atomic
def visit_record(
    *,
    visit: Visit,
    user: Any,
    completed_on: dt.date,
    endpoints: Mapping[str, Any],
    out_of_window_reason: str = "",
    reason: str = "",
    death_date: dt.date | None = None,
) -> Visit:
    """Record a visit's endpoints. Edits after the first entry need a reason.

    A vital status "dead" needs its date of death (`death_date`); the participant's one
    date of death is then reconciled from every source (`participant_vital_sync`).
    """
    locked_visit = (
        Visit.objects.select_for_update().select_related("participant__site").get(pk=visit.pk)
    )
    _check_not_locked(locked_visit)
    participant = locked_visit.participant
    data_entry_allowed(participant, "completed_on")
    _check_date(participant, completed_on, "completed_on")
    editing = locked_visit.completed_on is not None or locked_visit.missed
    final_reason = require_reason(locked_visit, reason) if editing else "Visit entered"
    allowed = set(ENDPOINTS_BY_VISIT[locked_visit.name])
    unknown = set(endpoints) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This endpoint is not collected at this visit."})
    missing = [n for n in allowed - OPTIONAL_ENDPOINTS if endpoints.get(n) in (None, "")]
    if missing:
        raise ValidationError({name: "Required at this visit." for name in sorted(missing)})
    if endpoints.get("autoimmune_disease") == "yes" and not endpoints.get("autoimmune_type"):
        raise ValidationError({"autoimmune_type": "Give the type of autoimmune disease."})
    if endpoints.get("autoimmune_type") == "other" and not endpoints.get("autoimmune_other"):
        raise ValidationError({"autoimmune_other": "Name the other autoimmune disease."})
    if endpoints.get("vital_status") == "dead":
        if death_date is None:
            raise ValidationError({"death_date": "Give the date of death."})
        _check_date(participant, death_date, "death_date")
        if death_date > completed_on:
            raise ValidationError({"death_date": "The date of death is after the visit date."})
    else:
        death_date = None
    planned = schedule.ScheduledVisit(
        locked_visit.name,
        locked_visit.study_day,
        locked_visit.target_date,
        locked_visit.window_opens,
        locked_visit.window_closes,
    )
    if not planned.in_window(completed_on) and not out_of_window_reason.strip():
        raise ValidationError(
            {
                "out_of_window_reason": f"The visit date is outside its window "
                f"({planned.window_opens:%Y-%m-%d} to "
                f"{planned.window_closes:%Y-%m-%d}): give a reason."
            }
        )
    for name in allowed:
        setattr(
            locked_visit,
            name,
            endpoints.get(name)
            if endpoints.get(name) not in ("", None)
            else ("" if not name.endswith(("_load", "_count")) else None),
        )
    locked_visit.completed_on = completed_on
    locked_visit.death_date = death_date
    locked_visit.missed = False
    locked_visit.missed_reason = ""
    locked_visit.missed_reason_code = ""
    locked_visit.out_of_window_reason = (
        out_of_window_reason.strip() if not planned.in_window(completed_on) else ""
    )
    save_clinical(locked_visit, user=user, reason=final_reason)
    reminders_close(subject=locked_visit)
    participant_vital_sync(participant=participant, user=user, reason=final_reason)
    return locked_visit


@transaction.atomic
def visit_mark_missed(*, visit: Visit, user: Any, reason: str, reason_code: str = "") -> Visit:
    """Record a visit as missed: only once its window has closed (site date), or
    earlier with a reason from the fixed list (outcomes.schedule.missed_allowed).

    `reason` is the note; `reason_code` a schedule.MissedReason ("" = window closed).
    Missing day 90 alive, or "moved or unreachable", records the participant as lost
    to follow-up.
    """
    locked_visit = (
        Visit.objects.select_for_update().select_related("participant__site").get(pk=visit.pk)
    )
    _check_not_locked(locked_visit)
    participant = locked_visit.participant
    data_entry_allowed(participant, "missed_reason")
    code = reason_code or str(schedule.MissedReason.WINDOW_CLOSED)
    check = schedule.missed_allowed(
        window_closes=locked_visit.window_closes,
        today=site_today(participant.site),
        reason=code,
        note=reason,
    )
    if not check.ok:
        raise ValidationError({check.field: check.message})
    label = schedule.missed_label(code, reason)
    locked_visit.missed = True
    locked_visit.missed_reason = reason.strip()
    locked_visit.missed_reason_code = code
    locked_visit.completed_on = None
    locked_visit.death_date = None
    save_clinical(locked_visit, user=user, reason=f"Visit {label}")
    reminders_close(subject=locked_visit)
    participant_vital_sync(participant=participant, user=user, reason=f"Visit {label}")
    return locked_visit


def follow_up_withdraw(*, participant: Participant, user: Any, reason: str) -> int:
    """After a withdrawal from follow-up (or of consent): the visits are not due any
    more (schedule.visit_status: not expected), their open reminders close."""
    closed = 0
    for visit in Visit.objects.filter(participant=participant, completed_on__isnull=True):
        closed += reminders_close(subject=visit)
    return closed


def _last_visit_name() -> str:
    return max(visit_windows(), key=lambda w: w.study_day).name


def participant_vital_sync(*, participant: Participant, user: Any, reason: str) -> Participant:
    """Reconcile the one date of death from every source and set the follow-up
    milestones (follow-up complete, lost to follow-up) on the participant."""
    visits = list(Visit.objects.filter(participant=participant).order_by("study_day"))
    course = HospitalCourse.objects.filter(participant=participant).first()
    record = deaths.reconcile(death_evidence(visits, course))
    last = next((v for v in visits if v.name == _last_visit_name()), None)
    lost_on = None
    if not record.died and not record.discrepancy:
        early = [
            v
            for v in visits
            if v.missed and v.missed_reason_code == schedule.MissedReason.UNREACHABLE
        ]
        if early:
            lost_on = min(v.target_date for v in early)
        elif last is not None and last.missed:
            lost_on = last.window_closes
    if lost_on is not None:
        lost_on = min(lost_on, site_today(participant.site))
    return participant_record_milestones(
        participant=participant,
        user=user,
        reason=reason,
        died_on=record.died_on,
        death_discrepancy=record.discrepancy,
        follow_up_completed_on=last.completed_on if last is not None else None,
        lost_to_follow_up_on=lost_on,
    )


def death_evidence(visits: list[Visit], course: HospitalCourse | None) -> list[deaths.Evidence]:
    evidence: list[deaths.Evidence] = []
    for v in visits:
        evidence += deaths.visit_evidence(
            f"{v.label} visit", v.completed_on, v.vital_status, v.death_date
        )
    if course is not None:
        evidence += deaths.hospital_evidence(
            death_date=course.death_date,
            discharge_date=course.discharge_date,
            readmission_date=course.readmission_date,
        )
    return evidence


SIGN_OFF_MEANINGS = (signing.Meaning.REVIEWED_APPROVED,)


def _check_sign_off(visit: Visit) -> None:
    if visit.completed_on is None and not visit.missed:
        raise ValidationError(
            {"completed_on": "Only a completed or missed visit can be signed off."}
        )
    if visit.locked:
        raise ValidationError({"completed_on": "Already signed off."})


def _display(visit: Visit, name: str) -> str:
    value = getattr(visit, name)
    getter = getattr(visit, f"get_{name}_display", None)
    return str(getter()) if getter is not None and value not in (None, "") else (
        "" if value is None else str(value)
    )


def sign_off_summary(visit: Visit) -> list[tuple[str, str]]:
    """The data the investigator signs: the visit as stored now."""
    rows = [
        ("Participant", visit.participant.study_id),
        ("Visit", f"{visit.label} (study day {visit.study_day})"),
        ("Window", f"{visit.window_opens:%Y-%m-%d} to {visit.window_closes:%Y-%m-%d}"),
    ]
    if visit.missed:
        rows.append(("Missed", visit.missed_reason))
    else:
        rows.append(("Visit date", f"{visit.completed_on:%Y-%m-%d}" if visit.completed_on else ""))
        if visit.out_of_window_reason:
            rows.append(("Out-of-window reason", visit.out_of_window_reason))
        for name in visit.endpoint_names:
            label = str(getattr(Visit._meta.get_field(name), "verbose_name", name))
            rows.append((label[:1].upper() + label[1:], _display(visit, name)))
    return rows


def visit_sign_off(
    *, visit: Visit, user: Any, password: str, meaning: str, request: Any = None
) -> Visit:
    """The investigator's Part 11 sign-off, through the one signing service: every other
    check first, the password last; the visit is locked and the signature bound to it."""
    current = Visit.objects.select_related("participant__site").get(pk=visit.pk)
    _check_sign_off(current)
    if meaning not in SIGN_OFF_MEANINGS:
        raise ValidationError({"meaning": "Choose the meaning of your signature."})
    written: list[Visit] = []

    def write() -> Visit:
        locked_visit = Visit.objects.select_for_update().get(pk=visit.pk)
        _check_sign_off(locked_visit)
        locked_visit.locked = True
        locked_visit.signed_off_by = user
        locked_visit.signed_off_at = timezone.now()
        save_clinical(locked_visit, user=user, reason=f"Signed off: {meaning}")
        written.append(locked_visit)
        return locked_visit

    signing.sign(
        user=user,
        password=password,
        record=write,
        meaning=meaning,
        summary=sign_off_summary(current),
        request=request,
    )
    return written[0]


@transaction.atomic
def visit_unlock(*, visit: Visit, user: Any, reason: str) -> Visit:
    """Unlock a signed-off visit: its signature is voided with the reason (history keeps it)."""
    locked_visit = Visit.objects.select_for_update().get(pk=visit.pk)
    final_reason = require_reason(locked_visit, reason)
    if not locked_visit.locked:
        raise ValidationError({"reason_for_change": "The visit is not locked."})
    locked_visit.locked = False
    locked_visit.signed_off_by = None
    locked_visit.signed_off_at = None
    save_clinical(locked_visit, user=user, reason=f"Unlocked: {final_reason}")
    signing.void_for(locked_visit, reason=f"Unlocked: {final_reason}", user=user)
    return locked_visit


HOSPITAL_FIELDS = (
    "admission_date",
    "discharge_date",
    "readmitted_within_30_days",
    "readmission_date",
    "readmission_reason",
    "death_date",
    "death_cause",
)


@transaction.atomic
def hospital_course_save(
    *, participant: Participant, user: Any, values: Mapping[str, Any], reason: str = ""
) -> HospitalCourse:
    data_entry_allowed(participant, "admission_date")
    course = HospitalCourse.objects.select_for_update().filter(participant=participant).first()
    if course is None:
        course = HospitalCourse(participant=participant)
    final_reason = require_reason(course, reason)
    for name in HOSPITAL_FIELDS:
        setattr(
            course,
            name,
            values.get(name)
            if values.get(name) is not None
            else (
                ""
                if name in ("readmitted_within_30_days", "readmission_reason", "death_cause")
                else None
            ),
        )
    # Admission may precede enrolment (patients are screened in hospital); the rest may not.
    if course.admission_date and course.admission_date > site_today(participant.site):
        raise ValidationError({"admission_date": "The date cannot be in the future."})
    for name in ("discharge_date", "readmission_date", "death_date"):
        _check_date(participant, getattr(course, name), name)
    if (
        course.admission_date
        and course.discharge_date
        and course.discharge_date < course.admission_date
    ):
        raise ValidationError({"discharge_date": "Discharge cannot be before admission."})
    if course.readmitted_within_30_days == "yes":
        if not course.readmission_date or not course.readmission_reason:
            raise ValidationError({"readmission_date": "Give the re-admission date and reason."})
        if course.discharge_date is None or not (
            course.discharge_date
            < course.readmission_date
            <= course.discharge_date + dt.timedelta(days=30)
        ):
            raise ValidationError(
                {"readmission_date": "A re-admission must fall within 30 days after discharge."}
            )
    if course.death_date and not course.death_cause.strip():
        raise ValidationError({"death_cause": "Give the cause of death."})
    save_clinical(course, user=user, reason=final_reason)
    participant_vital_sync(participant=participant, user=user, reason=final_reason)
    return course
