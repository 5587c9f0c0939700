"""Automatic edit checks (data-quality rules), as pure functions declared per form.

No Django here: `datamanagement/checks.py` reads the database into the plain `CaseFacts`
below, runs `evaluate`, and opens or closes the automatic queries. A rule returns one
`Finding` per field in error; a finding that disappears (the data were fixed) closes
its query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

# Forms (the codes the queries use) and the records they point at.
FORM_HOSPITAL_COURSE = "hospital_course"
FORM_VISIT = "visit"
FORM_PARTICIPANT = "participant"
FORM_ADVERSE_EVENT = "adverse_event"


@dataclass(frozen=True)
class VisitFacts:
    record_id: int
    name: str
    study_day: int
    completed_on: dt.date | None
    missed: bool
    endpoints: Mapping[str, object]
    required: tuple[str, ...]
    primary: tuple[str, ...] = ()
    eosinophil_count: Decimal | None = None


@dataclass(frozen=True)
class AdverseEventFacts:
    record_id: int
    onset_date: dt.date


@dataclass(frozen=True)
class CaseFacts:
    participant_id: int
    hospital_course_id: int | None = None
    admission_date: dt.date | None = None
    discharge_date: dt.date | None = None
    death_date: dt.date | None = None
    death_record: tuple[str, int] | None = None  # (form, record id) holding the date of death
    visits: tuple[VisitFacts, ...] = ()
    screening_weight_kg: Decimal | None = None
    baseline_weight_kg: Decimal | None = None
    weight_change_recorded: bool = False
    adverse_events: tuple[AdverseEventFacts, ...] = field(default=())


@dataclass(frozen=True)
class Finding:
    rule: str
    form: str
    record_id: int
    field: str
    message: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.rule, self.form, self.record_id, self.field)


@dataclass(frozen=True)
class Rule:
    code: str
    form: str
    title: str
    check: Callable[[CaseFacts], list[Finding]]


def discharge_before_admission(facts: CaseFacts) -> list[Finding]:
    if facts.hospital_course_id is None or facts.admission_date is None:
        return []
    if facts.discharge_date is not None and facts.discharge_date < facts.admission_date:
        return [
            Finding(
                "discharge_before_admission",
                FORM_HOSPITAL_COURSE,
                facts.hospital_course_id,
                "discharge_date",
                f"Discharge ({facts.discharge_date:%Y-%m-%d}) is before admission "
                f"({facts.admission_date:%Y-%m-%d}).",
            )
        ]
    return []


def primary_endpoint_missing(facts: CaseFacts) -> list[Finding]:
    found = []
    for visit in facts.visits:
        if visit.completed_on is None or visit.missed:
            continue
        for name in visit.primary:
            if visit.endpoints.get(name) in (None, ""):
                found.append(
                    Finding(
                        "primary_endpoint_missing",
                        FORM_VISIT,
                        visit.record_id,
                        name,
                        f"Day {visit.study_day} is complete but the primary endpoint "
                        f"{name.replace('_', ' ')} is missing.",
                    )
                )
    return found


EOSINOPHIL_JUMP_FACTOR = Decimal(10)


def eosinophil_jump(facts: CaseFacts) -> list[Finding]:
    """A tenfold rise or fall between consecutive visits with a count (a 0 counts as the
    smallest reportable value, 0.01, so a jump from 0 is still caught)."""
    found = []
    counted = [
        v
        for v in sorted(facts.visits, key=lambda v: v.study_day)
        if v.eosinophil_count is not None and not v.missed
    ]
    floor = Decimal("0.01")
    for before, after in zip(counted, counted[1:], strict=False):
        a = max(before.eosinophil_count or floor, floor)
        b = max(after.eosinophil_count or floor, floor)
        if b >= a * EOSINOPHIL_JUMP_FACTOR or a >= b * EOSINOPHIL_JUMP_FACTOR:
            found.append(
                Finding(
                    "eosinophil_jump",
                    FORM_VISIT,
                    after.record_id,
                    "eosinophil_count",
                    f"Eosinophils went from {before.eosinophil_count} (day {before.study_day}) "
                    f"to {after.eosinophil_count} (day {after.study_day}): a tenfold change.",
                )
            )
    return found


def death_before_last_visit(facts: CaseFacts) -> list[Finding]:
    if facts.death_date is None or facts.death_record is None:
        return []
    later = [
        v
        for v in facts.visits
        if v.completed_on is not None and not v.missed and v.completed_on > facts.death_date
    ]
    if not later:
        return []
    last = max(later, key=lambda v: v.completed_on or dt.date.min)
    form, record_id = facts.death_record
    return [
        Finding(
            "death_before_last_visit",
            form,
            record_id,
            "death_date",
            f"The date of death ({facts.death_date:%Y-%m-%d}) is before the day "
            f"{last.study_day} visit ({last.completed_on:%Y-%m-%d}).",
        )
    ]


WEIGHT_CHANGE_LIMIT = Decimal("0.20")


def weight_change_undocumented(facts: CaseFacts) -> list[Finding]:
    """Baseline weight more than 20% away from the screening weight, with no weight-change
    (correction) record."""
    s, b = facts.screening_weight_kg, facts.baseline_weight_kg
    if s is None or b is None or s <= 0 or facts.weight_change_recorded:
        return []
    if abs(b - s) / s > WEIGHT_CHANGE_LIMIT:
        return [
            Finding(
                "weight_change_undocumented",
                FORM_PARTICIPANT,
                facts.participant_id,
                "weight_kg",
                f"Baseline weight {b} kg differs by more than 20% from the screening weight "
                f"{s} kg, with no weight-change record.",
            )
        ]
    return []


def ae_onset_after_death(facts: CaseFacts) -> list[Finding]:
    if facts.death_date is None:
        return []
    return [
        Finding(
            "ae_onset_after_death",
            FORM_ADVERSE_EVENT,
            ae.record_id,
            "onset_date",
            f"The adverse event starts {ae.onset_date:%Y-%m-%d}, after the date of death "
            f"{facts.death_date:%Y-%m-%d}.",
        )
        for ae in facts.adverse_events
        if ae.onset_date > facts.death_date
    ]


RULES: tuple[Rule, ...] = (
    Rule(
        "discharge_before_admission",
        FORM_HOSPITAL_COURSE,
        "Discharge before admission",
        discharge_before_admission,
    ),
    Rule(
        "primary_endpoint_missing",
        FORM_VISIT,
        "Visit complete with a primary endpoint missing",
        primary_endpoint_missing,
    ),
    Rule("eosinophil_jump", FORM_VISIT, "Eosinophils x10 jump between visits", eosinophil_jump),
    Rule(
        "death_before_last_visit",
        FORM_VISIT,
        "Date of death before the last visit",
        death_before_last_visit,
    ),
    Rule(
        "weight_change_undocumented",
        FORM_PARTICIPANT,
        "Weight change over 20% without a weight-change record",
        weight_change_undocumented,
    ),
    Rule("ae_onset_after_death", FORM_ADVERSE_EVENT, "AE onset after death", ae_onset_after_death),
)
RULES_BY_CODE = {r.code: r for r in RULES}


def evaluate(facts: CaseFacts, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Every finding of every rule, in rule order (each key once)."""
    seen: dict[tuple[str, str, int, str], Finding] = {}
    for rule in rules:
        for finding in rule.check(facts):
            seen.setdefault(finding.key, finding)
    return list(seen.values())


# --- SDV: the risk-based sample ------------------------------------------------

FULL_SDV_FORMS = frozenset({"consent", "eligibility", "randomization", "sae", "primary_endpoints"})


def sdv_required(form: str, participant_sequence: int, *, sample_every: int) -> bool:
    """100% for the critical forms; otherwise every `sample_every`-th participant of a site
    (1 = everyone, 0 = nobody)."""
    if form in FULL_SDV_FORMS:
        return True
    if sample_every <= 0:
        return False
    return (participant_sequence - 1) % sample_every == 0


# --- Ageing ----------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
