"""The shared path of every CSV dataset, written once.

A dataset (see `reports/datasets.py`) is a declaration: its columns with their data
dictionary entries, the query its rows come from, and how missing values are coded.
This module turns a declaration into CSV:

- site scope and the date filter (`Scope`): every query is restricted to the site ids
  the caller resolved through the access module (`dressdb.access.sites_visible_to`),
  then to the period;
- formatting (`format_value`): ISO 8601 dates, UTC datetimes, true/false, numbers as
  numbers, each decimal column with its declared digits (`Column.decimals`), missing
  codes kept as they are and an absent value written as the column's missing code
  (`Column.missing`, codes from `Missing`): no cell is ever empty;
- CSV-injection neutralisation (`neutralise`);
- de-identification (`export_columns`, `Column.deidentified`): identifying columns are
  dropped and dates become study days;
- streaming (`csv_lines`): one line at a time, constant memory, optional UTF-8 BOM.

The PostgreSQL COPY path (`reports/copy_export.py`) reads the same declarations and the
same scoped queryset, so the two paths cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db.models import QuerySet


class Missing(StrEnum):
    """The missing codes of the data dictionary: a cell that has no value carries one.

    Defined once here; a column declares which of them its blank means, in which
    situation (`Column.missing`), and the dictionary lists both."""

    NOT_DUE = "NA_NOT_DUE"
    MISSED = "NA_MISSED"
    NOT_DONE = "NA_NOT_DONE"
    UNKNOWN = "NA_UNKNOWN"
    NOT_APPLICABLE = "NA_NOT_APPLICABLE"
    NOT_EXPECTED = "NA_NOT_EXPECTED"
    NOT_ENTERED = "NA_NOT_ENTERED"
    NOT_ASSESSED = "NA_NOT_ASSESSED"
    NOT_COLLECTED = "NA_NOT_COLLECTED"
    EMPTY = "NA_EMPTY"


MISSING_CODES: dict[str, str] = {
    str(code): meaning
    for code, meaning in {
        Missing.MISSED: "Visit recorded as missed (reason in visits.missed_reason_code)",
        Missing.NOT_DUE: "Not yet due (visit window not yet open)",
        Missing.NOT_EXPECTED: "Not expected: the participant died before the visit window closed",
        Missing.NOT_ENTERED: "Due or overdue, no data entered yet",
        Missing.NOT_DONE: "Not done (e.g. a lab not measured)",
        Missing.UNKNOWN: "Unknown (answered unknown, or no source tells)",
        Missing.NOT_ASSESSED: "Answered not assessed",
        Missing.NOT_APPLICABLE: "Not applicable (the question does not arise; see the column)",
        Missing.NOT_COLLECTED: "Endpoint not collected at this visit",
        Missing.EMPTY: "Audit trail: the field held no value (before or after the change)",
    }.items()
}
# A cell starting with one of these could start a formula (OWASP CSV injection).
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# Inside a cell, a formula start after a CR or LF gets a ' too: a reader that takes CR
# or LF as a row end even inside a quoted field starts a new physical line there, and
# that line must not start with a formula. A quote counts as a formula start there (a
# reader that parses the new line as CSV reads a quoted cell from it). A field holding
# CR or LF is quoted, which closes the row break for quote-aware readers (Excel,
# LibreOffice, R, Python). Commas inside a cell are left alone: text is not altered
# beyond the line starts.
FORMULA_AFTER_BREAK = '=+-@\t"'
CELL_STARTS_AFTER_BREAK = "\r\n"
_AFTER_BREAK = re.compile(f"(?<=[{CELL_STARTS_AFTER_BREAK}])(?=[{re.escape(FORMULA_AFTER_BREAK)}])")
_NEEDS_QUOTES = re.compile(r'[",\r\n]')
CHUNK = 2000

Row = dict[str, Any]


def neutralise(value: str) -> str:
    """OWASP CSV injection: a text cell that could start a formula gets a leading ',
    and so does every line start inside it (after a CR or LF) that could."""
    value = _AFTER_BREAK.sub("'", value)
    if value and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _csv_field(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_row(values: Iterable[Any]) -> str:
    """One CSV record ending in LF. A field holding a comma, a quote, CR or LF is quoted
    (the csv module leaves a lone CR unquoted when rows end in LF; readers that take CR
    as a row end would then split the cell)."""
    return ",".join(_csv_field(v) for v in values) + "\n"


@dataclass(frozen=True)
class Convert:
    """A value conversion written twice, once per path: Python and PostgreSQL."""

    python: Callable[[Any], Any]
    sql: str  # a template with one {} for the column expression


# A date's study day needs study day 1: a record of someone never randomized has none.
STUDY_DAY_MISSING = (("NA_NOT_APPLICABLE", "no study day 1 (not randomized)"),)


@dataclass(frozen=True)
class Column:
    """One column: its data dictionary entry and, for declared queries, its source field."""

    name: str
    label: str
    type: str  # text, integer, decimal, date, datetime, boolean, factor
    unit: str = ""
    allowed: tuple[tuple[str, str], ...] = ()  # (value, label) for factors
    visit: str = ""
    source: str = ""
    identifying: bool = False  # dropped when de-identified (initials, free text)
    field: str = ""  # ORM lookup or annotation the value is read from ("" = derived)
    # Annotations holding this row's missing code for an absent value: the first that
    # is not NULL applies (all NULL: the column's first code); e.g. a visit date's code
    # follows the visit's status.
    code_fields: tuple[str, ...] = ()
    convert: Convert | None = None
    decimals: int | None = None  # decimal columns: digits after the point, always written
    # The missing codes this column's empty cells carry: (code, in which situation). The
    # first is written for a value that is absent; a dataset's code may set the others.
    missing: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.type == "decimal" and self.decimals is None:
            raise ValueError(f"decimal column {self.name} declares no precision (decimals=)")
        unknown = [code for code, _ in self.missing if code not in MISSING_CODES]
        if unknown:
            raise ValueError(f"column {self.name}: unknown missing codes {unknown}")

    @property
    def blank(self) -> str:
        """The missing code written for an absent value."""
        return self.missing[0][0] if self.missing else Missing.UNKNOWN.value

    def deidentified(self) -> Column | None:
        if self.identifying:
            return None
        if self.type in ("date", "datetime"):
            return Column(
                name=f"{self.name}_studyday",
                label=f"{self.label} (study day; day 1 = first dose)",
                type="integer",
                unit="study day",
                visit=self.visit,
                source=self.source,
                missing=self.missing + STUDY_DAY_MISSING,
            )
        return self


@dataclass(frozen=True)
class Query:
    """Where a dataset's rows come from, and how scope and period apply to them."""

    model: str  # "app_label.Model"
    site: str  # lookup of the site id, e.g. "participant__site_id"
    period: str  # lookup the start/end dates filter, e.g. "date" or "signed_at__date"
    order_by: tuple[str, ...]
    day1: str = "participant__study_day_1"  # lookup of study day 1 ("" when none)
    extra: tuple[str, ...] = ()  # further lookups read for derived columns
    # Computed columns as SQL expressions, made at export time (they may read today's
    # date): both paths read them from the same queryset, so they cannot disagree.
    annotate: Callable[[Scope], dict[str, Any]] | None = None
    # Relations filtered for the annotations (e.g. one visit per name), made first.
    relations: Callable[[], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Scope:
    """The rows an export may contain: these sites (already scoped), this period."""

    site_ids: list[int]
    start: dt.date | None = None
    end: dt.date | None = None

    def in_sites(self, qs: QuerySet[Any], site: str) -> QuerySet[Any]:
        return qs.filter(**{f"{site}__in": self.site_ids})

    def in_period(self, qs: QuerySet[Any], period: str) -> QuerySet[Any]:
        if self.start:
            qs = qs.filter(**{f"{period}__gte": self.start})
        if self.end:
            qs = qs.filter(**{f"{period}__lte": self.end})
        return qs

    def queryset(self, query: Query) -> QuerySet[Any]:
        """The declared query, in scope and period, in its order."""
        qs = apps.get_model(query.model)._default_manager.all()
        if query.relations:
            qs = qs.annotate(**query.relations())
        if query.annotate:
            qs = qs.annotate(**query.annotate(self))
        return self.in_period(self.in_sites(qs, query.site), query.period).order_by(*query.order_by)


Builder = Callable[["Dataset", Scope], Iterator[Row]]
Derive = Callable[[Row, Row, Any], None]


@dataclass(frozen=True)
class Dataset:
    """A declared dataset.

    Most datasets are one query whose columns each name their field (`declared_rows`),
    optionally completed by `derive(row, raw, context)` for computed columns, with
    `context(scope)` read once per export. A dataset whose rows need several queries
    gives its own `build(dataset, scope)`, still reading through `scope`.
    """

    name: str
    title: str
    columns: list[Column]
    query: Query | None = None
    derive: Derive | None = None
    context: Callable[[Scope], Any] | None = None
    build: Builder | None = None

    def rows(
        self, site_ids: list[int], start: dt.date | None, end: dt.date | None
    ) -> Iterator[Row]:
        scope = Scope(list(site_ids), start, end)
        return (self.build or declared_rows)(self, scope)

    @property
    def copyable(self) -> bool:
        """Every column is a plain field of one query: PostgreSQL COPY can write it."""
        return (
            self.query is not None
            and self.build is None
            and self.derive is None
            and all(c.field for c in self.columns)
        )


def declared_rows(dataset: Dataset, scope: Scope) -> Iterator[Row]:
    """The rows of a declared query: one dict per record, keyed by column name."""
    query = dataset.query
    if query is None:
        raise ValueError(f"{dataset.name} declares no query")
    lookups = [c.field for c in dataset.columns if c.field]
    lookups += [x for x in (query.day1, *query.extra) if x]
    lookups += [code for c in dataset.columns for code in c.code_fields]
    context = dataset.context(scope) if dataset.context else None
    values = scope.queryset(query).values(*dict.fromkeys(lookups))
    for raw in values.iterator(chunk_size=CHUNK):
        row: Row = {"_day1": raw[query.day1] if query.day1 else None}
        for c in dataset.columns:
            if c.field:
                value = raw[c.field]
                if c.convert:
                    value = c.convert.python(value)
                if value in (None, ""):
                    value = next((raw[k] for k in c.code_fields if raw[k] is not None), value)
                row[c.name] = value
        if dataset.derive:
            dataset.derive(row, raw, context)
        yield row


# --- Writing -------------------------------------------------------------------------


def export_columns(dataset: Dataset, deidentify: bool) -> list[Column]:
    if not deidentify:
        return list(dataset.columns)
    return [c for c in (col.deidentified() for col in dataset.columns) if c is not None]


def decimal_text(value: Decimal | int | float, decimals: int) -> str:
    """A number with exactly `decimals` digits after the point (half away from zero,
    as PostgreSQL's round(numeric, n))."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return format(number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")


def format_value(value: Any, column: Column, day1: dt.date | None, deidentify: bool) -> Any:
    if value is None or value == "":
        return column.blank
    if isinstance(value, str) and value in MISSING_CODES:
        return value
    if deidentify and column.name.endswith("_studyday"):
        day = value if isinstance(value, dt.date) else None
        if isinstance(value, dt.datetime):
            day = value.date()
        if day is None:
            return column.blank
        if day1 is None:  # no study day 1: never randomized
            return Missing.NOT_APPLICABLE.value
        return (day - day1).days + 1
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if column.type == "decimal" and isinstance(value, Decimal | int | float):
        return decimal_text(value, column.decimals or 0)
    if isinstance(value, Decimal):
        return (
            format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        )
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def csv_lines(
    dataset: Dataset,
    site_ids: list[int],
    start: dt.date | None,
    end: dt.date | None,
    *,
    deidentify: bool = False,
    bom: bool = False,
    counter: list[int] | None = None,
) -> Iterator[str]:
    """The CSV text, line by line (constant memory)."""
    columns = export_columns(dataset, deidentify)
    header = csv_row(c.name for c in columns)
    yield ("\ufeff" + header) if bom else header
    original = {
        c.name: (
            c.name[: -len("_studyday")] if deidentify and c.name.endswith("_studyday") else c.name
        )
        for c in columns
    }
    rows = 0
    for row in dataset.rows(site_ids, start, end):
        day1 = row.get("_day1")
        values = [format_value(row.get(original[c.name]), c, day1, deidentify) for c in columns]
        rows += 1
        yield csv_row(values)
    if counter is not None:
        counter.append(rows)


DICTIONARY_HEADER = [
    "variable",
    "label",
    "dataset",
    "type",
    "unit",
    "allowed_values",
    "visit",
    "source_form",
    "decimals",
    "missing_codes",
]


def dictionary_rows(datasets: Iterable[Dataset], deidentify: bool = False) -> Iterator[list[str]]:
    yield list(DICTIONARY_HEADER)
    for dataset in datasets:
        for c in export_columns(dataset, deidentify):
            allowed = "; ".join(f"{v}={label}" for v, label in c.allowed)
            decimals = "" if c.decimals is None else str(c.decimals)
            missing = "; ".join(f"{code}={when}" for code, when in c.missing)
            row = [c.name, c.label, dataset.name, c.type, c.unit, allowed, c.visit, c.source]
            yield [*row, decimals, missing]
    for code, meaning in MISSING_CODES.items():
        yield [code, meaning, "(all)", "missing code", "", "", "", "", "", ""]


def dictionary_csv(datasets: Iterable[Dataset], deidentify: bool = False, bom: bool = False) -> str:
    lines = [csv_row(neutralise(v) for v in row) for row in dictionary_rows(datasets, deidentify)]
    return ("\ufeff" if bom else "") + "".join(lines)
