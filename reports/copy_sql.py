"""How the PostgreSQL COPY path writes a value: each declared column's SQL, written as
`reports.csvstream.format_value` writes it in Python (ISO dates, UTC datetimes, decimals
with the column's digits, true/false, CSV-injection neutralisation, missing codes).
tests/reports/test_exports.py checks both give the same bytes."""

from __future__ import annotations

from reports.csvstream import (
    CELL_STARTS_AFTER_BREAK,
    DANGEROUS_PREFIXES,
    FORMULA_AFTER_BREAK,
    Column,
)


def literal(char: str) -> str:
    return "E'" + char.encode("unicode_escape").decode().replace("'", "''") + "'"


def bracket(chars: str) -> str:
    """The characters as a regular-expression bracket list (a '-' goes first)."""
    return ("-" if "-" in chars else "") + chars.replace("-", "")


# A line break (CR or LF) then a formula start gets a ' between them
# (regexp_replace: \1'\2).
_CELL_THEN_FORMULA = literal(f"([{CELL_STARTS_AFTER_BREAK}])([{bracket(FORMULA_AFTER_BREAK)}])")
_QUOTE_BETWEEN = r"E'\\1''\\2'"


def neutralised_sql(expr: str) -> str:
    """`csvstream.neutralise` in SQL: a ' before a formula start after any CR or LF
    inside the cell, and before a dangerous first character. The regular expression
    runs only on a cell that holds a line break (few do; it is the costly part)."""
    # ascii() reads the first character's code point: no substring is made
    starts = ", ".join(str(ord(c)) for c in DANGEROUS_PREFIXES)
    dangerous = f"ascii({expr}) IN ({starts})"
    breaks = f"strpos({expr}, E'\\r') > 0 OR strpos({expr}, E'\\n') > 0"
    safe = f"regexp_replace({expr}, {_CELL_THEN_FORMULA}, {_QUOTE_BETWEEN}, 'g')"
    return (
        f"CASE WHEN {breaks} THEN (CASE WHEN {dangerous} THEN '''' ELSE '' END) || {safe} "
        f"WHEN {dangerous} THEN '''' || {expr} ELSE {expr} END"
    )


def number_sql(expr: str, decimals: int) -> str:
    """`csvstream.decimal_text`: exactly `decimals` digits (round half away from zero)."""
    return f"round(({expr})::numeric, {int(decimals)})::text"


def boolean_sql(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 'true' WHEN NOT {expr} THEN 'false' END"


def datetime_sql(expr: str) -> str:
    """ISO 8601 in UTC with a Z, microseconds only when there are any (as Python's
    isoformat): one to_char, and '.000000' (only ever the microseconds) taken out."""
    utc = f"({expr} AT TIME ZONE 'UTC')"
    return f"replace(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || 'Z'"


def column_sql(column: Column, expr: str, codes: tuple[str, ...] = ()) -> str:
    """The SQL of one declared column, written as `format_value` writes it: an absent
    value (NULL, or empty text) is the row's first missing code that is not NULL
    (`codes`, the column's `code_fields`), or else the column's."""
    if column.convert:
        expr = column.convert.sql.format(expr)
    if column.type == "decimal":
        text = number_sql(expr, column.decimals or 0)
    elif column.type == "boolean":
        text = boolean_sql(expr)
    elif column.type == "date":
        text = f"to_char({expr}, 'YYYY-MM-DD')"
    elif column.type == "datetime":
        text = datetime_sql(expr)
    elif column.type == "integer":
        text = f"{expr}::text"
    else:  # text and factor (a missing code is never neutralised: it starts with N)
        text = f"NULLIF({neutralised_sql(expr)}, '')"
    return f"COALESCE({', '.join([text, *codes, literal(column.blank)])})"
