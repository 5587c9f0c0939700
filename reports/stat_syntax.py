"""SAS, Stata and SPSS syntax that read the pack's CSVs (issue 20), as REDCap ships them.

Generated from the same column declarations as the CSVs, the data dictionary and the R
loader (reports.datasets), so the four always agree. Each file reads every dataset with:
- its variable labels (the dictionary's label);
- value labels for factor columns (SAS: a character format; Stata and SPSS: numeric codes
  1..n in the dictionary's order, labelled with the code and its label);
- the missing codes of the dictionary (NA_NOT_DUE, NA_MISSED, ...) read as missing in
  numeric, date and factor columns, each keeping its own kind: SAS and Stata special
  missing values (.A-.J / .a-.j), SPSS user-missing values (-901 .. -910), each labelled
  with its code and meaning. Text columns keep the code as written.
- dates and date-times as the package's own date types (UTC date-times).

Every CSV is read as text first, then converted column by column, so a missing code in a
number column never stops the import.
"""

from __future__ import annotations

from reports.exports import DATASETS, MISSING_CODES, Column, export_columns

# Each missing code's special missing value, in the dictionary's order.
SPECIAL_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SPSS_MISSING_BASE = -900
NUMERIC_TYPES = ("integer", "decimal", "boolean", "date", "datetime", "factor")
TEXT_LENGTH = 2000  # characters kept of a free-text column (SAS, SPSS)
RAW_LENGTH = 40  # characters of a number, date or code read as text first


def missing_letters() -> dict[str, str]:
    """Missing code -> its letter (SAS .A, Stata .a), in the dictionary's order."""
    if len(MISSING_CODES) > len(SPECIAL_LETTERS):
        raise ValueError("more missing codes than special missing values")
    return {code: SPECIAL_LETTERS[i] for i, code in enumerate(MISSING_CODES)}


def spss_missing_values() -> dict[str, int]:
    """Missing code -> its SPSS user-missing value (-901, -902, ...)."""
    return {code: SPSS_MISSING_BASE - 1 - i for i, code in enumerate(MISSING_CODES)}


def _quoted(text: str, quote: str = '"') -> str:
    """A string literal: the quote doubled inside (SAS, SPSS); no line breaks."""
    flat = " ".join(text.split())
    return quote + flat.replace(quote, quote * 2) + quote


def _stata_quoted(text: str) -> str:
    """Stata compound quotes take any text but a closing `"'` sequence."""
    flat = " ".join(text.split()).replace("\"'", '"')
    return '`"' + flat + "\"'"


def _factor_codes(column: Column) -> list[tuple[int, str, str]]:
    """(numeric code, value, label) of a factor column, 1..n in the dictionary's order."""
    return [(n, value, label) for n, (value, label) in enumerate(column.allowed, start=1)]


# --- SAS ---------------------------------------------------------------------------------


def short_names(columns: list[Column], limit: int = 32) -> dict[str, str]:
    """Column name -> a name of at most `limit` characters (SAS and Stata: 32), unique in
    its dataset: cut, and numbered when two cut names meet."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        name = column.name[:limit]
        n = 1
        while name in taken:
            n += 1
            name = f"{column.name[: limit - len(str(n)) - 1]}_{n}"
        taken.add(name)
        out[column.name] = name
    return out


def sas_script(deidentify: bool = False) -> str:
    letters = missing_letters()
    lines = [
        "/* dressdb analysis pack: SAS import (generated; do not edit).",
        "   Set the folder of the unzipped pack, then run the whole file:",
        "     %let dressdb = /path/to/pack;",
        "   Missing codes are read as special missing values:",
        *(f"     .{letters[code]} = {code}: {meaning}" for code, meaning in MISSING_CODES.items()),
        "   A free-text cell holding a line break is not read by SAS's infile; such",
        "   cells are rare (comments) and Stata's reader or R's loader take them.",
        "*/",
        "%let dressdb = .;",
        "proc format;",
        "  value nacode",
        *(
            f"    .{letters[code]} = {_quoted(f'{code}: {meaning}', chr(39))}"
            for code, meaning in MISSING_CODES.items()
        ),
        "  ;",
    ]
    factor_formats = _sas_format_names(deidentify)
    for name, dataset in DATASETS.items():
        for column in export_columns(dataset, deidentify):
            if (name, column.name) in factor_formats:
                lines.append(f"  value ${factor_formats[name, column.name]}")
                lines += [
                    f"    {_quoted(value, chr(39))} = {_quoted(label, chr(39))}"
                    for value, label in column.allowed
                ]
                lines += [
                    f"    {_quoted(code, chr(39))} = {_quoted(code, chr(39))}"
                    for code in MISSING_CODES
                ]
                lines.append("  ;")
    lines += ["run;", ""]
    for name, dataset in DATASETS.items():
        columns = export_columns(dataset, deidentify)
        raw = {c.name: f"_r{i}" for i, c in enumerate(columns, start=1)}
        short = short_names(columns)
        lines += [
            f"/* {dataset.title} */",
            f"data work.{name[:32]};",
            f'  infile "&dressdb/{name}.csv" dsd firstobs=2 lrecl=1000000 truncover'
            " encoding='utf-8';",
        ]
        lengths = []
        for c in columns:
            if c.type == "text":
                lengths.append(f"{short[c.name]} ${TEXT_LENGTH}")
            elif c.type == "factor":
                lengths.append(f"{short[c.name]} ${RAW_LENGTH}")
            else:
                lengths.append(f"{raw[c.name]} ${RAW_LENGTH}")
        lines.append("  length " + " ".join(lengths) + ";")
        inputs = [
            f"{short[c.name]}" if c.type in ("text", "factor") else raw[c.name] for c in columns
        ]
        lines.append("  input " + " ".join(inputs) + ";")
        for c in columns:
            if c.type in ("text", "factor"):
                continue
            var = short[c.name]
            lines.append(f"  select ({raw[c.name]});")
            lines.append(f"    when ('') {var} = .;")
            lines += [f"    when ('{code}') {var} = .{letters[code]};" for code in MISSING_CODES]
            lines.append(f"    otherwise {var} = {_sas_convert(c, raw[c.name])};")
            lines.append("  end;")
        formats = []
        for c in columns:
            var = short[c.name]
            if c.type == "date":
                formats.append(f"{var} yymmdd10.")
            elif c.type == "datetime":
                formats.append(f"{var} e8601dz25.")
            elif (name, c.name) in factor_formats:
                formats.append(f"{var} ${factor_formats[name, c.name]}.")
            elif c.type in ("integer", "decimal", "boolean"):
                formats.append(f"{var} nacode.")
        if formats:
            lines.append("  format " + " ".join(formats) + ";")
        lines += [f"  label {short[c.name]} = {_quoted(c.label, chr(39))};" for c in columns]
        lines += ["  drop _r:;", "run;", ""]
    return "\n".join(lines)


def _sas_format_names(deidentify: bool) -> dict[tuple[str, str], str]:
    """(dataset, column) -> the name of its factor's character format: unique, short, and
    not ending in a digit (SAS's rules)."""
    names: dict[tuple[str, str], str] = {}
    for name, dataset in DATASETS.items():
        for column in export_columns(dataset, deidentify):
            if column.type == "factor" and column.allowed:
                names[name, column.name] = f"fmt{len(names) + 1}_"
            elif column.type == "text" and column.allowed:
                names[name, column.name] = f"fmt{len(names) + 1}_"
    return names


def _sas_convert(column: Column, raw: str) -> str:
    if column.type == "date":
        return f"input({raw}, yymmdd10.)"
    if column.type == "datetime":
        return f"input({raw}, e8601dz35.)"
    if column.type == "boolean":
        return f"ifn({raw} = 'true', 1, ifn({raw} = 'false', 0, .))"
    return f"input({raw}, best32.)"


# --- Stata -------------------------------------------------------------------------------


def stata_script(deidentify: bool = False) -> str:
    letters = {code: letter.lower() for code, letter in missing_letters().items()}
    lines = [
        "* dressdb analysis pack: Stata import (generated; do not edit).",
        "* Run from the folder of the unzipped pack: each dataset is saved as <name>.dta.",
        "* Missing codes are read as extended missing values:",
        *(f"*   .{letters[code]} = {code}: {meaning}" for code, meaning in MISSING_CODES.items()),
        "version 15",
        "set more off",
        "label define nacode "
        + " ".join(f".{letters[code]} {_stata_quoted(code)}" for code in MISSING_CODES),
        'label define truefalse 0 "false" 1 "true" '
        + " ".join(f".{letters[code]} {_stata_quoted(code)}" for code in MISSING_CODES),
        "",
    ]
    for name, dataset in DATASETS.items():
        columns = export_columns(dataset, deidentify)
        short = short_names(columns)
        lines += [
            f"* {dataset.title}",
            f'import delimited using "{name}.csv", varnames(nonames) rowrange(2)'
            ' stringcols(_all) bindquote(strict) encoding("utf-8") clear',
            *(f"rename v{i} {short[c.name]}" for i, c in enumerate(columns, start=1)),
        ]
        for i, c in enumerate(columns, start=1):
            var = short[c.name]
            if c.type == "text":
                lines.append(f"label variable {var} {_stata_quoted(c.label[:80])}")
                if c.allowed:  # a coded text column: Stata labels only numbers, so a note
                    values = "; ".join(f"{value} = {label}" for value, label in c.allowed)
                    lines.append(f"notes {var}: {_stata_quoted('Values: ' + values)}")
                continue
            tmp = "_n_"
            lines.append(f"generate double {tmp} = {_stata_convert(c, var)}")
            lines += [
                f'replace {tmp} = .{letters[code]} if {var} == "{code}"' for code in MISSING_CODES
            ]
            lines += [f"drop {var}", f"rename {tmp} {var}"]
            if c.type == "factor" and c.allowed:
                labels = " ".join(
                    f"{n} {_stata_quoted(f'{value}: {label}')}"
                    for n, value, label in _factor_codes(c)
                )
                missing = " ".join(
                    f".{letters[code]} {_stata_quoted(code)}" for code in MISSING_CODES
                )
                lines += [
                    f"label define l_{name[:12]}_{i} {labels} {missing}, replace",
                    f"label values {var} l_{name[:12]}_{i}",
                ]
            elif c.type == "date":
                lines.append(f"format {var} %td")
            elif c.type == "datetime":
                lines.append(f"format {var} %tc")
            elif c.type == "boolean":
                lines.append(f"label values {var} truefalse")
            else:
                lines.append(f"label values {var} nacode")
            lines.append(f"label variable {var} {_stata_quoted(c.label[:80])}")
        lines += [
            f"label data {_stata_quoted(dataset.title[:80])}",
            f'save "{name}.dta", replace',
            "",
        ]
    return "\n".join(lines)


def _stata_convert(column: Column, name: str) -> str:
    if column.type == "date":
        return f'date({name}, "YMD")'
    if column.type == "datetime":
        return f'clock(subinstr(substr({name}, 1, 19), "T", " ", 1), "YMDhms")'
    if column.type == "boolean":
        return f'cond({name} == "true", 1, cond({name} == "false", 0, .))'
    if column.type == "factor":
        parts = " ".join(
            f"cond({name} == {_stata_quoted(value)}, {n}," for n, value, _ in _factor_codes(column)
        )
        return f"{parts} .{')' * len(column.allowed)}" if column.allowed else "."
    return f"real({name})"


# --- SPSS --------------------------------------------------------------------------------


def spss_script(deidentify: bool = False) -> str:
    values = spss_missing_values()
    low, high = min(values.values()), max(values.values())
    lines = [
        "* dressdb analysis pack: SPSS import (generated; do not edit).",
        "* Run from the folder of the unzipped pack: in SPSS, first CD to it, for example",
        "*   CD '/path/to/pack'.",
        "* (PSPP: run `pspp import_dressdb.sps` in that folder). Each dataset is saved as",
        "* <name>.sav beside its CSV.",
        "* Missing codes are read as user-missing values:",
        *(f"*   {values[code]} = {code}: {meaning}." for code, meaning in MISSING_CODES.items()),
        "",
    ]
    for name, dataset in DATASETS.items():
        columns = export_columns(dataset, deidentify)
        raw = {c.name: f"r_{i}" for i, c in enumerate(columns, start=1)}
        lines += [
            f"* {dataset.title}.",
            "GET DATA /TYPE=TXT",
            f"  /FILE='{name}.csv'",
            "  /ENCODING='UTF8'",
            "  /ARRANGEMENT=DELIMITED",
            "  /DELCASE=LINE",
            "  /FIRSTCASE=2",
            '  /DELIMITERS=","',
            "  /QUALIFIER='\"'",
            "  /VARIABLES=",
        ]
        for c in columns:
            width = TEXT_LENGTH if c.type == "text" else RAW_LENGTH
            target = c.name if c.type == "text" else raw[c.name]
            lines.append(f"    {target} A{width}")
        lines[-1] += "."
        converted = [c for c in columns if c.type != "text"]
        for c in converted:
            lines.append(f"NUMERIC {c.name} ({_spss_format(c)}).")
            lines += _spss_convert(c, raw[c.name])
            for code in MISSING_CODES:
                lines.append(f"IF ({raw[c.name]} = '{code}') {c.name} = {values[code]}.")
        if converted:
            lines.append("EXECUTE.")
            lines.append(f"DELETE VARIABLES {' '.join(raw[c.name] for c in converted)}.")
            # The dictionary's column order again (converted columns were added last).
            lines.append(f"ADD FILES FILE=* /KEEP={' '.join(c.name for c in columns)}.")
            lines.append(
                f"MISSING VALUES {' '.join(c.name for c in converted)} ({low} THRU {high})."
            )
        lines.append("VARIABLE LABELS")
        lines += [f"  {c.name} {_quoted(c.label, chr(39))}" for c in columns]
        lines[-1] += "."
        for c in columns:
            if c.type == "text" and c.allowed:  # a coded text column: labels on the strings
                lines.append(f"VALUE LABELS {c.name}")
                lines += [
                    f"  {_quoted(value, chr(39))} {_quoted(label, chr(39))}"
                    for value, label in c.allowed
                ]
                lines[-1] += "."
        for c in converted:
            pairs = [
                *(
                    f"  {n} {_quoted(f'{value}: {label}', chr(39))}"
                    for n, value, label in _factor_codes(c)
                ),
                *(f"  {values[code]} {_quoted(code, chr(39))}" for code in MISSING_CODES),
            ]
            lines += [f"VALUE LABELS {c.name}", *pairs]
            lines[-1] += "."
        lines += [f"SAVE OUTFILE='{name}.sav'.", ""]
    return "\n".join(lines)


def _spss_format(column: Column) -> str:
    if column.type == "date":
        return "SDATE10"
    if column.type == "datetime":
        return "DATETIME20"
    if column.type == "decimal":
        return f"F16.{column.decimals or 0}"
    return "F12.0"


def _spss_part(raw: str, start: int, length: int) -> str:
    return f"NUMBER(SUBSTR({raw}, {start}, {length}), F{length}.0)"


def _spss_convert(column: Column, raw: str) -> list[str]:
    """Commands that set the numeric column from its text (system-missing when blank or
    a missing code; the missing codes are set after)."""
    name = column.name
    if column.type == "boolean":
        return [f"IF ({raw} = 'true') {name} = 1.", f"IF ({raw} = 'false') {name} = 0."]
    if column.type == "factor":
        return [
            f"IF ({raw} = {_quoted(value, chr(39))}) {name} = {n}."
            for n, value, _ in _factor_codes(column)
        ]
    if column.type in ("date", "datetime"):
        value = (
            f"DATE.MDY({_spss_part(raw, 6, 2)}, {_spss_part(raw, 9, 2)}, {_spss_part(raw, 1, 4)})"
        )
        if column.type == "datetime":
            value += (
                f" + TIME.HMS({_spss_part(raw, 12, 2)}, {_spss_part(raw, 15, 2)}, "
                f"{_spss_part(raw, 18, 2)})"
            )
    else:
        value = f"NUMBER({raw}, F40.0)"  # F40.0: no implied decimals
    return [f"IF ({raw} <> '' AND SUBSTR({raw}, 1, 3) <> 'NA_') {name} = {value}."]


# tool -> (file name, builder): the export page, its downloads and the analysis pack.
SYNTAX_FILES = {
    "sas": ("import_dressdb.sas", sas_script),
    "stata": ("import_dressdb.do", stata_script),
    "spss": ("import_dressdb.sps", spss_script),
}
