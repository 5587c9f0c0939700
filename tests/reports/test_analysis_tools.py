"""Exports for every analysis tool (issue 20): SAS, Stata and SPSS syntax files, and CDISC
ODM 1.3.2 XML, each checked complete against the data dictionary.

The SPSS syntax is run for real through GNU PSPP on a synthetic trial's CSVs, and the
datasets it saves are read back and compared cell by cell with the CSVs. PSPP is
installed by CI (.ci/run); locally the PSPP test is skipped when `pspp` is missing,
unless DRESSDB_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET  # parses only what dressdb itself wrote
from pathlib import Path

import pytest

from demo.synthetic import seed_trial
from dressdb.models import SecurityEvent
from reports.csvstream import MISSING_CODES
from reports.exports import DATASETS, csv_lines, export_columns
from reports.odm import ODM_NS, SUBJECT_COLUMN, odm_datasets, odm_lines
from reports.stat_syntax import SYNTAX_FILES, short_names, spss_missing_values
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

NS = {"odm": ODM_NS}
TOOLS = sorted(SYNTAX_FILES)


@pytest.fixture
def trial(site_a, site_b, trial_admin):
    seed_trial(sites=[site_a, site_b], participants=10, user=trial_admin)
    return [site_a.pk, site_b.pk]


def _csv(name: str, site_ids: list[int], deidentify: bool = False) -> list[list[str]]:
    text = "".join(csv_lines(DATASETS[name], site_ids, None, None, deidentify=deidentify))
    return list(csv.reader(io.StringIO(text)))


def _flat(text: str) -> str:
    return " ".join(text.split())


# --- Syntax files: complete against the dictionary ---------------------------------------


@pytest.mark.parametrize("deidentify", [False, True])
@pytest.mark.parametrize("tool", TOOLS)
def test_each_syntax_file_reads_every_dataset_column_label_value_and_missing_code(tool, deidentify):
    script = SYNTAX_FILES[tool][1](deidentify)
    for name, dataset in DATASETS.items():
        assert f"{name}.csv" in script, (tool, name)
        columns = export_columns(dataset, deidentify)
        short = short_names(columns)
        for column in columns:
            var = column.name if tool == "spss" else short[column.name]
            assert re.search(rf"\b{re.escape(var)}\b", script), (tool, column.name)
            label = _flat(column.label)[:60]
            assert (label if tool == "stata" else label.replace("'", "''")) in script, (
                tool,
                column.name,
            )
            for value, text in column.allowed:
                assert value in script and _flat(text)[:40] in script, (tool, column.name, value)
    for code in MISSING_CODES:
        assert code in script, (tool, code)
    if deidentify:  # no variable is declared for a column the de-identified CSVs drop
        declared = {
            "sas": r"^  label (\w+) = ",
            "stata": r"^label variable (\w+) ",
            "spss": r"^  (\w+) '",
        }[tool]
        variables = set(re.findall(declared, script, flags=re.M))
        dropped = {c.name for d in DATASETS.values() for c in d.columns} - {
            c.name for d in DATASETS.values() for c in export_columns(d, True)
        }
        assert variables and not variables & dropped, (tool, variables & dropped)


def test_names_fit_sas_and_stata():
    for name, dataset in DATASETS.items():
        short = short_names(export_columns(dataset, False))
        assert len(set(short.values())) == len(short), name
        for n in short.values():
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", n), (name, n)
    stata = SYNTAX_FILES["stata"][1](False)
    assert "rename v1 study_id" in stata
    sas = SYNTAX_FILES["sas"][1](False)
    formats = re.findall(r"^  value \$(\S+)$", sas, flags=re.M)
    assert formats and len(set(formats)) == len(formats)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,29}[A-Za-z_]", f) for f in formats)
    labels = re.findall(r"^label define (\S+) ", stata, flags=re.M)
    assert labels and all(len(n) <= 32 for n in labels)


def test_short_names_cut_and_number_colliding_names():
    from reports.csvstream import Column

    columns = [
        Column(name="a" * 40, label="x", type="text"),
        Column(name="a" * 41, label="y", type="text"),
    ]
    short = short_names(columns)
    assert short["a" * 40] == "a" * 32 and short["a" * 41] == "a" * 30 + "_2"


@pytest.mark.skipif(
    shutil.which("pspp") is None and os.environ.get("DRESSDB_REQUIRE_SERVICES") != "1",
    reason="GNU PSPP is not installed (CI installs it)",
)
def test_the_spss_syntax_runs_in_pspp_and_reads_every_cell_back(trial, tmp_path: Path):
    for name in DATASETS:
        (tmp_path / f"{name}.csv").write_text(
            "".join(csv_lines(DATASETS[name], trial, None, None, deidentify=False)),
            encoding="utf-8",
        )
    (tmp_path / "import.sps").write_text(SYNTAX_FILES["spss"][1](False), encoding="utf-8")
    run = subprocess.run(
        ["pspp", "import.sps"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "error" not in output.lower(), output[-3000:]
    back = "".join(
        f"GET FILE='{n}.sav'.\nSAVE TRANSLATE /OUTFILE='{n}.back.csv' /TYPE=CSV /FIELDNAMES"
        " /CELLS=VALUES /REPLACE.\n"
        for n in DATASETS
    )
    (tmp_path / "back.sps").write_text(back, encoding="utf-8")
    run = subprocess.run(["pspp", "back.sps"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    missing = spss_missing_values()
    compared = 0
    for name, dataset in DATASETS.items():
        original = list(csv.DictReader(io.StringIO((tmp_path / f"{name}.csv").read_text())))
        read = list(csv.DictReader(io.StringIO((tmp_path / f"{name}.back.csv").read_text())))
        assert len(read) == len(original), name
        columns = export_columns(dataset, False)
        assert list(read[0].keys()) == [c.name for c in columns] if read else True, name
        for before, after in zip(original, read, strict=True):
            for c in columns:
                cell, value = before[c.name], after[c.name].strip()
                if c.type == "text":
                    if "\n" not in cell and "\r" not in cell:
                        assert value == cell.strip(), (name, c.name)
                    continue
                compared += 1
                if cell in MISSING_CODES:
                    if c.type in ("date", "datetime"):
                        continue  # a date format cannot show -90x; its value is checked below
                    assert float(value) == missing[cell], (name, c.name, cell, value)
                elif cell == "":
                    assert value == "", (name, c.name)
                elif c.type in ("integer", "decimal"):
                    assert float(value) == float(cell), (name, c.name, cell, value)
                elif c.type == "boolean":
                    assert value == {"true": "1", "false": "0"}[cell], (name, c.name)
                elif c.type == "factor":
                    codes = [v for v, _ in c.allowed]
                    assert int(float(value)) == codes.index(cell) + 1, (name, c.name, cell)
                elif c.type == "date":
                    month, day, year = value.split("/")
                    assert dt.date(int(year), int(month), int(day)) == dt.date.fromisoformat(
                        cell
                    ), (name, c.name)
                elif c.type == "datetime":
                    want = dt.datetime.fromisoformat(cell.replace("Z", "+00:00")).replace(
                        tzinfo=None, microsecond=0
                    )
                    got = dt.datetime.strptime(value + " +0000", "%m/%d/%Y %H:%M:%S %z")
                    assert got.replace(tzinfo=None) == want, (name, c.name)
    assert compared > 1000


# --- CDISC ODM 1.3.2 -----------------------------------------------------------------------


def _odm(site_ids, **kwargs) -> ET.Element:
    return ET.fromstring("".join(odm_lines(site_ids, **kwargs)).encode("utf-8"))


def test_odm_is_well_formed_and_every_reference_resolves(trial):
    root = _odm(trial, include_audit=True)
    assert root.tag == f"{{{ODM_NS}}}ODM" and root.get("ODMVersion") == "1.3.2"
    defined = {
        kind: {e.get("OID") for e in root.iterfind(f".//odm:{kind}", NS)}
        for kind in ("StudyEventDef", "FormDef", "ItemGroupDef", "ItemDef", "CodeList")
    }
    refs = {
        "StudyEventRef": ("StudyEventOID", "StudyEventDef"),
        "FormRef": ("FormOID", "FormDef"),
        "ItemGroupRef": ("ItemGroupOID", "ItemGroupDef"),
        "ItemRef": ("ItemOID", "ItemDef"),
        "CodeListRef": ("CodeListOID", "CodeList"),
        "StudyEventData": ("StudyEventOID", "StudyEventDef"),
        "FormData": ("FormOID", "FormDef"),
        "ItemGroupData": ("ItemGroupOID", "ItemGroupDef"),
        "ItemData": ("ItemOID", "ItemDef"),
    }
    checked = 0
    for element, (attribute, kind) in refs.items():
        for e in root.iterfind(f".//odm:{element}", NS):
            assert e.get(attribute) in defined[kind], (element, e.get(attribute))
            checked += 1
    assert checked > 1000
    # Every ItemDef is referenced by an item group; every code list by an item.
    referenced = {e.get("ItemOID") for e in root.iterfind(".//odm:ItemRef", NS)}
    assert referenced == defined["ItemDef"]
    lists = {e.get("CodeListOID") for e in root.iterfind(".//odm:CodeListRef", NS)}
    assert lists == defined["CodeList"]


def test_odm_metadata_is_complete_against_the_dictionary(trial):
    root = _odm(trial, include_audit=True)
    items = {e.get("OID"): e for e in root.iterfind(".//odm:ItemDef", NS)}
    names = {d.name for d in odm_datasets(include_audit=True)}
    assert names == {
        n for n, d in DATASETS.items() if any(c.name == SUBJECT_COLUMN for c in d.columns)
    }
    for dataset in odm_datasets(include_audit=True):
        for column in export_columns(dataset, False):
            oid = f"IT.{dataset.name.upper()}.{column.name.upper()}"
            item = items[oid]
            assert item.get("Name") == column.name
            text = item.find("odm:Description/odm:TranslatedText", NS)
            assert text is not None and text.text == column.label
            if column.type == "factor" and column.allowed:
                codelist = root.find(
                    f".//odm:CodeList[@OID='CL.{dataset.name.upper()}.{column.name.upper()}']", NS
                )
                assert codelist is not None
                coded = [e.get("CodedValue") for e in codelist.iterfind("odm:CodeListItem", NS)]
                assert coded == [v for v, _ in column.allowed] + list(MISSING_CODES)


def test_odm_data_match_the_csv_cells(trial):
    root = _odm(trial, include_audit=False)
    for dataset in odm_datasets():
        rows = _csv(dataset.name, trial)
        header, body = rows[0], rows[1:]
        subject = header.index(SUBJECT_COLUMN)
        expected = sorted(
            (r[subject], header[i], cell)
            for r in body
            if r[subject] not in MISSING_CODES
            for i, cell in enumerate(r)
            if cell != ""
        )
        found = []
        for data in root.iterfind("odm:ClinicalData/odm:SubjectData", NS):
            key = data.get("SubjectKey")
            for group in data.iterfind(
                f".//odm:ItemGroupData[@ItemGroupOID='IG.{dataset.name.upper()}']", NS
            ):
                for item in group.iterfind("odm:ItemData", NS):
                    column = item.get("ItemOID").split(".", 2)[2].lower()  # type: ignore[union-attr]
                    if item.get("IsNull") == "Yes":
                        value = item.find("odm:Annotation/odm:Comment", NS).text  # type: ignore[union-attr]
                        assert value in MISSING_CODES
                    else:
                        value = item.get("Value")
                    found.append((key, column, value))
        assert sorted(found) == expected, dataset.name


def test_odm_holds_only_the_chosen_sites(trial, site_a):
    root = _odm([site_a.pk])
    keys = {e.get("SubjectKey") for e in root.iterfind(".//odm:SubjectData", NS)}
    assert keys and all(k.startswith(site_a.code) for k in keys)  # type: ignore[union-attr]


def test_odm_typed_values_parse_as_their_odm_type(trial):
    root = _odm(trial)
    types = {e.get("OID"): e.get("DataType") for e in root.iterfind(".//odm:ItemDef", NS)}
    parse = {
        "integer": int,
        "float": float,
        "date": dt.date.fromisoformat,
        "datetime": lambda v: dt.datetime.fromisoformat(v.replace("Z", "+00:00")),
        "boolean": lambda v: {"true": True, "false": False}[v],
        "text": str,
    }
    for item in root.iterfind(".//odm:ItemData[@Value]", NS):
        parse[types[item.get("ItemOID")]](item.get("Value"))  # type: ignore[index, operator]


@pytest.mark.parametrize(
    "text", ["bad\x01char", '<&>"quoted"\'', "\x0b\x0c", "line\nbreak\ttab", "\ud800"]
)
def test_odm_text_stays_valid_xml_whatever_it_holds(text):
    from reports.odm import _attr, _text

    element = ET.fromstring(f"<a b={_attr(text)}>{_text(text)}</a>".encode("utf-8", "replace"))
    assert element.text is not None and element.get("b") is not None


# --- Pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("tool", TOOLS)
def test_statistician_downloads_each_syntax_file(statistician, tool):
    response = client_for(statistician).get(f"/reports/exports/syntax/{tool}/")
    assert response.status_code == 200
    assert SYNTAX_FILES[tool][0] in response["Content-Disposition"]
    assert "participants.csv" in response.content.decode()


def test_unknown_syntax_tool_is_404(statistician):
    assert client_for(statistician).get("/reports/exports/syntax/excel/").status_code == 404


def test_odm_download_streams_xml_and_is_logged(trial, statistician):
    response = client_for(statistician).get("/reports/exports/dressdb-odm.xml?audit=on")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert root.find(".//odm:FormDef[@OID='F.AUDIT']", NS) is not None
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).latest("at")
    assert event.detail["dataset"] == "odm" and event.detail["filters"]["audit"] is True


def test_odm_through_the_api(trial, statistician, coordinator_a, site_a):
    from rest_framework.test import APIClient

    from tests.api_tokens import api_key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(statistician)}")
    response = client.get(f"/api/v1/exports/odm.xml?site={site_a.code}&deidentify=true")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    keys = {e.get("SubjectKey") for e in root.iterfind(".//odm:SubjectData", NS)}
    assert keys and all(k.startswith(site_a.code) for k in keys)  # type: ignore[union-attr]
    bad = client.get("/api/v1/exports/odm.xml?start=tomorrow")
    assert bad.status_code == 400 and "start" in bad.json()
    unknown = client.get("/api/v1/exports/odm.xml?site=NOPE")
    assert unknown.status_code == 400 and "site" in unknown.json()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {api_key(coordinator_a)}")
    refused = other.get("/api/v1/exports/odm.xml")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/json"


def test_odm_bad_option_is_a_field_error(statistician):
    response = client_for(statistician).get("/reports/exports/dressdb-odm.xml?start=notadate")
    assert response.status_code == 400
    assert b"start" in response.content.lower() or b"date" in response.content.lower()


@pytest.mark.parametrize("persona", ["coordinator_a", "investigator_a", "pharmacist_a"])
def test_other_roles_cannot_download_odm_or_syntax(request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/reports/exports/dressdb-odm.xml").status_code == 403
    assert client.get("/reports/exports/syntax/sas/").status_code == 403


def test_the_analysis_pack_holds_the_syntax_files(trial, statistician, tmp_path, settings):
    import zipfile

    from reports.models import ExportJob
    from reports.packs import build_pack_file

    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    job = ExportJob.objects.create(
        user=statistician,
        options={"site_ids": trial, "start": None, "end": None, "deidentify": False, "bom": False},
    )
    build_pack_file(job)
    job.refresh_from_db()
    with zipfile.ZipFile(tmp_path / job.file_name) as pack:
        names = set(pack.namelist())
        for filename, build in SYNTAX_FILES.values():
            assert filename in names
            assert pack.read(filename).decode() == build(False)
