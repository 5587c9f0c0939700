"""Export fidelity (issue 15 item 5 and its follow-ups): field-level audit.csv, each
numeric column at its declared precision, a missing code in every empty cell, the
baseline labs of the assessment form, and the participant's status, reconciled death,
withdrawal and vital status by day in the participants dataset."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.synthetic import seed_trial
from dosing.models import Assessment
from enrollment.audit import participant_audit_trail
from enrollment.models import Participant
from outcomes import services as outcomes_services
from outcomes.models import HospitalCourse, Visit
from reports.csvstream import MISSING_CODES, Column, decimal_text, format_value
from reports.exports import DATASETS, csv_lines, dictionary_rows
from reports.r_loader import r_script

pytestmark = pytest.mark.django_db


def rows_of(name: str, site_ids: list[int], *, deidentify: bool = False) -> list[dict[str, str]]:
    text = "".join(csv_lines(DATASETS[name], site_ids, None, None, deidentify=deidentify))
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def trial(site_a, site_b, trial_admin):
    seed_trial(sites=[site_a, site_b], participants=12, user=trial_admin)
    return [site_a.pk, site_b.pk]


# --- Missing codes ------------------------------------------------------------------------

# The datasets whose columns declare every code they write (issue 15 item 5); a column
# that declares none writes NA_UNKNOWN for an absent value.
DECLARED = (
    "participants",
    "visits",
    "endpoints",
    "orders",
    "assessments",
    "screening",
    "randomization",
    "audit",
)


def test_every_empty_cell_carries_a_missing_code_its_column_declares(trial):
    for name, dataset in DATASETS.items():
        for deidentify in (False, True):
            columns = {
                c.name: c
                for c in (col.deidentified() if deidentify else col for col in dataset.columns)
                if c is not None
            }
            rows = rows_of(name, trial, deidentify=deidentify)
            assert rows or name not in DECLARED, name
            for row in rows:
                for key, value in row.items():
                    assert value != "", (name, deidentify, key)
                    if value in MISSING_CODES and name in DECLARED:
                        declared = {code for code, _ in columns[key].missing}
                        assert value in declared, (name, deidentify, key, value)


def test_the_dictionary_lists_each_columns_missing_codes_and_decimals():
    rows = list(dictionary_rows())
    header = rows[0]
    assert header[8:] == ["decimals", "missing_codes"]
    by_key = {(r[2], r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_key[("orders", "dose_mg")]["decimals"] == "1"
    assert by_key[("assessments", "bilirubin")]["decimals"] == "2"
    assert by_key[("assessments", "baseline_eosinophils")]["decimals"] == "3"
    assert by_key[("participants", "withdrawn_on")]["missing_codes"] == (
        "NA_NOT_APPLICABLE=not withdrawn"
    )
    assert (
        "NA_MISSED=visit recorded as missed" in by_key[("visits", "completed_on")]["missing_codes"]
    )
    for code in ("NA_NOT_DUE", "NA_MISSED", "NA_NOT_DONE", "NA_UNKNOWN", "NA_NOT_APPLICABLE"):
        assert by_key[("(all)", code)]["type"] == "missing code"


def test_a_column_declares_only_known_codes_and_decimals_for_decimals():
    with pytest.raises(ValueError, match="precision"):
        Column("x", "X", "decimal")
    with pytest.raises(ValueError, match="unknown missing codes"):
        Column("x", "X", "text", missing=(("NA_WHATEVER", "never"),))
    column = Column("x", "X", "date", missing=(("NA_NOT_APPLICABLE", "no x"),))
    assert format_value(None, column, None, False) == "NA_NOT_APPLICABLE"
    assert format_value("", column, None, False) == "NA_NOT_APPLICABLE"
    assert format_value("NA_MISSED", column, None, False) == "NA_MISSED"
    studyday = column.deidentified()
    assert studyday is not None and studyday.missing[0] == column.missing[0]
    assert format_value(None, studyday, dt.date(2026, 1, 1), True) == "NA_NOT_APPLICABLE"
    # a date without study day 1 (never randomized) has no study day
    assert format_value(dt.date(2026, 1, 5), studyday, None, True) == "NA_NOT_APPLICABLE"


# --- Precision ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Decimal("1.200"), 1, "1.2"),
        (Decimal("3"), 1, "3.0"),
        (3, 2, "3.00"),
        (Decimal("0.05"), 1, "0.1"),  # half away from zero, as PostgreSQL's round()
        (Decimal("2.25"), 1, "2.3"),
        (Decimal("87.5"), 1, "87.5"),
        (Decimal("1.2345"), 3, "1.235"),
        (1.5, 0, "2"),
        (Decimal("0"), 3, "0.000"),
    ],
)
def test_decimal_text(value, decimals, expected):
    assert decimal_text(value, decimals) == expected


def test_each_numeric_column_has_its_declared_precision(trial):
    Assessment.objects.filter(pk=Assessment.objects.order_by("pk").values("pk")[:1]).update(
        alt=Decimal("40"), baseline_bilirubin=Decimal("1.2"), eosinophils=Decimal("0.5")
    )
    checked = 0
    for name, dataset in DATASETS.items():
        decimals = {c.name: c.decimals for c in dataset.columns if c.type == "decimal"}
        integers = {c.name for c in dataset.columns if c.type == "integer"}
        for row in rows_of(name, trial):
            for key, value in row.items():
                if value in MISSING_CODES:
                    continue
                if key in decimals:
                    digits = decimals[key]
                    pattern = rf"-?\d+\.\d{{{digits}}}" if digits else r"-?\d+"
                    assert re.fullmatch(pattern, value), (name, key, value)
                    checked += 1
                elif key in integers:
                    assert re.fullmatch(r"-?\d+", value), (name, key, value)
    assert checked > 50
    endpoint_values = [
        r["value"]
        for r in rows_of("endpoints", trial)
        if r["endpoint"] == "eosinophil_count" and r["value"] not in MISSING_CODES
    ]
    assert endpoint_values
    assert all(re.fullmatch(r"\d+\.\d{2}", v) for v in endpoint_values)


# --- Baseline labs of the assessment form -----------------------------------------------


def test_the_baseline_labs_of_the_assessment_form_are_exported(trial):
    assessment = Assessment.objects.order_by("pk").first()
    assert assessment is not None
    Assessment.objects.filter(pk=assessment.pk).update(
        baseline_alt=Decimal("312.0"),
        baseline_ast=Decimal("95"),
        baseline_bilirubin=Decimal("1.5"),
        baseline_creatinine=None,
        baseline_eosinophils=Decimal("2.41"),
    )
    rows = rows_of("assessments", trial)
    row = next(
        r
        for r in rows
        if r["study_id"] == assessment.participant.study_id
        and r["number"] == str(assessment.number)
    )
    assert row["baseline_alt"] == "312.0"
    assert row["baseline_ast"] == "95.0"
    assert row["baseline_bilirubin"] == "1.50"
    assert row["baseline_creatinine"] == "NA_NOT_DONE"
    assert row["baseline_eosinophils"] == "2.410"
    script = r_script()
    assert "baseline_alt = col_double()" in script


# --- audit.csv: one row per changed field --------------------------------------------


def test_audit_csv_has_one_row_per_changed_field(trial, coordinator_a, site_a):
    from outcomes.services import visit_mark_missed

    visit = (
        Visit.objects.filter(
            participant__site=site_a, completed_on__isnull=True, missed=False, locked=False
        )
        .order_by("pk")
        .first()
    )
    assert visit is not None
    participant = visit.participant
    visit_mark_missed(
        visit=visit, user=coordinator_a, reason="Moved abroad", reason_code="unreachable"
    )
    rows = [r for r in rows_of("audit", trial) if r["study_id"] == participant.study_id]
    assert set(rows[0]) == {
        "study_id",
        "form",
        "record_id",
        "field",
        "old_value",
        "new_value",
        "who",
        "when",
        "action",
        "reason",
    }
    missed = next(
        r
        for r in rows
        if r["form"] == "Visit"
        and r["record_id"] == str(visit.pk)
        and r["field"] == "missed"
        and r["action"] == "changed"
    )
    assert (missed["old_value"], missed["new_value"]) == ("false", "true")
    assert missed["who"] == coordinator_a.username and missed["action"] == "changed"
    assert missed["when"].endswith("Z")
    created = [r for r in rows if r["action"] == "created"]
    assert created and {r["old_value"] for r in created} == {"NA_NOT_APPLICABLE"}
    # the same changes as the participant's audit page, field for field
    page = participant_audit_trail(participant)
    assert len(rows) == len(page)
    assert sorted((r["form"], int(r["record_id"]), r["action"]) for r in rows) == sorted(
        (e.record, e.record_id, e.action) for e in page
    )
    # de-identified: no values, users or reasons; when becomes a study day
    deid = rows_of("audit", trial, deidentify=True)
    assert deid and set(deid[0]) == {
        "study_id",
        "form",
        "record_id",
        "field",
        "when_studyday",
        "action",
    }


def test_audit_csv_reads_each_history_table_once(site_a, site_b, trial_admin):
    from reports.csvstream import Scope
    from reports.datasets import audit_sources

    seed_trial(sites=[site_a], participants=2, user=trial_admin, seed=1)
    tables = len(list(audit_sources(Scope([site_a.pk, site_b.pk]))))
    counts = []
    for extra in (0, 6):
        if extra:
            seed_trial(sites=[site_b], participants=extra, user=trial_admin, seed=2)
        with CaptureQueriesContext(connection) as queries:
            n = sum(1 for _ in csv_lines(DATASETS["audit"], [site_a.pk, site_b.pk], None, None))
        counts.append(len(queries))
        assert n > 1
    assert counts[0] == counts[1] <= tables + 2


def test_audit_csv_period_compares_with_versions_before_the_start(trial, coordinator_a, site_a):
    from django.utils import timezone

    participant = Participant.objects.filter(site=site_a).order_by("pk").first()
    assert participant is not None
    participant.npo = True
    participant._change_reason = "Nil by mouth"  # type: ignore[attr-defined]
    participant._history_user = coordinator_a  # type: ignore[attr-defined]
    participant.save()
    today = timezone.localdate()
    text = "".join(csv_lines(DATASETS["audit"], trial, today, today))
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["study_id"] == participant.study_id]
    npo = next(r for r in rows if r["field"] == "npo" and r["action"] == "changed")
    assert (npo["old_value"], npo["new_value"], npo["reason"]) == ("false", "true", "Nil by mouth")


# --- Participants: status, reconciled death, withdrawal, vital status by day ------------


def test_participants_status_death_withdrawal_and_vital_status(trial, site_a):
    from django.utils import timezone

    from enrollment.status import STATE_LABELS

    people = list(Participant.objects.filter(site=site_a).order_by("pk")[:3])
    assert len(people) == 3
    dead, withdrawn, disputed = people
    assert dead.study_day_1 is not None and withdrawn.study_day_1 is not None
    day1, withdrawn_day1 = dead.study_day_1, withdrawn.study_day_1
    died_on = day1 + dt.timedelta(days=9)
    Participant.objects.filter(pk=dead.pk).update(died_on=died_on)
    Participant.objects.filter(pk=withdrawn.pk).update(
        withdrawal_kind="consent",
        withdrawn_on=withdrawn_day1 + dt.timedelta(days=2),
        treatment_withdrawn_on=withdrawn_day1 + dt.timedelta(days=2),
        status="withdrawn",
    )
    Participant.objects.filter(pk=disputed.pk).update(
        death_discrepancy="The dates of death disagree: died 2026-01-02; died 2026-01-03."
    )
    # a death given at a visit is the only evidence for the vital status by day
    Visit.objects.filter(participant=dead).update(completed_on=None, missed=False)
    HospitalCourse.objects.filter(participant=dead).update(
        discharge_date=None, readmission_date=None, death_date=None
    )
    Visit.objects.filter(participant=dead, name="day30").update(
        completed_on=day1 + dt.timedelta(days=29),
        vital_status="dead",
        death_date=died_on,
    )
    # the outcomes service stores what the visits now say (enrollment's death evidence)
    outcomes_services.participant_vital_sync(
        participant=dead, user=dead.created_by, reason="Test: visits edited in place"
    )
    rows = {r["study_id"]: r for r in rows_of("participants", trial)}
    d, w, q = rows[dead.study_id], rows[withdrawn.study_id], rows[disputed.study_id]
    assert d["status"] == "died" and d["died_on"] == died_on.isoformat()
    assert d["death_discrepancy"] == "NA_NOT_APPLICABLE"
    assert d["vital_status_day7"] == "alive"  # died on day 10
    assert d["vital_status_day30"] == d["vital_status_day90"] == "died"
    assert w["status"] == "withdrawn" and w["withdrawal_kind"] == "consent"
    assert w["consent_withdrawn"] == "true" and w["treatment_withdrawn_on"] != ""
    assert w["withdrawn_on"] == (withdrawn_day1 + dt.timedelta(days=2)).isoformat()
    assert q["status"] == "died" and q["died_on"] == "NA_UNKNOWN"
    assert q["death_discrepancy"].startswith("The dates of death disagree")
    others = [r for sid, r in rows.items() if sid not in (dead.study_id, withdrawn.study_id)]
    assert {r["withdrawal_kind"] for r in others} == {"NA_NOT_APPLICABLE"}
    assert {r["consent_withdrawn"] for r in others} == {"false"}
    assert all(r["vital_status_day90"] in ("alive", "died", "unknown") for r in rows.values())
    states = {r["status"] for r in rows.values()}
    assert states <= {str(s) for s in STATE_LABELS}
    # the labels are in the dictionary and the R loader
    entry = next(r for r in dictionary_rows() if r[2] == "participants" and r[0] == "status")
    assert "died=Died" in entry[5] and "on_treatment=On treatment" in entry[5]
    assert "participants$vital_status_day30 <- factor(" in r_script()
    assert timezone.localdate() >= day1


def test_participants_build_reads_a_constant_number_of_queries(site_a, site_b, trial_admin):
    counts = []
    for sites, n, seed in (([site_a], 2, 1), ([site_b], 10, 2)):
        seed_trial(sites=sites, participants=n, user=trial_admin, seed=seed)
        with CaptureQueriesContext(connection) as queries:
            rows = list(csv_lines(DATASETS["participants"], [site_a.pk, site_b.pk], None, None))
        counts.append(len(queries))
        assert len(rows) > n
    assert counts[0] == counts[1] <= 5


def test_visits_export_the_missed_reason_code_and_the_date_of_death(trial, site_a):
    visits = list(Visit.objects.filter(participant__site=site_a).order_by("pk")[:3])
    missed, dead, undated = visits
    Visit.objects.filter(pk=missed.pk).update(
        completed_on=None, missed=True, missed_reason_code="unreachable", missed_reason="moved"
    )
    Visit.objects.filter(pk=dead.pk).update(
        completed_on=dead.target_date, vital_status="dead", death_date=dead.target_date
    )
    Visit.objects.filter(pk=undated.pk).update(
        completed_on=undated.target_date, vital_status="dead", death_date=None
    )
    rows = rows_of("visits", trial)

    def row(v: Visit) -> dict[str, str]:
        return next(
            r for r in rows if r["study_id"] == v.participant.study_id and r["visit"] == v.name
        )

    assert row(missed)["missed_reason_code"] == "unreachable"
    assert row(missed)["completed_on"] == "NA_MISSED"
    assert row(dead)["death_date"] == dead.target_date.isoformat()
    assert row(dead)["missed_reason_code"] == "NA_NOT_APPLICABLE"
    assert row(undated)["death_date"] == "NA_UNKNOWN"
    entry = next(r for r in dictionary_rows() if r[2] == "visits" and r[0] == "missed_reason_code")
    assert "unreachable=moved or unreachable" in entry[5]
