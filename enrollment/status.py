"""The participant's status: one pure function of the recorded facts and today.

Pure, no Django. The facts are the Participant's milestone fields, each set by the
service of the app that owns the event (randomization, dosing, outcomes call down
into enrollment in the same transaction). A fact dated after today does not apply yet.

First rule that applies:
1. no participant (screening only)                       -> screened
2. died (reconciled date, or death with a discrepancy)  -> died
3. withdrew from follow-up, or withdrew consent          -> withdrawn
4. lost to follow-up                                      -> lost to follow-up
5. last visit (day 90) done                               -> follow-up complete
6. not randomized                                         -> enrolled
7. stopped study treatment (follow-up continues)          -> withdrawn (treatment)
8. off protocol                                           -> off protocol
9. course completed (after its last dosing day)           -> course completed
10. protocol stop, monitoring for relapse (after the last dosing day) -> monitoring
11. otherwise                                             -> on treatment (arm, study day)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from enrollment.arms import arm_label
from enrollment.labels import gettext_noop


class State(StrEnum):
    SCREENED = "screened"
    ENROLLED = "enrolled"
    ON_TREATMENT = "on_treatment"
    MONITORING = "monitoring"
    COURSE_COMPLETED = "course_completed"
    OFF_PROTOCOL = "off_protocol"
    FOLLOW_UP_COMPLETE = "follow_up_complete"
    DIED = "died"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"
    WITHDRAWN = "withdrawn"


STATE_LABELS: dict[State, str] = {
    State.SCREENED: gettext_noop("Screened"),
    State.ENROLLED: gettext_noop("Enrolled (not randomized)"),
    State.ON_TREATMENT: gettext_noop("On treatment"),
    State.MONITORING: gettext_noop("Monitoring after stop"),
    State.COURSE_COMPLETED: gettext_noop("Course completed"),
    State.OFF_PROTOCOL: gettext_noop("Off protocol"),
    State.FOLLOW_UP_COMPLETE: gettext_noop("Follow-up complete"),
    State.DIED: gettext_noop("Died"),
    State.LOST_TO_FOLLOW_UP: gettext_noop("Lost to follow-up"),
    State.WITHDRAWN: gettext_noop("Withdrawn"),
}
STATE_BADGES: dict[State, str] = {
    State.SCREENED: "light",
    State.ENROLLED: "secondary",
    State.ON_TREATMENT: "primary",
    State.MONITORING: "info",
    State.COURSE_COMPLETED: "success",
    State.OFF_PROTOCOL: "warning",
    State.FOLLOW_UP_COMPLETE: "success",
    State.DIED: "dark",
    State.LOST_TO_FOLLOW_UP: "warning",
    State.WITHDRAWN: "danger",
}


class WithdrawalKind(StrEnum):
    """As trials record it; each has its own consequences."""

    TREATMENT = "treatment"  # stopped study treatment; follow-up continues
    FOLLOW_UP = "follow_up"  # withdrew from follow-up: no more visits or reminders
    CONSENT = "consent"  # withdrew consent for further data use: no new data

    @property
    def label(self) -> str:
        return WITHDRAWAL_LABELS[self]


WITHDRAWAL_LABELS: dict[WithdrawalKind, str] = {
    WithdrawalKind.TREATMENT: gettext_noop("stopped study treatment (follow-up continues)"),
    WithdrawalKind.FOLLOW_UP: gettext_noop("withdrew from follow-up"),
    WithdrawalKind.CONSENT: gettext_noop("withdrew consent for further data use"),
}
# Strength order: a withdrawal may only move to a stronger kind.
WITHDRAWAL_ORDER = (WithdrawalKind.TREATMENT, WithdrawalKind.FOLLOW_UP, WithdrawalKind.CONSENT)


@dataclass(frozen=True)
class Facts:
    enrolled: bool = True
    randomized_on: dt.date | None = None
    randomized_arm: str = ""
    current_arm: str = ""
    day1: dt.date | None = None
    treatment_stopped_on: dt.date | None = None  # last dosing day before monitoring
    course_completed_on: dt.date | None = None  # last dosing day of the course
    off_protocol_on: dt.date | None = None
    follow_up_completed_on: dt.date | None = None
    died_on: dt.date | None = None
    death_discrepancy: str = ""
    lost_to_follow_up_on: dt.date | None = None
    withdrawal_kind: str = ""
    withdrawn_on: dt.date | None = None


@dataclass(frozen=True)
class Status:
    state: State
    since: dt.date | None = None
    detail: str = ""
    arm: str = ""
    study_day: int | None = None

    @property
    def label(self) -> str:
        base = STATE_LABELS[self.state]
        return f"{base}: {self.detail}" if self.detail else base

    @property
    def badge(self) -> str:
        return STATE_BADGES[self.state]

    def __str__(self) -> str:
        return self.label


def _on_or_before(day: dt.date | None, today: dt.date) -> bool:
    return day is not None and day <= today


def _before(day: dt.date | None, today: dt.date) -> bool:
    return day is not None and day < today


def participant_status(facts: Facts, today: dt.date) -> Status:
    if not facts.enrolled:
        return Status(State.SCREENED)
    if _on_or_before(facts.died_on, today):
        return Status(State.DIED, facts.died_on, f"{facts.died_on:%Y-%m-%d}")
    if facts.death_discrepancy:
        return Status(State.DIED, None, gettext_noop("date of death in question (discrepancy)"))
    kind = WithdrawalKind(facts.withdrawal_kind) if facts.withdrawal_kind else None
    if kind in (WithdrawalKind.FOLLOW_UP, WithdrawalKind.CONSENT) and _on_or_before(
        facts.withdrawn_on, today
    ):
        return Status(State.WITHDRAWN, facts.withdrawn_on, kind.label)
    if _on_or_before(facts.lost_to_follow_up_on, today):
        return Status(State.LOST_TO_FOLLOW_UP, facts.lost_to_follow_up_on)
    if _on_or_before(facts.follow_up_completed_on, today):
        return Status(State.FOLLOW_UP_COMPLETE, facts.follow_up_completed_on)
    if facts.randomized_on is None or facts.randomized_on > today:
        return Status(State.ENROLLED)
    if kind is WithdrawalKind.TREATMENT and _on_or_before(facts.withdrawn_on, today):
        return Status(State.WITHDRAWN, facts.withdrawn_on, kind.label)
    if _on_or_before(facts.off_protocol_on, today):
        return Status(State.OFF_PROTOCOL, facts.off_protocol_on)
    if _before(facts.course_completed_on, today):
        return Status(State.COURSE_COMPLETED, facts.course_completed_on)
    if _before(facts.treatment_stopped_on, today):
        return Status(State.MONITORING, facts.treatment_stopped_on, gettext_noop("for relapse"))
    arm = facts.current_arm or facts.randomized_arm
    day1 = facts.day1 or facts.randomized_on
    study_day = (today - day1).days + 1
    arm_label = _arm_words(arm)
    if facts.randomized_arm and arm != facts.randomized_arm:
        first = _arm_words(facts.randomized_arm)
        arm_label += f" (switched from {first})"
    return Status(
        State.ON_TREATMENT,
        day1,
        f"{arm_label}, study day {study_day}",
        arm=arm,
        study_day=study_day,
    )


def withdrawal_allowed(current: str, new: str, *, randomized: bool) -> str:
    """'' if the participant may withdraw with `new` now, else the message."""
    try:
        wanted = WithdrawalKind(new)
    except ValueError:
        return "Choose the kind of withdrawal."
    if wanted is WithdrawalKind.TREATMENT and not randomized:
        return "Only a randomized participant can stop study treatment."
    if current:
        have = WithdrawalKind(current)
        if WITHDRAWAL_ORDER.index(wanted) <= WITHDRAWAL_ORDER.index(have):
            return f"The participant has already {have.label}."
    return ""


def _arm_words(value: str) -> str:
    """The arm inside a sentence: "cyclosporine", "corticosteroids"."""
    return arm_label(value).lower()
