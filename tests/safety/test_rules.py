"""The safety rules (safety/rules.py, pure): table-driven, plus hypothesis properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety import rules, terms
from safety.rules import Criterion, Outcome, SafetySettings
from safety.terms import Drug

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONSENT = dt.date(2026, 2, 1)
DAY1 = dt.date(2026, 2, 2)
CONFIG = SafetySettings(ae_period_days=90, sae_report_hours=24)


def facts(**over: Any) -> rules.EventFacts:
    base: dict[str, Any] = {
        "onset": dt.date(2026, 2, 10),
        "stop": dt.date(2026, 2, 12),
        "ongoing": False,
        "grade": 2,
        "outcome": Outcome.RECOVERED,
        "serious": False,
        "criteria": frozenset(),
        "aware_at": dt.datetime(2026, 2, 11, 9, 0, tzinfo=UTC),
        "aware_local_date": dt.date(2026, 2, 11),
        "consent_date": CONSENT,
        "day1": DAY1,
        "now": NOW,
    }
    base.update(over)
    return rules.EventFacts(**base)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({}, None, None),
        ({"stop": dt.date(2026, 2, 9)}, "stop_date", "before the onset"),
        ({"stop": None, "ongoing": True}, None, None),
        ({"stop": dt.date(2026, 2, 12), "ongoing": True}, "ongoing", "not ongoing"),
        ({"stop": None, "ongoing": False}, "stop_date", "or tick ongoing"),
        ({"onset": dt.date(2026, 1, 31)}, "onset_date", "before consent"),
        ({"onset": CONSENT, "aware_local_date": CONSENT}, None, None),
        # day 90 = DAY1 + 89 days = 2026-05-02: allowed; the day after is not.
        (
            {
                "onset": dt.date(2026, 5, 2),
                "stop": None,
                "ongoing": True,
                "now": dt.datetime(2026, 5, 3, tzinfo=UTC),
                "aware_at": dt.datetime(2026, 5, 2, 10, tzinfo=UTC),
                "aware_local_date": dt.date(2026, 5, 2),
            },
            None,
            None,
        ),
        (
            {
                "onset": dt.date(2026, 5, 3),
                "stop": None,
                "ongoing": True,
                "now": dt.datetime(2026, 5, 4, tzinfo=UTC),
                "aware_at": dt.datetime(2026, 5, 3, 10, tzinfo=UTC),
                "aware_local_date": dt.date(2026, 5, 3),
            },
            "onset_date",
            "after the adverse-event period",
        ),
        ({"grade": 5}, "outcome", "fatal"),
        ({"grade": 6}, "grade", "1 to 5"),
        ({"grade": 0}, "grade", "1 to 5"),
        ({"outcome": Outcome.FATAL, "grade": 3}, "grade", "grade 5"),
        (
            {"grade": 5, "outcome": Outcome.FATAL, "serious": True, "criteria": frozenset()},
            "criteria",
            "at least one",
        ),
        (
            {
                "grade": 5,
                "outcome": Outcome.FATAL,
                "serious": True,
                "criteria": frozenset({Criterion.HOSPITALISATION}),
            },
            "criteria",
            "death",
        ),
        (
            {
                "grade": 5,
                "outcome": Outcome.FATAL,
                "serious": True,
                "criteria": frozenset({Criterion.DEATH}),
            },
            None,
            None,
        ),
        ({"serious": True}, "criteria", "at least one"),
        ({"criteria": frozenset({Criterion.DISABILITY})}, "serious", "is serious"),
        ({"serious": True, "criteria": frozenset({"bogus"})}, "criteria", "Unknown"),
        (
            {"aware_at": NOW + dt.timedelta(minutes=1)},
            "aware_at",
            "in the future",
        ),
        (
            {
                "aware_at": dt.datetime(2026, 2, 9, 9, tzinfo=UTC),
                "aware_local_date": dt.date(2026, 2, 9),
            },
            "aware_at",
            "before the onset",
        ),
    ],
)
def test_check_event_table(change, field, words):
    errors = rules.check_event(facts(**change), CONFIG)
    if field is None:
        assert errors == {}
    else:
        assert field in errors, errors
        assert words in errors[field]


def test_the_period_is_a_setting_and_counts_from_consent_before_randomization():
    late = facts(
        onset=dt.date(2026, 6, 1),
        stop=None,
        ongoing=True,
        aware_at=dt.datetime(2026, 6, 1, 10, tzinfo=UTC),
        aware_local_date=dt.date(2026, 6, 1),
        now=dt.datetime(2026, 6, 2, tzinfo=UTC),
    )
    assert "onset_date" in rules.check_event(late, CONFIG)
    assert rules.check_event(late, SafetySettings(ae_period_days=180)) == {}
    assert rules.period_end(CONSENT, None, 90) == dt.date(2026, 5, 1)
    assert rules.period_end(CONSENT, DAY1, 90) == dt.date(2026, 5, 2)


@pytest.mark.parametrize(
    ("term", "soc", "drug", "expected"),
    [
        ("acute_kidney_injury", "renal", Drug.CYCLOSPORINE, True),
        ("acute_kidney_injury", "renal", Drug.CORTICOSTEROIDS, False),
        ("hypertension", "vascular", Drug.CYCLOSPORINE, True),
        ("hypertension", "vascular", Drug.CORTICOSTEROIDS, True),
        ("hyperglycemia", "metabolism", Drug.CYCLOSPORINE, False),
        ("hyperglycemia", "metabolism", Drug.CORTICOSTEROIDS, True),
        ("sepsis", "infections", Drug.CYCLOSPORINE, True),
        ("", "infections", Drug.CORTICOSTEROIDS, True),  # free-text infection
        ("", "hepatobiliary", Drug.CYCLOSPORINE, False),
        ("hepatic_failure", "hepatobiliary", Drug.CYCLOSPORINE, False),
        ("adrenal_insufficiency", "endocrine", Drug.CORTICOSTEROIDS, True),
        ("tremor", "nervous", Drug.CORTICOSTEROIDS, False),
    ],
)
def test_expectedness_table(term, soc, drug, expected):
    assert rules.expected(term, soc, drug) is expected


@pytest.mark.parametrize(
    ("serious", "csa", "cs", "exp_csa", "exp_cs", "susar"),
    [
        (True, "probable", "not_related", False, False, True),
        (True, "probable", "not_related", True, False, False),  # expected for its drug
        (True, "not_related", "possible", True, False, True),  # unexpected for steroids
        (True, "unlikely", "unlikely", False, False, False),
        (False, "definite", "definite", False, False, False),
        (True, "definite", "definite", True, True, False),
        (True, "possible", "definite", True, False, True),
    ],
)
def test_susar_table(serious, csa, cs, exp_csa, exp_cs, susar):
    got = rules.susar(
        serious=serious,
        relatedness={Drug.CYCLOSPORINE: csa, Drug.CORTICOSTEROIDS: cs},
        expectedness={Drug.CYCLOSPORINE: exp_csa, Drug.CORTICOSTEROIDS: exp_cs},
    )
    assert got is susar


@pytest.mark.parametrize(
    ("criteria", "outcome", "days"),
    [
        ({Criterion.DEATH}, Outcome.FATAL, 7),
        ({Criterion.LIFE_THREATENING}, Outcome.RECOVERING, 7),
        ({Criterion.HOSPITALISATION}, Outcome.RECOVERED, 15),
        ({Criterion.IMPORTANT_MEDICAL_EVENT}, Outcome.FATAL, 7),
    ],
)
def test_susar_timeline(criteria, outcome, days):
    assert rules.susar_days(criteria, outcome) == days


def test_report_due_and_clock():
    aware = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    due = rules.report_due_at(aware, 24)
    assert due.astimezone(UTC) == dt.datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    running = rules.clock(due, due - dt.timedelta(hours=3, minutes=5), None)
    assert (running.overdue, running.label) == (False, "3 h 05 min left")
    late = rules.clock(due, due + dt.timedelta(minutes=90), None)
    assert (late.overdue, late.label) == (True, "overdue by 1 h 30 min")
    done = rules.clock(due, due + dt.timedelta(days=3), due - dt.timedelta(hours=1))
    assert (done.reported, done.overdue, done.label) == (True, False, "reported")
    with pytest.raises(ValueError):
        rules.report_due_at(dt.datetime(2026, 3, 1), 24)  # noqa: DTZ001


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Clarithromycin 500 mg", "inhibitor"),
        ("  RIFAMPICIN ", "inducer"),
        ("St John’s wort", "inducer"),
        ("paracetamol", ""),
    ],
)
def test_cyp3a4_interaction(name, kind):
    assert rules.interaction(name, terms.CYP3A4_INHIBITORS, terms.CYP3A4_INDUCERS) == kind


def test_special_interest_groups():
    assert rules.special_interest("sepsis", "infections", serious=True) == ["Serious infection"]
    assert rules.special_interest("sepsis", "infections", serious=False) == []
    assert rules.special_interest("creatinine_increased", "investigations", False) == [
        "Nephrotoxicity"
    ]


def test_every_term_has_a_known_soc_and_every_expected_entry_exists():
    socs = {code for code, _ in terms.SOCS}
    assert all(t.soc in socs for t in terms.TERMS)
    codes = {t.code for t in terms.TERMS} | {f"soc:{s}" for s in socs}
    for listed in terms.EXPECTED.values():
        assert listed <= codes
    for listed in terms.SPECIAL_INTEREST.values():
        assert listed <= codes


# --- Properties -----------------------------------------------------------------

DATES = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))
REL = st.sampled_from([str(r) for r in rules.Relatedness])


@given(onset=DATES, stop=DATES)
def test_stop_before_onset_is_always_refused_on_stop_date(onset, stop):
    errors = rules.check_event(facts(onset=onset, stop=stop), CONFIG)
    assert ("stop_date" in errors) == (stop < onset)


@given(onset=DATES)
def test_onset_outside_consent_to_day_90_is_always_refused(onset):
    errors = rules.check_event(facts(onset=onset, stop=None, ongoing=True), CONFIG)
    inside = CONSENT <= onset <= DAY1 + dt.timedelta(days=89)
    assert ("onset_date" in errors) == (not inside)


@given(grade=st.integers(1, 5), outcome=st.sampled_from([str(o) for o in Outcome]))
def test_grade_5_and_fatal_go_together(grade, outcome):
    errors = rules.check_event(facts(grade=grade, outcome=outcome), CONFIG)
    if (grade == 5) != (outcome == Outcome.FATAL):
        assert "outcome" in errors or "grade" in errors


@given(serious=st.booleans(), csa=REL, cs=REL, exp_csa=st.booleans(), exp_cs=st.booleans())
def test_susar_needs_serious_related_and_unexpected_for_the_same_drug(
    serious, csa, cs, exp_csa, exp_cs
):
    got = rules.susar(
        serious=serious,
        relatedness={Drug.CYCLOSPORINE: csa, Drug.CORTICOSTEROIDS: cs},
        expectedness={Drug.CYCLOSPORINE: exp_csa, Drug.CORTICOSTEROIDS: exp_cs},
    )
    want = serious and (
        (rules.is_related(csa) and not exp_csa) or (rules.is_related(cs) and not exp_cs)
    )
    assert got is want


@given(
    aware=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2027, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, dt.timezone(dt.timedelta(hours=-8))]),
    ),
    hours=st.integers(1, 240),
)
def test_report_due_is_exactly_the_setting_after_awareness(aware, hours):
    due = rules.report_due_at(aware, hours)
    assert due - aware == dt.timedelta(hours=hours)
    assert rules.clock(due, aware, None).seconds_left == hours * 3600
