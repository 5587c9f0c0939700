"""The record-status grid: participants x forms, composed from each app's cells.

Each domain app offers `grid_columns()` and `grid_cells(participants)` in its selectors
(a constant number of queries each); this module puts them side by side, derives the
participant's status and "next item due", and filters and pages the rows.

Extension points:
- a new form column: add `grid_columns`/`grid_cells` to the app's selectors and list
  the app in `SOURCES` below;
- a new cell state set by another app (e.g. "query open" from data management): add
  the state to `dressdb.grid` (or `dressdb.grid.register_state`) and an overlay to
  `OVERLAYS`: a function (participants, cells) -> None that changes cells in place,
  with a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from datamanagement import selectors as datamanagement_selectors
from dosing import selectors as dosing_selectors
from dosing.protocol import ARM_LABELS, Arm
from dressdb.access import sites_visible_to
from dressdb.grid import CELL_LABELS, CELL_MARKS, LEGEND, Cell, CellState, Column
from enrollment import selectors as enrollment_selectors
from enrollment.access import participants_visible_to
from enrollment.models import Participant
from enrollment.status import STATE_LABELS, State
from enrollment.status import Status as DerivedStatus
from outcomes import selectors as outcomes_selectors
from randomization import selectors as randomization_selectors
from safety import selectors as safety_selectors

PER_PAGE = 50

CellMap = dict[int, dict[str, Cell]]
Overlay = Callable[[Sequence[Participant], CellMap], None]

# (cells, columns) per app, in the grid's left-to-right order.
SOURCES: tuple[tuple[Callable[[Sequence[Participant]], CellMap], Callable[..., list[Column]]], ...]
SOURCES = (
    (enrollment_selectors.grid_cells, lambda cells: enrollment_selectors.grid_columns()),
    (randomization_selectors.grid_cells, lambda cells: randomization_selectors.grid_columns()),
    (dosing_selectors.grid_cells, dosing_selectors.grid_columns),
    (outcomes_selectors.grid_cells, lambda cells: outcomes_selectors.grid_columns()),
    (safety_selectors.grid_cells, lambda cells: safety_selectors.grid_columns()),
)
# Functions that change cells after the sources, on the full grid (not on the "next
# item due" lists): "query open" from data management.
OVERLAYS: list[Overlay] = [datamanagement_selectors.grid_query_overlay]

BLANK = Cell(CellState.NOT_APPLICABLE)


@dataclass
class Row:
    participant: Participant
    status: DerivedStatus
    today: dt.date
    cells: list[Cell] = field(default_factory=list)
    next_due: Cell | None = None

    @cached_property  # read more than once a row by the templates
    def status_short(self) -> str:
        return gettext(STATE_LABELS[self.status.state])

    @cached_property  # read more than once a row by the templates
    def arm_label(self) -> str:
        arm = self.participant.current_arm
        return gettext(ARM_LABELS.get(Arm(arm), arm)) if arm in set(Arm) else ""

    @cached_property  # read more than once a row by the templates
    def switched(self) -> bool:
        p = self.participant
        return bool(p.randomized_arm) and p.current_arm != p.randomized_arm

    @cached_property  # read more than once a row by the templates
    def study_day(self) -> int | None:
        day1 = self.participant.study_day_1
        if day1 is None or self.status.state in (State.SCREENED, State.ENROLLED):
            return None
        return (self.today - day1).days + 1


class GridFilter(forms.Form):
    site: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=gettext_lazy("All sites")
    )
    status = forms.ChoiceField(required=False)
    arm = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field: Any = self.fields["site"]
        site_field.queryset = sites_visible_to(user)
        site_field.label_from_instance = lambda s: f"{s.code} · {s.name}"
        status_field: Any = self.fields["status"]
        status_field.choices = [("", gettext("Any status"))] + [
            (s.value, gettext(STATE_LABELS[s])) for s in State if s is not State.SCREENED
        ]
        arm_field: Any = self.fields["arm"]
        arm_field.choices = [
            ("", gettext("Any arm")),
            *((a.value, gettext(ARM_LABELS[a])) for a in Arm),
            ("none", gettext("Not randomized")),
        ]


def _today(p: Participant) -> dt.date:
    return timezone.localdate(timezone=p.site.tz)


# For lists that show only the next scheduled item due (participant list, home): fewer
# queries. SAE reports are left to the grid and the to-do list (their clock reminders).
NEXT_DUE_SOURCES: tuple[
    tuple[Callable[[Sequence[Participant]], CellMap], Callable[..., list[Column]]], ...
] = (
    (enrollment_selectors.grid_cells, lambda cells: []),
    (randomization_selectors.grid_cells, lambda cells: []),
    (lambda ps: dosing_selectors.grid_cells(ps, open_only=True), lambda cells: []),
    (outcomes_selectors.grid_cells, lambda cells: []),
)
LIST_RELATED = ("site", "regimen", "hospital_course")  # read by the sources, no query


def compose(
    participants: Sequence[Participant], *, next_due_only: bool = False
) -> tuple[list[Column], list[Row]]:
    """Rows (status, cells in column order, next item due) for these participants."""
    cells: CellMap = {p.pk: {} for p in participants}
    columns: list[Column] = []
    for get_cells, get_columns in NEXT_DUE_SOURCES if next_due_only else SOURCES:
        found = get_cells(participants)
        columns.extend(get_columns(found))
        for pk, row in found.items():
            cells[pk].update(row)
    for overlay in () if next_due_only else OVERLAYS:
        overlay(participants, cells)
    rows = []
    for p in participants:
        mine = cells[p.pk]
        open_cells = sorted(
            (c for c in mine.values() if c.open), key=lambda c: c.due or dt.date.max
        )
        rows.append(
            Row(
                participant=p,
                status=p.current_status,
                today=_today(p),
                cells=[mine.get(c.key, BLANK) for c in columns],
                next_due=open_cells[0] if open_cells else None,
            )
        )
    return columns, rows


def legend() -> list[dict[str, str]]:
    return [{"state": s, "label": gettext(CELL_LABELS[s]), "mark": CELL_MARKS[s]} for s in LEGEND]


def column_groups(columns: list[Column]) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for c in columns:
        if groups and groups[-1]["label"] == c.group:
            groups[-1]["span"] += 1
        else:
            groups.append({"label": c.group, "span": 1})
    return groups


def filtered(user: Any, params: Any) -> tuple[GridFilter, QuerySet[Participant], str]:
    form = GridFilter(params or None, user=user)
    qs = participants_visible_to(user).select_related(*LIST_RELATED)
    status = ""
    if form.is_valid():
        if form.cleaned_data["site"]:
            qs = qs.filter(site=form.cleaned_data["site"])
        arm = form.cleaned_data["arm"]
        if arm == "none":
            qs = qs.filter(current_arm="")
        elif arm:
            qs = qs.filter(current_arm=arm)
        status = form.cleaned_data["status"]
    return form, qs.order_by("site__code", "study_id"), status


def page_of(qs: QuerySet[Participant], status: str, number: Any) -> Page:
    """50 a page. A status filter is derived, so it filters the rows in Python: still
    one query for the participants, whatever their number."""
    if status:
        rows: Sequence[Participant] = [p for p in qs if p.current_status.state == status]
        return Paginator(rows, PER_PAGE).get_page(number)
    return Paginator(qs, PER_PAGE).get_page(number)
