"""Protocol deviations that dressdb proposes itself, from what it already knows (pure:
no Django). The gatherer that reads visits, decisions and orders lives on the top floor
(monitoring/proposals.py: safety may not import its siblings dosing and outcomes); it
turns rows into these facts and stores the proposals through
safety.services.deviations_propose, which keeps one proposal per (participant, kind, key).

Kinds proposed automatically:
- visit out of window: a visit completed outside its window;
- decision signed late: a dosing decision signed (site date) after its study day;
- treatment after off protocol: an order dated after the participant went off protocol;
- randomized, later ineligible: a participant randomized whose screening now says
  ineligible;
- from the administrations recorded against the orders (issue 19; the facts come from
  dosing.selectors.administration_discrepancies, keyed by its discrepancy codes): a dose
  given that differs from the order beyond the tolerance, an ordered dose missed, a dose
  given after study treatment was stopped, a dose given after off protocol. One proposal
  per administration and kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from enrollment.labels import gettext_noop


class Kind(StrEnum):
    VISIT_OUT_OF_WINDOW = "visit_out_of_window"
    DECISION_LATE = "decision_late"
    DOSE_DIFFERS = "dose_differs"
    DOSE_MISSED = "dose_missed"
    GIVEN_AFTER_STOP = "given_after_stop"
    TREATMENT_AFTER_OFF_PROTOCOL = "treatment_after_off_protocol"
    RANDOMIZED_INELIGIBLE = "randomized_ineligible"
    ELIGIBILITY = "eligibility"
    CONSENT = "consent"
    OTHER = "other"


KIND_LABELS = {
    Kind.VISIT_OUT_OF_WINDOW: gettext_noop("Visit out of window"),
    Kind.DECISION_LATE: gettext_noop("Dosing decision signed after its day"),
    Kind.DOSE_DIFFERS: gettext_noop("Dose given differs from the order"),
    Kind.DOSE_MISSED: gettext_noop("Ordered dose missed"),
    Kind.GIVEN_AFTER_STOP: gettext_noop("Dose given after study treatment was stopped"),
    Kind.TREATMENT_AFTER_OFF_PROTOCOL: gettext_noop("Treatment continued after off protocol"),
    Kind.RANDOMIZED_INELIGIBLE: gettext_noop("Randomized, later found ineligible"),
    Kind.ELIGIBILITY: gettext_noop("Eligibility criteria not met"),
    Kind.CONSENT: gettext_noop("Informed consent"),
    Kind.OTHER: gettext_noop("Other"),
}
AUTOMATIC = frozenset(
    {
        Kind.VISIT_OUT_OF_WINDOW,
        Kind.DECISION_LATE,
        Kind.TREATMENT_AFTER_OFF_PROTOCOL,
        Kind.RANDOMIZED_INELIGIBLE,
        Kind.DOSE_DIFFERS,
        Kind.DOSE_MISSED,
        Kind.GIVEN_AFTER_STOP,
    }
)


@dataclass(frozen=True)
class Proposal:
    kind: Kind
    key: str  # what makes it unique for the participant, e.g. "visit:12"
    on: dt.date
    description: str


@dataclass(frozen=True)
class VisitFact:
    visit_id: int
    label: str
    window_opens: dt.date
    window_closes: dt.date
    completed_on: dt.date | None


@dataclass(frozen=True)
class DecisionFact:
    assessment_id: int
    number: int
    due_on: dt.date  # the site date of the decision's study day
    signed_on: dt.date  # the site date it was signed


def visits_out_of_window(visits: Iterable[VisitFact]) -> list[Proposal]:
    found = []
    for v in visits:
        if v.completed_on is None:
            continue
        if v.window_opens <= v.completed_on <= v.window_closes:
            continue
        side = "before" if v.completed_on < v.window_opens else "after"
        found.append(
            Proposal(
                Kind.VISIT_OUT_OF_WINDOW,
                f"visit:{v.visit_id}",
                v.completed_on,
                f"{v.label} visit done {v.completed_on:%Y-%m-%d}, {side} its window "
                f"{v.window_opens:%Y-%m-%d} to {v.window_closes:%Y-%m-%d}.",
            )
        )
    return found


def decisions_late(decisions: Iterable[DecisionFact]) -> list[Proposal]:
    return [
        Proposal(
            Kind.DECISION_LATE,
            f"assessment:{d.assessment_id}",
            d.signed_on,
            f"Dosing decision {d.number} due {d.due_on:%Y-%m-%d} was signed "
            f"{d.signed_on:%Y-%m-%d} ({(d.signed_on - d.due_on).days} day(s) late).",
        )
        for d in decisions
        if d.signed_on > d.due_on
    ]


def treatment_after_off_protocol(
    off_protocol_on: dt.date | None, order_dates: Iterable[dt.date]
) -> list[Proposal]:
    if off_protocol_on is None:
        return []
    late = sorted(d for d in order_dates if d > off_protocol_on)
    if not late:
        return []
    return [
        Proposal(
            Kind.TREATMENT_AFTER_OFF_PROTOCOL,
            f"off:{off_protocol_on:%Y-%m-%d}",
            late[0],
            f"{len(late)} order(s) dated after the participant went off protocol on "
            f"{off_protocol_on:%Y-%m-%d} (first {late[0]:%Y-%m-%d}).",
        )
    ]


def randomized_ineligible(
    randomized_on: dt.date | None, eligible: bool | None, reasons: str = ""
) -> list[Proposal]:
    if randomized_on is None or eligible is not False:
        return []
    return [
        Proposal(
            Kind.RANDOMIZED_INELIGIBLE,
            "screening",
            randomized_on,
            f"Randomized on {randomized_on:%Y-%m-%d}; the screening now says ineligible"
            f"{': ' + reasons if reasons else ''}.",
        )
    ]


# --- From the administrations (issue 19) ---------------------------------------------

# dosing.administration_rules.Discrepancy values (safety may not import dosing) -> kind.
ADMINISTRATION_KINDS = {
    "admin_dose": Kind.DOSE_DIFFERS,
    "admin_missed": Kind.DOSE_MISSED,
    "admin_after_stop": Kind.GIVEN_AFTER_STOP,
    "admin_after_off_protocol": Kind.TREATMENT_AFTER_OFF_PROTOCOL,
}


@dataclass(frozen=True)
class AdministrationFact:
    """One discrepancy of one recorded administration (dosing's AdministrationDiscrepancy)."""

    administration_id: int
    discrepancy: str  # an ADMINISTRATION_KINDS key
    date: dt.date  # the order's site date
    study_day: int
    drug: str
    ordered_mg: Decimal
    given_mg: Decimal | None
    reason: str = ""


def _mg(value: Decimal) -> str:
    return f"{value.normalize():f}"


def administration_deviations(facts: Iterable[AdministrationFact]) -> list[Proposal]:
    """A proposal per administration and kind (key "administration:<id>"); discrepancy
    codes this rule does not know propose nothing."""
    found = []
    for f in facts:
        kind = ADMINISTRATION_KINDS.get(f.discrepancy)
        if kind is None:
            continue
        when = f"{f.drug} on {f.date:%Y-%m-%d} (study day {f.study_day})"
        given = f"{_mg(f.given_mg)} mg" if f.given_mg is not None else "a dose"
        if kind is Kind.DOSE_DIFFERS:
            pct = (
                abs(f.given_mg - f.ordered_mg) * 100 / f.ordered_mg
                if f.given_mg is not None and f.ordered_mg > 0
                else Decimal(0)
            )
            text = (
                f"{when}: {given} given, {_mg(f.ordered_mg)} mg ordered "
                f"({pct.quantize(Decimal('1'))}% off)"
            )
        elif kind is Kind.DOSE_MISSED:
            text = f"{when}: the ordered {_mg(f.ordered_mg)} mg dose was missed"
        elif kind is Kind.GIVEN_AFTER_STOP:
            text = f"{when}: {given} given after study treatment was stopped"
        else:
            text = f"{when}: {given} given after the participant went off protocol"
        reason = f"; reason given: {f.reason.strip()}" if f.reason.strip() else ""
        found.append(
            Proposal(kind, f"administration:{f.administration_id}", f.date, f"{text}{reason}.")
        )
    return found
