"""Reads of the outcomes app (participant scope through enrollment.access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from dressdb import signing
from dressdb.access import has_role
from dressdb.grid import Cell, CellState, Column, cell_url_maker
from dressdb.models import Role
from enrollment.access import participants_visible_to
from enrollment.models import Participant
from outcomes import schedule
from outcomes.models import HospitalCourse, Visit


def visit_status(
    visit: Any,
    today: dt.date,
    death_date: dt.date | None,
    follow_up_ended_on: dt.date | None = None,
) -> str:
    """A Visit's status (outcomes.schedule), or that of a row of its fields (the grid's
    named tuples): name, study_day, target_date, window_opens/closes, completed_on, missed."""
    planned = schedule.ScheduledVisit(
        visit.name, visit.study_day, visit.target_date, visit.window_opens, visit.window_closes
    )
    return str(
        schedule.visit_status(
            planned,
            today=today,
            completed_on=visit.completed_on,
            missed=visit.missed,
            death_date=death_date,
            follow_up_ended_on=follow_up_ended_on,
        )
    )


def follow_up_ends(participant: Participant) -> tuple[dt.date | None, dt.date | None]:
    """(date of death, date follow-up was withdrawn): after these, visits are not expected."""
    withdrawn = participant.withdrawn_on if participant.status == "withdrawn" else None
    return participant.died_on, withdrawn


STATUS_BADGES = {
    "upcoming": "secondary",
    "open": "primary",
    "overdue": "danger",
    "completed": "success",
    "completed_out_of_window": "warning",
    "missed": "dark",
    "not_expected": "light",
}


def with_status(visits: list[Visit], participant_today: Any, deaths: dict[int, Any]) -> list[Visit]:
    """`deaths`: participant id -> (date of death, follow-up withdrawn on), or a date."""
    for v in visits:
        ends = deaths.get(v.participant_id)
        death, ended = ends if isinstance(ends, tuple) else (ends, None)
        status = visit_status(v, participant_today(v), death, ended)
        v.status = status  # type: ignore[attr-defined]
        v.badge = STATUS_BADGES[status]  # type: ignore[attr-defined]
    return visits


def participant_panel(*, participant: Participant, user: Any) -> dict[str, object]:
    visits = list(Visit.objects.filter(participant=participant).order_by("study_day"))
    signatures = signing.current_signatures(visits)
    for v in visits:
        v.signature = signatures.get(v.pk)  # type: ignore[attr-defined]
    course = HospitalCourse.objects.filter(participant=participant).first()
    today = timezone.localdate(timezone=participant.site.tz)
    return {
        "visits": with_status(
            visits, lambda v: today, {participant.pk: follow_up_ends(participant)}
        ),
        "hospital_course": course,
        "can_enter_visits": has_role(user, Role.COORDINATOR),
        "can_sign_off": has_role(user, Role.INVESTIGATOR),
    }


def visit_list(user: Any) -> list[Visit]:
    """Every visit at the user's sites that is not closed yet, with its status."""
    visible = participants_visible_to(user, [Role.COORDINATOR, Role.INVESTIGATOR]).values("pk")
    visits = list(
        Visit.objects.filter(participant__in=visible, participant__status="enrolled")
        .select_related("participant__site", "participant__hospital_course")
        .order_by("target_date", "participant__study_id")
    )
    today_by_site: dict[int, dt.date] = {}

    def today_of(v: Visit) -> dt.date:
        site = v.participant.site
        if site.pk not in today_by_site:
            today_by_site[site.pk] = timezone.localdate(timezone=site.tz)
        return today_by_site[site.pk]

    deaths = {v.participant_id: follow_up_ends(v.participant) for v in visits}
    return with_status(visits, today_of, deaths)


# --- Record-status grid (portal/grid.py composes the apps' cells) -----------------------

VISIT_CELL_STATES = {
    "upcoming": CellState.NOT_DUE,
    "open": CellState.DUE,
    "overdue": CellState.OVERDUE,
    "completed": CellState.COMPLETE,
    "completed_out_of_window": CellState.COMPLETE,
    "missed": CellState.MISSED,
    "not_expected": CellState.NOT_APPLICABLE,
}


def grid_columns() -> list[Column]:
    columns = [
        Column(w.name, gettext("Day %(n)s") % {"n": w.study_day}, gettext("Visits"))
        for w in schedule.DEFAULT_WINDOWS
    ]
    return [*columns, Column("hospital_course", gettext("Hospital course"), gettext("Outcomes"))]


def grid_cells(participants: Sequence[Participant]) -> dict[int, dict[str, Cell]]:
    """The day 7/30/60/90 visits and the hospital course: two queries (one when the
    caller select_related("hospital_course")). The visits are read as named tuples (a
    page of 50 participants has 200: no model instance each), with the fields
    `visit_status` reads."""
    by_pk = {p.pk: p for p in participants}
    cells: dict[int, dict[str, Cell]] = {pk: {} for pk in by_pk}
    today = {p.pk: timezone.localdate(timezone=p.site.tz) for p in participants}
    ends = {p.pk: follow_up_ends(p) for p in participants}
    visit_url = cell_url_maker("visit_edit", 2)
    visits = (
        Visit.objects.filter(participant_id__in=list(by_pk))
        .values_list(
            "pk",
            "participant_id",
            "name",
            "study_day",
            "target_date",
            "window_opens",
            "window_closes",
            "completed_on",
            "missed",
            "missed_reason",
            "missed_reason_code",
            "locked",
            named=True,
        )
        .order_by()
    )  # fmt: skip  (keyed by name below: no need for Meta's join to the sites)
    what: dict[int, str] = {}  # "Day 7 visit": translated once a page
    for v in visits:
        pk = v.participant_id
        if v.study_day not in what:
            what[v.study_day] = gettext("Day %(n)s visit") % {"n": v.study_day}
        status = visit_status(v, today[pk], *ends[pk])
        state = VISIT_CELL_STATES[status]
        note = ""
        if v.locked:
            state, note = CellState.LOCKED, "signed off and locked"
        elif status == "completed_out_of_window":
            note = "completed out of window"
        elif status == "missed":  # as Visit.missed_label
            note = schedule.missed_label(v.missed_reason_code, v.missed_reason) if v.missed else ""
        is_open = state in (CellState.NOT_DUE, CellState.DUE, CellState.OVERDUE)
        cells[pk][v.name] = Cell(
            state,
            visit_url(pk, v.pk),
            note,
            due=(v.window_closes if state == CellState.OVERDUE else v.target_date)
            if is_open
            else None,
            what=what[v.study_day],
        )
    descriptor: Any = Participant.hospital_course
    if participants and all(descriptor.is_cached(p) for p in participants):
        courses = {  # select_related("hospital_course") by the caller: no query
            p.pk: p.hospital_course for p in participants if getattr(p, "hospital_course", None)
        }
    else:
        courses = {
            c.participant_id: c
            for c in HospitalCourse.objects.filter(participant_id__in=list(by_pk)).only(
                "participant_id", "discharge_date", "death_date"
            )
        }
    course_url = cell_url_maker("hospital_course", 1)
    for pk, p in by_pk.items():
        url = course_url(pk)
        course = courses.get(pk)
        if course is not None and (course.discharge_date or course.death_date):
            cell = Cell(CellState.COMPLETE, url)
        elif p.randomized_on is None:
            not_yet = CellState.NOT_DUE if p.status == "enrolled" else CellState.NOT_APPLICABLE
            cell = Cell(not_yet, url)
        elif course is not None:
            cell = Cell(CellState.DUE, url, "discharge not recorded yet")
        else:
            cell = Cell(CellState.DUE, url, "not started")
        cells[pk]["hospital_course"] = cell
    return cells
