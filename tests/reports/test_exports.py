"""CSV exports: columns vs dictionary, R loader, scope, CSV injection, missing codes,
de-identification, streaming, audit entries, the analysis pack."""

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.test import APIClient

from demo.synthetic import seed_trial
from dosing.models import Assessment, Order
from dressdb.models import SecurityEvent
from enrollment.models import Screening
from outcomes import services as outcomes_services
from outcomes.models import Visit
from reports.exports import DATASETS, dictionary_rows, neutralise
from reports.models import ExportJob
from reports.r_loader import r_script
from reports.stat_syntax import SYNTAX_FILES
from tests.api_tokens import api_key

pytestmark = pytest.mark.django_db


def parse(response) -> list[dict[str, str]]:
    body = (
        b"".join(response.streaming_content)
        if hasattr(response, "streaming_content")
        else response.content
    )
    text = body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def trial(site_a, site_b, trial_admin):
    seed_trial(sites=[site_a, site_b], participants=24, user=trial_admin)
    _safety_rows(trial_admin)


def _safety_rows(trial_admin):
    """One adverse event with a follow-up, one medication and one deviation, so that the
    safety datasets have rows too (the synthetic trial records none). At a third site, so
    the study IDs do not meet the synthetic trial's."""
    from dressdb.models import Role
    from safety import services
    from tests.factories import MembershipFactory, SiteFactory, UserFactory
    from tests.safety.helpers import ae_input, recent_participant
    from tests.safety.test_conmeds import conmed

    site = SiteFactory.create(code="SITEC", name="Site C", time_zone="UTC")
    coordinator = UserFactory.create(username="coord_c")
    MembershipFactory.create(user=coordinator, site=site, role=Role.COORDINATOR)
    participant = recent_participant(site, coordinator)
    ae = services.ae_create(participant=participant, user=coordinator, data=ae_input(participant))
    services.ae_update(
        adverse_event=ae,
        user=coordinator,
        data=ae_input(participant, outcome="recovering"),
        reason="Day 3",
        follow_up=True,
    )
    services.conmed_save(participant=participant, user=coordinator, data=conmed(participant))
    services.deviation_save(
        participant=participant,
        user=coordinator,
        data=services.DeviationInput(
            kind="eligibility",
            occurred_on=participant.study_day_1,
            description="Randomized before the eGFR result",
        ),
    )
    # A new consent-form version, and the participant's re-consent on it (consents.csv).
    import datetime as dt

    from django.utils import timezone

    from enrollment import consent_services

    today = timezone.localdate(timezone=site.tz)
    version = consent_services.consent_version_create(
        user=trial_admin,
        label="v2.0",
        effective_on=today - dt.timedelta(days=1),
        irb_approved_on=today - dt.timedelta(days=2),
        document="ICF-v2.0.pdf",
        sites=[site],
    )
    consent_services.consent_record(
        participant=participant,
        user=coordinator,
        version=version,
        consented_on=today,
        obtained_by="Dr Consent",
    )


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_dataset_matches_the_dictionary(login, statistician, trial, name):
    response = login(statistician).get(f"/reports/exports/{name}.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    lines = list(csv.reader(io.StringIO(body)))
    documented = [r[0] for r in dictionary_rows() if r[2] == name]
    assert lines[0] == documented
    assert len(lines) > 1, name
    assert len({len(line) for line in lines}) == 1  # every row has the same shape


def test_dictionary_has_the_required_columns(login, statistician):
    response = login(statistician).get("/reports/exports/dictionary.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:8] == [
        "variable",
        "label",
        "dataset",
        "type",
        "unit",
        "allowed_values",
        "visit",
        "source_form",
    ]
    assert rows[0][8:] == ["decimals", "missing_codes"]  # issue 15 item 5
    arm = next(r for r in rows if r[0] == "arm" and r[2] == "participants")
    assert arm[5] == "cyclosporine=Cyclosporine; steroids=Corticosteroids"
    assert any(r[0] == "NA_MISSED" for r in rows)


@pytest.mark.parametrize("deidentify", [False, True])
def test_r_loader_names_only_existing_columns(deidentify):
    script = r_script(deidentify)
    documented: dict[str, set[str]] = {}
    for row in list(dictionary_rows(deidentify))[1:]:
        documented.setdefault(row[2], set()).add(row[0])
    for name in DATASETS:
        block = re.search(rf"{name} <- read_csv\(.*?\)\)\n", script, re.S)
        assert block, name
        named = set(re.findall(r"^\s+(\w+) = col_", block.group(0), re.M))
        assert named == documented[name], name
        for column in re.findall(rf"{name}\$(\w+) <- factor", script):
            assert column in documented[name]
    assert "library(readr)" in script and "NA_MISSED" in script


@pytest.mark.parametrize("persona", ["coordinator_a", "investigator_a", "pharmacist_a"])
def test_other_roles_cannot_export(request, login, trial, persona):
    user = request.getfixturevalue(persona)
    client = login(user)
    for url in (
        "/reports/exports/",
        "/reports/exports/participants.csv",
        "/reports/exports/dictionary.csv",
        "/reports/exports/randomization.csv",
    ):
        assert client.get(url).status_code == 403, url
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    assert api.get("/api/v1/exports/participants.csv").status_code == 403


def test_site_filter_holds(login, statistician, trial, site_a):
    rows = parse(login(statistician).get(f"/reports/exports/participants.csv?sites={site_a.pk}"))
    assert rows and {r["site"] for r in rows} == {"SITEA"}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(statistician)}")
    response = api.get("/api/v1/exports/orders.csv?site=SITEB")
    assert response.status_code == 200
    assert {r["site"] for r in parse(response)} == {"SITEB"}
    assert api.get("/api/v1/exports/orders.csv?site=NOPE").status_code == 400
    assert api.get("/api/v1/exports/nothing.csv").status_code == 404


@pytest.mark.parametrize("value", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "\nx"])
def test_csv_injection_is_neutralised(value):
    assert neutralise(value) == "'" + value
    assert neutralise("safe") == "safe"


def test_injection_in_stored_text_and_numbers_stay_numeric(login, statistician, trial, site_a):
    screening = Screening.objects.filter(site=site_a, outcome="eligible_not_consented").first()
    assert screening is not None
    screening.not_consented_reason = '=HYPERLINK("http://evil","x")'
    screening.save()
    rows = parse(login(statistician).get("/reports/exports/screening.csv"))
    row = next(
        r
        for r in rows
        if r["screening_number"] == str(screening.screening_number) and r["site"] == "SITEA"
    )
    assert row["not_consented_reason"].startswith("'=")
    orders = parse(login(statistician).get("/reports/exports/orders.csv"))
    assert all(not o["dose_mg"].startswith("'") for o in orders)
    float(orders[0]["dose_mg"])


def test_missed_visit_gets_missing_codes(login, statistician, coordinator_a, coordinator_b, trial):
    visit = Visit.objects.filter(
        completed_on__isnull=True, missed=False, window_closes__lt=timezone.localdate()
    ).first()
    assert visit is not None
    # The visit's own site coordinator (data entry is delegated per site, issue 21).
    user = coordinator_a if visit.participant.site.code == "SITEA" else coordinator_b
    outcomes_services.visit_mark_missed(visit=visit, user=user, reason="No show")
    rows = parse(login(statistician).get("/reports/exports/participants.csv"))
    row = next(r for r in rows if r["study_id"] == visit.participant.study_id)
    assert row[f"{visit.name}_status"] == "missed"
    for endpoint in visit.endpoint_names:
        if not endpoint.endswith("_load") and endpoint not in (
            "autoimmune_type",
            "autoimmune_other",
        ):
            assert row[f"{visit.name}_{endpoint}"] == "NA_MISSED"
    visits = parse(login(statistician).get("/reports/exports/visits.csv"))
    missed = next(
        v
        for v in visits
        if v["study_id"] == visit.participant.study_id and v["visit"] == visit.name
    )
    assert missed["completed_on"] == "NA_MISSED"


def test_deidentified_export_has_no_dates_or_initials(login, statistician, trial):
    client = login(statistician)
    iso_date = re.compile(r"\b\d{4}-\d{2}-\d{2}")
    for name in DATASETS:
        response = client.get(f"/reports/exports/{name}.csv?deidentify=on")
        body = b"".join(response.streaming_content).decode()
        assert not iso_date.search(body), name
        header = body.splitlines()[0]
        assert "initials" not in header and "death_cause" not in header
    rows = parse(client.get("/reports/exports/participants.csv?deidentify=on"))
    assert rows[0]["day1_studyday"] == "1"


def test_bom_option(login, statistician, trial):
    body = b"".join(login(statistician).get("/reports/exports/visits.csv?bom=on").streaming_content)
    assert body.startswith("\ufeff".encode())


def test_each_export_is_audited(login, statistician, trial, site_a):
    b"".join(
        login(statistician)
        .get(f"/reports/exports/orders.csv?sites={site_a.pk}&start=2026-01-01")
        .streaming_content
    )
    event = SecurityEvent.objects.filter(kind="export").latest("at")
    assert event.user == statistician
    assert event.detail["dataset"] == "orders"
    assert event.detail["filters"]["site_ids"] == [site_a.pk]
    assert event.detail["filters"]["start"] == "2026-01-01"
    assert event.detail["rows"] > 0


def test_bad_dates_are_400_with_field(login, statistician):
    response = login(statistician).get("/reports/exports/orders.csv?start=yesterday")
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_date_range_filters_orders(login, statistician, trial):
    today = timezone.localdate()
    rows = parse(
        login(statistician).get(
            f"/reports/exports/orders.csv?start={today.isoformat()}&end={today.isoformat()}"
        )
    )
    assert all(r["date"] == today.isoformat() for r in rows)


def test_analysis_pack_builds_and_parses(
    login, statistician, trial, django_capture_on_commit_callbacks
):
    client = login(statistician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/exports/pack/", {"bom": "on"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == "done" and job.progress == 100
    status = client.get(f"/reports/exports/pack/{job.pk}/").content.decode()
    assert "Download" in status
    download = client.get(f"/reports/exports/pack/{job.pk}/download/")
    data = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as pack:
        names = set(pack.namelist())
        assert names == {f"{n}.csv" for n in DATASETS} | {
            "data_dictionary.csv",
            "load_dressdb.R",
            *(filename for filename, _ in SYNTAX_FILES.values()),
        }
        participants = list(
            csv.DictReader(io.StringIO(pack.read("participants.csv").decode("utf-8-sig")))
        )
        assert len(participants) == 24
    assert SecurityEvent.objects.filter(kind="export", detail__dataset="analysis_pack").exists()
    # another user's pack is not reachable
    other = ExportJob.objects.create(user=statistician.__class__.objects.create(username="x"))
    assert client.get(f"/reports/exports/pack/{other.pk}/").status_code == 404


def test_export_page(login, statistician, trial):
    body = login(statistician).get("/reports/exports/").content.decode()
    assert "Download participants.csv" in body and "Build the analysis pack" in body


def test_date_helper_roundtrip():
    assert dt.date.fromisoformat("2026-11-25").isoformat() == "2026-11-25"


@pytest.mark.postgres
def test_copy_path_gives_the_same_rows_as_the_python_path(statistician, trial, site_a, site_b):
    from django.db import connection

    from reports.copy_export import copy_available, copy_lines
    from reports.exports import csv_lines

    assert connection.vendor == "postgresql"
    assert copy_available("orders", deidentify=False)
    assert not copy_available("orders", deidentify=True)
    ids = [site_a.pk, site_b.pk]
    start = timezone.localdate() - dt.timedelta(days=30)
    python_rows = list(
        csv.reader(io.StringIO("".join(csv_lines(DATASETS["orders"], ids, start, None))))
    )
    counter: list[int] = []
    copy_rows = list(
        csv.reader(
            io.StringIO(b"".join(copy_lines("orders", ids, start, None, counter=counter)).decode())
        )
    )
    assert copy_rows == python_rows
    assert counter == [len(python_rows) - 1]
    assert len(python_rows) > 10


def _has_copy_path(name: str) -> bool:
    from reports.copy_export import BUILT

    return DATASETS[name].copyable or name in BUILT


COPYABLE = [name for name in DATASETS if _has_copy_path(name)]


# The datasets this test was written for (others appended later may have no rows in the
# synthetic trial: their COPY output is then compared on the header only).
SEEDED_COPYABLE = [
    "participants",
    "visits",
    "endpoints",
    "orders",
    "assessments",
    "screening",
    "randomization",
]


def test_the_flat_datasets_have_a_copy_path():
    # every dataset whose columns are all plain fields of one query is written by COPY
    assert [name for name in COPYABLE if name in SEEDED_COPYABLE] == SEEDED_COPYABLE


@pytest.mark.postgres
@pytest.mark.parametrize("name", COPYABLE)
def test_copy_path_gives_the_same_bytes_as_the_python_path(
    statistician, trial, site_a, site_b, name
):
    from reports.copy_export import copy_available, copy_lines
    from reports.exports import csv_lines

    assert copy_available(name, deidentify=False)
    assert not copy_available(name, deidentify=True)
    # free text with commas, quotes and formula starts, and blank text
    Screening.objects.filter(site=site_a).update(
        not_consented_reason='=HYPERLINK("http://evil","x"), -2+3', initials="@AB"
    )
    Screening.objects.filter(site=site_b).update(not_consented_reason="", reasons=[])
    # decimals at other precisions than declared, and absent values (missing codes)
    Assessment.objects.filter(participant__site=site_a).update(
        alt=Decimal("40"),
        bilirubin=None,
        creatinine=Decimal("1.255"),
        baseline_alt=Decimal("12.3"),
        baseline_eosinophils=Decimal("0.125"),
        suggested_improvement="",
    )
    Order.objects.filter(participant__site=site_b).update(
        dose_mg=Decimal("2.25"), calculated_dose_mg=Decimal("87.125"), daily_dose_mg=Decimal("5")
    )
    ids = [site_a.pk, site_b.pk]
    today = timezone.localdate()
    for start, end in [(None, None), (today - dt.timedelta(days=20), today)]:
        counter: list[int] = []
        python_text = "".join(csv_lines(DATASETS[name], ids, start, end, bom=True))
        copy_text = b"".join(copy_lines(name, ids, start, end, bom=True, counter=counter))
        assert copy_text == python_text.encode(), name
        assert counter == [len(list(csv.reader(io.StringIO(python_text)))) - 1]
        assert all(cell != "" for row in csv.reader(io.StringIO(python_text)) for cell in row)
    if name in SEEDED_COPYABLE:
        assert counter[0] > 0, name


def test_stream_reads_only_sites_in_the_users_scope(statistician, coordinator_a, trial, site_a):
    from reports.export_views import stream_csv
    from reports.services import parse_options

    options = parse_options([site_a.pk], None, None, False, False)
    assert {r["site"] for r in parse(stream_csv(statistician, "orders", options, "o.csv"))} == {
        "SITEA"
    }
    # a user without an export role reaches no site, whatever the options say
    assert parse(stream_csv(coordinator_a, "orders", options, "o.csv")) == []


@pytest.mark.postgres
def test_audit_copy_path_gives_the_same_bytes_for_hard_values(trial, site_a, site_b):
    """The audit trail's SQL diff (reports/audit_copy.py) against the Python diff, with
    values that are hard to write the same: text with quotes, commas, line breaks and
    formula starts, non-ASCII, JSON lists, a deleted record, a change with no reason."""
    from enrollment.models import DeathEvidence, Participant
    from reports.copy_export import copy_available, copy_lines
    from reports.exports import csv_lines

    assert copy_available("audit", deidentify=False)
    participant = Participant.objects.filter(site=site_a).order_by("pk").first()
    assert participant is not None
    participant.death_discrepancy = 'Day 30 says "died", AE says alive\n=1+1 é'
    participant._change_reason = "Reconciled, see 'notes'"  # type: ignore[attr-defined]
    participant.save()
    participant.death_discrepancy = ""
    participant.save()  # no reason
    screening = Screening.objects.filter(site=site_b).order_by("pk").first()
    assert screening is not None
    screening.reasons = ["régiscar", "b", "=cmd"]
    screening.save()
    evidence = DeathEvidence.objects.create(
        participant=participant, source="visit", source_id=999, item="vital", label="Ω visit"
    )
    evidence.delete()
    ids = [site_a.pk, site_b.pk]
    today = timezone.localdate()
    for start, end in [(None, None), (today, today), (today - dt.timedelta(days=400), None)]:
        python_text = "".join(csv_lines(DATASETS["audit"], ids, start, end))
        copy_text = b"".join(copy_lines("audit", ids, start, end)).decode()
        assert copy_text == python_text
    assert "'=1+1 é" in python_text and "Ω visit" in python_text and ",deleted," in python_text


@pytest.mark.postgres
@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "aa": [1, 2.5, None], "é": "x\ny", "a": {"zz": True, "y": "\u0001"}},
        ["a", "é", {"k": "v"}],
        {},
        [],
    ],
)
def test_audit_json_text_is_as_postgresql_writes_it(value):
    """The Python path writes a JSON field as jsonb::text does (keys by length, then
    bytes; UTF-8 as is), so the two paths agree on JSON too."""
    import json

    from django.db import connection

    from reports.datasets import _audit_text

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb::text", [json.dumps(value)])
        assert cursor.fetchone()[0] == _audit_text(value)
