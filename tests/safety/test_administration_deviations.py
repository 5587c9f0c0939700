"""The deviation rule from administration discrepancies (safety.deviations, pure): one
proposal per administration and kind, table-driven and a hypothesis property."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety.deviations import AUTOMATIC, AdministrationFact, Kind, administration_deviations

DAY = dt.date(2026, 3, 10)


def fact(discrepancy: str, **over) -> AdministrationFact:
    values = {
        "administration_id": 41,
        "discrepancy": discrepancy,
        "date": DAY,
        "study_day": 4,
        "drug": "cyclosporine",
        "ordered_mg": D("175"),
        "given_mg": D("150"),
        "reason": "",
    }
    values.update(over)
    return AdministrationFact(**values)  # type: ignore[arg-type]


CASES = {
    "dose beyond the tolerance": (
        fact("admin_dose", reason="Capsules short"),
        Kind.DOSE_DIFFERS,
        "cyclosporine on 2026-03-10 (study day 4): 150 mg given, 175 mg ordered (14% off); "
        "reason given: Capsules short.",
    ),
    "missed dose": (
        fact("admin_missed", given_mg=None, reason="Off the ward"),
        Kind.DOSE_MISSED,
        "cyclosporine on 2026-03-10 (study day 4): the ordered 175 mg dose was missed; "
        "reason given: Off the ward.",
    ),
    "given after a stop": (
        fact("admin_after_stop", given_mg=D("175")),
        Kind.GIVEN_AFTER_STOP,
        "cyclosporine on 2026-03-10 (study day 4): 175 mg given after study treatment was stopped.",
    ),
    "given after off protocol": (
        fact("admin_after_off_protocol", drug="prednisone", given_mg=D("60")),
        Kind.TREATMENT_AFTER_OFF_PROTOCOL,
        "prednisone on 2026-03-10 (study day 4): 60 mg given after the participant went off "
        "protocol.",
    ),
}


@pytest.mark.parametrize(("item", "kind", "text"), CASES.values(), ids=list(CASES))
def test_each_discrepancy_proposes_its_kind(item, kind, text):
    (proposal,) = administration_deviations([item])
    assert (proposal.kind, proposal.key, proposal.on) == (kind, "administration:41", DAY)
    assert proposal.description == text
    assert kind in AUTOMATIC


def test_an_unknown_code_proposes_nothing():
    assert administration_deviations([fact("admin_something_new")]) == []
    assert administration_deviations([]) == []


def test_one_administration_with_two_discrepancies_gives_two_kinds():
    found = administration_deviations(
        [fact("admin_dose"), fact("admin_after_stop", given_mg=D("150"))]
    )
    assert {(p.kind, p.key) for p in found} == {
        (Kind.DOSE_DIFFERS, "administration:41"),
        (Kind.GIVEN_AFTER_STOP, "administration:41"),
    }


@given(
    ids=st.lists(st.integers(min_value=1, max_value=10**6), unique=True, max_size=20),
    code=st.sampled_from(["admin_dose", "admin_missed", "admin_after_stop"]),
)
def test_keys_are_unique_per_administration_and_kind(ids, code):
    found = administration_deviations([fact(code, administration_id=i) for i in ids])
    assert len({(p.kind, p.key) for p in found}) == len(ids) == len(found)
    assert all(p.description.endswith(".") for p in found)
