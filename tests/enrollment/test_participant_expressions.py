"""The participant rules written in SQL (enrollment/expressions.py) agree with the pure
rules (enrollment.status.participant_status, enrollment.deaths.status_on), for a table
of cases and for generated ones, on whichever database the suite runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import DateField, Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrollment import expressions
from enrollment.deaths import Evidence, status_on
from enrollment.models import DeathEvidence, Participant
from enrollment.status import participant_status
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 6, 15)
FACT_DATES = (
    "randomized_on",
    "treatment_stopped_on",
    "course_completed_on",
    "off_protocol_on",
    "follow_up_completed_on",
    "died_on",
    "lost_to_follow_up_on",
    "withdrawn_on",
)


@pytest.fixture
def participant() -> Participant:
    made: Any = ParticipantFactory()
    return made


def _sql_state(participant: Participant, today: dt.date) -> str:
    state = expressions.participant_state(Value(today, output_field=DateField()))
    rows = Participant.objects.filter(pk=participant.pk).annotate(s=state)
    return str(rows.values_list("s", flat=True)[0])


def _pure_state(participant: Participant, today: dt.date) -> str:
    participant.refresh_from_db()
    return str(participant_status(participant.facts(), today).state)


def _set(participant: Participant, **facts: Any) -> None:
    values: dict[str, Any] = dict.fromkeys(FACT_DATES)
    values |= {"death_discrepancy": "", "withdrawal_kind": ""} | facts
    Participant.objects.filter(pk=participant.pk).update(**values)


STATE_CASES: list[tuple[dict[str, Any], str]] = [
    ({}, "enrolled"),
    ({"randomized_on": D(2026, 6, 16)}, "enrolled"),  # randomized tomorrow: not yet
    ({"randomized_on": D(2026, 6, 1)}, "on_treatment"),
    ({"randomized_on": D(2026, 6, 1), "died_on": TODAY}, "died"),
    ({"randomized_on": D(2026, 6, 1), "died_on": D(2026, 6, 16)}, "on_treatment"),
    ({"randomized_on": D(2026, 6, 1), "death_discrepancy": "two dates"}, "died"),
    (
        {"randomized_on": D(2026, 6, 1), "withdrawal_kind": "consent", "withdrawn_on": TODAY},
        "withdrawn",
    ),
    (
        {"randomized_on": D(2026, 6, 1), "withdrawal_kind": "follow_up", "withdrawn_on": TODAY},
        "withdrawn",
    ),
    (
        {"randomized_on": D(2026, 6, 1), "withdrawal_kind": "treatment", "withdrawn_on": TODAY},
        "withdrawn",
    ),
    ({"withdrawal_kind": "treatment", "withdrawn_on": TODAY}, "enrolled"),
    ({"randomized_on": D(2026, 6, 1), "lost_to_follow_up_on": TODAY}, "lost_to_follow_up"),
    ({"randomized_on": D(2026, 6, 1), "follow_up_completed_on": TODAY}, "follow_up_complete"),
    ({"randomized_on": D(2026, 6, 1), "off_protocol_on": TODAY}, "off_protocol"),
    ({"randomized_on": D(2026, 6, 1), "course_completed_on": TODAY}, "on_treatment"),
    ({"randomized_on": D(2026, 6, 1), "course_completed_on": D(2026, 6, 14)}, "course_completed"),
    ({"randomized_on": D(2026, 6, 1), "treatment_stopped_on": D(2026, 6, 14)}, "monitoring"),
    ({"randomized_on": D(2026, 6, 1), "treatment_stopped_on": TODAY}, "on_treatment"),
]


@pytest.mark.parametrize(("facts", "expected"), STATE_CASES)
def test_participant_state_in_sql_follows_the_table(
    participant: Participant, facts: dict[str, Any], expected: str
) -> None:
    _set(participant, **facts)
    assert _pure_state(participant, TODAY) == expected
    assert _sql_state(participant, TODAY) == expected


maybe_date = st.one_of(st.none(), st.dates(D(2026, 6, 1), D(2026, 6, 30)))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dates=st.fixed_dictionaries({name: maybe_date for name in FACT_DATES}),
    discrepancy=st.sampled_from(["", "sources disagree"]),
    kind=st.sampled_from(["", "treatment", "follow_up", "consent"]),
    today=st.dates(D(2026, 6, 1), D(2026, 6, 30)),
)
def test_participant_state_in_sql_equals_the_pure_rule(
    participant: Participant,
    dates: dict[str, dt.date | None],
    discrepancy: str,
    kind: str,
    today: dt.date,
) -> None:
    _set(participant, death_discrepancy=discrepancy, withdrawal_kind=kind, **dates)
    assert _sql_state(participant, today) == _pure_state(participant, today)


def _sql_vital(participant: Participant, on: dt.date) -> str:
    vital = expressions.vital_status_on(Value(on, output_field=DateField()))
    rows = Participant.objects.filter(pk=participant.pk).annotate(v=vital)
    return str(rows.values_list("v", flat=True)[0])


evidence_rows = st.lists(
    st.tuples(maybe_date, st.booleans(), st.booleans()),  # on, dead, exact
    max_size=5,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=evidence_rows, on=st.dates(D(2026, 6, 1), D(2026, 6, 30)))
def test_vital_status_in_sql_equals_the_pure_rule(
    participant: Participant, rows: list[tuple[dt.date | None, bool, bool]], on: dt.date
) -> None:
    DeathEvidence.objects.filter(participant=participant).delete()
    live: list[Evidence] = []
    for n, (day, dead, exact) in enumerate(rows):
        dead = dead and day is not None  # a retracted row says nothing (a constraint)
        DeathEvidence.objects.create(
            participant=participant,
            source="visit",
            source_id=n + 1,
            item="vital",
            label=f"Visit {n}",
            on=day,
            dead=dead,
            exact=exact,
        )
        if day is not None:
            live.append(Evidence(f"Visit {n}", day, dead=dead, exact=exact))
    assert _sql_vital(participant, on) == str(status_on(live, on))


def test_vital_status_table() -> None:
    """The pure rule's own cases, as a reminder of what the SQL must say."""
    died = Evidence("AE", D(2026, 6, 10), dead=True)
    seen = Evidence("Day 7", D(2026, 6, 12), dead=False)
    unsure = Evidence("Day 30", D(2026, 6, 20), dead=True, exact=False)
    assert str(status_on([died], D(2026, 6, 10))) == "died"
    assert str(status_on([died], D(2026, 6, 9))) == "alive"  # an exact date after the day
    assert str(status_on([seen], D(2026, 6, 12))) == "alive"
    assert str(status_on([seen], D(2026, 6, 13))) == "unknown"
    assert str(status_on([unsure], D(2026, 6, 19))) == "unknown"
    assert str(status_on([died, seen], D(2026, 6, 11))) == "unknown"
