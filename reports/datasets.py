"""The CSV datasets for analysis, each one a declaration.

A declaration gives the columns (each with its data dictionary entry and the field it
is read from), the query (model, site lookup, period lookup, order) and the missing
codes of its computed columns. Everything else (scope, filters, formatting,
neutralisation, de-identification, streaming, the COPY path, the dictionary and the R
loader) is the shared path in `reports/csvstream.py` and `reports/copy_export.py`.

Conventions:
- ISO 8601 dates (YYYY-MM-DD) and UTC datetimes;
- every decimal column declares its precision (`decimals`, from the data dictionary:
  doses to 0.1 mg, the protocol's smallest rounding step being 2.5 mg; labs as entered,
  per column) and every value of it is written with exactly that many digits, in the
  Python path and in the COPY path;
- never an empty cell: each column declares the missing codes (`Column.missing`, codes
  from `csvstream.Missing`) its blank cells carry and in which situation; the first is
  written for an absent value, the dataset's code writes the others (e.g. a visit's
  endpoints: NA_MISSED, NA_NOT_DUE, NA_NOT_EXPECTED, NA_NOT_ENTERED from the visit's
  status; NA_NOT_APPLICABLE where branching closes the field; NA_UNKNOWN and
  NA_NOT_ASSESSED for those answers);
- de-identified: identifiers and free text dropped, dates become study days
  (`<name>_studyday`, day 1 = first dose);
- text cells starting with = + - @ tab CR LF are prefixed with ' (OWASP CSV injection),
  and so is such a start (or a quote) after a CR or LF inside a cell; a cell holding CR
  or LF is quoted; numeric columns are written as numbers.

To add a dataset: declare its columns and its `Query`, add it to `DATASETS`; the page,
the API, the pack, the dictionary, the R loader and (when every column is a plain field)
the COPY path follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateField,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from enrollment.status import STATE_LABELS, WITHDRAWAL_LABELS, WithdrawalKind
from outcomes.models import ENDPOINTS_BY_VISIT, VIRUSES
from outcomes.schedule import MISSED_REASON_LABELS
from reports.csvstream import (
    CHUNK,
    Column,
    Convert,
    Dataset,
    Missing,
    Query,
    Row,
    Scope,
    declared_rows,
    format_value,
)

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
PARTICIPANT_STATES = tuple((str(state), label) for state, label in STATE_LABELS.items())
WITHDRAWAL_KINDS = tuple((str(kind), label) for kind, label in WITHDRAWAL_LABELS.items())
MISSED_REASONS = tuple((str(code), label) for code, label in MISSED_REASON_LABELS.items())
VITAL_STATUS = (("died", "Died"), ("alive", "Alive"), ("unknown", "Unknown"))
VITAL_STATUS_DAYS = (7, 30, 90)

# Missing codes, declared per column: (code, the situation in which a blank means it).
NA = Missing


def na(code: Missing, when: str) -> tuple[tuple[str, str], ...]:
    return ((code.value, when),)


# The cells a visit fills (its date, its endpoints): the code follows the visit status,
# then the answer and the form's branching.
VISIT_CELL_MISSING = (
    (NA.NOT_ENTERED.value, "visit open or overdue, or completed with this field left blank"),
    (NA.MISSED.value, "visit recorded as missed"),
    (NA.NOT_DUE.value, "visit window not yet open"),
    (NA.NOT_EXPECTED.value, "participant died before the visit window closed"),
    (
        NA.NOT_APPLICABLE.value,
        "the form's branching closes the field at a completed visit, or no such visit",
    ),
    (NA.UNKNOWN.value, "answered unknown"),
    (NA.NOT_ASSESSED.value, "answered not assessed"),
)

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


def missing_code(status: str) -> str | None:
    """The missing code of a visit's empty cells, from the visit's status."""
    from outcomes.expressions import STATUS_MISSING_CODES

    return STATUS_MISSING_CODES.get(status)  # type: ignore[call-overload]


# --- participants: wide, one row per randomized participant ---------------------------


def _endpoint(name: str, label: str, type: str, **kw: Any) -> Column:
    return Column(name, label, type, source="visit form", missing=VISIT_CELL_MISSING, **kw)


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
        _endpoint("eosinophil_count", "Eosinophil count", "decimal", unit="10^9/L", decimals=2),
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

NOT_WITHDRAWN = na(NA.NOT_APPLICABLE, "not withdrawn")
PARTICIPANT_BASE = [
    replace(STUDY_ID, field=""),
    replace(SITE, field=""),
    replace(ITT_ARM, field=""),
    Column("stratum", "Randomization stratum", "text", source="randomization"),
    Column("randomized_at", "Randomized at (UTC)", "datetime", source="randomization"),
    Column("day1", "Study day 1 (first dose)", "date", source="randomization"),
    Column("age", "Age", "integer", unit="years", source="screening"),
    Column("sex", "Sex", "factor", allowed=SEX, source="screening"),
    Column("weight_kg", "Baseline weight", "decimal", unit="kg", source="enrolment", decimals=1),
    Column(
        "egfr",
        "eGFR (CKD-EPI 2021)",
        "decimal",
        unit="mL/min/1.73m2",
        source="screening",
        decimals=1,
        missing=na(NA.NOT_DONE, "no eGFR recorded at enrolment"),
    ),
    Column(
        "renal_impairment", "Renal impairment (as used for dosing)", "boolean", source="enrolment"
    ),
    Column(
        "regiscar_score",
        "RegiSCAR score",
        "integer",
        source="screening",
        missing=na(NA.NOT_APPLICABLE, "enrolled without a screening record"),
    ),
    Column(
        "status",
        "Participant status (derived from the record, at the site's today)",
        "factor",
        allowed=PARTICIPANT_STATES,
        source="participant record",
    ),
    Column(
        "withdrawal_kind",
        "Kind of withdrawal",
        "factor",
        allowed=WITHDRAWAL_KINDS,
        source="withdrawal form",
        missing=NOT_WITHDRAWN,
    ),
    Column(
        "withdrawn_on",
        "Withdrawal date",
        "date",
        source="withdrawal form",
        missing=NOT_WITHDRAWN,
    ),
    Column(
        "treatment_withdrawn_on",
        "Study treatment ended by a withdrawal on",
        "date",
        source="withdrawal form",
        missing=na(NA.NOT_APPLICABLE, "study treatment not ended by a withdrawal"),
    ),
    Column(
        "consent_withdrawn",
        "Consent for further data use withdrawn (out of the analysis sets after that date)",
        "boolean",
        source="withdrawal form",
    ),
    Column(
        "switched_day",
        "Study day of the arm switch",
        "integer",
        unit="study day",
        source="dosing",
        missing=na(NA.NOT_APPLICABLE, "no arm switch"),
    ),
    Column("off_protocol", "Off protocol", "boolean", source="dosing"),
    Column(
        "admission_date",
        "Hospital admission",
        "date",
        source="hospital course",
        missing=na(NA.NOT_ENTERED, "hospital course not entered"),
    ),
    Column(
        "discharge_date",
        "Hospital discharge",
        "date",
        source="hospital course",
        missing=na(NA.NOT_ENTERED, "not discharged yet, or not entered"),
    ),
    Column(
        "hospital_days",
        "Days of hospitalization",
        "integer",
        unit="days",
        source="hospital course",
        missing=na(NA.NOT_ENTERED, "admission or discharge date not entered"),
    ),
    Column(
        "readmitted_30d",
        "Re-admitted within 30 days of discharge",
        "factor",
        allowed=yes_no(),
        source="hospital course",
        missing=na(NA.NOT_ENTERED, "not answered yet"),
    ),
    Column(
        "readmission_date",
        "Re-admission date",
        "date",
        source="hospital course",
        missing=(
            (NA.NOT_APPLICABLE.value, "not re-admitted"),
            (NA.NOT_ENTERED.value, "re-admitted, date not entered"),
        ),
    ),
    Column(
        "died_on",
        "Date of death (reconciled from every source)",
        "date",
        source="participant record",
        missing=(
            (NA.NOT_APPLICABLE.value, "no death recorded"),
            (NA.UNKNOWN.value, "death reported, sources disagree (see death_discrepancy)"),
        ),
    ),
    Column(
        "death_discrepancy",
        "Death reports that disagree (text)",
        "text",
        source="participant record",
        identifying=True,
        missing=na(NA.NOT_APPLICABLE, "no disagreement"),
    ),
    Column(
        "death_cause",
        "Cause of death (text)",
        "text",
        source="hospital course",
        identifying=True,
        missing=na(NA.NOT_APPLICABLE, "no death, or no cause entered"),
    ),
    *(
        Column(
            f"vital_status_day{day}",
            f"Vital status on study day {day}",
            "factor",
            allowed=VITAL_STATUS,
            source="all sources (enrollment.deaths.status_on)",
        )
        for day in VITAL_STATUS_DAYS
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
                missing=na(NA.NOT_APPLICABLE, "no such visit scheduled"),
            )
        )
        columns.append(
            Column(
                f"{visit}_date",
                f"Date of the {visit} visit",
                "date",
                visit=visit,
                source="visit form",
                missing=VISIT_CELL_MISSING[:5],
            )
        )
        for name in ENDPOINTS_BY_VISIT[visit]:
            base = ENDPOINT_COLUMNS[name]
            columns.append(
                replace(base, name=f"{visit}_{name}", label=f"{base.label} ({visit})", visit=visit)
            )
    return columns


def _visit_relations() -> dict[str, Any]:
    """One relation per scheduled visit (at most one row each): v_day7, v_day30, ..."""
    return {
        f"v_{name}": FilteredRelation(
            "participant__visits", condition=Q(participant__visits__name=name)
        )
        for name in VISIT_NAMES
    }


def _participant_annotations(scope: Scope) -> dict[str, Any]:
    """The wide row's computed columns, in SQL (enrollment/expressions.py and
    outcomes/expressions.py hold the rules; each is tested against the pure one)."""
    from dressdb.db_functions import AddDays, DaysBetween
    from enrollment import expressions as rules
    from outcomes import expressions as visit_rules

    today = dt.date.today()  # noqa: DTZ011  (UTC server date; visit statuses for analysis)
    site_today = rules.site_today(scope.site_ids, "participant__")
    randomized_on = rules.site_local_date("randomized_at", scope.site_ids, "participant__")
    course = "participant__hospital_course__"
    found: dict[str, Any] = {
        "x_renal": Coalesce(
            "participant__renal_impairment_override", "participant__renal_impairment_computed"
        ),
        "x_status": rules.participant_state(site_today, "participant__"),
        "x_consent_withdrawn": rules.is_equal(
            "participant__withdrawal_kind", WithdrawalKind.CONSENT
        ),
        "x_off_protocol": rules.is_equal("participant__regimen__state", "off_protocol"),
        "x_hospital_days": DaysBetween(f"{course}discharge_date", f"{course}admission_date"),
        "x_readmission_code": _code_when(
            Q(**{f"{course}readmitted_within_30_days": "yes"}), NA.NOT_ENTERED
        ),
        "x_died_code": _code_when(~Q(participant__death_discrepancy=""), NA.UNKNOWN),
        "x_day1": Coalesce("participant__study_day_1", randomized_on, output_field=DateField()),
    }
    for day in VITAL_STATUS_DAYS:
        on = AddDays(OuterRef("x_day1"), day - 1)
        found[f"x_vital_day{day}"] = rules.vital_status_on(on, participant="participant_id")
    for name in VISIT_NAMES:
        v = f"v_{name}__"
        absent = Q(**{f"v_{name}__id__isnull": True})
        status = visit_rules.visit_status(today, death="participant__died_on", prefix=v)
        found[f"x_{name}_status"] = Case(
            When(absent, then=Value(NA.NOT_APPLICABLE.value)),
            default=status,
            output_field=CharField(),
        )
        found[f"x_{name}_code"] = Case(
            When(absent, then=Value(NA.NOT_APPLICABLE.value)),
            default=visit_rules.status_missing_code(status),
            output_field=CharField(),
        )
        for endpoint in ENDPOINTS_BY_VISIT[name]:
            found[f"x_{name}_{endpoint}"] = visit_rules.endpoint_value(endpoint, v)
            answer = visit_rules.answer_code(endpoint, v)
            if answer is not None:
                found[f"x_{name}_{endpoint}_answer"] = answer
            closed = visit_rules.branching_code(endpoint, v)
            if closed is not None:
                found[f"x_{name}_{endpoint}_closed"] = closed
    return found


def _endpoint_code_fields(visit: str, endpoint: str) -> tuple[str, ...]:
    """A participant row's missing codes of one visit's endpoint, first not NULL wins
    (outcomes.expressions): the answer's, the visit's own (x_<visit>_code: not
    applicable when there is no such visit, else from its status, shared by the visit's
    cells), the branching's."""
    from outcomes import expressions as visit_rules

    prefix = f"v_{visit}__"
    codes = (
        [f"x_{visit}_{endpoint}_answer"]
        if visit_rules.answer_code(endpoint, prefix) is not None
        else []
    )
    codes.append(f"x_{visit}_code")
    if visit_rules.branching_code(endpoint, prefix) is not None:
        codes.append(f"x_{visit}_{endpoint}_closed")
    return tuple(codes)


PARTICIPANTS_QUERY = Query(
    "randomization.Allocation",
    site="participant__site_id",
    period="randomized_at__date",
    order_by=("participant__site__code", "participant__site_sequence"),
    relations=_visit_relations,
    annotate=_participant_annotations,
)

# Where each base column is read from (a field of the query, or an annotation above).
_PARTICIPANT_FIELDS = {
    "study_id": "participant__study_id",
    "site": "participant__site__code",
    "arm": "arm",
    "stratum": "stratum_key",
    "randomized_at": "randomized_at",
    "day1": "participant__study_day_1",
    "age": "participant__age",
    "sex": "participant__sex",
    "weight_kg": "participant__weight_kg",
    "egfr": "participant__egfr",
    "renal_impairment": "x_renal",
    "regiscar_score": "participant__screening__regiscar_score",
    "status": "x_status",
    "withdrawal_kind": "participant__withdrawal_kind",
    "withdrawn_on": "participant__withdrawn_on",
    "treatment_withdrawn_on": "participant__treatment_withdrawn_on",
    "consent_withdrawn": "x_consent_withdrawn",
    "switched_day": "participant__regimen__switched_on_day",
    "off_protocol": "x_off_protocol",
    "admission_date": "participant__hospital_course__admission_date",
    "discharge_date": "participant__hospital_course__discharge_date",
    "hospital_days": "x_hospital_days",
    "readmitted_30d": "participant__hospital_course__readmitted_within_30_days",
    "readmission_date": "participant__hospital_course__readmission_date",
    "died_on": "participant__died_on",
    "death_discrepancy": "participant__death_discrepancy",
    "death_cause": "participant__hospital_course__death_cause",
    **{f"vital_status_day{day}": f"x_vital_day{day}" for day in VITAL_STATUS_DAYS},
}
_PARTICIPANT_CODES = {"readmission_date": ("x_readmission_code",), "died_on": ("x_died_code",)}


def _participant_column(column: Column) -> Column:
    """A declared column with where its value (and its row's missing code) is read."""
    name = column.name
    if name in _PARTICIPANT_FIELDS:
        return replace(
            column, field=_PARTICIPANT_FIELDS[name], code_fields=_PARTICIPANT_CODES.get(name, ())
        )
    visit, _, item = name.partition("_")
    if item == "status":
        return replace(column, field=f"x_{name}")
    if item == "date":
        return replace(column, field=f"v_{visit}__completed_on", code_fields=(f"x_{visit}_code",))
    return replace(column, field=f"x_{name}", code_fields=_endpoint_code_fields(visit, item))


# --- endpoints: long, participant x visit x endpoint (from the wide rows) ------------


def endpoint_pairs() -> Iterator[tuple[str, str]]:
    """(visit, endpoint) of the long endpoints dataset, in its order (free text left out)."""
    for visit in VISIT_NAMES:
        for endpoint in ENDPOINTS_BY_VISIT[visit]:
            if not ENDPOINT_COLUMNS[endpoint].identifying:
                yield visit, endpoint


def endpoints_build(dataset: Dataset, scope: Scope) -> Iterator[Row]:
    """Long: one row per participant x visit x endpoint of that visit, unpivoted from the
    participants dataset's cells as written (so both say the same; the COPY path does
    the same unpivot in SQL, reports/copy_export.py)."""
    columns = {c.name: c for c in PARTICIPANTS.columns}
    pairs = list(endpoint_pairs())
    for row in declared_rows(PARTICIPANTS, scope):
        for visit, endpoint in pairs:
            if row[f"{visit}_status"] == NA.NOT_APPLICABLE.value:
                continue  # no such visit scheduled
            key = f"{visit}_{endpoint}"
            cell = format_value(row[key], columns[key], row["_day1"], deidentify=False)
            yield {
                "_day1": row["_day1"],
                "study_id": row["study_id"],
                "site": row["site"],
                "arm": row["arm"],
                "visit": visit,
                "endpoint": endpoint,
                "value": str(cell),
            }


# --- visits: long, participant x visit; status and missing codes computed in SQL ------


def _visit_annotations(scope: Scope) -> dict[str, Any]:
    from outcomes import expressions

    today = dt.date.today()  # noqa: DTZ011  (UTC server date; statuses for analysis)
    status = expressions.visit_status(today, death="participant__died_on")
    return {
        "status": status,
        "completed_code": expressions.status_missing_code(status),
        "death_code": _code_when(Q(vital_status="dead"), NA.UNKNOWN),
        "missed_reason_code_code": _code_when(Q(missed=True), NA.UNKNOWN),
        "missed_reason_code_note": _code_when(Q(missed=True), NA.NOT_ENTERED),
    }


def _code_when(condition: Q, code: Missing) -> Case:
    """The missing code when `condition` holds (NULL otherwise: the column's first)."""
    return Case(When(condition, then=Value(code.value)), default=None, output_field=CharField())


# --- audit: one row per changed field of the clinical records ------------------------

AUDIT_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _audit_text(value: Any) -> str:
    """A field's value as the audit trail shows it: the stored value, as text (JSON as
    PostgreSQL's jsonb writes it, so that the COPY path says the same)."""
    import json

    if value is None or value == "":
        return NA.EMPTY.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(_jsonb_order(value), ensure_ascii=False, default=str)
    return str(value)


def _jsonb_order(value: Any) -> Any:
    """A JSON value with its objects' keys in jsonb's order: shorter keys first, then
    by their bytes."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(str(k).encode()), str(k).encode()))
        return {k: _jsonb_order(value[k]) for k in keys}
    if isinstance(value, list):
        return [_jsonb_order(v) for v in value]
    return value


def audit_sources(scope: Scope) -> Iterator[tuple[Any, str, list[str], Any]]:
    """(historical model, form label, tracked attnames, its queryset in scope and order) for
    every clinical record with history: those with a participant, the participant's own
    and the screening's. The rows carry the participant's study ID and study day 1."""
    from django.apps import apps
    from django.db.models import OuterRef, Subquery

    from enrollment.models import Participant

    for model in apps.get_models():
        if not model.__name__.startswith("Historical"):
            continue
        original = getattr(model, "instance_type", None)
        if original is None:  # a many-to-many's history table (e.g. a consent version's sites)
            continue
        names = {f.name for f in original._meta.concrete_fields}
        qs = model._default_manager.all()
        if "participant" in names:
            site = "participant__site_id"
            qs = qs.annotate(
                _study_id=F("participant__study_id"), _day1=F("participant__study_day_1")
            )
        elif original is Participant:
            site = "site_id"
            qs = qs.annotate(_study_id=F("study_id"), _day1=F("study_day_1"))
        elif model.__name__ == "HistoricalScreening":
            site = "site_id"
            enrolled = Participant.objects.filter(screening_id=OuterRef("id"))
            qs = qs.annotate(
                _study_id=Subquery(enrolled.values("study_id")[:1]),
                _day1=Subquery(enrolled.values("study_day_1")[:1]),
            )
        else:
            continue
        tracked = [f.attname for f in original._meta.concrete_fields if f.name != "id"]
        qs = scope.in_sites(qs, site)
        if scope.end:  # the earlier versions before the start are read, to compare
            qs = qs.filter(history_date__date__lte=scope.end)
        label = str(original._meta.verbose_name).capitalize()
        yield model, label, tracked, qs.order_by("id", "history_date", "history_id")


def audit_build(dataset: Dataset, scope: Scope) -> Iterator[Row]:
    """One row per changed field, like the participant's audit page: each history row
    compared with the previous version of the same record. Streams: one query per
    history table, read in record then time order; only the previous version is kept."""
    from django.utils import timezone

    for _model, label, tracked, qs in audit_sources(scope):
        rows = qs.values(
            "id",
            "history_date",
            "history_type",
            "history_change_reason",
            "history_user__username",
            "_study_id",
            "_day1",
            *tracked,
        )
        previous: dict[str, Any] | None = None
        for h in rows.iterator(chunk_size=CHUNK):
            before = previous if previous is not None and previous["id"] == h["id"] else None
            previous = h
            when = h["history_date"]
            if scope.start and timezone.localtime(when).date() < scope.start:
                continue
            action = AUDIT_ACTIONS[h["history_type"]]
            common: Row = {
                "_day1": h["_day1"],
                "study_id": h["_study_id"],
                "form": label,
                "record_id": h["id"],
                "action": action,
                "who": h["history_user__username"] or "system",
                "when": when,
                "reason": h["history_change_reason"] or None,
            }
            if action == "deleted":
                yield {
                    **common,
                    "field": NA.NOT_APPLICABLE.value,
                    "old_value": NA.NOT_APPLICABLE.value,
                    "new_value": NA.NOT_APPLICABLE.value,
                }
                continue
            for name in tracked:
                new = h[name]
                if before is None:
                    if action != "created" or new in (None, ""):
                        continue
                    old_text = NA.NOT_APPLICABLE.value
                else:
                    old = before[name]
                    if old == new:
                        continue
                    old_text = _audit_text(old)
                yield {
                    **common,
                    "field": name,
                    "old_value": old_text,
                    "new_value": _audit_text(new),
                }


JOIN_CODES = Convert(
    python=";".join, sql="array_to_string(ARRAY(SELECT jsonb_array_elements_text({})), ';')"
)


# --- The declarations -------------------------------------------------------------------

PARTICIPANTS = Dataset(
    "participants",
    "Participants (wide: baseline, arm, visits, outcome)",
    [_participant_column(c) for c in participant_columns()],
    query=replace(PARTICIPANTS_QUERY, day1="participant__study_day_1"),
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
        # computed in SQL (_visit_annotations): status, and the missing codes
        Column(
            "status",
            "Visit status",
            "factor",
            allowed=STATUS,
            source="visit schedule",
            field="status",
        ),
        Column(
            "completed_on",
            "Visit date (or a missing code)",
            "date",
            source="visit form",
            field="completed_on",
            code_fields=("completed_code",),
            missing=VISIT_CELL_MISSING[:4],
        ),
        Column(
            "missed_reason_code",
            "Why the visit was missed",
            "factor",
            allowed=MISSED_REASONS,
            source="visit form",
            field="missed_reason_code",
            code_fields=("missed_reason_code_code",),
            missing=(
                (NA.NOT_APPLICABLE.value, "visit not missed"),
                (NA.UNKNOWN.value, "missed before reason codes were recorded"),
            ),
        ),
        Column(
            "missed_reason",
            "Reason the visit was missed (text)",
            "text",
            source="visit form",
            identifying=True,
            field="missed_reason",
            code_fields=("missed_reason_code_note",),
            missing=(
                (NA.NOT_APPLICABLE.value, "visit not missed"),
                (NA.NOT_ENTERED.value, "missed, no note (the code says why)"),
            ),
        ),
        Column(
            "out_of_window_reason",
            "Reason for an out-of-window visit (text)",
            "text",
            source="visit form",
            identifying=True,
            field="out_of_window_reason",
            missing=na(NA.NOT_APPLICABLE, "visit in its window, or not done"),
        ),
        Column(
            "death_date",
            "Date of death given at this visit",
            "date",
            source="visit form",
            field="death_date",
            code_fields=("death_code",),
            missing=(
                (NA.NOT_APPLICABLE.value, "vital status not dead, or not asked at this visit"),
                (NA.UNKNOWN.value, "vital status dead, no date given"),
            ),
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
            missing=na(NA.NOT_APPLICABLE, "not signed off"),
        ),
    ],
    query=Query(
        "outcomes.Visit",
        site="participant__site_id",
        period="target_date",
        order_by=("participant__site__code", "participant__site_sequence", "study_day"),
        annotate=_visit_annotations,
    ),
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
        Column(
            "value",
            "Value (as text, numbers with their column's decimals; or a missing code)",
            "text",
            source="visit form",
            missing=VISIT_CELL_MISSING,
        ),
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
        _dosing(
            "date",
            "Order date (site-local)",
            "date",
            missing=na(NA.NOT_APPLICABLE, "regimen without a start date (preview)"),
        ),
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
        _dosing(
            "dose_mg",
            "Dose per administration, dispensed (rounded to the protocol's step)",
            "decimal",
            unit="mg",
            decimals=1,
        ),
        _dosing(
            "calculated_dose_mg",
            "Dose per administration, calculated (before rounding)",
            "decimal",
            unit="mg",
            decimals=3,
        ),
        _dosing("times_per_day", "Administrations per day", "integer"),
        _dosing("daily_dose_mg", "Daily dose", "decimal", unit="mg", decimals=1),
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


# The organ labs of the assessment form, with the precision they are entered with.
LABS = (
    ("alt", "ALT", "U/L", 1),
    ("ast", "AST", "U/L", 1),
    ("bilirubin", "Bilirubin", "mg/dL", 2),
    ("creatinine", "Creatinine", "mg/dL", 2),
    ("eosinophils", "Eosinophils", "10^9/L", 3),
)

ASSESSMENTS = Dataset(
    "assessments",
    "Assessments and e-signed decisions",
    [
        *PARTICIPANT_KEYS,
        _assessment("number", "Decision number", "integer"),
        _assessment("study_day", "Study day of the decision", "integer", unit="study day"),
        _assessment("block", "Block ending on that day", "text"),
        *(
            _assessment(
                name,
                label,
                "decimal",
                unit=unit,
                decimals=decimals,
                missing=na(NA.NOT_DONE, "not measured for this assessment"),
            )
            for name, label, unit, decimals in LABS
        ),
        *(
            _assessment(
                f"baseline_{name}",
                f"{label} at baseline (as typed on the assessment form)",
                "decimal",
                unit=unit,
                decimals=decimals,
                missing=na(NA.NOT_DONE, "no baseline value"),
            )
            for name, label, unit, decimals in LABS
        ),
        _assessment(
            "suggested_improvement",
            "Suggested improvement (from labs)",
            "factor",
            allowed=IMPROVEMENT,
            missing=na(NA.NOT_APPLICABLE, "no suggestion: labs insufficient"),
        ),
        _assessment(
            "suggested_labs_trend",
            "Suggested labs trend",
            "factor",
            allowed=TREND,
            missing=na(NA.NOT_APPLICABLE, "no suggestion: labs insufficient"),
        ),
        _assessment(
            "improvement",
            "Improvement chosen by the investigator",
            "factor",
            allowed=IMPROVEMENT,
        ),
        _assessment("labs_trend", "Labs trend chosen by the investigator", "factor", allowed=TREND),
        replace(
            _assessment(
                "result",
                "What the decision led to",
                "text",
                missing=na(NA.NOT_APPLICABLE, "no consequence recorded"),
            ),
            source="dosing engine",
        ),
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
        _screening("egfr", "eGFR (CKD-EPI 2021)", "decimal", unit="mL/min/1.73m2", decimals=1),
        _screening("renal_impairment", "Renal impairment", "boolean"),
        _screening("eligible", "Eligible", "boolean"),
        _screening(
            "reasons",
            "Reason codes, ';'-separated",
            "text",
            convert=JOIN_CODES,
            missing=na(NA.NOT_APPLICABLE, "eligible: no reason"),
        ),
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
            missing=na(NA.NOT_APPLICABLE, "not an eligible patient who declined"),
        ),
        replace(
            STUDY_ID,
            label="Study ID if enrolled",
            missing=na(NA.NOT_APPLICABLE, "not enrolled"),
        ),
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
    "Audit trail: one row per changed field",
    [
        Column(
            "study_id",
            "Participant (study ID)",
            "text",
            source="audit trail",
            missing=na(NA.NOT_APPLICABLE, "screening of a patient not enrolled"),
        ),
        Column("form", "Form (record type)", "text", source="audit trail"),
        Column("record_id", "Record id", "integer", source="audit trail"),
        Column(
            "field",
            "Field (name in the record)",
            "text",
            source="audit trail",
            missing=na(NA.NOT_APPLICABLE, "record deleted: no field"),
        ),
        Column(
            "old_value",
            "Old value",
            "text",
            source="audit trail",
            identifying=True,
            missing=(
                (NA.NOT_APPLICABLE.value, "record created, or deleted: no earlier value"),
                (NA.EMPTY.value, "the field was empty"),
            ),
        ),
        Column(
            "new_value",
            "New value",
            "text",
            source="audit trail",
            identifying=True,
            missing=(
                (NA.EMPTY.value, "the field was emptied"),
                (NA.NOT_APPLICABLE.value, "record deleted"),
            ),
        ),
        Column("who", "User", "text", source="audit trail", identifying=True),
        Column("when", "When (UTC)", "datetime", source="audit trail"),
        Column(
            "action",
            "Action",
            "factor",
            allowed=(("created", "Created"), ("changed", "Changed"), ("deleted", "Deleted")),
            source="audit trail",
        ),
        Column(
            "reason",
            "Reason for change",
            "text",
            source="audit trail",
            identifying=True,
            missing=na(NA.UNKNOWN, "no reason recorded (history before reasons were required)"),
        ),
    ],
    build=audit_build,
)


# Administrations (issue 19, dosing app): one row per ordered administration recorded.
def _administration(name: str, label: str, type: str, **kw: Any) -> Column:
    return Column(name, label, type, source="administration record", field=name, **kw)


def _order(name: str, label: str, type: str, **kw: Any) -> Column:
    """A column of the administration's order (ordered_dose_mg, ordered_route, ...)."""
    column_name = f"ordered_{name}" if name in ("dose_mg", "route") else name
    return Column(column_name, label, type, source="dosing engine", field=f"order__{name}", **kw)


_NOT_GIVEN = "not given (held, refused or missed)"
ADMINISTRATIONS = Dataset(
    "administrations",
    "Administrations: what was given against each ordered dose",
    [
        *PARTICIPANT_KEYS,
        _order("day", "Study day of the order", "integer", unit="study day"),
        _order("date", "Order date (site-local)", "date"),
        _order(
            "drug",
            "Drug",
            "factor",
            allowed=(
                ("cyclosporine", "Cyclosporine"),
                ("methylprednisolone", "Methylprednisolone"),
                ("prednisone", "Prednisone"),
            ),
        ),
        _administration("number", "Administration of the day (1..times per day)", "integer"),
        _order("dose_mg", "Dose ordered per administration", "decimal", unit="mg", decimals=1),
        _order("route", "Route ordered", "factor", allowed=(("PO", "Oral"), ("IV", "Intravenous"))),
        _administration(
            "status",
            "What happened",
            "factor",
            allowed=(
                ("given", "Given"),
                ("given_late", "Given late"),
                ("held", "Held"),
                ("refused", "Refused"),
                ("missed", "Missed"),
            ),
        ),
        _administration(
            "dose_mg",
            "Dose given",
            "decimal",
            unit="mg",
            decimals=1,
            missing=na(NA.NOT_APPLICABLE, _NOT_GIVEN),
        ),
        _administration(
            "route",
            "Route given",
            "factor",
            allowed=(("PO", "Oral"), ("IV", "Intravenous")),
            missing=na(NA.NOT_APPLICABLE, _NOT_GIVEN),
        ),
        _administration(
            "given_at", "Given at (UTC)", "datetime", missing=na(NA.NOT_APPLICABLE, _NOT_GIVEN)
        ),
        _administration("given_by", "Given by", "text", identifying=True),
        _administration(
            "reason",
            "Reason (anything other than given as ordered)",
            "text",
            identifying=True,
            missing=na(NA.NOT_APPLICABLE, "given as ordered"),
        ),
        _administration("recorded_at", "Recorded at (UTC)", "datetime"),
    ],
    query=Query(
        "dosing.Administration",
        site="participant__site_id",
        period="order__date",
        order_by=("participant_id", "order__date", "order__drug", "number"),
    ),
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        PARTICIPANTS,
        VISITS,
        ENDPOINTS,
        ORDERS,
        ASSESSMENTS,
        ADMINISTRATIONS,
        SCREENING,
        RANDOMIZATION,
        AUDIT,
    )
}


# --- Safety (issue 17): adverse events, their versions, concomitant medications, deviations


def _safety(
    name: str, label: str, type: str, source: str = "adverse event form", **kw: Any
) -> Column:
    return Column(name, label, type, source=source, field=kw.pop("field", name), **kw)


_RELATED = (
    ("not_related", "Not related"),
    ("unlikely", "Unlikely"),
    ("possible", "Possible"),
    ("probable", "Probable"),
    ("definite", "Definite"),
)
_ACTION = (
    ("none", "None"),
    ("dose_reduced", "Dose reduced"),
    ("interrupted", "Interrupted"),
    ("withdrawn", "Withdrawn"),
    ("not_applicable", "Not applicable"),
)
_OUTCOME = (
    ("recovered", "Recovered/resolved"),
    ("recovering", "Recovering/resolving"),
    ("not_recovered", "Not recovered/not resolved"),
    ("recovered_with_sequelae", "Recovered with sequelae"),
    ("fatal", "Fatal"),
    ("unknown", "Unknown"),
)
_CRITERIA = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
)
AE_COLUMNS = [
    *PARTICIPANT_KEYS,
    _safety("ae_id", "Adverse event id", "integer", field="id"),
    _safety("term", "CTCAE v5.0 term (code)", "text", field="term__code"),
    _safety("term_name", "CTCAE v5.0 term", "text", field="term__name"),
    _safety("term_other", "Other term (free text)", "text", identifying=True),
    _safety("soc", "System organ class (code)", "text", field="soc__code"),
    _safety("onset_date", "Onset date", "date"),
    _safety("stop_date", "Stop date (empty when ongoing)", "date"),
    _safety("ongoing", "Ongoing", "boolean"),
    _safety(
        "grade", "CTCAE grade", "integer", allowed=tuple((str(g), str(g)) for g in range(1, 6))
    ),
    _safety("serious", "Serious", "boolean"),
    *(
        _safety(f"criterion_{c}", f"Seriousness criterion: {c.replace('_', ' ')}", "boolean")
        for c in _CRITERIA
    ),
    _safety("related_cyclosporine", "Relatedness to cyclosporine", "factor", allowed=_RELATED),
    _safety(
        "related_corticosteroids", "Relatedness to corticosteroids", "factor", allowed=_RELATED
    ),
    _safety("expected_cyclosporine", "Expected for cyclosporine", "boolean"),
    _safety("expected_corticosteroids", "Expected for corticosteroids", "boolean"),
    _safety("action_cyclosporine", "Action taken with cyclosporine", "factor", allowed=_ACTION),
    _safety(
        "action_corticosteroids", "Action taken with corticosteroids", "factor", allowed=_ACTION
    ),
    _safety("outcome", "Outcome", "factor", allowed=_OUTCOME),
    _safety("aware_at", "Site aware (UTC)", "datetime"),
    _safety("report_due_at", "Initial SAE report due (UTC)", "datetime"),
    _safety("reported_at", "Initial SAE report signed (UTC)", "datetime"),
    _safety("susar", "SUSAR", "boolean"),
    _safety("version", "Report version (0 initial, then follow-ups)", "integer"),
]
ADVERSE_EVENTS = Dataset(
    "adverse_events",
    "Adverse events (current version)",
    AE_COLUMNS,
    query=Query(
        "safety.AdverseEvent",
        site="participant__site_id",
        period="onset_date",
        order_by=("participant_id", "onset_date", "id"),
    ),
)
AE_VERSIONS = Dataset(
    "ae_versions",
    "Adverse events: every saved version (initial, corrections, follow-up reports)",
    [
        *AE_COLUMNS,
        _safety("history_id", "Version row id", "integer", source="audit trail"),
        _safety("history_date", "Saved at (UTC)", "datetime", source="audit trail"),
        _safety(
            "history_type",
            "Change",
            "factor",
            source="audit trail",
            allowed=(("+", "Created"), ("~", "Changed"), ("-", "Deleted")),
        ),
        _safety(
            "history_user",
            "Saved by (username)",
            "text",
            source="audit trail",
            field="history_user__username",
            identifying=True,
        ),
        _safety(
            "history_change_reason",
            "Reason for change",
            "text",
            source="audit trail",
            identifying=True,
        ),
    ],
    query=Query(
        "safety.HistoricalAdverseEvent",
        site="participant__site_id",
        period="history_date__date",
        order_by=("id", "history_date", "history_id"),
    ),
)
_CM = "concomitant medication form"
CONCOMITANT_MEDICATIONS = Dataset(
    "concomitant_medications",
    "Concomitant medications (culprit drug flagged, CYP3A4 interactions)",
    [
        *PARTICIPANT_KEYS,
        _safety("conmed_id", "Medication id", "integer", _CM, field="id"),
        _safety("drug", "Drug", "text", _CM),
        _safety("indication", "Indication", "text", _CM),
        _safety("dose", "Dose", "decimal", _CM, decimals=3),
        _safety("unit", "Dose unit", "text", _CM),
        _safety("route", "Route", "text", _CM),
        _safety("frequency", "Frequency", "text", _CM),
        _safety("start_date", "Start date", "date", _CM),
        _safety("stop_date", "Stop date (empty when ongoing)", "date", _CM),
        _safety("ongoing", "Ongoing", "boolean", _CM),
        _safety("culprit", "Suspected culprit drug of the DRESS episode", "boolean", _CM),
        _safety("reaction_onset_date", "DRESS onset date (culprit drug)", "date", _CM),
        _safety(
            "cyp3a4",
            "Strong CYP3A4 interaction with cyclosporine",
            "text",
            _CM,
            allowed=(("inhibitor", "Inhibitor"), ("inducer", "Inducer")),
        ),
    ],
    query=Query(
        "safety.ConcomitantMedication",
        site="participant__site_id",
        period="start_date",
        order_by=("participant_id", "start_date", "id"),
    ),
)
_DV = "deviation log"
DEVIATIONS = Dataset(
    "deviations",
    "Protocol deviations (logged, or proposed by dressdb and decided)",
    [
        *PARTICIPANT_KEYS,
        _safety("deviation_id", "Deviation id", "integer", _DV, field="id"),
        _safety("kind", "Kind", "text", _DV),
        _safety("occurred_on", "Date", "date", _DV),
        _safety("description", "Description", "text", _DV, identifying=True),
        _safety("reason", "Why it happened", "text", _DV, identifying=True),
        _safety("impact_safety", "Impact on participant safety", "boolean", _DV),
        _safety("impact_endpoints", "Impact on the endpoints", "boolean", _DV),
        _safety(
            "corrective_action", "Corrective and preventive action", "text", _DV, identifying=True
        ),
        _safety("irb_reportable", "Reportable to the IRB", "boolean", _DV),
        _safety(
            "status",
            "Status",
            "factor",
            _DV,
            allowed=(
                ("proposed", "Proposed by dressdb"),
                ("open", "Confirmed, open"),
                ("dismissed", "Dismissed"),
                ("reviewed", "Reviewed (signed)"),
            ),
        ),
        _safety(
            "status_reason", "Reason for confirming or dismissing", "text", _DV, identifying=True
        ),
        _safety("proposed", "Proposed by dressdb", "boolean", _DV),
    ],
    query=Query(
        "safety.ProtocolDeviation",
        site="participant__site_id",
        period="occurred_on",
        order_by=("participant_id", "occurred_on", "id"),
    ),
)
DATASETS |= {d.name: d for d in (ADVERSE_EVENTS, AE_VERSIONS, CONCOMITANT_MEDICATIONS, DEVIATIONS)}


# Data management (issue 18): queries and SDV. Declared by model label: reports sits
# below datamanagement in the floors and never imports it.
def _dm(name: str, label: str, type: str, **kw: Any) -> Column:
    kw.setdefault("field", name)
    return Column(name, label, type, source="data management", **kw)


QUERY_STATUS = (
    ("open", "Open"),
    ("answered", "Answered"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
)
QUERIES = Dataset(
    "queries",
    "Queries (discrepancy notes)",
    [
        *PARTICIPANT_KEYS,
        _dm("query_id", "Query number", "integer", field="id"),
        _dm("form", "Form", "text"),
        _dm("record_id", "Record id within the form", "integer", field="object_id"),
        _dm("field", "Field", "text"),
        _dm("status", "Status", "factor", allowed=QUERY_STATUS),
        _dm(
            "origin",
            "Raised by",
            "factor",
            allowed=(("manual", "A person"), ("auto", "An automatic edit check")),
        ),
        _dm("rule", "Edit check", "text", missing=na(NA.NOT_APPLICABLE, "raised by a person")),
        _dm("text", "Question", "text", identifying=True),
        _dm("opened_at", "Opened (UTC)", "datetime"),
        _dm(
            "answered_at",
            "Answered (UTC)",
            "datetime",
            missing=na(NA.NOT_APPLICABLE, "not answered"),
        ),
        _dm("closed_at", "Closed (UTC)", "datetime", missing=na(NA.NOT_APPLICABLE, "still open")),
        _dm(
            "correction_history_id",
            "History row of the correction",
            "integer",
            missing=na(NA.NOT_APPLICABLE, "no correction linked"),
        ),
    ],
    query=Query(
        "datamanagement.Query",
        site="participant__site_id",
        period="opened_at__date",
        order_by=("participant_id", "opened_at", "id"),
    ),
)
SDV = Dataset(
    "sdv",
    "Source data verification",
    [
        *PARTICIPANT_KEYS,
        _dm("form", "SDV form", "text"),
        _dm("record_id", "Record id within the form", "integer", field="object_id"),
        _dm(
            "status",
            "SDV status",
            "factor",
            allowed=(
                ("not_required", "Not required"),
                ("to_verify", "To verify"),
                ("verified", "Verified"),
                ("reverify", "Needs re-verification"),
            ),
        ),
        _dm(
            "verified_by",
            "Verified by",
            "text",
            field="verified_by__username",
            identifying=True,
            missing=na(NA.NOT_APPLICABLE, "not verified"),
        ),
        _dm(
            "verified_at",
            "Verified (UTC)",
            "datetime",
            missing=na(NA.NOT_APPLICABLE, "not verified"),
        ),
    ],
    query=Query(
        "datamanagement.SdvRecord",
        site="participant__site_id",
        period="participant__enrolled_at__date",
        order_by=("participant_id", "form", "object_id"),
    ),
)
DATASETS |= {d.name: d for d in (QUERIES, SDV)}


# Consent-form versions (issue 18): each consent a participant gave, on which version.
def _consent(name: str, label: str, type: str, **kw: Any) -> Column:
    kw.setdefault("field", name)
    return Column(name, label, type, source="consent form", **kw)


CONSENTS = Dataset(
    "consents",
    "Consents (version signed, by whom, when)",
    [
        *PARTICIPANT_KEYS,
        _consent("version", "Consent-form version", "text", field="version__label"),
        _consent(
            "version_effective_on",
            "Version effective from",
            "date",
            field="version__effective_on",
        ),
        _consent(
            "kind",
            "Consent kind",
            "factor",
            allowed=(("initial", "Initial consent (enrolment)"), ("reconsent", "Re-consent")),
        ),
        _consent("consented_on", "Date of the signature (site date)", "date"),
        _consent(
            "signer",
            "Signed by",
            "factor",
            allowed=(
                ("participant", "The participant"),
                ("representative", "A legally authorised representative"),
            ),
        ),
        _consent(
            "representative_relationship",
            "Representative's relationship to the participant",
            "text",
            identifying=True,
            missing=na(NA.NOT_APPLICABLE, "signed by the participant"),
        ),
        _consent("obtained_by", "Consent obtained by", "text", identifying=True),
        _consent("recorded_at", "Recorded (UTC)", "datetime"),
    ],
    query=Query(
        "enrollment.ParticipantConsent",
        site="participant__site_id",
        period="consented_on",
        order_by=("participant_id", "consented_on", "id"),
    ),
)
DATASETS |= {CONSENTS.name: CONSENTS}
