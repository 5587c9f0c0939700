"""The visit rules of `outcomes.schedule` and `outcomes.models` as SQL expressions.

The exports compute a visit's status and its cells' missing codes in the database, on
SQLite and PostgreSQL alike, so that COPY can write them (reports/datasets.py). Each
expression is the pure rule written in SQL; tests/outcomes/test_visit_expressions.py
checks it against the pure function for every case of its table and for generated ones.

`prefix` is the lookup of the visit from the query's model: "" on a Visit query,
"day30__" on a participant query with a FilteredRelation named "day30".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.lookups import Exact

from outcomes.models import ANSWER_MISSING_CODES, SHOWN_WHEN, Visit
from outcomes.schedule import VisitStatus

# A visit's empty cells, by the visit's status (reports.datasets.missing_code).
STATUS_MISSING_CODES = {
    VisitStatus.MISSED: "NA_MISSED",
    VisitStatus.UPCOMING: "NA_NOT_DUE",
    VisitStatus.NOT_EXPECTED: "NA_NOT_EXPECTED",
    VisitStatus.OPEN: "NA_NOT_ENTERED",
    VisitStatus.OVERDUE: "NA_NOT_ENTERED",
}


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def visit_status(today: dt.date, death: str, prefix: str = "") -> Case:
    """`schedule.visit_status` (without an end of follow-up): `death` is the lookup of
    the participant's reconciled date of death."""
    p = prefix
    done = Q(**{f"{p}completed_on__isnull": False})
    in_window = Q(
        **{
            f"{p}completed_on__gte": F(f"{p}window_opens"),
            f"{p}completed_on__lte": F(f"{p}window_closes"),
        }
    )
    return Case(
        When(done & in_window, then=_text(VisitStatus.COMPLETED)),
        When(done, then=_text(VisitStatus.COMPLETED_OUT_OF_WINDOW)),
        When(Q(**{f"{p}missed": True}), then=_text(VisitStatus.MISSED)),
        When(Q(**{f"{death}__lte": F(f"{p}window_closes")}), then=_text(VisitStatus.NOT_EXPECTED)),
        When(Q(**{f"{p}window_opens__gt": today}), then=_text(VisitStatus.UPCOMING)),
        When(Q(**{f"{p}window_closes__gte": today}), then=_text(VisitStatus.OPEN)),
        default=_text(VisitStatus.OVERDUE),
        output_field=CharField(),
    )


def status_missing_code(status: Any) -> Case:
    """The missing code of a visit's empty cells from its status (NULL: none)."""
    whens = [When(_equals(status, str(s)), then=_text(c)) for s, c in STATUS_MISSING_CODES.items()]
    return Case(*whens, default=None, output_field=CharField())


def _equals(expression: Any, value: str) -> Exact:
    return Exact(expression, _text(value))


def _is_text(endpoint: str) -> bool:
    return Visit._meta.get_field(endpoint).get_internal_type() in ("CharField", "TextField")


def closed_by_branching(endpoint: str, prefix: str = "") -> Q | None:
    """`models.not_applicable` for one field: the condition under which the form's
    branching closes it (a chain closes as a whole); None when no rule governs it."""
    if endpoint not in SHOWN_WHEN:
        return None
    controller, opens = SHOWN_WHEN[endpoint]
    shut = ~Q(**{f"{prefix}{controller}__in": sorted(opens)}) | Q(
        **{f"{prefix}{controller}__isnull": True}
    )
    upstream = closed_by_branching(controller, prefix)
    return shut if upstream is None else (upstream | shut)


def endpoint_value(endpoint: str, prefix: str = "") -> Any:
    """The endpoint's stored value, with the answers unknown and not assessed taken out
    (they are missing codes: `endpoint_code`)."""
    field = f"{prefix}{endpoint}"
    if not _is_text(endpoint):
        return F(field)
    return Case(
        When(Q(**{f"{field}__in": sorted(ANSWER_MISSING_CODES)}), then=None),
        default=F(field),
        output_field=CharField(),
    )


def answer_code(endpoint: str, prefix: str = "") -> Case | None:
    """The missing code of the answers unknown and not assessed (NULL otherwise); None
    for an endpoint that is not a text answer."""
    if not _is_text(endpoint):
        return None
    field = f"{prefix}{endpoint}"
    answers = [
        When(Q(**{field: answer}), then=_text(code))
        for answer, code in ANSWER_MISSING_CODES.items()
    ]
    return Case(*answers, default=None, output_field=CharField())


def branching_code(endpoint: str, prefix: str = "") -> Case | None:
    """Not applicable when the form's branching closes the field (NULL otherwise); None
    for a field no branching governs."""
    closed = closed_by_branching(endpoint, prefix)
    if closed is None:
        return None
    shut = When(closed, then=_text("NA_NOT_APPLICABLE"))
    return Case(shut, default=None, output_field=CharField())


# `reports.datasets.endpoint_cell`'s missing code for an absent value is the first of
# these that is not NULL: answer_code, the visit's status code (status_missing_code,
# shared by the visit's cells), branching_code; all NULL: not entered.
