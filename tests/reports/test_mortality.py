"""Mortality by day N over a hand-built cohort (issue 15 item 2).

Rule: a participant counts in the denominator of "mortality by day N" only when their
vital status at day N is known: died on or before day N, or known alive at or after day N
(a completed visit, a later date of death, a discharge...). The rest are shown as unknown.
"""

from __future__ import annotations

import datetime as dt

import pytest

from enrollment.deaths import Evidence, VitalStatus, hospital_evidence, reconcile, visit_evidence
from reports.analysis import ParticipantRow, consort, endpoints_by_arm

DAY1 = dt.date(2026, 1, 1)


def day(n: int) -> dt.date:
    return DAY1 + dt.timedelta(days=n - 1)


def visit(n: int, vital: str = "alive", death: int | None = None) -> list[Evidence]:
    return visit_evidence(f"Day {n} visit", day(n), vital, day(death) if death else None)


def hospital(death: int | None = None, discharge: int | None = None) -> list[Evidence]:
    return hospital_evidence(
        death_date=day(death) if death else None,
        discharge_date=day(discharge) if discharge else None,
    )


# name, arm, evidence
COHORT: list[tuple[str, str, list[Evidence]]] = [
    ("A died day 10", "cyclosporine", hospital(death=10)),
    ("B died day 50", "cyclosporine", hospital(death=50)),
    ("C alive at day 30 visit", "cyclosporine", visit(7) + visit(30)),
    ("D no information", "cyclosporine", []),
    ("E only an early visit", "cyclosporine", visit(7)),
    ("F conflicting, both by day 30", "cyclosporine", hospital(death=20) + visit(30, "dead", 28)),
    ("G conflicting, straddles day 30", "cyclosporine", hospital(death=25) + visit(60, "dead", 40)),
    ("H day 60 visit, no vital question", "cyclosporine", visit(60, "")),
    ("I died on day 30", "steroids", visit(7) + hospital(death=30)),
    ("J alive at day 33 (in window)", "steroids", visit(33)),
    ("K discharged alive day 31", "steroids", hospital(discharge=31)),
    ("L dead at day 30 visit, no date", "steroids", visit(30, "dead")),
]


def rows() -> list[ParticipantRow]:
    out = []
    for pk, (name, arm, evidence) in enumerate(COHORT, start=1):
        record = reconcile(evidence)
        out.append(
            ParticipantRow(
                pk=pk,
                study_id=name,
                site="S",
                arm=arm,
                day1=DAY1,
                randomized_on=DAY1,
                status="enrolled",
                death_date=record.died_on,
                death_discrepancy=record.discrepancy,
                evidence=tuple(evidence),
            )
        )
    return out


# Expected vital status at days 7, 30, 90 for each participant, written by hand.
D, A, U = VitalStatus.DIED, VitalStatus.ALIVE, VitalStatus.UNKNOWN
EXPECTED_STATUS = {
    "A died day 10": (A, D, D),
    "B died day 50": (A, A, D),
    "C alive at day 30 visit": (A, A, U),
    "D no information": (U, U, U),
    "E only an early visit": (A, U, U),
    "F conflicting, both by day 30": (A, D, D),
    "G conflicting, straddles day 30": (A, U, D),
    "H day 60 visit, no vital question": (A, A, U),
    "I died on day 30": (A, D, D),
    "J alive at day 33 (in window)": (A, A, U),
    "K discharged alive day 31": (A, A, U),
    "L dead at day 30 visit, no date": (U, D, D),
}


@pytest.mark.parametrize("row", rows(), ids=lambda r: r.study_id)
def test_vital_status_at_each_day(row):
    assert tuple(row.vital_status_by(n) for n in (7, 30, 90)) == EXPECTED_STATUS[row.study_id]


# (day, arm) -> (died, known denominator, unknown)
EXPECTED_MORTALITY = {
    (7, "cyclosporine"): (0, 7, 1),
    (7, "steroids"): (0, 3, 1),
    (30, "cyclosporine"): (2, 5, 3),
    (30, "steroids"): (2, 4, 0),
    (90, "cyclosporine"): (4, 4, 4),
    (90, "steroids"): (2, 2, 2),
}


def test_mortality_counts_only_known_status():
    result = endpoints_by_arm(rows())
    for row in result["mortality"]:
        n = int(row["visit"].removeprefix("day"))
        for arm in ("cyclosporine", "steroids"):
            figure = (row[arm]["x"], row[arm]["n"], row[arm]["unknown"])
            assert figure == EXPECTED_MORTALITY[(n, arm)], (n, arm)


def test_consort_boxes_use_the_same_rule():
    flow = consort([], rows())
    c, s = flow["arms"]["cyclosporine"], flow["arms"]["steroids"]
    # died: a reconciled date, or a death whose date is in question (F, G, L)
    assert (c["died"], c["death_discrepancy"]) == (4, 2)
    assert (s["died"], s["death_discrepancy"]) == (2, 1)
    assert (c["vital_known_day90"], c["vital_unknown_day90"]) == (4, 4)
    assert (s["vital_known_day90"], s["vital_unknown_day90"]) == (2, 2)


# --- Reconciliation ------------------------------------------------------------------

RECONCILE = [
    ("no source", [], None, ""),
    ("hospital only", hospital(death=12), day(12), ""),
    ("visit only", visit(30, "dead", 28), day(28), ""),
    ("visit and hospital agree", visit(30, "dead", 28) + hospital(death=28), day(28), ""),
    ("dates disagree", visit(30, "dead", 27) + hospital(death=28), None, "disagree"),
    ("alive after death", hospital(death=20) + visit(30), None, "after the date of death"),
    ("alive the day of death", hospital(death=30) + visit(30), day(30), ""),
    ("dead without a date", visit(30, "dead"), None, "without a date"),
    ("undated dead after the date", hospital(death=20) + visit(30, "dead"), day(20), ""),
    ("undated dead before the date", hospital(death=40) + visit(30, "dead"), None, "before"),
]


@pytest.mark.parametrize(
    ("evidence", "died_on", "discrepancy"),
    [r[1:] for r in RECONCILE],
    ids=[r[0] for r in RECONCILE],
)
def test_reconcile(evidence, died_on, discrepancy):
    record = reconcile(evidence)
    assert record.died_on == died_on
    if died_on is not None:
        assert record.discrepancy == ""
    else:
        assert discrepancy in record.discrepancy
