"""CDISC ODM 1.3.2 XML of the clinical data with its metadata (issue 20).

Built from the same dataset declarations as the CSVs (reports.datasets), and from the
same formatted cells (reports.csvstream.csv_lines), so the ODM file and the CSVs cannot
disagree:
- metadata: one study event (the trial), a form and a repeating item group per dataset
  that has a participant (`study_id`), an item per column with its label, ODM data type
  and, for factors, a code list (the dictionary's values and labels, and the missing
  codes); the missing codes' meanings are in the study description;
- clinical data: per dataset, one SubjectData per participant holding a row per
  ItemGroupData (ItemGroupRepeatKey 1..n). A typed item (number, date, boolean) whose
  cell is a missing code is `IsNull="Yes"` with the code as its annotation; text and
  factor items keep the code as their value.
The audit dataset is included only when asked (`include_audit`): it is the field-level
audit trail, one row per changed field, under its own form.

A dataset's rows are read once and grouped by participant in memory, one dataset at a
time (ODM wants a participant's rows together).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from reports.exports import DATASETS, MISSING_CODES, Column, Dataset, csv_lines, export_columns

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
STUDY_OID = "NCT04988256"
STUDY_NAME = "Cyclosporine vs corticosteroids in DRESS"
MDV_OID = "MDV.1"
EVENT_OID = "SE.TRIAL"
SUBJECT_COLUMN = "study_id"
ODM_TYPES = {
    "text": "text",
    "factor": "text",
    "integer": "integer",
    "decimal": "float",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
}
# XML 1.0 forbids most control characters and lone surrogates: each becomes U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def odm_datasets(include_audit: bool = False) -> list[Dataset]:
    """The datasets in the ODM file: those with a participant column."""
    return [
        d
        for name, d in DATASETS.items()
        if any(c.name == SUBJECT_COLUMN for c in d.columns) and (include_audit or name != "audit")
    ]


def form_oid(dataset: Dataset) -> str:
    return f"F.{dataset.name.upper()}"


def group_oid(dataset: Dataset) -> str:
    return f"IG.{dataset.name.upper()}"


def item_oid(dataset: Dataset, column: Column) -> str:
    return f"IT.{dataset.name.upper()}.{column.name.upper()}"


def codelist_oid(dataset: Dataset, column: Column) -> str:
    return f"CL.{dataset.name.upper()}.{column.name.upper()}"


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", value))


def _translated(text: str) -> str:
    return f'<TranslatedText xml:lang="en">{_text(text)}</TranslatedText>'


def metadata(datasets: Iterable[Dataset], deidentify: bool) -> Iterator[str]:
    datasets = list(datasets)
    missing = "; ".join(f"{code} = {meaning}" for code, meaning in MISSING_CODES.items())
    yield "<GlobalVariables>"
    yield f"<StudyName>{_text(STUDY_NAME)}</StudyName>"
    yield (
        f"<StudyDescription>{_text('dressdb export. Missing codes: ' + missing)}</StudyDescription>"
    )
    yield f"<ProtocolName>{STUDY_OID}</ProtocolName>"
    yield "</GlobalVariables>"
    yield f'<MetaDataVersion OID="{MDV_OID}" Name="dressdb data dictionary">'
    yield f'<Protocol><StudyEventRef StudyEventOID="{EVENT_OID}" OrderNumber="1" Mandatory="Yes"/>'
    yield "</Protocol>"
    yield f'<StudyEventDef OID="{EVENT_OID}" Name="Trial" Repeating="No" Type="Common">'
    for n, d in enumerate(datasets, start=1):
        yield f'<FormRef FormOID="{form_oid(d)}" OrderNumber="{n}" Mandatory="No"/>'
    yield "</StudyEventDef>"
    for d in datasets:
        yield f'<FormDef OID="{form_oid(d)}" Name={_attr(d.title)} Repeating="No">'
        yield f'<ItemGroupRef ItemGroupOID="{group_oid(d)}" Mandatory="No"/>'
        yield "</FormDef>"
    for d in datasets:
        yield (
            f'<ItemGroupDef OID="{group_oid(d)}" Name={_attr(d.name)} Repeating="Yes"'
            f" SASDatasetName={_attr(d.name[:8].upper())}>"
        )
        for n, c in enumerate(export_columns(d, deidentify), start=1):
            key = ' KeySequence="1"' if c.name == SUBJECT_COLUMN else ""
            yield (f'<ItemRef ItemOID="{item_oid(d, c)}" OrderNumber="{n}" Mandatory="No"{key}/>')
        yield "</ItemGroupDef>"
    for d in datasets:
        for c in export_columns(d, deidentify):
            kind = ODM_TYPES[c.type]
            yield f'<ItemDef OID="{item_oid(d, c)}" Name={_attr(c.name)} DataType="{kind}">'
            yield f"<Description>{_translated(c.label)}</Description>"
            if c.unit:
                yield f"<Question>{_translated(f'{c.label} ({c.unit})')}</Question>"
            if c.type == "factor" and c.allowed:
                yield f'<CodeListRef CodeListOID="{codelist_oid(d, c)}"/>'
            yield "</ItemDef>"
    for d in datasets:
        for c in export_columns(d, deidentify):
            if c.type != "factor" or not c.allowed:
                continue
            yield f'<CodeList OID="{codelist_oid(d, c)}" Name={_attr(c.name)} DataType="text">'
            for value, label in [*c.allowed, *MISSING_CODES.items()]:
                yield (
                    f"<CodeListItem CodedValue={_attr(value)}><Decode>{_translated(label)}"
                    "</Decode></CodeListItem>"
                )
            yield "</CodeList>"
    yield "</MetaDataVersion>"


def _rows(
    dataset: Dataset,
    site_ids: list[int],
    start: dt.date | None,
    end: dt.date | None,
    deidentify: bool,
    counter: list[int],
) -> Iterator[list[str]]:
    """The dataset's cells exactly as its CSV writes them, header skipped."""
    lines = csv_lines(dataset, site_ids, start, end, deidentify=deidentify, counter=counter)
    reader = csv.reader(lines)
    next(reader, None)
    yield from reader


def _item(dataset: Dataset, column: Column, cell: str) -> str:
    oid = item_oid(dataset, column)
    if cell == "":
        return ""
    if cell in MISSING_CODES and column.type not in ("text", "factor"):
        return (
            f'<ItemData ItemOID="{oid}" IsNull="Yes"><Annotation SeqNum="1">'
            f"<Comment>{_text(cell)}</Comment></Annotation></ItemData>"
        )
    return f'<ItemData ItemOID="{oid}" Value={_attr(cell)}/>'


def clinical_data(
    datasets: Iterable[Dataset],
    site_ids: list[int],
    start: dt.date | None,
    end: dt.date | None,
    deidentify: bool,
    rows: dict[str, int],
) -> Iterator[str]:
    for d in datasets:
        columns = export_columns(d, deidentify)
        subject = [c.name for c in columns].index(SUBJECT_COLUMN)
        by_subject: dict[str, list[list[str]]] = defaultdict(list)
        counter: list[int] = []
        for cells in _rows(d, site_ids, start, end, deidentify, counter):
            key = cells[subject]
            if key and key not in MISSING_CODES:  # an unassigned allocation slot: no one
                by_subject[key].append(cells)
        rows[d.name] = counter[0] if counter else 0
        if not by_subject:
            continue
        yield f'<ClinicalData StudyOID="{STUDY_OID}" MetaDataVersionOID="{MDV_OID}">'
        for key in sorted(by_subject):
            yield f"<SubjectData SubjectKey={_attr(key)}>"
            yield f'<StudyEventData StudyEventOID="{EVENT_OID}">'
            yield f'<FormData FormOID="{form_oid(d)}">'
            for n, cells in enumerate(by_subject[key], start=1):
                yield f'<ItemGroupData ItemGroupOID="{group_oid(d)}" ItemGroupRepeatKey="{n}">'
                yield "".join(_item(d, c, cell) for c, cell in zip(columns, cells, strict=True))
                yield "</ItemGroupData>"
            yield "</FormData></StudyEventData></SubjectData>"
        yield "</ClinicalData>"


def odm_lines(
    site_ids: list[int],
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    deidentify: bool = False,
    include_audit: bool = False,
    rows: dict[str, int] | None = None,
    now: dt.datetime | None = None,
) -> Iterator[str]:
    """The whole ODM document, in pieces (stream them)."""
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    stamp = created.isoformat(timespec="seconds").replace("+00:00", "Z")
    datasets = odm_datasets(include_audit)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        f'<ODM xmlns="{ODM_NS}" ODMVersion="1.3.2" FileType="Snapshot" Granularity="All"'
        f' FileOID="dressdb.{created:%Y%m%dT%H%M%SZ}" CreationDateTime="{stamp}"'
        f' AsOfDateTime="{stamp}" SourceSystem="dressdb">\n'
    )
    yield f'<Study OID="{STUDY_OID}">'
    yield from metadata(datasets, deidentify)
    yield "</Study>\n"
    yield from clinical_data(
        datasets, site_ids, start, end, deidentify, rows if rows is not None else {}
    )
    yield "</ODM>\n"
