"""PostgreSQL fast path: stream a dataset with COPY (SELECT ...) TO STDOUT WITH CSV.

The SELECT is built from the dataset's declaration (`reports/datasets.py`): the inner
query is the very queryset the Python path iterates (same scope, period filter and
order), and the outer SELECT formats each declared column as the Python path does
(ISO dates, UTC datetimes, decimals with the column's declared digits, true/false, the
CSV-injection neutralisation, an absent value as the column's missing code). A dataset
whose columns are all plain fields of one query (`Dataset.copyable`) has a COPY path; a
test checks that both paths give the same bytes. An ORM iterator is several times
slower than COPY for the big tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F

from reports.copy_sql import column_sql, literal
from reports.csvstream import Column, Dataset, Missing, Scope, csv_lines
from reports.datasets import DATASETS, PARTICIPANTS_QUERY, endpoint_pairs


def copy_select(
    dataset: Dataset, scope: Scope, *, order_keys: bool = False, formatted: bool = True
) -> tuple[str, tuple[Any, ...]]:
    """The COPY SELECT of a copyable dataset, and its parameters (%s placeholders).
    `order_keys`: also the query's order, as columns "_o0", "_o1", ... (for a query
    built on this one). `formatted=False`: the same rows as they are stored, as text
    (the bench's baseline: what COPY costs without the dataset's formatting)."""
    if not dataset.copyable or dataset.query is None:
        raise ValueError(f"{dataset.name} has no COPY path")
    aliases = {f"c{i}": F(c.field) for i, c in enumerate(dataset.columns)}
    keys = {f"o{n}": F(key) for n, key in enumerate(dataset.query.order_by)} if order_keys else {}
    # each missing-code annotation once (several columns may share one)
    code_alias = {
        code: f"k{n}"
        for n, code in enumerate(
            dict.fromkeys(code for c in dataset.columns for code in c.code_fields)
        )
    }
    codes = {alias: F(code) for code, alias in code_alias.items()}
    values = scope.queryset(dataset.query).values(**aliases, **codes, **keys)
    inner, params = values.query.sql_with_params()

    def cell(i: int, c: Column) -> str:
        if not formatted:
            return f"t.c{i}::text"
        return column_sql(c, f"t.c{i}", tuple(f"t.{code_alias[k]}" for k in c.code_fields))

    outer = ",\n       ".join(
        [f'{cell(i, c)} AS "{c.name}"' for i, c in enumerate(dataset.columns)]
        + [f't.{key} AS "_{key}"' for key in keys]
    )
    # The inner query's ORDER BY gives the order: PostgreSQL keeps a sorted subquery's
    # order through a plain projection (the test compares the rows in order).
    return f"SELECT {outer}\nFROM ({inner}) AS t", tuple(params)  # noqa: S608


def endpoints_select(scope: Scope, *, formatted: bool = True) -> tuple[str, tuple[Any, ...]]:
    """The long endpoints dataset: the participants dataset's written cells, unpivoted
    in SQL as `datasets.endpoints_build` unpivots them in Python (participant, then
    visit and endpoint in their declared order; no row for a visit not scheduled)."""
    wide, params = copy_select(
        DATASETS["participants"], scope, order_keys=True, formatted=formatted
    )
    pairs = list(endpoint_pairs())
    cells = ",\n         ".join(
        f"({n}, '{visit}', '{endpoint}', p.\"{visit}_{endpoint}\", p.\"{visit}_status\")"
        for n, (visit, endpoint) in enumerate(pairs)
    )
    order = ", ".join(f'p."_o{n}"' for n in range(len(PARTICIPANTS_QUERY.order_by)))
    names = [c.name for c in DATASETS["endpoints"].columns]
    if names != ["study_id", "site", "arm", "visit", "endpoint", "value"]:
        raise ValueError(f"endpoints_select writes other columns than {names}")
    select = (
        'SELECT p."study_id", p."site", p."arm", e.visit AS "visit", '
        'e.endpoint AS "endpoint", e.value AS "value"\n'
        f"FROM ({wide} OFFSET 0) AS p\n"
        f"CROSS JOIN LATERAL (VALUES {cells})\n"
        "  AS e(n, visit, endpoint, value, visit_status)\n"
        f"WHERE e.visit_status <> {literal(Missing.NOT_APPLICABLE.value)}\n"
        f"ORDER BY {order}, e.n"
    )
    return select, params  # noqa: S608  (names and codes are the declarations' own)


def _audit(scope: Scope) -> list[tuple[str, tuple[Any, ...]]]:
    from reports.audit_copy import audit_selects

    return list(audit_selects(DATASETS["audit"], scope))


# Datasets built by code rather than declared columns, with their COPY SELECTs: a long
# view of a wide one; the audit trail, one SELECT per history table.
BUILT: dict[str, Callable[[Scope], list[tuple[str, tuple[Any, ...]]]]] = {
    "endpoints": lambda scope: [endpoints_select(scope)],
    "audit": _audit,
}


def _selects(dataset: str, scope: Scope) -> list[tuple[str, tuple[Any, ...]]]:
    """The SELECTs whose COPY output, one after the other, is the dataset."""
    if dataset in BUILT:
        return BUILT[dataset](scope)
    return [copy_select(DATASETS[dataset], scope)]


class _RowCounter:
    """Counts the record ends of a CSV stream: line feeds outside quoted fields.

    A doubled quote inside a field toggles twice, so the state stays right."""

    def __init__(self) -> None:
        self.lines = 0
        self.quoted = False

    def feed(self, data: bytes) -> None:
        if b'"' not in data:  # most blocks: no quoted field starts or ends in them
            if not self.quoted:
                self.lines += data.count(b"\n")
            return
        for n, part in enumerate(data.split(b'"')):
            if n:
                self.quoted = not self.quoted
            if not self.quoted:
                self.lines += part.count(b"\n")


def copy_available(dataset: str, deidentify: bool) -> bool:
    return (
        connection.vendor == "postgresql"
        and dataset in DATASETS
        and (DATASETS[dataset].copyable or dataset in BUILT)
        and not deidentify
    )


def copy_lines(
    dataset: str,
    site_ids: list[int],
    start: dt.date | None,
    end: dt.date | None,
    *,
    bom: bool = False,
    counter: list[int] | None = None,
) -> Iterator[bytes]:
    """Stream COPY's CSV blocks as they come (constant memory); a dataset of several
    SELECTs is their COPYs one after the other, under one header."""
    from psycopg import sql

    try:
        selects = _selects(dataset, Scope(list(site_ids), start, end))
    except EmptyResultSet:  # no site in scope: nothing to COPY, the header alone
        for line in csv_lines(
            DATASETS[dataset], list(site_ids), start, end, bom=bom, counter=counter
        ):
            yield line.encode("utf-8")
        return
    rows = _RowCounter()
    if bom:
        yield "\ufeff".encode()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        for n, (select, params) in enumerate(selects):
            # psycopg binds the parameters client-side into the COPY statement
            bound = sql.SQL(cursor.mogrify(select, params))
            header = sql.SQL(", HEADER" if n == 0 else "")
            query = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv{})").format(bound, header)
            with cursor.copy(query) as copy:
                for block in copy:
                    data = bytes(block)
                    rows.feed(data)
                    yield data
    if counter is not None:
        counter.append(max(0, rows.lines - 1))
