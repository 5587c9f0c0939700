"""The visit rules written in SQL (outcomes/expressions.py) agree with the pure rules.

The exports compute a visit's status and its cells' missing codes in the database (so
that PostgreSQL COPY can write them); these tests hold that SQL to the pure functions
(outcomes.schedule.visit_status, and the export's cell rule `endpoint_cell` below), for
a table of cases and for generated ones, on whichever database the suite runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import CharField, Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes import expressions, selectors
from outcomes.models import ANSWER_MISSING_CODES, SHOWN_WHEN, Visit, not_applicable
from reports.datasets import missing_code
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
OPENS, CLOSES = dt.date(2026, 6, 10), dt.date(2026, 6, 20)


@pytest.fixture
def visit() -> Visit:
    participant: Any = ParticipantFactory()
    return Visit.objects.create(
        participant=participant,
        name="day30",
        study_day=30,
        target_date=dt.date(2026, 6, 15),
        window_opens=OPENS,
        window_closes=CLOSES,
    )


def _sql_status(visit: Visit, today: dt.date) -> str:
    status = expressions.visit_status(today, death="participant__died_on")
    return str(Visit.objects.filter(pk=visit.pk).annotate(s=status).values_list("s", flat=True)[0])


def _pure_status(visit: Visit, today: dt.date) -> str:
    visit.refresh_from_db()
    visit.participant.refresh_from_db()
    return selectors.visit_status(visit, today, visit.participant.died_on)


def _set(visit: Visit, died_on: dt.date | None, **fields: Any) -> None:
    Visit.objects.filter(pk=visit.pk).update(**fields)
    type(visit.participant).objects.filter(pk=visit.participant_id).update(died_on=died_on)


D = dt.date
STATUS_CASES = [
    # completed_on, missed, died_on, today, expected
    (D(2026, 6, 12), False, None, TODAY, "completed"),
    (OPENS, False, None, TODAY, "completed"),
    (CLOSES, False, None, TODAY, "completed"),
    (D(2026, 6, 9), False, None, TODAY, "completed_out_of_window"),
    (D(2026, 6, 21), False, None, TODAY, "completed_out_of_window"),
    (D(2026, 6, 12), False, D(2026, 6, 1), TODAY, "completed"),  # a date wins over death
    (None, True, None, TODAY, "missed"),
    (None, True, D(2026, 6, 1), TODAY, "missed"),
    (None, False, CLOSES, TODAY, "not_expected"),  # died on the last day of the window
    (None, False, D(2026, 6, 21), D(2026, 6, 25), "overdue"),  # died after it closed
    (None, False, None, D(2026, 6, 9), "upcoming"),
    (None, False, None, OPENS, "open"),
    (None, False, None, CLOSES, "open"),
    (None, False, None, D(2026, 6, 21), "overdue"),
]


@pytest.mark.parametrize(("completed_on", "missed", "died_on", "today", "expected"), STATUS_CASES)
def test_visit_status_in_sql_follows_the_table(
    visit: Visit,
    completed_on: dt.date | None,
    missed: bool,
    died_on: dt.date | None,
    today: dt.date,
    expected: str,
) -> None:
    _set(visit, died_on, completed_on=completed_on, missed=missed)
    assert _pure_status(visit, today) == expected
    assert _sql_status(visit, today) == expected


dates = st.one_of(st.none(), st.dates(D(2026, 6, 1), D(2026, 6, 30)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(completed_on=dates, missed=st.booleans(), died_on=dates, today=st.dates(D(2026, 6, 1)))
def test_visit_status_in_sql_equals_the_pure_rule(
    visit: Visit,
    completed_on: dt.date | None,
    missed: bool,
    died_on: dt.date | None,
    today: dt.date,
) -> None:
    # a visit is never both missed and completed (a database constraint)
    _set(visit, died_on, completed_on=completed_on, missed=missed and completed_on is None)
    assert _sql_status(visit, today) == _pure_status(visit, today)


def endpoint_cell(visit: dict[str, Any], status: str, endpoint: str) -> Any:
    """The export's rule for one endpoint cell, in Python: the value, or the missing code
    that says why there is none (the answers unknown and not assessed; the visit status;
    the form's branching; else not entered)."""
    value = visit[endpoint]
    if value in ANSWER_MISSING_CODES:
        return ANSWER_MISSING_CODES[value]
    if value not in ("", None):
        return value
    code = missing_code(status)
    if code is not None:
        return code
    if endpoint in not_applicable(visit, SHOWN_WHEN):
        return "NA_NOT_APPLICABLE"
    return "NA_NOT_ENTERED"


answers = st.sampled_from(["", "yes", "no", "unknown", "not_assessed"])
pcr = st.sampled_from(["", "negative", "positive", "not_done"])
types = st.sampled_from(["", "thyroiditis", "type1_diabetes", "other"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    completed_on=dates,
    missed=st.booleans(),
    today=st.dates(D(2026, 6, 1), D(2026, 7, 1)),
    fever=answers,
    hhv6_pcr=pcr,
    hhv6_load=st.one_of(st.none(), st.integers(0, 10**6)),
    autoimmune_disease=answers,
    autoimmune_type=types,
    autoimmune_other=st.sampled_from(["", "psoriasis"]),
)
def test_endpoint_cells_in_sql_equal_the_pure_rule(
    visit: Visit, completed_on: dt.date | None, missed: bool, today: dt.date, **endpoints: Any
) -> None:
    """Each endpoint's cell: its value, or the code the pure `endpoint_cell` gives."""
    missed = missed and completed_on is None
    _set(visit, None, completed_on=completed_on, missed=missed, **endpoints)
    status = expressions.visit_status(today, death="participant__died_on")
    names = [*endpoints, "eosinophil_count"]
    annotations: dict[str, Any] = {"s": status}
    annotations["status_code"] = expressions.status_missing_code(status)
    for name in names:
        annotations[f"v_{name}"] = expressions.endpoint_value(name)
        annotations[f"a_{name}"] = expressions.answer_code(name) or Value(None, CharField())
        annotations[f"b_{name}"] = expressions.branching_code(name) or Value(None, CharField())
    row: dict[str, Any] = dict(
        Visit.objects.filter(pk=visit.pk).annotate(**annotations).values()[0]
    )
    pure_row: dict[str, Any] = dict(Visit.objects.filter(pk=visit.pk).values()[0])
    for name in names:
        value = row[f"v_{name}"]
        # the first missing code that is not NULL, else not entered (reports.csvstream)
        codes = [row[f"a_{name}"], row["status_code"], row[f"b_{name}"], "NA_NOT_ENTERED"]
        sql_cell = next(c for c in codes if c is not None) if value in (None, "") else value
        assert sql_cell == endpoint_cell(pure_row, row["s"], name), name
