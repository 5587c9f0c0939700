"""The safety rules of the trial, as plain values (pure: no Django).

- `check_event`: the adverse-event form's rules, each answered on its field
  (stop before onset; onset before consent or after the AE period; stop and ongoing;
  grade 5 without outcome fatal, and fatal without grade 5; serious without criteria,
  criteria without serious, death criterion without outcome fatal; awareness in the
  future or before the onset);
- `expected`: expectedness of an event for one study drug, from terms.EXPECTED;
- `report_due_at`: the SAE clock (initial report due `hours` after awareness);
- `susar`: serious, related (possible, probable, definite) to a drug, and unexpected for
  that same drug; `susar_days`: the expedited timeline (7 days if fatal or
  life-threatening, else 15);
- `clock`: the state of an SAE clock at a moment (time left, overdue).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from enrollment.labels import gettext_noop
from safety.terms import EXPECTED, SPECIAL_INTEREST, Drug


class Grade(IntEnum):
    MILD = 1
    MODERATE = 2
    SEVERE = 3
    LIFE_THREATENING = 4
    DEATH = 5


GRADE_LABELS = {
    Grade.MILD: gettext_noop("1 Mild"),
    Grade.MODERATE: gettext_noop("2 Moderate"),
    Grade.SEVERE: gettext_noop("3 Severe"),
    Grade.LIFE_THREATENING: gettext_noop("4 Life-threatening"),
    Grade.DEATH: gettext_noop("5 Death"),
}


class Relatedness(StrEnum):
    NOT_RELATED = "not_related"
    UNLIKELY = "unlikely"
    POSSIBLE = "possible"
    PROBABLE = "probable"
    DEFINITE = "definite"


RELATEDNESS_LABELS = {
    Relatedness.NOT_RELATED: gettext_noop("Not related"),
    Relatedness.UNLIKELY: gettext_noop("Unlikely"),
    Relatedness.POSSIBLE: gettext_noop("Possible"),
    Relatedness.PROBABLE: gettext_noop("Probable"),
    Relatedness.DEFINITE: gettext_noop("Definite"),
}
RELATED = frozenset({Relatedness.POSSIBLE, Relatedness.PROBABLE, Relatedness.DEFINITE})


class Action(StrEnum):
    NONE = "none"
    DOSE_REDUCED = "dose_reduced"
    INTERRUPTED = "interrupted"
    WITHDRAWN = "withdrawn"
    NOT_APPLICABLE = "not_applicable"


ACTION_LABELS = {
    Action.NONE: gettext_noop("None (dose not changed)"),
    Action.DOSE_REDUCED: gettext_noop("Dose reduced"),
    Action.INTERRUPTED: gettext_noop("Interrupted"),
    Action.WITHDRAWN: gettext_noop("Withdrawn"),
    Action.NOT_APPLICABLE: gettext_noop("Not applicable (not on this drug)"),
}


class Outcome(StrEnum):
    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    SEQUELAE = "recovered_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


OUTCOME_LABELS = {
    Outcome.RECOVERED: gettext_noop("Recovered/resolved"),
    Outcome.RECOVERING: gettext_noop("Recovering/resolving"),
    Outcome.NOT_RECOVERED: gettext_noop("Not recovered/not resolved"),
    Outcome.SEQUELAE: gettext_noop("Recovered with sequelae"),
    Outcome.FATAL: gettext_noop("Fatal"),
    Outcome.UNKNOWN: gettext_noop("Unknown"),
}


class Criterion(StrEnum):
    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    IMPORTANT_MEDICAL_EVENT = "important_medical_event"


CRITERION_LABELS = {
    Criterion.DEATH: gettext_noop("Results in death"),
    Criterion.LIFE_THREATENING: gettext_noop("Life-threatening"),
    Criterion.HOSPITALISATION: gettext_noop("Hospitalisation or its prolongation"),
    Criterion.DISABILITY: gettext_noop("Persistent or significant disability"),
    Criterion.CONGENITAL_ANOMALY: gettext_noop("Congenital anomaly"),
    Criterion.IMPORTANT_MEDICAL_EVENT: gettext_noop("Important medical event"),
}


@dataclass(frozen=True)
class SafetySettings:
    ae_period_days: int = 90  # from consent to study day 90 (TRIAL_AE_PERIOD_DAYS)
    sae_report_hours: int = 24  # initial SAE report due after awareness


@dataclass(frozen=True)
class EventFacts:
    """What the form gives, already typed, and what the rules compare it with."""

    onset: dt.date
    stop: dt.date | None
    ongoing: bool
    grade: int
    outcome: str
    serious: bool
    criteria: frozenset[str]
    aware_at: dt.datetime  # aware (UTC)
    aware_local_date: dt.date  # the awareness date in the site's zone
    consent_date: dt.date  # in the site's zone
    day1: dt.date | None  # study day 1 (None: not randomized; the period counts from consent)
    now: dt.datetime  # aware (UTC)


def period_end(consent_date: dt.date, day1: dt.date | None, days: int) -> dt.date:
    """The last day of the AE period: study day `days` (day 1 = first dose), or, before
    randomization, `days` days counted from consent (consent day = day 1)."""
    start = day1 if day1 is not None else consent_date
    return start + dt.timedelta(days=days - 1)


def check_event(facts: EventFacts, settings: SafetySettings) -> dict[str, str]:
    """Every rule broken, as {field: message}; empty when the event is consistent."""
    errors: dict[str, str] = {}
    if facts.stop is not None and facts.stop < facts.onset:
        errors["stop_date"] = "The stop date is before the onset date."
    if facts.stop is not None and facts.ongoing:
        errors["ongoing"] = "An event with a stop date is not ongoing: give one or the other."
    if facts.stop is None and not facts.ongoing:
        errors["stop_date"] = "Give the stop date, or tick ongoing."
    if facts.onset < facts.consent_date:
        errors["onset_date"] = (
            f"The onset date is before consent ({facts.consent_date:%Y-%m-%d}): "
            "record it as medical history, not as an adverse event."
        )
    else:
        end = period_end(facts.consent_date, facts.day1, settings.ae_period_days)
        if facts.onset > end:
            errors["onset_date"] = (
                f"The onset date is after the adverse-event period (study day "
                f"{settings.ae_period_days}, {end:%Y-%m-%d}; protocol setting)."
            )
    if facts.grade not in {int(g) for g in Grade}:
        errors["grade"] = "Choose a CTCAE grade from 1 to 5."
    elif facts.grade == Grade.DEATH and facts.outcome != Outcome.FATAL:
        errors["outcome"] = "A grade 5 event is fatal: choose the outcome fatal."
    elif facts.outcome == Outcome.FATAL and facts.grade != Grade.DEATH:
        errors["grade"] = "A fatal outcome is CTCAE grade 5."
    unknown = facts.criteria - {str(c) for c in Criterion}
    if unknown:
        errors["criteria"] = f"Unknown seriousness criteria: {', '.join(sorted(unknown))}."
    elif facts.serious and not facts.criteria:
        errors["criteria"] = "A serious event needs at least one seriousness criterion."
    elif not facts.serious and facts.criteria:
        errors["serious"] = "Seriousness criteria are ticked: the event is serious."
    elif facts.outcome == Outcome.FATAL and Criterion.DEATH not in facts.criteria:
        errors.setdefault("criteria", "A fatal event is serious: tick the criterion death.")
    if facts.aware_at > facts.now:
        errors["aware_at"] = "The awareness date and time is in the future."
    elif facts.aware_local_date < facts.onset and "onset_date" not in errors:
        errors["aware_at"] = "The site became aware before the onset date."
    return errors


def expected(term_code: str, soc_code: str, drug: Drug) -> bool:
    """Whether the event is listed for the drug (a free-text event is only expected when
    its whole system organ class is listed)."""
    listed = EXPECTED[Drug(drug)]
    return (bool(term_code) and term_code in listed) or f"soc:{soc_code}" in listed


def is_related(relatedness: str) -> bool:
    return relatedness in RELATED


def susar_drugs(
    *,
    serious: bool,
    relatedness: Mapping[Drug, str],
    expectedness: Mapping[Drug, bool],
) -> list[Drug]:
    """The drugs for which the event is a SUSAR: serious, related to that drug and
    unexpected for that same drug."""
    if not serious:
        return []
    return [
        drug
        for drug in Drug
        if is_related(relatedness.get(drug, "")) and not expectedness.get(drug, False)
    ]


def susar(
    *, serious: bool, relatedness: Mapping[Drug, str], expectedness: Mapping[Drug, bool]
) -> bool:
    return bool(susar_drugs(serious=serious, relatedness=relatedness, expectedness=expectedness))


def susar_days(criteria: Iterable[str], outcome: str) -> int:
    """The expedited timeline of a SUSAR: 7 days if fatal or life-threatening, else 15."""
    found = set(criteria)
    if outcome == Outcome.FATAL or {Criterion.DEATH, Criterion.LIFE_THREATENING} & found:
        return 7
    return 15


def report_due_at(aware_at: dt.datetime, hours: int) -> dt.datetime:
    """When the initial SAE report is due (aware datetimes keep their zone: UTC in, UTC out)."""
    if aware_at.tzinfo is None:
        raise ValueError("aware_at must be timezone-aware")
    return aware_at + dt.timedelta(hours=hours)


@dataclass(frozen=True)
class Clock:
    due_at: dt.datetime
    reported: bool
    overdue: bool
    seconds_left: int  # negative when overdue; 0 once reported

    @property
    def label(self) -> str:
        if self.reported:
            return "reported"
        hours, rest = divmod(abs(self.seconds_left), 3600)
        text = f"{hours} h {rest // 60:02d} min"
        return f"overdue by {text}" if self.overdue else f"{text} left"


def clock(due_at: dt.datetime, now: dt.datetime, reported_at: dt.datetime | None) -> Clock:
    if reported_at is not None:
        return Clock(due_at, True, reported_at > due_at, 0)
    left = int((due_at - now).total_seconds())
    return Clock(due_at, False, left < 0, left)


def special_interest(term_code: str, soc_code: str, serious: bool) -> list[str]:
    """The adverse-event-of-special-interest groups the event belongs to."""
    found = []
    for name, codes in SPECIAL_INTEREST.items():
        if term_code in codes or f"soc:{soc_code}" in codes:
            if name == "Serious infection" and not serious:
                continue
            found.append(name)
    return found


def latency_days(start: dt.date | None, onset: dt.date | None) -> int | None:
    """Culprit drug latency: days from its start to the onset of DRESS."""
    if start is None or onset is None:
        return None
    return (onset - start).days


def interaction(drug_name: str, inhibitors: Iterable[str], inducers: Iterable[str]) -> str:
    """ "inhibitor", "inducer" or "" for a concomitant drug's name (case and spacing
    ignored; a listed name inside a longer one counts, e.g. "clarithromycin 500 mg")."""
    name = " ".join(drug_name.lower().replace("’", "'").split())
    for listed in inhibitors:
        if listed in name:
            return "inhibitor"
    for listed in inducers:
        if listed in name:
            return "inducer"
    return ""
