"""The CSV datasets for analysis, each one a declaration.

A declaration gives the columns (each with its data dictionary entry and the field it
is read from), the query (model, site lookup, period lookup, order) and the missing
codes of its computed columns. Everything else (scope, filters, formatting,
neutralisation, de-identification, streaming, the COPY path, the dictionary and the R
loader) is the shared path in `reports/csvstream.py` and `reports/copy_export.py`.

Conventions:
- ISO 8601 dates (YYYY-MM-DD) and UTC datetimes;
- explicit missing codes, never an empty cell for something that should be there:
  NA_MISSED (visit missed), NA_NOT_DUE (not yet due), NA_NOT_EXPECTED (after death),
  NA_NOT_ENTERED (due or overdue, no data yet), NA_NOT_DONE (answered "not done");
  an empty cell means "not applicable" (e.g. no re-admission date when not re-admitted);
- de-identified: identifiers and free text dropped, dates become study days
  (`<name>_studyday`, day 1 = first dose);
- text cells starting with = + - @ tab CR LF are prefixed with ' (OWASP CSV injection),
  and so is such a start (or a quote) after a CR, LF or comma inside a cell; a cell
  holding CR or LF is quoted; numeric columns are written as numbers.

To add a dataset: declare its columns and its `Query`, add it to `DATASETS`; the page,
the API, the pack, the dictionary, the R loader and (when every column is a plain field)
the COPY path follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from outcomes.models import ENDPOINTS_BY_VISIT, VIRUSES
from reports.csvstream import CHUNK, Column, Convert, Dataset, Query, Row, Scope

VISIT_NAMES = ("day7", "day30", "day60", "day90")


def yes_no() -> tuple[tuple[str, str], ...]:
    return (("yes", "Yes"), ("no", "No"))


ARM = (("cyclosporine", "Cyclosporine"), ("steroids", "Corticosteroids"))
SEX = (("female", "Female"), ("male", "Male"))
STATUS = tuple(
    (s, s.replace("_", " "))
    for s in (
        "upcoming",
        "open",
        "overdue",
        "completed",
        "completed_out_of_window",
        "missed",
        "not_expected",
    )
)
VISIT_LEVELS = tuple((v, v) for v in VISIT_NAMES)
IMPROVEMENT = (
    ("complete", "Complete/near-complete"),
    ("gt25", "> 25% in every organ"),
    ("le25", "0-25% in at least one organ"),
    ("none", "None or worse"),
)
TREND = (("down", "Down"), ("flat", "Flat"), ("up", "Up"))

# Columns of a participant's record, read from a row that has a `participant`.
STUDY_ID = Column("study_id", "Study ID", "text", source="enrolment", field="participant__study_id")
SITE = Column("site", "Site code", "text", source="enrolment", field="participant__site__code")
ITT_ARM = Column(
    "arm",
    "Randomized arm (ITT)",
    "factor",
    allowed=ARM,
    source="randomization",
    field="participant__allocation__arm",
)
PARTICIPANT_KEYS = [STUDY_ID, SITE, ITT_ARM]


def _visit_status(visit: Mapping[str, Any], today: dt.date, death: dt.date | None) -> str:
    from outcomes import schedule

    planned = schedule.ScheduledVisit(
        visit["name"],
        visit["study_day"],
        visit["target_date"],
        visit["window_opens"],
        visit["window_closes"],
    )
    return str(
        schedule.visit_status(
            planned,
            today=today,
            completed_on=visit["completed_on"],
            missed=visit["missed"],
            death_date=death,
        )
    )


def missing_code(status: str) -> str | None:
    """The missing code of a visit's empty cells, from the visit's status."""
    return {
        "missed": "NA_MISSED",
        "upcoming": "NA_NOT_DUE",
        "not_expected": "NA_NOT_EXPECTED",
        "open": "NA_NOT_ENTERED",
        "overdue": "NA_NOT_ENTERED",
    }.get(status)


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- participants: wide, one row per randomized participant ---------------------------


def _endpoint(name: str, label: str, type: str, **kw: Any) -> Column:
    return Column(name, label, type, source="visit form", **kw)


_PCR = (("negative", "Negative"), ("positive", "Positive"), ("not_done", "Not done"))
ENDPOINT_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in [
        _endpoint(
            "organ_resolution",
            "Complete or near-complete resolution of organ involvement",
            "factor",
            allowed=yes_no(),
        ),
        _endpoint("erythema_resolution", "Erythema resolution", "factor", allowed=yes_no()),
        _endpoint("fever", "Fever present", "factor", allowed=yes_no()),
        _endpoint("facial_oedema_resolved", "Facial oedema resolved", "factor", allowed=yes_no()),
        _endpoint("pruritus_resolved", "Pruritus resolved", "factor", allowed=yes_no()),
        _endpoint("lymphadenopathy", "Lymphadenopathy present", "factor", allowed=yes_no()),
        _endpoint("eosinophil_count", "Eosinophil count", "decimal", unit="10^9/L"),
        _endpoint(
            "vital_status", "Vital status", "factor", allowed=(("alive", "Alive"), ("dead", "Dead"))
        ),
        *(_endpoint(f"{v}_pcr", f"{v.upper()} PCR", "factor", allowed=_PCR) for v in VIRUSES),
        *(
            _endpoint(f"{v}_load", f"{v.upper()} viral load", "integer", unit="copies/mL")
            for v in VIRUSES
        ),
        _endpoint(
            "autoimmune_disease",
            "Autoimmune disease since randomization",
            "factor",
            allowed=yes_no(),
        ),
        _endpoint(
            "autoimmune_type",
            "Autoimmune disease type",
            "factor",
            allowed=(
                ("thyroiditis", "Thyroiditis"),
                ("type1_diabetes", "Type 1 diabetes"),
                ("other", "Other"),
            ),
        ),
        _endpoint("autoimmune_other", "Other autoimmune disease (text)", "text", identifying=True),
    ]
}

PARTICIPANT_BASE = [
    replace(STUDY_ID, field=""),
    replace(SITE, field=""),
    replace(ITT_ARM, field=""),
    Column("stratum", "Randomization stratum", "text", source="randomization"),
    Column("randomized_at", "Randomized at (UTC)", "datetime", source="randomization"),
    Column("day1", "Study day 1 (first dose)", "date", source="randomization"),
    Column("age", "Age", "integer", unit="years", source="screening"),
    Column("sex", "Sex", "factor", allowed=SEX, source="screening"),
    Column("weight_kg", "Baseline weight", "decimal", unit="kg", source="enrolment"),
    Column("egfr", "eGFR (CKD-EPI 2021)", "decimal", unit="mL/min/1.73m2", source="screening"),
    Column(
        "renal_impairment", "Renal impairment (as used for dosing)", "boolean", source="enrolment"
    ),
    Column("regiscar_score", "RegiSCAR score", "integer", source="screening"),
    Column(
        "status",
        "Participant status",
        "factor",
        allowed=(("enrolled", "Enrolled"), ("withdrawn", "Withdrawn")),
        source="enrolment",
    ),
    Column("withdrawn_on", "Withdrawal date", "date", source="withdrawal form"),
    Column(
        "switched_day", "Study day of the arm switch", "integer", unit="study day", source="dosing"
    ),
    Column("off_protocol", "Off protocol", "boolean", source="dosing"),
    Column("admission_date", "Hospital admission", "date", source="hospital course"),
    Column("discharge_date", "Hospital discharge", "date", source="hospital course"),
    Column(
        "hospital_days", "Days of hospitalization", "integer", unit="days", source="hospital course"
    ),
    Column(
        "readmitted_30d",
        "Re-admitted within 30 days of discharge",
        "factor",
        allowed=yes_no(),
        source="hospital course",
    ),
    Column("readmission_date", "Re-admission date", "date", source="hospital course"),
    Column("death_date", "Date of death", "date", source="hospital course"),
    Column(
        "death_cause", "Cause of death (text)", "text", source="hospital course", identifying=True
    ),
]


def participant_columns() -> list[Column]:
    """The base columns, then per visit: status, date, and each endpoint it collects."""
    columns = list(PARTICIPANT_BASE)
    for visit in VISIT_NAMES:
        columns.append(
            Column(
                f"{visit}_status",
                f"Status of the {visit} visit",
                "factor",
                allowed=STATUS,
                visit=visit,
                source="visit schedule",
            )
        )
        columns.append(
            Column(
                f"{visit}_date",
                f"Date of the {visit} visit",
                "date",
                visit=visit,
                source="visit form",
            )
        )
        for name in ENDPOINTS_BY_VISIT[visit]:
            base = ENDPOINT_COLUMNS[name]
            columns.append(
                replace(base, name=f"{visit}_{name}", label=f"{base.label} ({visit})", visit=visit)
            )
    return columns


PARTICIPANTS_QUERY = Query(
    "randomization.Allocation",
    site="participant__site_id",
    period="randomized_at__date",
    order_by=("participant__site__code", "participant__site_sequence"),
)


def participants_build(dataset: Dataset, scope: Scope) -> Iterator[Row]:
    """Wide: one row per randomized participant. Queries per chunk of 2000: 4."""
    from outcomes.models import HospitalCourse, Visit
    from randomization.models import Allocation

    ids = list(scope.queryset(PARTICIPANTS_QUERY).values_list("participant_id", flat=True))
    today = dt.date.today()  # noqa: DTZ011  (UTC server date; statuses for analysis)
    for chunk in _chunks(ids):
        allocations = {
            a["participant_id"]: a
            for a in Allocation.objects.filter(participant_id__in=chunk).values(
                "participant_id",
                "arm",
                "stratum_key",
                "randomized_at",
                "participant__study_id",
                "participant__site__code",
                "participant__age",
                "participant__sex",
                "participant__weight_kg",
                "participant__egfr",
                "participant__renal_impairment_computed",
                "participant__renal_impairment_override",
                "participant__status",
                "participant__withdrawn_on",
                "participant__study_day_1",
                "participant__screening__regiscar_score",
                "participant__regimen__switched_on_day",
                "participant__regimen__state",
            )
        }
        courses: dict[int, dict[str, Any]] = {
            course["participant_id"]: dict(course)
            for course in HospitalCourse.objects.filter(participant_id__in=chunk).values()
        }
        visits: dict[int, dict[str, dict[str, Any]]] = {}
        for visit_row in Visit.objects.filter(participant_id__in=chunk).values():
            visits.setdefault(visit_row["participant_id"], {})[visit_row["name"]] = dict(visit_row)
        for pid in chunk:
            a = allocations[pid]
            c: dict[str, Any] = courses.get(pid, {})
            override = a["participant__renal_impairment_override"]
            admission, discharge = c.get("admission_date"), c.get("discharge_date")
            row: Row = {
                "_day1": a["participant__study_day_1"],
                "study_id": a["participant__study_id"],
                "site": a["participant__site__code"],
                "arm": a["arm"],
                "stratum": a["stratum_key"],
                "randomized_at": a["randomized_at"],
                "day1": a["participant__study_day_1"],
                "age": a["participant__age"],
                "sex": a["participant__sex"],
                "weight_kg": a["participant__weight_kg"],
                "egfr": a["participant__egfr"],
                "renal_impairment": a["participant__renal_impairment_computed"]
                if override is None
                else override,
                "regiscar_score": a["participant__screening__regiscar_score"],
                "status": a["participant__status"],
                "withdrawn_on": a["participant__withdrawn_on"],
                "switched_day": a["participant__regimen__switched_on_day"],
                "off_protocol": a["participant__regimen__state"] == "off_protocol",
                "admission_date": admission,
                "discharge_date": discharge,
                "hospital_days": (discharge - admission).days if admission and discharge else None,
                "readmitted_30d": c.get("readmitted_within_30_days") or None,
                "readmission_date": c.get("readmission_date"),
                "death_date": c.get("death_date"),
                "death_cause": c.get("death_cause") or None,
            }
            for name in VISIT_NAMES:
                v = visits.get(pid, {}).get(name)
                if v is None:
                    continue
                status = _visit_status(v, today, c.get("death_date"))
                row[f"{name}_status"] = status
                row[f"{name}_date"] = v["completed_on"]
                code = missing_code(status)  # missing code of every empty endpoint
                for endpoint in ENDPOINTS_BY_VISIT[name]:
                    value = v[endpoint]
                    if value in ("", None):
                        value = code
                    row[f"{name}_{endpoint}"] = value
            yield row


# --- endpoints: long, participant x visit x endpoint (from the wide rows) ------------


def endpoints_build(dataset: Dataset, scope: Scope) -> Iterator[Row]:
    """Long: one row per participant x visit x endpoint of that visit."""
    for row in participants_build(dataset, scope):
        for visit in VISIT_NAMES:
            for endpoint in ENDPOINTS_BY_VISIT[visit]:
                if ENDPOINT_COLUMNS[endpoint].identifying:
                    continue
                key = f"{visit}_{endpoint}"
                if key not in row:
                    continue
                value = row[key]
                yield {
                    "_day1": row["_day1"],
                    "study_id": row["study_id"],
                    "site": row["site"],
                    "arm": row["arm"],
                    "visit": visit,
                    "endpoint": endpoint,
                    "value": "" if value is None else str(value),
                }


# --- visits: long, participant x visit; status and missing codes computed --------------


def _visit_context(scope: Scope) -> dict[str, Any]:
    from outcomes.models import HospitalCourse

    deaths = scope.in_sites(
        HospitalCourse.objects.filter(death_date__isnull=False), "participant__site_id"
    )
    return {
        "today": dt.date.today(),  # noqa: DTZ011
        "deaths": dict(deaths.values_list("participant_id", "death_date")),
    }


def _visit_derive(row: Row, raw: Row, context: dict[str, Any]) -> None:
    status = _visit_status(raw, context["today"], context["deaths"].get(raw["participant_id"]))
    row["status"] = status
    row["completed_on"] = raw["completed_on"] or missing_code(status)


# --- audit: every history row of the clinical records ----------------------------------


def audit_build(dataset: Dataset, scope: Scope) -> Iterator[Row]:
    """Every history row of the clinical records of these sites (who, when, what, why)."""
    from django.apps import apps

    for model in apps.get_models():
        if not model.__name__.startswith("Historical"):
            continue
        names = {f.name for f in model._meta.fields}
        if "participant" in names:
            site = "participant__site_id"
        elif model.__name__ in ("HistoricalParticipant", "HistoricalScreening"):
            site = "site_id"
        else:
            continue
        qs = scope.in_sites(model._default_manager.all(), site)
        qs = scope.in_period(qs, "history_date__date")
        record = str(model._meta.verbose_name).replace("historical ", "")
        for h in (
            qs.order_by("history_date", "history_id")
            .values(
                "id",
                "history_date",
                "history_type",
                "history_change_reason",
                "history_user__username",
            )
            .iterator(chunk_size=CHUNK)
        ):
            yield {
                "_day1": None,
                "when": h["history_date"],
                "who": h["history_user__username"],
                "record": str(record),
                "record_id": h["id"],
                "action": {"+": "created", "~": "changed", "-": "deleted"}[h["history_type"]],
                "reason": h["history_change_reason"] or None,
            }


JOIN_CODES = Convert(
    python=";".join, sql="array_to_string(ARRAY(SELECT jsonb_array_elements_text({})), ';')"
)


# --- The declarations -------------------------------------------------------------------

PARTICIPANTS = Dataset(
    "participants",
    "Participants (wide: baseline, arm, visits, outcome)",
    participant_columns(),
    query=PARTICIPANTS_QUERY,
    build=participants_build,
)

VISITS = Dataset(
    "visits",
    "Visits (long: participant x visit)",
    [
        *PARTICIPANT_KEYS,
        Column(
            "visit", "Visit", "factor", allowed=VISIT_LEVELS, source="visit schedule", field="name"
        ),
        Column(
            "study_day",
            "Planned study day",
            "integer",
            unit="study day",
            source="visit schedule",
            field="study_day",
        ),
        Column("target_date", "Target date", "date", source="visit schedule", field="target_date"),
        Column(
            "window_opens", "Window opens", "date", source="visit schedule", field="window_opens"
        ),
        Column(
            "window_closes", "Window closes", "date", source="visit schedule", field="window_closes"
        ),
        # computed in _visit_derive: status, and completed_on's missing code
        Column("status", "Visit status", "factor", allowed=STATUS, source="visit schedule"),
        Column(
            "completed_on",
            "Visit date (or a missing code)",
            "date",
            source="visit form",
            field="completed_on",
        ),
        Column(
            "missed_reason",
            "Reason the visit was missed (text)",
            "text",
            source="visit form",
            identifying=True,
            field="missed_reason",
        ),
        Column(
            "out_of_window_reason",
            "Reason for an out-of-window visit (text)",
            "text",
            source="visit form",
            identifying=True,
            field="out_of_window_reason",
        ),
        Column(
            "signed_off",
            "Signed off by the investigator",
            "boolean",
            source="sign-off",
            field="locked",
        ),
        Column(
            "signed_off_at",
            "Signed off at (UTC)",
            "datetime",
            source="sign-off",
            field="signed_off_at",
        ),
    ],
    query=Query(
        "outcomes.Visit",
        site="participant__site_id",
        period="target_date",
        order_by=("participant__site__code", "participant__site_sequence", "study_day"),
        extra=("participant_id", "missed"),
    ),
    context=_visit_context,
    derive=_visit_derive,
)

ENDPOINTS = Dataset(
    "endpoints",
    "Endpoints (long: participant x visit x endpoint)",
    [
        *PARTICIPANT_KEYS,
        Column("visit", "Visit", "factor", allowed=VISIT_LEVELS, source="visit schedule"),
        Column(
            "endpoint",
            "Endpoint (see the participants dataset for labels)",
            "factor",
            allowed=tuple((k, c.label) for k, c in ENDPOINT_COLUMNS.items() if not c.identifying),
            source="visit form",
        ),
        Column("value", "Value (as text; or a missing code)", "text", source="visit form"),
    ],
    query=PARTICIPANTS_QUERY,
    build=endpoints_build,
)


def _dosing(name: str, label: str, type: str, **kw: Any) -> Column:
    return Column(name, label, type, source="dosing engine", field=name, **kw)


ORDERS = Dataset(
    "orders",
    "Dosing orders",
    [
        *PARTICIPANT_KEYS,
        _dosing("day", "Study day", "integer", unit="study day"),
        _dosing("date", "Order date (site-local)", "date"),
        _dosing(
            "drug",
            "Drug",
            "factor",
            allowed=(
                ("cyclosporine", "Cyclosporine"),
                ("methylprednisolone", "Methylprednisolone"),
                ("prednisone", "Prednisone"),
            ),
        ),
        _dosing("route", "Route", "factor", allowed=(("PO", "Oral"), ("IV", "Intravenous"))),
        _dosing("dose_mg", "Dose per administration, dispensed", "decimal", unit="mg"),
        _dosing("calculated_dose_mg", "Dose per administration, calculated", "decimal", unit="mg"),
        _dosing("times_per_day", "Administrations per day", "integer"),
        _dosing("daily_dose_mg", "Daily dose", "decimal", unit="mg"),
        _dosing("block", "Protocol block", "text"),
        _dosing("pharmacist_to_verify", "Pharmacist to verify (IV conversion)", "boolean"),
    ],
    query=Query(
        "dosing.Order",
        site="participant__site_id",
        period="date",
        order_by=("participant_id", "day", "drug"),
    ),
)


def _assessment(name: str, label: str, type: str, **kw: Any) -> Column:
    return Column(name, label, type, source="assessment form", field=name, **kw)


ASSESSMENTS = Dataset(
    "assessments",
    "Assessments and e-signed decisions",
    [
        *PARTICIPANT_KEYS,
        _assessment("number", "Decision number", "integer"),
        _assessment("study_day", "Study day of the decision", "integer", unit="study day"),
        _assessment("block", "Block ending on that day", "text"),
        _assessment("alt", "ALT", "decimal", unit="U/L"),
        _assessment("ast", "AST", "decimal", unit="U/L"),
        _assessment("bilirubin", "Bilirubin", "decimal", unit="mg/dL"),
        _assessment("creatinine", "Creatinine", "decimal", unit="mg/dL"),
        _assessment("eosinophils", "Eosinophils", "decimal", unit="10^9/L"),
        _assessment(
            "suggested_improvement",
            "Suggested improvement (from labs)",
            "factor",
            allowed=IMPROVEMENT,
        ),
        _assessment("suggested_labs_trend", "Suggested labs trend", "factor", allowed=TREND),
        _assessment(
            "improvement",
            "Improvement chosen by the investigator",
            "factor",
            allowed=IMPROVEMENT,
        ),
        _assessment("labs_trend", "Labs trend chosen by the investigator", "factor", allowed=TREND),
        replace(_assessment("result", "What the decision led to", "text"), source="dosing engine"),
        Column(
            "signed_by",
            "Signed by (username)",
            "text",
            source="e-signature",
            identifying=True,
            field="signed_by__username",
        ),
        Column("signed_at", "Signed at (UTC)", "datetime", source="e-signature", field="signed_at"),
    ],
    query=Query(
        "dosing.Assessment",
        site="participant__site_id",
        period="signed_at__date",
        order_by=("participant_id", "number"),
    ),
)


def _screening(name: str, label: str, type: str, **kw: Any) -> Column:
    return Column(name, label, type, source="screening", field=name, **kw)


SCREENING = Dataset(
    "screening",
    "Screening log",
    [
        replace(SITE, source="screening", field="site__code"),
        _screening("screening_number", "Screening number at the site", "integer"),
        _screening("screened_on", "Screening date", "date"),
        _screening("initials", "Initials", "text", identifying=True),
        _screening("age", "Age", "integer", unit="years"),
        _screening("sex", "Sex", "factor", allowed=SEX),
        _screening("regiscar_score", "RegiSCAR score", "integer"),
        _screening(
            "regiscar_category",
            "RegiSCAR category",
            "factor",
            allowed=(
                ("no_case", "No case"),
                ("possible", "Possible"),
                ("probable", "Probable"),
                ("definite", "Definite"),
            ),
        ),
        _screening("egfr", "eGFR (CKD-EPI 2021)", "decimal", unit="mL/min/1.73m2"),
        _screening("renal_impairment", "Renal impairment", "boolean"),
        _screening("eligible", "Eligible", "boolean"),
        _screening("reasons", "Reason codes, ';'-separated", "text", convert=JOIN_CODES),
        _screening(
            "outcome",
            "Screening outcome",
            "factor",
            allowed=(
                ("ineligible", "Ineligible"),
                ("eligible_pending", "Eligible, consent pending"),
                ("eligible_not_consented", "Eligible, not consented"),
                ("enrolled", "Enrolled"),
            ),
        ),
        _screening(
            "not_consented_reason",
            "Why an eligible patient was not enrolled (text)",
            "text",
            identifying=True,
        ),
        replace(STUDY_ID, label="Study ID if enrolled"),
    ],
    query=Query(
        "enrollment.Screening",
        site="site_id",
        period="screened_on",
        order_by=("site__code", "screening_number"),
        day1="",
    ),
)


def _allocation(name: str, label: str, type: str, field: str, **kw: Any) -> Column:
    return Column(name, label, type, source="randomization", field=field, **kw)


RANDOMIZATION = Dataset(
    "randomization",
    "Randomization: slots used",
    [
        _allocation("study_id", "Study ID", "text", "participant__study_id"),
        _allocation("site", "Site code", "text", "participant__site__code"),
        _allocation("stratum", "Stratum", "text", "stratum_key"),
        _allocation(
            "list_kind", "List", "factor", "list_kind", allowed=(("live", "LIVE"), ("test", "TEST"))
        ),
        _allocation("slot_position", "Slot position in the stratum", "integer", "slot__position"),
        _allocation("block", "Block number", "integer", "slot__block_number"),
        _allocation("block_size", "Block size", "integer", "slot__block_size"),
        _allocation("arm", "Allocated arm", "factor", "arm", allowed=ARM),
        _allocation("randomized_at", "Randomized at (UTC)", "datetime", "randomized_at"),
        _allocation(
            "randomized_by",
            "Randomized by (username)",
            "text",
            "randomized_by__username",
            identifying=True,
        ),
    ],
    query=Query(
        "randomization.Allocation",
        site="participant__site_id",
        period="randomized_at__date",
        order_by=("randomized_at",),
    ),
)

AUDIT = Dataset(
    "audit",
    "Audit trail",
    [
        Column("when", "When (UTC)", "datetime", source="audit trail"),
        Column("who", "User", "text", source="audit trail", identifying=True),
        Column("record", "Record type", "text", source="audit trail"),
        Column("record_id", "Record id", "integer", source="audit trail"),
        Column(
            "action",
            "Action",
            "factor",
            allowed=(("created", "Created"), ("changed", "Changed"), ("deleted", "Deleted")),
            source="audit trail",
        ),
        Column("reason", "Reason for change", "text", source="audit trail", identifying=True),
    ],
    build=audit_build,
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        PARTICIPANTS,
        VISITS,
        ENDPOINTS,
        ORDERS,
        ASSESSMENTS,
        SCREENING,
        RANDOMIZATION,
        AUDIT,
    )
}
