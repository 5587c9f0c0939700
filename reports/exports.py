"""CSV datasets for analysis, their data dictionary, and safe streaming.

Every dataset is a list of Column specs (name, label, type, unit, allowed values,
visit, source form) and a row generator over a fixed number of queries, iterated in
chunks so memory stays flat. The same specs produce the data dictionary and the R
loader, so the three always agree.

Conventions:
- ISO 8601 dates (YYYY-MM-DD) and UTC datetimes;
- explicit missing codes, never an empty cell for something that should be there:
  NA_MISSED (visit missed), NA_NOT_DUE (not yet due), NA_NOT_EXPECTED (after death),
  NA_NOT_ENTERED (due or overdue, no data yet), NA_NOT_DONE (answered "not done");
  an empty cell means "not applicable" (e.g. no re-admission date when not re-admitted);
- de-identified: identifiers and free text dropped, dates become study days
  (`<name>_studyday`, day 1 = first dose);
- text cells starting with = + - @ tab CR LF are prefixed with ' (OWASP CSV injection);
  numeric columns are written as numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from outcomes.models import ENDPOINTS_BY_VISIT, VIRUSES, HospitalCourse, Visit

MISSING_CODES = {
    "NA_MISSED": "Visit recorded as missed (reason in visits.missed_reason)",
    "NA_NOT_DUE": "Visit window not yet open",
    "NA_NOT_EXPECTED": "Not expected: the participant died before the visit window closed",
    "NA_NOT_ENTERED": "Visit due or overdue, no data entered yet",
    "NA_NOT_COLLECTED": "Endpoint not collected at this visit",
}
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
VISIT_NAMES = ("day7", "day30", "day60", "day90")
CHUNK = 2000


def neutralise(value: str) -> str:
    """OWASP CSV injection: a text cell that could start a formula gets a leading '."""
    if value and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str  # text, integer, decimal, date, datetime, boolean, factor
    unit: str = ""
    allowed: tuple[tuple[str, str], ...] = ()  # (value, label) for factors
    visit: str = ""
    source: str = ""
    identifying: bool = False  # dropped when de-identified (initials, free text)
    date_anchor: bool = False  # a date column replaced by a study day when de-identified

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
            )
        return self


@dataclass
class Dataset:
    name: str
    title: str
    columns: list[Column]
    rows: Callable[[list[int], dt.date | None, dt.date | None], Iterator[dict[str, Any]]]
    trial_wide_only: bool = False
    anchor: str = "_day1"  # key in each row holding the participant's day 1
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def yes_no() -> tuple[tuple[str, str], ...]:
    return (("yes", "Yes"), ("no", "No"))


ARM = (("cyclosporine", "Cyclosporine"), ("steroids", "Corticosteroids"))
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


# --- Column lists -----------------------------------------------------------------

ENDPOINT_COLUMNS: dict[str, Column] = {
    "organ_resolution": Column(
        "organ_resolution",
        "Complete or near-complete resolution of organ involvement",
        "factor",
        allowed=yes_no(),
        source="visit form",
    ),
    "erythema_resolution": Column(
        "erythema_resolution",
        "Erythema resolution",
        "factor",
        allowed=yes_no(),
        source="visit form",
    ),
    "fever": Column("fever", "Fever present", "factor", allowed=yes_no(), source="visit form"),
    "facial_oedema_resolved": Column(
        "facial_oedema_resolved",
        "Facial oedema resolved",
        "factor",
        allowed=yes_no(),
        source="visit form",
    ),
    "pruritus_resolved": Column(
        "pruritus_resolved", "Pruritus resolved", "factor", allowed=yes_no(), source="visit form"
    ),
    "lymphadenopathy": Column(
        "lymphadenopathy",
        "Lymphadenopathy present",
        "factor",
        allowed=yes_no(),
        source="visit form",
    ),
    "eosinophil_count": Column(
        "eosinophil_count", "Eosinophil count", "decimal", unit="10^9/L", source="visit form"
    ),
    "vital_status": Column(
        "vital_status",
        "Vital status",
        "factor",
        allowed=(("alive", "Alive"), ("dead", "Dead")),
        source="visit form",
    ),
    **{
        f"{v}_pcr": Column(
            f"{v}_pcr",
            f"{v.upper()} PCR",
            "factor",
            allowed=(("negative", "Negative"), ("positive", "Positive"), ("not_done", "Not done")),
            source="visit form",
        )
        for v in VIRUSES
    },
    **{
        f"{v}_load": Column(
            f"{v}_load", f"{v.upper()} viral load", "integer", unit="copies/mL", source="visit form"
        )
        for v in VIRUSES
    },
    "autoimmune_disease": Column(
        "autoimmune_disease",
        "Autoimmune disease since randomization",
        "factor",
        allowed=yes_no(),
        source="visit form",
    ),
    "autoimmune_type": Column(
        "autoimmune_type",
        "Autoimmune disease type",
        "factor",
        allowed=(
            ("thyroiditis", "Thyroiditis"),
            ("type1_diabetes", "Type 1 diabetes"),
            ("other", "Other"),
        ),
        source="visit form",
    ),
    "autoimmune_other": Column(
        "autoimmune_other",
        "Other autoimmune disease (text)",
        "text",
        source="visit form",
        identifying=True,
    ),
}

PARTICIPANT_BASE = [
    Column("study_id", "Study ID", "text", source="enrolment"),
    Column("site", "Site code", "text", source="enrolment"),
    Column("arm", "Randomized arm (ITT)", "factor", allowed=ARM, source="randomization"),
    Column("stratum", "Randomization stratum", "text", source="randomization"),
    Column("randomized_at", "Randomized at (UTC)", "datetime", source="randomization"),
    Column("day1", "Study day 1 (first dose)", "date", source="randomization"),
    Column("age", "Age", "integer", unit="years", source="screening"),
    Column(
        "sex", "Sex", "factor", allowed=(("female", "Female"), ("male", "Male")), source="screening"
    ),
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
                Column(
                    f"{visit}_{name}",
                    f"{base.label} ({visit})",
                    base.type,
                    unit=base.unit,
                    allowed=base.allowed,
                    visit=visit,
                    source=base.source,
                    identifying=base.identifying,
                )
            )
    return columns


# --- Row helpers --------------------------------------------------------------------


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


def participants_rows(
    site_ids: list[int], start: dt.date | None, end: dt.date | None
) -> Iterator[dict[str, Any]]:
    """Wide: one row per randomized participant. Queries per chunk of 2000: 4."""
    from randomization.models import Allocation

    base = Allocation.objects.filter(participant__site_id__in=site_ids)
    if start:
        base = base.filter(randomized_at__date__gte=start)
    if end:
        base = base.filter(randomized_at__date__lte=end)
    ids = list(
        base.order_by("participant__site__code", "participant__site_sequence").values_list(
            "participant_id", flat=True
        )
    )
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
            row: dict[str, Any] = {
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
                code = missing_code(status)
                for endpoint in ENDPOINTS_BY_VISIT[name]:
                    value = v[endpoint]
                    if value in ("", None):
                        value = code
                    row[f"{name}_{endpoint}"] = value
            yield row


def visits_rows(
    site_ids: list[int], start: dt.date | None, end: dt.date | None
) -> Iterator[dict[str, Any]]:
    qs = Visit.objects.filter(participant__site_id__in=site_ids)
    if start:
        qs = qs.filter(target_date__gte=start)
    if end:
        qs = qs.filter(target_date__lte=end)
    deaths = dict(
        HospitalCourse.objects.filter(
            participant__site_id__in=site_ids, death_date__isnull=False
        ).values_list("participant_id", "death_date")
    )
    today = dt.date.today()  # noqa: DTZ011
    for v in (
        qs.order_by("participant__site__code", "participant__site_sequence", "study_day")
        .values(
            "participant_id",
            "participant__study_id",
            "participant__site__code",
            "participant__allocation__arm",
            "participant__study_day_1",
            "name",
            "study_day",
            "target_date",
            "window_opens",
            "window_closes",
            "completed_on",
            "missed",
            "missed_reason",
            "out_of_window_reason",
            "locked",
            "signed_off_at",
        )
        .iterator(chunk_size=CHUNK)
    ):
        status = _visit_status(v, today, deaths.get(v["participant_id"]))
        yield {
            "_day1": v["participant__study_day_1"],
            "study_id": v["participant__study_id"],
            "site": v["participant__site__code"],
            "arm": v["participant__allocation__arm"],
            "visit": v["name"],
            "study_day": v["study_day"],
            "target_date": v["target_date"],
            "window_opens": v["window_opens"],
            "window_closes": v["window_closes"],
            "status": status,
            "completed_on": v["completed_on"] or missing_code(status),
            "missed_reason": v["missed_reason"] or None,
            "out_of_window_reason": v["out_of_window_reason"] or None,
            "signed_off": v["locked"],
            "signed_off_at": v["signed_off_at"],
        }


VISIT_COLUMNS = [
    Column("study_id", "Study ID", "text", source="enrolment"),
    Column("site", "Site code", "text", source="enrolment"),
    Column("arm", "Randomized arm (ITT)", "factor", allowed=ARM, source="randomization"),
    Column(
        "visit",
        "Visit",
        "factor",
        allowed=tuple((v, v) for v in VISIT_NAMES),
        source="visit schedule",
    ),
    Column("study_day", "Planned study day", "integer", unit="study day", source="visit schedule"),
    Column("target_date", "Target date", "date", source="visit schedule"),
    Column("window_opens", "Window opens", "date", source="visit schedule"),
    Column("window_closes", "Window closes", "date", source="visit schedule"),
    Column("status", "Visit status", "factor", allowed=STATUS, source="visit schedule"),
    Column("completed_on", "Visit date (or a missing code)", "date", source="visit form"),
    Column(
        "missed_reason",
        "Reason the visit was missed (text)",
        "text",
        source="visit form",
        identifying=True,
    ),
    Column(
        "out_of_window_reason",
        "Reason for an out-of-window visit (text)",
        "text",
        source="visit form",
        identifying=True,
    ),
    Column("signed_off", "Signed off by the investigator", "boolean", source="sign-off"),
    Column("signed_off_at", "Signed off at (UTC)", "datetime", source="sign-off"),
]


def endpoints_rows(
    site_ids: list[int], start: dt.date | None, end: dt.date | None
) -> Iterator[dict[str, Any]]:
    """Long: one row per participant x visit x endpoint of that visit."""
    for row in participants_rows(site_ids, start, end):
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


ENDPOINT_LONG_COLUMNS = [
    Column("study_id", "Study ID", "text", source="enrolment"),
    Column("site", "Site code", "text", source="enrolment"),
    Column("arm", "Randomized arm (ITT)", "factor", allowed=ARM, source="randomization"),
    Column(
        "visit",
        "Visit",
        "factor",
        allowed=tuple((v, v) for v in VISIT_NAMES),
        source="visit schedule",
    ),
    Column(
        "endpoint",
        "Endpoint (see the participants dataset for labels)",
        "factor",
        allowed=tuple((k, c.label) for k, c in ENDPOINT_COLUMNS.items() if not c.identifying),
        source="visit form",
    ),
    Column("value", "Value (as text; or a missing code)", "text", source="visit form"),
]


def orders_rows(
    site_ids: list[int], start: dt.date | None, end: dt.date | None
) -> Iterator[dict[str, Any]]:
    from dosing.models import Order

    qs: QuerySet[Order] = Order.objects.filter(participant__site_id__in=site_ids)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    for o in (
        qs.order_by("participant_id", "day", "drug")
        .values(
            "participant__study_id",
            "participant__site__code",
            "participant__allocation__arm",
            "participant__study_day_1",
            "day",
            "date",
            "drug",
            "route",
            "dose_mg",
            "calculated_dose_mg",
            "times_per_day",
            "daily_dose_mg",
            "block",
            "pharmacist_to_verify",
        )
        .iterator(chunk_size=CHUNK)
    ):
        yield {
            "_day1": o["participant__study_day_1"],
            "study_id": o["participant__study_id"],
            "site": o["participant__site__code"],
            "arm": o["participant__allocation__arm"],
            "day": o["day"],
            "date": o["date"],
            "drug": o["drug"],
            "route": o["route"],
            "dose_mg": o["dose_mg"],
            "calculated_dose_mg": o["calculated_dose_mg"],
            "times_per_day": o["times_per_day"],
            "daily_dose_mg": o["daily_dose_mg"],
            "block": o["block"],
            "pharmacist_to_verify": o["pharmacist_to_verify"],
        }


ORDER_COLUMNS = [
    Column("study_id", "Study ID", "text", source="enrolment"),
    Column("site", "Site code", "text", source="enrolment"),
    Column("arm", "Randomized arm (ITT)", "factor", allowed=ARM, source="randomization"),
    Column("day", "Study day", "integer", unit="study day", source="dosing engine"),
    Column("date", "Order date (site-local)", "date", source="dosing engine"),
    Column(
        "drug",
        "Drug",
        "factor",
        allowed=(
            ("cyclosporine", "Cyclosporine"),
            ("methylprednisolone", "Methylprednisolone"),
            ("prednisone", "Prednisone"),
        ),
        source="dosing engine",
    ),
    Column(
        "route",
        "Route",
        "factor",
        allowed=(("PO", "Oral"), ("IV", "Intravenous")),
        source="dosing engine",
    ),
    Column(
        "dose_mg",
        "Dose per administration, dispensed",
        "decimal",
        unit="mg",
        source="dosing engine",
    ),
    Column(
        "calculated_dose_mg",
        "Dose per administration, calculated",
        "decimal",
        unit="mg",
        source="dosing engine",
    ),
    Column("times_per_day", "Administrations per day", "integer", source="dosing engine"),
    Column("daily_dose_mg", "Daily dose", "decimal", unit="mg", source="dosing engine"),
    Column("block", "Protocol block", "text", source="dosing engine"),
    Column(
        "pharmacist_to_verify",
        "Pharmacist to verify (IV conversion)",
        "boolean",
        source="dosing engine",
    ),
]


def assessments_rows(
    site_ids: list[int], start: dt.date | None, end: dt.date | None
) -> Iterator[dict[str, Any]]:
    from dosing.models import Assessment

    qs = Assessment.objects.filter(participant__site_id__in=site_ids)
    if start:
        qs = qs.filter(signed_at__date__gte=start)
    if end:
        qs = qs.filter(signed_at__date__lte=end)
    for a in (
        qs.order_by("participant_id", "number")
        .values(
            "participant__study_id",
            "participant__site__code",
            "participant__allocation__arm",
            "participant__study_day_1",
            "number",
            "study_day",
            "block",
            "alt",
            "ast",
            "bilirubin",
            "creatinine",
            "eosinophils",
            "suggested_improvement",
            "suggested_labs_trend",
            "improvement",
            "labs_trend",
            "result",
            "signed_by__username",
            "signed_at",
        )
        .iterator(chunk_size=CHUNK)
    ):
        yield {
            "_day1": a["participant__study_day_1"],
            "study_id": a["participant__study_id"],
            "site": a["participant__site__code"],
            "arm": a["participant__allocation__arm"],
            **{
                k: a[k]
                for k in (
                    "number",
                    "study_day",
                    "block",
                    "alt",
                    "ast",
                    "bilirubin",
                    "creatinine",
                    "eosinophils",
                    "improvement",
                    "labs_trend",
                    "result",
                    "signed_at",
                )
            },
            "suggested_improvement": a["suggested_improvement"] or None,
            "suggested_labs_trend": a["suggested_labs_trend"] or None,
            "signed_by": a["signed_by__username"],
        }


IMPROVEMENT = (
    ("complete", "Complete/near-complete"),
    ("gt25", "> 25% in every organ"),
    ("le25", "0-25% in at least one organ"),
    ("none", "None or worse"),
)
TREND = (("down", "Down"), ("flat", "Flat"), ("up", "Up"))
ASSESSMENT_COLUMNS = [
    Column("study_id", "Study ID", "text", source="enrolment"),
    Column("site", "Site code", "text", source="enrolment"),
    Column("arm", "Randomized arm (ITT)", "factor", allowed=ARM, source="randomization"),
    Column("number", "Decision number", "integer", source="assessment form"),
    Column(
        "study_day",
        "Study day of the decision",
        "integer",
        unit="study day",
        source="assessment form",
    ),
    Column("block", "Block ending on that day", "text", source="assessment form"),
    Column("alt", "ALT", "decimal", unit="U/L", source="assessment form"),
    Column("ast", "AST", "decimal", unit="U/L", source="assessment form"),
    Column("bilirubin", "Bilirubin", "decimal", unit="mg/dL", source="assessment form"),
    Column("creatinine", "Creatinine", "decimal", unit="mg/dL", source="assessment form"),
    Column("eosinophils", "Eosinophils", "decimal", unit="10^9/L", source="assessment form"),
    Column(
        "suggested_improvement",
        "Suggested improvement (from labs)",
        "factor",
        allowed=IMPROVEMENT,
        source="assessment form",
    ),
    Column(
        "suggested_labs_trend",
        "Suggested labs trend",
        "factor",
        allowed=TREND,
        source="assessment form",
    ),
    Column(
        "improvement",
        "Improvement chosen by the investigator",
        "factor",
        allowed=IMPROVEMENT,
        source="assessment form",
    ),
    Column(
        "labs_trend",
        "Labs trend chosen by the investigator",
        "factor",
        allowed=TREND,
        source="assessment form",
    ),
    Column("result", "What the decision led to", "text", source="dosing engine"),
    Column("signed_by", "Signed by (username)", "text", source="e-signature", identifying=True),
    Column("signed_at", "Signed at (UTC)", "datetime", source="e-signature"),
]


def screening_rows(
    site_ids: list[int], start: dt.date | None, end: dt.date | None
) -> Iterator[dict[str, Any]]:
    from enrollment.models import Screening

    qs = Screening.objects.filter(site_id__in=site_ids)
    if start:
        qs = qs.filter(screened_on__gte=start)
    if end:
        qs = qs.filter(screened_on__lte=end)
    for s in (
        qs.order_by("site__code", "screening_number")
        .values(
            "site__code",
            "screening_number",
            "screened_on",
            "initials",
            "age",
            "sex",
            "regiscar_score",
            "regiscar_category",
            "egfr",
            "renal_impairment",
            "eligible",
            "reasons",
            "outcome",
            "not_consented_reason",
            "participant__study_id",
        )
        .iterator(chunk_size=CHUNK)
    ):
        yield {
            "_day1": None,
            "site": s["site__code"],
            "screening_number": s["screening_number"],
            "screened_on": s["screened_on"],
            "initials": s["initials"] or None,
            "age": s["age"],
            "sex": s["sex"],
            "regiscar_score": s["regiscar_score"],
            "regiscar_category": s["regiscar_category"],
            "egfr": s["egfr"],
            "renal_impairment": s["renal_impairment"],
            "eligible": s["eligible"],
            "reasons": ";".join(s["reasons"]),
            "outcome": s["outcome"],
            "not_consented_reason": s["not_consented_reason"] or None,
            "study_id": s["participant__study_id"],
        }


SCREENING_COLUMNS = [
    Column("site", "Site code", "text", source="screening"),
    Column("screening_number", "Screening number at the site", "integer", source="screening"),
    Column("screened_on", "Screening date", "date", source="screening"),
    Column("initials", "Initials", "text", source="screening", identifying=True),
    Column("age", "Age", "integer", unit="years", source="screening"),
    Column(
        "sex", "Sex", "factor", allowed=(("female", "Female"), ("male", "Male")), source="screening"
    ),
    Column("regiscar_score", "RegiSCAR score", "integer", source="screening"),
    Column(
        "regiscar_category",
        "RegiSCAR category",
        "factor",
        allowed=(
            ("no_case", "No case"),
            ("possible", "Possible"),
            ("probable", "Probable"),
            ("definite", "Definite"),
        ),
        source="screening",
    ),
    Column("egfr", "eGFR (CKD-EPI 2021)", "decimal", unit="mL/min/1.73m2", source="screening"),
    Column("renal_impairment", "Renal impairment", "boolean", source="screening"),
    Column("eligible", "Eligible", "boolean", source="screening"),
    Column("reasons", "Reason codes, ';'-separated", "text", source="screening"),
    Column(
        "outcome",
        "Screening outcome",
        "factor",
        allowed=(
            ("ineligible", "Ineligible"),
            ("eligible_pending", "Eligible, consent pending"),
            ("eligible_not_consented", "Eligible, not consented"),
            ("enrolled", "Enrolled"),
        ),
        source="screening",
    ),
    Column(
        "not_consented_reason",
        "Why an eligible patient was not enrolled (text)",
        "text",
        source="screening",
        identifying=True,
    ),
    Column("study_id", "Study ID if enrolled", "text", source="enrolment"),
]


def randomization_rows(
    site_ids: list[int], start: dt.date | None, end: dt.date | None
) -> Iterator[dict[str, Any]]:
    from randomization.models import Allocation

    qs = Allocation.objects.filter(participant__site_id__in=site_ids)
    if start:
        qs = qs.filter(randomized_at__date__gte=start)
    if end:
        qs = qs.filter(randomized_at__date__lte=end)
    for a in (
        qs.order_by("randomized_at")
        .values(
            "participant__study_id",
            "participant__site__code",
            "participant__study_day_1",
            "stratum_key",
            "list_kind",
            "slot__position",
            "slot__block_number",
            "slot__block_size",
            "arm",
            "randomized_at",
            "randomized_by__username",
        )
        .iterator(chunk_size=CHUNK)
    ):
        yield {
            "_day1": a["participant__study_day_1"],
            "study_id": a["participant__study_id"],
            "site": a["participant__site__code"],
            "stratum": a["stratum_key"],
            "list_kind": a["list_kind"],
            "slot_position": a["slot__position"],
            "block": a["slot__block_number"],
            "block_size": a["slot__block_size"],
            "arm": a["arm"],
            "randomized_at": a["randomized_at"],
            "randomized_by": a["randomized_by__username"],
        }


RANDOMIZATION_COLUMNS = [
    Column("study_id", "Study ID", "text", source="randomization"),
    Column("site", "Site code", "text", source="randomization"),
    Column("stratum", "Stratum", "text", source="randomization"),
    Column(
        "list_kind",
        "List",
        "factor",
        allowed=(("live", "LIVE"), ("test", "TEST")),
        source="randomization",
    ),
    Column("slot_position", "Slot position in the stratum", "integer", source="randomization"),
    Column("block", "Block number", "integer", source="randomization"),
    Column("block_size", "Block size", "integer", source="randomization"),
    Column("arm", "Allocated arm", "factor", allowed=ARM, source="randomization"),
    Column("randomized_at", "Randomized at (UTC)", "datetime", source="randomization"),
    Column(
        "randomized_by",
        "Randomized by (username)",
        "text",
        source="randomization",
        identifying=True,
    ),
]


def audit_rows(
    site_ids: list[int], start: dt.date | None, end: dt.date | None
) -> Iterator[dict[str, Any]]:
    """Every history row of the clinical records of these sites (who, when, what, why)."""
    from django.apps import apps

    for model in apps.get_models():
        if not model.__name__.startswith("Historical"):
            continue
        names = {f.name for f in model._meta.fields}
        if "participant" in names:
            qs = model._default_manager.filter(participant__site_id__in=site_ids)
        elif model.__name__ in ("HistoricalParticipant", "HistoricalScreening"):
            qs = model._default_manager.filter(site_id__in=site_ids)
        else:
            continue
        if start:
            qs = qs.filter(history_date__date__gte=start)
        if end:
            qs = qs.filter(history_date__date__lte=end)
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


AUDIT_COLUMNS = [
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
]


DATASETS: dict[str, Dataset] = {
    "participants": Dataset(
        "participants",
        "Participants (wide: baseline, arm, visits, outcome)",
        participant_columns(),
        participants_rows,
    ),
    "visits": Dataset("visits", "Visits (long: participant x visit)", VISIT_COLUMNS, visits_rows),
    "endpoints": Dataset(
        "endpoints",
        "Endpoints (long: participant x visit x endpoint)",
        ENDPOINT_LONG_COLUMNS,
        endpoints_rows,
    ),
    "orders": Dataset("orders", "Dosing orders", ORDER_COLUMNS, orders_rows),
    "assessments": Dataset(
        "assessments", "Assessments and e-signed decisions", ASSESSMENT_COLUMNS, assessments_rows
    ),
    "screening": Dataset("screening", "Screening log", SCREENING_COLUMNS, screening_rows),
    "randomization": Dataset(
        "randomization", "Randomization: slots used", RANDOMIZATION_COLUMNS, randomization_rows
    ),
    "audit": Dataset("audit", "Audit trail", AUDIT_COLUMNS, audit_rows),
}


# --- Writing ---------------------------------------------------------------------------


def export_columns(dataset: Dataset, deidentify: bool) -> list[Column]:
    if not deidentify:
        return list(dataset.columns)
    return [c for c in (col.deidentified() for col in dataset.columns) if c is not None]


def format_value(value: Any, column: Column, day1: dt.date | None, deidentify: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value in MISSING_CODES:
        return value
    if deidentify and column.name.endswith("_studyday"):
        day = value if isinstance(value, dt.date) else None
        if isinstance(value, dt.datetime):
            day = value.date()
        if day is None or day1 is None:
            return ""
        return (day - day1).days + 1
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return (
            format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        )
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


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
    writer = csv.writer(_Echo(), lineterminator="\n")
    header = writer.writerow([c.name for c in columns])
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
        yield writer.writerow(values)
    if counter is not None:
        counter.append(rows)


def dictionary_rows(deidentify: bool = False) -> Iterable[list[str]]:
    yield ["variable", "label", "dataset", "type", "unit", "allowed_values", "visit", "source_form"]
    for dataset in DATASETS.values():
        for c in export_columns(dataset, deidentify):
            allowed = "; ".join(f"{v}={label}" for v, label in c.allowed)
            yield [c.name, c.label, dataset.name, c.type, c.unit, allowed, c.visit, c.source]
    for code, meaning in MISSING_CODES.items():
        yield [code, meaning, "(all)", "missing code", "", "", "", ""]


def dictionary_csv(deidentify: bool = False, bom: bool = False) -> str:
    import io

    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\n")
    for row in dictionary_rows(deidentify):
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()
