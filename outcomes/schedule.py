"""The visit schedule (PROTOCOL.md section 4). Pure, no Django.

Study day 1 is the day of the first dose; there is no day 0, so study day n falls on
day1 + (n - 1) days. Visits on study days 7, 30, 60 and 90 with windows +/-1, +/-3,
+/-7, +/-7 days [reading; settings]. Callers pass `today` already computed in the
site's time zone: the core knows dates, not time zones.

Status of a visit, first rule that applies:
1. completed inside its window -> completed; outside -> completed_out_of_window;
2. recorded as missed -> missed;
3. the participant died before the window closed -> not_expected (never overdue);
4. today before the window opens -> upcoming;
5. today inside the window -> open;
6. today after the window closed -> overdue.

Marking a visit missed (`missed_allowed`): only once its window has closed (the
site's local date is after `window_closes`). Earlier only with a reason from a fixed
list (`MissedReason`: the participant died, withdrew, or moved or is unreachable,
the last with a note); shown as "missed (reason)".

A participant who withdrew from follow-up on day W, or died, is not expected at a
visit whose window had not closed by then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from enrollment.labels import gettext_noop


class VisitStatus(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    OVERDUE = "overdue"
    COMPLETED = "completed"
    COMPLETED_OUT_OF_WINDOW = "completed_out_of_window"
    MISSED = "missed"
    NOT_EXPECTED = "not_expected"


class MissedReason(StrEnum):
    """Why a visit is recorded as missed. Only WINDOW_CLOSED needs the window shut."""

    WINDOW_CLOSED = "window_closed"
    DIED = "died"
    WITHDREW = "withdrew"
    UNREACHABLE = "unreachable"

    @property
    def label(self) -> str:
        return MISSED_REASON_LABELS[self]


MISSED_REASON_LABELS: dict[MissedReason, str] = {
    MissedReason.WINDOW_CLOSED: gettext_noop("window closed"),
    MissedReason.DIED: gettext_noop("participant died"),
    MissedReason.WITHDREW: gettext_noop("participant withdrew"),
    MissedReason.UNREACHABLE: gettext_noop("moved or unreachable"),
}
# Reasons that allow marking a visit missed before its window closes.
EARLY_MISSED_REASONS = (MissedReason.DIED, MissedReason.WITHDREW, MissedReason.UNREACHABLE)
NOTE_REQUIRED = frozenset({MissedReason.WINDOW_CLOSED, MissedReason.UNREACHABLE})


@dataclass(frozen=True)
class MissedCheck:
    """The answer of `missed_allowed`: ok, or the field and message to show."""

    ok: bool
    field: str = ""
    message: str = ""


def missed_allowed(
    *, window_closes: dt.date, today: dt.date, reason: MissedReason | str | None, note: str
) -> MissedCheck:
    """May this visit be marked missed today (site-local date), with this reason?

    - after the window closed: yes, with a note saying why (any reason code);
    - before or on the closing day: only with an early reason (died, withdrew,
      moved or unreachable); "moved or unreachable" needs a note.
    """
    try:
        code = MissedReason(reason) if reason else MissedReason.WINDOW_CLOSED
    except ValueError:
        return MissedCheck(False, "missed_reason_code", "Choose a reason from the list.")
    note = (note or "").strip()
    closed = today > window_closes
    if not closed and code not in EARLY_MISSED_REASONS:
        return MissedCheck(
            False,
            "missed_reason_code",
            f"The window is open until {window_closes:%Y-%m-%d} (site date): a visit can be "
            "marked missed only after its window has closed, or earlier because the "
            "participant died, withdrew, or moved or is unreachable.",
        )
    if code in NOTE_REQUIRED and not note:
        what = "where or how they were last reached" if code is MissedReason.UNREACHABLE else "why"
        return MissedCheck(False, "missed_reason", f"Give a note ({what}).")
    return MissedCheck(True)


def missed_label(reason: MissedReason | str | None, note: str = "") -> str:
    """'missed (participant died)'; after the window closed: 'missed (<note>)'."""
    try:
        code = MissedReason(reason) if reason else MissedReason.WINDOW_CLOSED
    except ValueError:
        code = MissedReason.WINDOW_CLOSED
    if code is MissedReason.WINDOW_CLOSED:
        return f"missed ({note.strip()})" if note.strip() else "missed"
    if code is MissedReason.UNREACHABLE and note.strip():
        return f"missed ({code.label}: {note.strip()})"
    return f"missed ({code.label})"


@dataclass(frozen=True)
class VisitWindow:
    name: str
    study_day: int
    before: int
    after: int


def visit_label(name: str) -> str:
    """ "day7" -> "Day 7" (a name that is not "day<N>" is returned as it is)."""
    if name.startswith("day") and name[3:].isdigit():
        return f"Day {int(name[3:])}"
    return name


DEFAULT_WINDOWS: tuple[VisitWindow, ...] = (
    VisitWindow("day7", 7, 1, 1),
    VisitWindow("day30", 30, 3, 3),
    VisitWindow("day60", 60, 7, 7),
    VisitWindow("day90", 90, 7, 7),
)


@dataclass(frozen=True)
class ScheduledVisit:
    name: str
    study_day: int
    target_date: dt.date
    window_opens: dt.date
    window_closes: dt.date

    def in_window(self, on: dt.date) -> bool:
        return self.window_opens <= on <= self.window_closes


def windows_from_setting(setting: Mapping[int, tuple[int, int]]) -> tuple[VisitWindow, ...]:
    """{study_day: (days before, days after)} -> windows, in study-day order."""
    windows = []
    for day, (before, after) in sorted(setting.items()):
        if day < 1 or before < 0 or after < 0:
            raise ValueError(f"visit day {day}: window must be >= 0 days and day >= 1")
        windows.append(VisitWindow(f"day{day}", day, before, after))
    return tuple(windows)


def date_of_study_day(day1: dt.date, study_day: int) -> dt.date:
    if study_day < 1:
        raise ValueError("study_day: there is no study day below 1")
    return day1 + dt.timedelta(days=study_day - 1)


def study_day(day1: dt.date, on: dt.date) -> int:
    """The study day of a date; dates before day 1 give 0 or less (day 1 - 1 = 0)."""
    return (on - day1).days + 1


def visit_dates(
    day1: dt.date, windows: Sequence[VisitWindow] = DEFAULT_WINDOWS
) -> list[ScheduledVisit]:
    visits = []
    for w in windows:
        target = date_of_study_day(day1, w.study_day)
        visits.append(
            ScheduledVisit(
                name=w.name,
                study_day=w.study_day,
                target_date=target,
                window_opens=target - dt.timedelta(days=w.before),
                window_closes=target + dt.timedelta(days=w.after),
            )
        )
    return visits


def visit_status(
    visit: ScheduledVisit,
    *,
    today: dt.date,
    completed_on: dt.date | None,
    missed: bool,
    death_date: dt.date | None,
    follow_up_ended_on: dt.date | None = None,
) -> VisitStatus:
    if completed_on is not None:
        if visit.in_window(completed_on):
            return VisitStatus.COMPLETED
        return VisitStatus.COMPLETED_OUT_OF_WINDOW
    if missed:
        return VisitStatus.MISSED
    if death_date is not None and death_date <= visit.window_closes:
        return VisitStatus.NOT_EXPECTED
    if follow_up_ended_on is not None and follow_up_ended_on <= visit.window_closes:
        return VisitStatus.NOT_EXPECTED
    if today < visit.window_opens:
        return VisitStatus.UPCOMING
    if today <= visit.window_closes:
        return VisitStatus.OPEN
    return VisitStatus.OVERDUE
