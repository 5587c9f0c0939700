"""The audit dataset on PostgreSQL: one COPY per history table, the diff in SQL.

`datasets.audit_build` compares each history row with the previous version of the same
record in Python. Here the same comparison is a window (lag over the record's versions)
and the fields are unpivoted with a LATERAL VALUES list; each history table is one COPY
statement, in the Python path's table order, each ordered as it orders (record, time,
version, field). tests/reports/test_exports.py checks both paths give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import F

from reports.copy_sql import column_sql, datetime_sql
from reports.csvstream import Dataset, Missing, Scope
from reports.datasets import audit_sources

NOT_APPLICABLE = f"'{Missing.NOT_APPLICABLE.value}'"
EMPTY = f"'{Missing.EMPTY.value}'"


def _quoted(text: str) -> str:
    """A standard SQL string literal (standard_conforming_strings is on)."""
    return "'" + text.replace("'", "''") + "'"


def _text_of(field: Any, expr: str, datetime_sql: Any) -> str:  # noqa: ANN401
    """`datasets._audit_text` in SQL: the stored value as text, NA_EMPTY for none."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        text = datetime_sql(expr)
    elif kind == "DateField":
        text = f"to_char({expr}, 'YYYY-MM-DD')"
    elif kind == "BooleanField":
        text = f"CASE WHEN {expr} THEN 'true' WHEN NOT {expr} THEN 'false' END"
    elif kind == "JSONField":
        text = f"CASE WHEN {expr} = '\"\"'::jsonb THEN NULL ELSE ({expr})::text END"
    else:
        text = f"({expr})::text"
    return f"COALESCE(NULLIF({text}, ''), {EMPTY})"


def audit_selects(dataset: Dataset, scope: Scope) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """One SELECT per history table, each giving the dataset's columns, formatted."""
    columns = dataset.columns
    for model, label, tracked, qs in audit_sources(scope):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        values = qs.values(
            h_id=F("id"),
            h_date=F("history_date"),
            h_hid=F("history_id"),
            h_type=F("history_type"),
            h_reason=F("history_change_reason"),
            h_user=F("history_user__username"),
            h_study=F("_study_id"),
            **{f"f{n}": F(name) for n, name in enumerate(tracked)},
        )
        inner, params = values.query.sql_with_params()
        lags = "".join(f", lag(s.f{n}) OVER w AS p{n}" for n in range(len(tracked)))
        cells = [
            f"(0, {NOT_APPLICABLE}, {NOT_APPLICABLE}, {NOT_APPLICABLE}, w.h_type = '-')",
        ]
        for n, name in enumerate(tracked):
            new = _text_of(fields[name], f"w.f{n}", datetime_sql)
            old = _text_of(fields[name], f"w.p{n}", datetime_sql)
            raw_new = f"NULLIF((w.f{n})::text, '')"
            keep = (
                f"w.h_type <> '-' AND CASE WHEN w.rn = 1 "
                f"THEN w.h_type = '+' AND {raw_new} IS NOT NULL "
                f"ELSE w.p{n} IS DISTINCT FROM w.f{n} END"
            )
            old_cell = f"CASE WHEN w.rn = 1 THEN {NOT_APPLICABLE} ELSE {old} END"
            cells.append(f"({n + 1}, {_quoted(name)}, {old_cell}, {new}, {keep})")
        since = ""
        if scope.start:
            zone = _quoted(str(settings.TIME_ZONE))
            since = f" AND (w.h_date AT TIME ZONE {zone})::date >= %s"
            params = (*params, scope.start)
        action = "CASE s.h_type WHEN '+' THEN 'created' WHEN '~' THEN 'changed' ELSE 'deleted' END"
        # The version's own cells, written once per version (not once per field row).
        per_version = {
            "study_id": "s.h_study",
            "form": _quoted(label),
            "record_id": "s.h_id",
            "who": "COALESCE(NULLIF(s.h_user, ''), 'system')",
            "when": "s.h_date",
            "action": action,
            "reason": "s.h_reason",
        }
        per_field = {"field": "f.field", "old_value": "f.old", "new_value": "f.new"}
        by_name = {c.name: c for c in columns}
        written = "".join(
            f', {column_sql(by_name[name], expr)} AS "x_{name}"'
            for name, expr in per_version.items()
        )
        outer = ", ".join(
            (f'w."x_{c.name}"' if c.name in per_version else column_sql(c, per_field[c.name]))
            + f' AS "{c.name}"'
            for c in columns
        )
        # the names and labels are the models' own, quoted
        select = (
            f"SELECT {outer} "  # noqa: S608
            f"FROM (SELECT s.*, row_number() OVER w AS rn{lags}{written} FROM ({inner}) AS s "
            "WINDOW w AS (PARTITION BY s.h_id ORDER BY s.h_date, s.h_hid)) AS w "
            f"CROSS JOIN LATERAL (VALUES {', '.join(cells)}) AS f(n, field, old, new, keep) "
            f"WHERE f.keep{since} ORDER BY w.h_id, w.h_date, w.h_hid, f.n"
        )
        yield select, tuple(params)
