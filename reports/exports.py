"""CSV datasets for analysis: the public face of the export code.

- `reports/datasets.py`: each dataset as a declaration (columns with their dictionary
  entries, precision and missing codes, the query);
- `reports/csvstream.py`: the shared path (scope, filters, formatting, neutralisation,
  de-identification, streaming);
- `reports/copy_export.py`: the PostgreSQL COPY path, built from the same declarations.

The same declarations produce the CSVs, the data dictionary and the R loader, so the
three always agree.
"""

from __future__ import annotations

from collections.abc import Iterator

from reports import csvstream
from reports.csvstream import (
    DANGEROUS_PREFIXES,
    MISSING_CODES,
    Column,
    Dataset,
    Missing,
    csv_lines,
    export_columns,
    format_value,
    neutralise,
)
from reports.datasets import DATASETS, VISIT_NAMES, missing_code

__all__ = [
    "DANGEROUS_PREFIXES",
    "DATASETS",
    "MISSING_CODES",
    "Missing",
    "VISIT_NAMES",
    "Column",
    "Dataset",
    "csv_lines",
    "dictionary_csv",
    "dictionary_rows",
    "export_columns",
    "format_value",
    "missing_code",
    "neutralise",
]


def dictionary_rows(deidentify: bool = False) -> Iterator[list[str]]:
    """The data dictionary: one row per column of every dataset, then the missing codes."""
    return csvstream.dictionary_rows(DATASETS.values(), deidentify)


def dictionary_csv(deidentify: bool = False, bom: bool = False) -> str:
    return csvstream.dictionary_csv(DATASETS.values(), deidentify, bom)
