"""The R script that loads every dataset with the right types and factor labels (the
participant's status, vital status by day, withdrawal kind, missed-visit reason...), and
every missing code read as NA, generated from the same column specs as the CSVs and the
dictionary."""

from __future__ import annotations

from reports.exports import DATASETS, MISSING_CODES, Column, export_columns

R_TYPES = {
    "text": "col_character()",
    "factor": "col_character()",
    "integer": "col_integer()",
    "decimal": "col_double()",
    "date": 'col_date(format = "%Y-%m-%d")',
    "datetime": 'col_datetime(format = "")',
    "boolean": "col_logical()",
}


def _r_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _factor_lines(frame: str, column: Column) -> list[str]:
    levels = ", ".join(_r_string(v) for v, _ in column.allowed)
    labels = ", ".join(_r_string(label) for _, label in column.allowed)
    return [
        f"  {frame}${column.name} <- factor({frame}${column.name}, levels = c({levels}), "
        f"labels = c({labels}))"
    ]


def r_script(deidentify: bool = False) -> str:
    na = ", ".join(_r_string(code) for code in ["", *MISSING_CODES])
    lines = [
        "# dressdb analysis pack loader (generated; do not edit).",
        '# Usage: source("load_dressdb.R"); d <- load_dressdb("path/to/unzipped/pack")',
        "# Missing codes (read as NA; the data dictionary says, per column, which code",
        "# its empty cells carry in which situation):",
        *(f"#   {code}: {meaning}" for code, meaning in MISSING_CODES.items()),
        "# Decimal columns are written with the digits the dictionary states (decimals).",
        "library(readr)",
        "",
        'load_dressdb <- function(dir = ".") {',
        f"  na_codes <- c({na})",
        "  d <- list()",
    ]
    for name, dataset in DATASETS.items():
        columns = export_columns(dataset, deidentify)
        specs = ",\n    ".join(f"{c.name} = {R_TYPES[c.type]}" for c in columns)
        lines += [
            f"  # {dataset.title}",
            f'  {name} <- read_csv(file.path(dir, "{name}.csv"), na = na_codes,',
            f"    col_types = cols(\n    {specs}\n  ))",
        ]
        for c in columns:
            if c.type == "factor" and c.allowed:
                lines += _factor_lines(name, c)
        lines.append(f"  d${name} <- {name}")
    lines += ["  d", "}", ""]
    return "\n".join(lines)
