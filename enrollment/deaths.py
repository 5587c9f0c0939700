"""One date of death per participant, reconciled from every source. Pure, no Django.

On the enrollment floor because every floor-3 app that learns of a death feeds it: each
source record states its evidence (the `*_items` functions below), the enrollment
service `death_evidence_sync` stores it in the `DeathEvidence` table (one row per source
record and item, with history), and `participant_death_sync` reconciles the table into
the participant's one date of death.

Sources give evidence, each with the date it speaks of:
- a visit with vital status "dead" gives a date of death (exact), or, if the visit
  gave none, "died on or before the visit date" (not exact);
- a visit with vital status "alive", or any completed visit, says "alive on the visit
  date"; so does a hospital discharge or re-admission that is not a death;
- the hospital course's death date and the death report of a fatal adverse event
  (safety) give a date of death.

`reconcile` returns the one date of death, or a discrepancy (sources that disagree):
two different dates of death, a death without a date, or alive after the date of death.

`status_on(evidence, date)` is the vital status at a date, the rule every time-bound
endpoint uses:
- died: some source puts the death on or before the date, and none says alive on or
  after it;
- alive: some source says alive on or after the date (a later death counts: the
  participant was alive before it), and none puts the death on or before it;
- unknown: no information either way, or sources that disagree about the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from enrollment.labels import gettext_noop


class Source(StrEnum):
    """Where a piece of evidence comes from (the record kind; its id is stored beside)."""

    VISIT = "visit"
    HOSPITAL_COURSE = "hospital_course"
    AE_DEATH_REPORT = "ae_death_report"


SOURCE_LABELS: Mapping[Source, str] = {
    Source.VISIT: gettext_noop("Visit"),
    Source.HOSPITAL_COURSE: gettext_noop("Hospital course"),
    Source.AE_DEATH_REPORT: gettext_noop("AE death report"),
}


class VitalStatus(StrEnum):
    DIED = "died"
    ALIVE = "alive"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Evidence:
    source: str  # "Day 30 visit", "Hospital course", "AE death report"
    on: dt.date
    dead: bool  # True: died on `on` (or on or before it, if not exact); False: alive on `on`
    exact: bool = True  # False: a "dead" answer without a date of death

    def describe(self) -> str:
        if not self.dead:
            return f"alive on {self.on:%Y-%m-%d} ({self.source})"
        if self.exact:
            return f"died {self.on:%Y-%m-%d} ({self.source})"
        return f"dead by {self.on:%Y-%m-%d}, no date of death ({self.source})"


@dataclass(frozen=True)
class DeathRecord:
    died_on: dt.date | None
    discrepancy: str = ""

    @property
    def died(self) -> bool:
        return self.died_on is not None


def reconcile(evidence: Iterable[Evidence]) -> DeathRecord:
    items = list(evidence)
    deaths = [e for e in items if e.dead]
    if not deaths:
        return DeathRecord(None)
    dated = sorted({e.on for e in deaths if e.exact})
    if len(dated) > 1:
        listed = "; ".join(e.describe() for e in sorted(deaths, key=lambda e: (e.on, e.source)))
        return DeathRecord(None, f"The dates of death disagree: {listed}.")
    undated = [e for e in deaths if not e.exact]
    if not dated:
        return DeathRecord(None, f"Death reported without a date: {undated[0].describe()}.")
    died_on = dated[0]
    late = [e for e in undated if e.on < died_on]
    if late:
        return DeathRecord(
            None,
            f"{late[0].describe()} is before the date of death {died_on:%Y-%m-%d}.",
        )
    after = sorted((e for e in items if not e.dead and e.on > died_on), key=lambda e: e.on)
    if after:
        source = next(e for e in deaths if e.exact)
        return DeathRecord(
            None,
            f"Recorded {after[0].describe()} after the date of death: {source.describe()}.",
        )
    return DeathRecord(died_on)


def status_on(evidence: Sequence[Evidence], on: dt.date) -> VitalStatus:
    died_by = any(e.dead and e.on <= on for e in evidence)
    alive_at = any(
        (not e.dead and e.on >= on) or (e.dead and e.exact and e.on > on) for e in evidence
    )
    if died_by and not alive_at:
        return VitalStatus.DIED
    if alive_at and not died_by:
        return VitalStatus.ALIVE
    return VitalStatus.UNKNOWN


# --- What each source says, by item (the DeathEvidence rows: one per source record and
# item; None: the item says nothing now, its stored row is retracted). ----------------

Items = dict[str, Evidence | None]


def visit_items(
    label: str, completed_on: dt.date | None, vital_status: str, death_date: dt.date | None
) -> Items:
    """What one visit says (item "vital"): nothing if not completed."""
    if completed_on is None:
        return {"vital": None}
    if vital_status == "dead":
        if death_date is not None:
            return {"vital": Evidence(label, death_date, dead=True)}
        return {"vital": Evidence(label, completed_on, dead=True, exact=False)}
    return {"vital": Evidence(label, completed_on, dead=False)}


def hospital_items(
    *,
    death_date: dt.date | None,
    discharge_date: dt.date | None = None,
    readmission_date: dt.date | None = None,
    label: str = "Hospital course",
) -> Items:
    """What the hospital course says: its death date, and alive at discharge and at
    re-admission (when before the death)."""
    items: Items = {"death": Evidence(label, death_date, dead=True) if death_date else None}
    for what, day in (("discharge", discharge_date), ("re-admission", readmission_date)):
        alive = day is not None and (death_date is None or day < death_date)
        items[what] = Evidence(f"{label}: {what}", day, dead=False) if alive and day else None
    return items


def death_report_items(death_date: dt.date | None, label: str = "AE death report") -> Items:
    """What the death report of a fatal adverse event says (None: the event is no longer
    fatal, the report no longer counts)."""
    return {"death": Evidence(label, death_date, dead=True) if death_date else None}


def visit_evidence(
    label: str, completed_on: dt.date | None, vital_status: str, death_date: dt.date | None
) -> list[Evidence]:
    """What one visit says: nothing if not completed."""
    return [e for e in visit_items(label, completed_on, vital_status, death_date).values() if e]


def hospital_evidence(
    *,
    death_date: dt.date | None,
    discharge_date: dt.date | None = None,
    readmission_date: dt.date | None = None,
    label: str = "Hospital course",
) -> list[Evidence]:
    items = hospital_items(
        death_date=death_date,
        discharge_date=discharge_date,
        readmission_date=readmission_date,
        label=label,
    )
    return [e for e in items.values() if e]
