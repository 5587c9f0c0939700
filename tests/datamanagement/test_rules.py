"""The automatic edit checks (datamanagement/rules.py, pure): table-driven + hypothesis."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datamanagement import rules
from datamanagement.rules import AdverseEventFacts, CaseFacts, VisitFacts

D = dt.date
PRIMARY = ("organ_resolution", "erythema_resolution")


def visit(
    pk: int, day: int, *, done: D | None = None, eos: str | None = None, **endpoints: Any
) -> VisitFacts:
    values: dict[str, object] = {"organ_resolution": "yes", "erythema_resolution": "no"}
    values.update(endpoints)
    return VisitFacts(
        record_id=pk,
        name=f"day{day}",
        study_day=day,
        completed_on=done,
        missed=False,
        endpoints=values,
        required=tuple(values),
        primary=PRIMARY if day in (7, 30) else (),
        eosinophil_count=None if eos is None else Decimal(eos),
    )


def case(**over: Any) -> CaseFacts:
    return CaseFacts(participant_id=1, **over)


CASES = [
    # (rule code, facts, expected (form, record, field) findings)
    (
        "discharge_before_admission",
        case(hospital_course_id=5, admission_date=D(2026, 1, 5), discharge_date=D(2026, 1, 4)),
        [("hospital_course", 5, "discharge_date")],
    ),
    (
        "discharge_before_admission",
        case(hospital_course_id=5, admission_date=D(2026, 1, 5), discharge_date=D(2026, 1, 5)),
        [],
    ),
    (
        "discharge_before_admission",
        case(hospital_course_id=5, admission_date=None, discharge_date=D(2026, 1, 5)),
        [],
    ),
    (
        "primary_endpoint_missing",
        case(visits=(visit(7, 7, done=D(2026, 1, 12), organ_resolution=""),)),
        [("visit", 7, "organ_resolution")],
    ),
    ("primary_endpoint_missing", case(visits=(visit(7, 7, done=None, organ_resolution=""),)), []),
    (
        "primary_endpoint_missing",
        case(visits=(visit(9, 60, done=D(2026, 3, 1), organ_resolution=""),)),
        [],
    ),
    (
        "eosinophil_jump",
        case(visits=(visit(7, 7, eos="0.50"), visit(8, 30, eos="5.00"))),
        [("visit", 8, "eosinophil_count")],
    ),
    ("eosinophil_jump", case(visits=(visit(7, 7, eos="0.50"), visit(8, 30, eos="4.99"))), []),
    (
        "eosinophil_jump",
        case(visits=(visit(7, 7, eos="5.00"), visit(8, 30, eos="0.50"))),
        [("visit", 8, "eosinophil_count")],
    ),
    (
        "eosinophil_jump",
        case(visits=(visit(7, 7, eos="0"), visit(8, 30, eos="0.10"))),
        [("visit", 8, "eosinophil_count")],
    ),
    ("eosinophil_jump", case(visits=(visit(7, 7, eos="0.50"), visit(8, 30))), []),
    (
        "death_before_last_visit",
        case(
            death_date=D(2026, 2, 1),
            death_record=("hospital_course", 3),
            visits=(visit(8, 30, done=D(2026, 2, 5)),),
        ),
        [("hospital_course", 3, "death_date")],
    ),
    (
        "death_before_last_visit",
        case(
            death_date=D(2026, 2, 5),
            death_record=("visit", 8),
            visits=(visit(8, 30, done=D(2026, 2, 5)),),
        ),
        [],
    ),
    (
        "weight_change_undocumented",
        case(screening_weight_kg=Decimal("70"), baseline_weight_kg=Decimal("85")),
        [("participant", 1, "weight_kg")],
    ),
    (
        "weight_change_undocumented",
        case(screening_weight_kg=Decimal("70"), baseline_weight_kg=Decimal("84")),
        [],
    ),
    (
        "weight_change_undocumented",
        case(
            screening_weight_kg=Decimal("70"),
            baseline_weight_kg=Decimal("85"),
            weight_change_recorded=True,
        ),
        [],
    ),
    (
        "ae_onset_after_death",
        case(
            death_date=D(2026, 2, 1),
            adverse_events=(
                AdverseEventFacts(4, D(2026, 2, 2)),
                AdverseEventFacts(5, D(2026, 2, 1)),
            ),
        ),
        [("adverse_event", 4, "onset_date")],
    ),
    ("ae_onset_after_death", case(adverse_events=(AdverseEventFacts(4, D(2026, 2, 2)),)), []),
]


@pytest.mark.parametrize(("code", "facts", "expected"), CASES)
def test_rule_table(code, facts, expected):
    rule = rules.RULES_BY_CODE[code]
    found = [(f.form, f.record_id, f.field) for f in rule.check(facts)]
    assert found == expected
    for finding in rule.check(facts):
        assert finding.rule == code and finding.message


def test_every_rule_is_declared_once_per_form():
    codes = [r.code for r in rules.RULES]
    assert len(codes) == len(set(codes)) == 6
    assert {r.form for r in rules.RULES} == {
        "hospital_course",
        "visit",
        "participant",
        "adverse_event",
    }


@pytest.mark.parametrize(
    ("form", "sequence", "every", "required"),
    [
        ("consent", 2, 0, True),
        ("sae", 2, 5, True),
        ("primary_endpoints", 7, 3, True),
        ("visit", 1, 3, True),
        ("visit", 2, 3, False),
        ("visit", 4, 3, True),
        ("visit", 2, 1, True),
        ("visit", 1, 0, False),
    ],
)
def test_sdv_sample(form, sequence, every, required):
    assert rules.sdv_required(form, sequence, sample_every=every) is required


def test_median():
    assert rules.median([]) is None
    assert rules.median([3.0]) == 3.0
    assert rules.median([4.0, 1.0, 2.0]) == 2.0
    assert rules.median([1.0, 2.0, 3.0, 10.0]) == 2.5


counts = st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=2)


@given(a=counts, b=counts)
def test_eosinophil_jump_is_symmetric_and_only_at_tenfold(a, b):
    forward = rules.eosinophil_jump(
        case(visits=(visit(1, 7, eos=str(a)), visit(2, 30, eos=str(b))))
    )
    backward = rules.eosinophil_jump(
        case(visits=(visit(1, 7, eos=str(b)), visit(2, 30, eos=str(a))))
    )
    assert bool(forward) == bool(backward)
    lo, hi = sorted([max(a, Decimal("0.01")), max(b, Decimal("0.01"))])
    assert bool(forward) == (hi >= lo * 10)


@given(
    admission=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 1, 1)),
    days=st.integers(min_value=-400, max_value=400),
)
def test_discharge_rule_fires_exactly_when_discharge_precedes(admission, days):
    facts = case(
        hospital_course_id=1,
        admission_date=admission,
        discharge_date=admission + dt.timedelta(days=days),
    )
    assert bool(rules.evaluate(facts)) == (days < 0)


@given(st.lists(st.integers(min_value=-30, max_value=30), max_size=6))
def test_evaluate_is_deterministic_and_keys_unique(offsets):
    death = D(2026, 3, 1)
    facts = case(
        death_date=death,
        adverse_events=tuple(
            AdverseEventFacts(i, death + dt.timedelta(days=o)) for i, o in enumerate(offsets)
        ),
    )
    first = rules.evaluate(facts)
    assert first == rules.evaluate(facts)
    assert len({f.key for f in first}) == len(first) == sum(1 for o in offsets if o > 0)
