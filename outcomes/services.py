"""Writes of the outcomes app: visit schedule, endpoints, sign-off, hospital course.

Reminders and alerts are the notifications app's (this app's rules: outcomes/reminders.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from dressdb import signing
from dressdb.audit import require_reason, save_clinical
from dressdb.delegation import require_duty
from dressdb.models import Duty, Site
from enrollment import deaths
from enrollment.models import Participant
from enrollment.selectors import death_record
from enrollment.services import (
    data_entry_allowed,
    death_evidence_sync,
    participant_record_milestones,
)
from notifications.services import reminders_close
from outcomes import schedule
from outcomes.config import visit_windows
from outcomes.models import (
    ENDPOINTS_BY_VISIT,
    HOSPITAL_SHOWN_WHEN,
    OPTIONAL_ENDPOINTS,
    SHOWN_WHEN,
    HospitalCourse,
    Visit,
    not_applicable,
)

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


def _date_problem(participant: Participant, value: dt.date | None) -> str | None:
    if value is None:
        return None
    enrolled = timezone.localtime(participant.enrolled_at, participant.site.tz).date()
    if value < enrolled:
        return gettext("The date is before enrolment (%(date)s).") % {
            "date": date_format(enrolled, "SHORT_DATE_FORMAT")
        }
    if value > site_today(participant.site):
        return gettext("The date cannot be in the future.")
    return None


def _check_date(participant: Participant, value: dt.date | None, field: str) -> None:
    problem = _date_problem(participant, value)
    if problem:
        raise ValidationError({field: problem})


class Problems:
    """Every rule violation of one submission, by field: raised once, all together."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def merge(self, exc: ValidationError) -> None:
        for field, messages in exc.message_dict.items():
            for message in messages:
                self.add(field, message)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def visit_applicable(endpoints: Mapping[str, Any], death_date: Any = None) -> dict[str, Any]:
    """The endpoints with every not-applicable (hidden) answer cleared: loads without a
    positive PCR, the autoimmune type without a yes, the date of death without "dead"."""
    values = {**endpoints, "death_date": death_date}
    closed = not_applicable(values, SHOWN_WHEN)
    return {name: (None if name in closed else value) for name, value in values.items()}


def visit_problems(
    *,
    visit: Visit,
    completed_on: dt.date | None,
    endpoints: Mapping[str, Any],
    out_of_window_reason: str = "",
    reason: str = "",
    death_date: dt.date | None = None,
    skip: frozenset[str] = frozenset(),
) -> dict[str, list[str]]:
    """Every rule the visit breaks, by field (nothing is written). `skip`: fields the
    form already refused, so a value it could not read is not reported twice."""
    problems = Problems()
    participant = visit.participant
    if visit.locked:
        problems.add(
            "completed_on",
            "This visit is signed off and locked. An investigator must "
            "unlock it (with a reason) before any change.",
        )
        return problems.by_field
    try:
        data_entry_allowed(participant, "completed_on")
    except ValidationError as exc:
        problems.merge(exc)
        return problems.by_field
    if completed_on is not None:
        problem = _date_problem(participant, completed_on)
        if problem:
            problems.add("completed_on", problem)
    elif "completed_on" not in skip:
        problems.add("completed_on", "Give the visit date.")
    if (visit.completed_on is not None or visit.missed) and "reason_for_change" not in skip:
        try:
            require_reason(visit, reason)
        except ValidationError as exc:
            problems.merge(exc)
    allowed = set(ENDPOINTS_BY_VISIT[visit.name])
    for name in sorted(set(endpoints) - allowed):
        problems.add(name, "This endpoint is not collected at this visit.")
    values = visit_applicable({k: v for k, v in endpoints.items() if k in allowed}, death_date)
    closed = not_applicable(values, SHOWN_WHEN)
    for name in sorted(allowed - OPTIONAL_ENDPOINTS):
        if name not in skip and values.get(name) in (None, ""):
            problems.add(name, "Required at this visit.")
    for name in sorted(allowed - closed - skip):  # the model's checks, with the rest at once
        if values.get(name) not in (None, ""):
            model_field = Visit._meta.get_field(name)
            try:
                if isinstance(model_field, models.Field):
                    model_field.clean(values[name], None)
            except ValidationError as exc:
                for message in exc.messages:
                    problems.add(name, message)
    if "autoimmune_type" in allowed and "autoimmune_type" not in closed:
        if not values.get("autoimmune_type") and "autoimmune_type" not in skip:
            problems.add("autoimmune_type", "Give the type of autoimmune disease.")
    if "autoimmune_other" in allowed and "autoimmune_other" not in closed:
        if not values.get("autoimmune_other") and "autoimmune_other" not in skip:
            problems.add("autoimmune_other", "Name the other autoimmune disease.")
    if "death_date" not in closed and "death_date" not in skip:
        if death_date is None:
            problems.add("death_date", "Give the date of death.")
        else:
            problem = _date_problem(participant, death_date)
            if problem:
                problems.add("death_date", problem)
            elif completed_on is not None and death_date > completed_on:
                problems.add("death_date", "The date of death is after the visit date.")
    if completed_on is not None:
        planned = _planned(visit)
        if not planned.in_window(completed_on) and not out_of_window_reason.strip():
            problems.add(
                "out_of_window_reason",
                gettext(
                    "The visit date is outside its window (%(opens)s to %(closes)s): give a reason."
                )
                % {
                    "opens": date_format(planned.window_opens, "SHORT_DATE_FORMAT"),
                    "closes": date_format(planned.window_closes, "SHORT_DATE_FORMAT"),
                },
            )
    return problems.by_field


def _planned(visit: Visit) -> schedule.ScheduledVisit:
    return schedule.ScheduledVisit(
        visit.name, visit.study_day, visit.target_date, visit.window_opens, visit.window_closes
    )


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

    Every rule is checked before anything is written, and every violation is raised at
    once (one ValidationError naming each field). Not-applicable answers (hidden by the
    form's branching) are cleared, never required.
    A vital status "dead" needs its date of death (`death_date`); the participant's one
    date of death is then reconciled from every source (`participant_vital_sync`).
    """
    require_duty(user, visit.participant.site, Duty.DATA_ENTRY, field="completed_on")
    locked_visit = (
        Visit.objects.select_for_update().select_related("participant__site").get(pk=visit.pk)
    )
    problems = visit_problems(
        visit=locked_visit,
        completed_on=completed_on,
        endpoints=endpoints,
        out_of_window_reason=out_of_window_reason,
        reason=reason,
        death_date=death_date,
    )
    if locked_visit.locked or completed_on is None or "reason_for_change" in problems:
        raise ValidationError(problems)
    participant = locked_visit.participant
    editing = locked_visit.completed_on is not None or locked_visit.missed
    final_reason = require_reason(locked_visit, reason) if editing else "Visit entered"
    allowed = set(ENDPOINTS_BY_VISIT[locked_visit.name])
    values = visit_applicable(endpoints, death_date)
    death_date = values.pop("death_date")
    planned = _planned(locked_visit)
    for name in allowed:
        setattr(
            locked_visit,
            name,
            values.get(name)
            if values.get(name) not in ("", None)
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
    # The model's own checks (choices, ranges) join the rules' problems: one answer.
    all_problems = Problems()
    for field, messages in problems.items():
        for message in messages:
            all_problems.add(field, message)
    try:
        locked_visit.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field not in problems:
                for message in messages:
                    all_problems.add(field, message)
    all_problems.raise_any()
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
    require_duty(user, visit.participant.site, Duty.DATA_ENTRY, field="missed_reason")
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
    """Store what the visits and the hospital course say about vital status (the
    enrollment floor's DeathEvidence, beside the AE death reports of safety), reconcile
    the one date of death from every source, and set the follow-up milestones (follow-up
    complete, lost to follow-up) on the participant."""
    visits = list(Visit.objects.filter(participant=participant).order_by("study_day"))
    course = HospitalCourse.objects.filter(participant=participant).first()
    for source, source_id, items in death_evidence_items(visits, course):
        death_evidence_sync(
            participant=participant,
            source=source,
            source_id=source_id,
            items=items,
            user=user,
            reason=reason,
        )
    record = death_record(participant)
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


def death_evidence_items(
    visits: list[Visit], course: HospitalCourse | None
) -> list[tuple[str, int, deaths.Items]]:
    """What each visit and the hospital course say about vital status, item by item
    (source, source record id, items), for enrollment.services.death_evidence_sync."""
    found: list[tuple[str, int, deaths.Items]] = [
        (
            deaths.Source.VISIT,
            v.pk,
            deaths.visit_items(f"{v.label} visit", v.completed_on, v.vital_status, v.death_date),
        )
        for v in visits
    ]
    if course is not None:
        found.append(
            (
                deaths.Source.HOSPITAL_COURSE,
                course.pk,
                deaths.hospital_items(
                    death_date=course.death_date,
                    discharge_date=course.discharge_date,
                    readmission_date=course.readmission_date,
                ),
            )
        )
    return found


SIGN_OFF_MEANINGS = (signing.Meaning.REVIEWED_APPROVED,)


def _check_sign_off(visit: Visit) -> None:
    if visit.completed_on is None and not visit.missed:
        raise ValidationError(
            {"completed_on": gettext("Only a completed or missed visit can be signed off.")}
        )
    if visit.locked:
        raise ValidationError({"completed_on": gettext("Already signed off.")})


def _display(visit: Visit, name: str) -> str:
    value = getattr(visit, name)
    getter = getattr(visit, f"get_{name}_display", None)
    return (
        str(getter())
        if getter is not None and value not in (None, "")
        else ("" if value is None else str(value))
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
        raise ValidationError({"meaning": gettext("Choose the meaning of your signature.")})
    require_duty(user, current.participant.site, Duty.SIGN_OFF, field="meaning")
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
        raise ValidationError({"reason_for_change": gettext("The visit is not locked.")})
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
    require_duty(user, participant.site, Duty.DATA_ENTRY, field="admission_date")
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
    # Branching: re-admission details apply only to a re-admission (cleared otherwise).
    closed = not_applicable(
        {"readmitted_within_30_days": course.readmitted_within_30_days}, HOSPITAL_SHOWN_WHEN
    )
    if "readmission_date" in closed:
        course.readmission_date = None
    if "readmission_reason" in closed:
        course.readmission_reason = ""
    problems = Problems()
    # Admission may precede enrolment (patients are screened in hospital); the rest may not.
    if course.admission_date and course.admission_date > site_today(participant.site):
        problems.add("admission_date", "The date cannot be in the future.")
    for name in ("discharge_date", "readmission_date", "death_date"):
        problem = _date_problem(participant, getattr(course, name))
        if problem:
            problems.add(name, problem)
    if (
        course.admission_date
        and course.discharge_date
        and course.discharge_date < course.admission_date
    ):
        problems.add("discharge_date", "Discharge cannot be before admission.")
    if course.readmitted_within_30_days == "yes":
        if not course.readmission_reason:
            problems.add("readmission_reason", "Give the re-admission reason.")
        if not course.readmission_date:
            problems.add("readmission_date", "Give the re-admission date and reason.")
        elif course.discharge_date is None or not (
            course.discharge_date
            < course.readmission_date
            <= course.discharge_date + dt.timedelta(days=30)
        ):
            problems.add(
                "readmission_date", "A re-admission must fall within 30 days after discharge."
            )
    if course.death_date and not course.death_cause.strip():
        problems.add("death_cause", "Give the cause of death.")
    problems.raise_any()
    save_clinical(course, user=user, reason=final_reason)
    participant_vital_sync(participant=participant, user=user, reason=final_reason)
    return course
