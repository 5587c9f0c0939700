"""The record-status grid's vocabulary: the states of a cell, their labels and colours.

Each domain app offers its cells through `<app>.selectors.grid_cells(participants)` (a
dict participant id -> {column key: Cell}) and its columns through `grid_columns(...)`;
the portal composes them (portal/grid.py). The core knows no form and no domain app.

Adding a state (e.g. "query open" from data management): add it to `CellState`, give it
a label and a colour class below (dressdb.css has `.grid-cell-<value>`), and set it on a
cell from the app that knows about it, through an overlay (portal/grid.py, `OVERLAYS`).
The legend is built from `LEGEND`, in this order.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats
from django.utils.translation import gettext, gettext_noop


class CellState(StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"
    COMPLETE = "complete"
    SIGNED = "signed"
    LOCKED = "locked"
    MISSED = "missed"
    NOT_APPLICABLE = "not_applicable"


CELL_LABELS: dict[str, str] = {
    CellState.NOT_DUE: gettext_noop("Not due"),
    CellState.DUE: gettext_noop("Due"),
    CellState.OVERDUE: gettext_noop("Overdue"),
    CellState.COMPLETE: gettext_noop("Complete"),
    CellState.SIGNED: gettext_noop("Signed"),
    CellState.LOCKED: gettext_noop("Locked"),
    CellState.MISSED: gettext_noop("Missed"),
    CellState.NOT_APPLICABLE: gettext_noop("Not applicable"),
}
# A short mark inside the cell, so colour is never the only cue (WCAG 1.4.1).
CELL_MARKS: dict[str, str] = {
    CellState.NOT_DUE: "·",
    CellState.DUE: "!",
    CellState.OVERDUE: "!!",
    CellState.COMPLETE: "✓",
    CellState.SIGNED: "✎",
    CellState.LOCKED: "⊠",
    CellState.MISSED: "✗",
    CellState.NOT_APPLICABLE: "–",
}
LEGEND: list[str] = [s.value for s in CellState]


def register_state(value: str, label: str, mark: str) -> None:
    """The hook for a state that a higher app adds (e.g. "query_open"): label and mark;
    its colour is `.grid-cell-<value>` in dressdb.css."""
    CELL_LABELS[value] = label
    CELL_MARKS[value] = mark
    if value not in LEGEND:
        LEGEND.append(value)


# A grid page links every cell to its form: over a thousand reverse() calls a page. The
# URL of a name is reversed once (with stand-in ids) and its ids are put in after.
_STAND_INS = (7_000_000_001, 7_000_000_002, 7_000_000_003)


@functools.lru_cache(maxsize=256)
def _url_with_stand_ins(name: str, n: int, prefix: str, urlconf: str | None) -> str:
    return reverse(name, args=_STAND_INS[:n], urlconf=urlconf)


def cell_url(name: str, *ids: int) -> str:
    """reverse(name, args=ids) for integer ids, from a cached URL of that name."""
    if len(ids) > len(_STAND_INS):
        return reverse(name, args=ids)
    url = _url_with_stand_ins(name, len(ids), get_script_prefix(), get_urlconf())
    for stand_in, value in zip(_STAND_INS, ids, strict=False):
        url = url.replace(str(stand_in), str(int(value)))
    return url


def cell_url_maker(name: str, n: int) -> Callable[..., str]:
    """cell_url(name, *ids) for `n` integer ids, as a function: the cached URL is looked
    up once (a grid's column of links: one lookup, not one a cell)."""
    if n > len(_STAND_INS):
        return lambda *ids: reverse(name, args=ids)
    url = _url_with_stand_ins(name, n, get_script_prefix(), get_urlconf())
    marks = [str(stand_in) for stand_in in _STAND_INS[:n]]
    positions = [url.find(m) for m in marks]
    if any(url.count(m) != 1 for m in marks) or positions != sorted(positions):
        return lambda *ids: cell_url(name, *ids)  # an id twice, or out of order
    parts = [url]
    for stand_in in _STAND_INS[:n]:  # left to right as in the URL pattern
        head, _, tail = parts.pop().partition(str(stand_in))
        parts += [head, tail]
    if n == 1:
        before, after = parts
        return lambda pk: f"{before}{int(pk)}{after}"
    if n == 2:
        before, middle, after = parts
        return lambda a, b: f"{before}{int(a)}{middle}{int(b)}{after}"
    return lambda *ids: cell_url(name, *ids)


@dataclass
class Cell:
    state: str
    url: str = ""
    note: str = ""  # e.g. "2 events", the signer
    due: dt.date | None = None  # the site-local date it is (or was) due, if it is to do
    what: str = ""  # what closes it, for "next item due" (e.g. "Day 30 visit")

    @property
    def label(self) -> str:
        """In the reader's language (the labels are marked with gettext_noop above)."""
        return gettext(CELL_LABELS.get(self.state, self.state))

    @property
    def mark(self) -> str:
        return CELL_MARKS.get(self.state, "")

    @property
    def title(self) -> str:
        parts = [self.label]
        if self.due is not None:
            due = formats.date_format(self.due, "SHORT_DATE_FORMAT")
            parts.append(gettext("due %(date)s") % {"date": due})
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)

    @property
    def open(self) -> bool:
        """Still to do (counts for "next item due")."""
        return self.state in (CellState.NOT_DUE, CellState.DUE, CellState.OVERDUE) and bool(
            self.due
        )


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str = ""
