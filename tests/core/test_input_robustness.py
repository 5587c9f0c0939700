"""Hostile input gives a clear 4xx naming the field, never a 500 (issue 14, defect 5).

Each cause is checked as a class, with the example from the sweep among the cases:
- redirects to a user-given URL (`next`): only same-site paths, anywhere in the code;
- NUL bytes and lone surrogates: query strings, form fields, JSON bodies (keys and values);
- far dates: bounded in forms, a clean error from the pure dosing core;
- allocation-list upload: huge integers, over-long fields, 100,000 error rows.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from dosing import protocol
from dosing.config import dosing_settings
from dressdb.redirects import safe_next
from dressdb.text_safety import first_unsafe_in_json, problem_in
from notifications.models import Reminder
from randomization import services as randomization_services
from randomization.models import AllocationList, AllocationSlot
from tests.api_tokens import api_key
from tests.conftest import client_for
from tests.dosing.helpers import started
from tests.enrollment.factories import document

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("dressdb", "enrollment", "randomization", "dosing", "outcomes", "reports",
            "notifications", "portal", "demo")  # fmt: skip
NUL = "\x00"
SURROGATE = "\ud800"


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


# --- (a) hostile `next` -------------------------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "not a url",
    "todo_list_but_not",
    "admin:index",
    "\x00",
    "/" + "a" * 5000,
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_todo_dismiss_next_stays_on_site(coordinator_a, participant_a, target):
    reminder = Reminder.objects.create(
        user=coordinator_a,
        subject=participant_a,
        kind="visit_due",
        due_date="2026-01-01",
        message="m",
    )
    client = client_for(coordinator_a)
    response = client.post(f"/visits/todo/{reminder.pk}/dismiss/", {"next": target})
    if target == NUL:
        assert response.status_code == 400 and b"next" in response.content
        return
    assert response.status_code == 302
    assert response["Location"] == "/visits/todo/"


def test_todo_dismiss_keeps_a_same_site_next(coordinator_a, participant_a):
    reminder = Reminder.objects.create(
        user=coordinator_a,
        subject=participant_a,
        kind="visit_due",
        due_date="2026-01-01",
        message="m",
    )
    response = client_for(coordinator_a).post(
        f"/visits/todo/{reminder.pk}/dismiss/", {"next": "/participants/?page=2"}
    )
    assert response["Location"] == "/participants/?page=2"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_safe_next_refuses_every_hostile_value(target):
    request = RequestFactory().get("/", {"next": target})
    assert safe_next(request, "home") == "/"


def test_admin_login_passes_on_only_a_safe_next(client, db):
    response = client.get("/admin/login/", {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


REDIRECTS = {"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect"}
_REQUEST_DATA = {"GET", "POST", "META", "headers", "query_params", "data", "COOKIES"}


def _reads_request_data(node: ast.AST) -> bool:
    return any(
        isinstance(sub, ast.Attribute)
        and sub.attr in _REQUEST_DATA
        and isinstance(sub.value, ast.Name)
        and sub.value.id == "request"
        for sub in ast.walk(node)
    )


def test_no_redirect_is_built_from_request_data_except_through_safe_next():
    """The class-level guard: a redirect whose target reads request data directly fails."""
    offenders = []
    for app in APP_DIRS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name not in {
                    "redirect",
                    "HttpResponseRedirect",
                    "HttpResponsePermanentRedirect",
                }:
                    continue
                if any(_reads_request_data(arg) for arg in [*node.args, *node.keywords]):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], f"redirects to request data not through safe_next: {offenders}"


def test_every_next_reader_checks_the_host():
    """A function reading a `next` parameter must check it (safe_next or
    url_has_allowed_host_and_scheme)."""
    offenders = []
    for app in APP_DIRS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef):
                    continue
                reads_next = any(
                    isinstance(n, ast.Call)
                    and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "get"
                    and _reads_request_data(n.func.value)
                    and n.args
                    and isinstance(n.args[0], ast.Constant)
                    and n.args[0].value == "next"
                    for n in ast.walk(func)
                )
                checked = any(
                    isinstance(n, ast.Name | ast.Attribute)
                    and (getattr(n, "id", None) or getattr(n, "attr", None))
                    in {"safe_next", "url_has_allowed_host_and_scheme"}
                    for n in ast.walk(func)
                )
                if reads_next and not checked and func.name != "safe_next":
                    offenders.append(f"{path.relative_to(ROOT)}:{func.lineno} {func.name}")
    assert offenders == [], offenders


# --- (b) NUL bytes and lone surrogates ----------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "url", "param"),
    [
        ("coordinator_a", "/participants/?q=%00", "q"),
        ("coordinator_a", "/participants/?q=a%00b", "q"),
        ("statistician", "/reports/exports/visits.csv?site=%00", "site"),
        ("statistician", "/reports/exports/?site=%00", "site"),
        ("statistician", "/reports/?site=1%00", "site"),
        ("investigator_a", "/dosing/preview/?arm=steroids&weight_kg=70%00", "weight_kg"),
        ("coordinator_a", "/participants/?%00=1", "?"),
    ],
)
def test_nul_in_a_query_string_is_400_naming_it(request, persona, url, param):
    response = client_for(request.getfixturevalue(persona)).get(url)
    assert response.status_code == 400
    assert param.encode() in response.content
    assert b"NUL" in response.content


def test_nul_in_an_api_query_string_is_json_400(statistician):
    response = api(statistician).get("/api/v1/exports/visits.csv?site=%00")
    assert response.status_code == 400
    assert "site" in response.json()


def test_nul_in_a_form_field_is_400_and_writes_nothing(coordinator_a, participant_a):
    from enrollment.models import Participant

    before = Participant.history.count()
    response = client_for(coordinator_a).post(
        f"/participants/{participant_a.pk}/withdraw/",
        {"withdrawn_on": "2026-01-01", "reason": "moved\x00away", "kind": "treatment"},
    )
    assert response.status_code == 400 and b"reason" in response.content
    assert Participant.history.count() == before


# A multipart part whose headers pass Django's limit (MultiPartParserError), as schemathesis
# once sent: a clear 400, JSON under /api/, never Django's HTML error page.
BOUNDARY = "dressdbBoundary"
UNREADABLE_MULTIPART = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="text"\r\nX-Big: {"a" * 20000}'
    f"\r\n\r\nhello\r\n--{BOUNDARY}--\r\n"
)


def test_unreadable_multipart_body_on_the_api_is_json_400(coordinator_a, participant_a):
    from enrollment.models import Participant

    before = Participant.history.count()
    response = api(coordinator_a).generic(
        "POST",
        f"/api/v1/participants/{participant_a.pk}/withdraw",
        UNREADABLE_MULTIPART,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "request body" in response.json()
    assert Participant.history.count() == before


def test_unreadable_multipart_body_on_a_page_is_400_saying_so(coordinator_a, participant_a):
    response = client_for(coordinator_a).generic(
        "POST",
        f"/participants/{participant_a.pk}/withdraw/",
        UNREADABLE_MULTIPART,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 400
    assert b"could not be read" in response.content


@pytest.mark.parametrize("value", [NUL, "SITE" + NUL, SURROGATE, "SITEA" + SURROGATE])
def test_screenings_api_site_with_nul_or_surrogate_is_400_naming_site(coordinator_a, site_a, value):
    from enrollment.models import Screening

    body = json.dumps({**document(), "site": value, "initials": "CD"})
    response = api(coordinator_a).post("/api/v1/screenings/", body, content_type="application/json")
    assert response.status_code == 400
    assert "site" in response.json()
    assert not Screening.objects.exists()


def test_surrogate_in_a_json_key_or_nested_value_names_the_path(coordinator_a, site_a):
    doc = document()
    first = next(iter(doc["exclusions"]))
    doc["exclusions"][first] = SURROGATE
    response = api(coordinator_a).post(
        "/api/v1/screenings/", json.dumps({**doc, "site": "SITEA"}), content_type="application/json"
    )
    assert response.status_code == 400
    assert f"exclusions.{first}" in response.json()


@pytest.mark.parametrize("value", [SURROGATE, "pass" + NUL])
def test_assessment_password_with_surrogate_or_nul_is_400_naming_password(
    site_a, coordinator_a, investigator_a, value
):
    from dosing.models import Assessment

    participant, _ = started(site_a, coordinator_a)
    body = json.dumps({"improvement": "gt25", "labs_trend": "down", "password": value})
    response = api(investigator_a).post(
        f"/api/v1/participants/{participant.pk}/assessments",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not Assessment.objects.filter(participant=participant).exists()


def test_the_json_check_reaches_every_string():
    assert first_unsafe_in_json({"a": [{"b": "x"}, {"c": "y\x00"}]}) == (
        "a.1.c",
        "contains a NUL byte (\\x00), which is not allowed",
    )
    assert first_unsafe_in_json({"k\ud800": 1})[0] == "k?"  # type: ignore[index]
    assert first_unsafe_in_json({"a": 1, "b": [True, None, 2.5, "fine"]}) is None
    assert problem_in("\udfff") is not None and problem_in("ok ✓ 🙂") is None


# --- (c) far dates ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_dosing_preview_far_start_date_is_a_field_error(investigator_a, value):
    response = client_for(investigator_a).get(
        "/dosing/preview/", {"arm": "steroids", "weight_kg": "70", "start_date": value}
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert "between 2000-01-01 and 2100-12-31" in response.content.decode()


def test_dosing_preview_plausible_start_date_works(investigator_a):
    response = client_for(investigator_a).get(
        "/dosing/preview/", {"arm": "steroids", "weight_kg": "70", "start_date": "2026-03-01"}
    )
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert response.context["result"] is not None


def test_the_pure_core_raises_a_clean_error_past_the_calendar():
    spec = protocol.PreviewInput(
        arm=protocol.Arm.STEROIDS,
        weight_kg=Decimal("70"),
        renal_impairment=False,
        npo=False,
        start_date=dt.date(9999, 12, 31),
        decisions=(),
        relapse_day=None,
    )
    with pytest.raises(protocol.ProtocolError, match="start_date"):
        protocol.plan_preview(spec, dosing_settings())


# --- (d) allocation-list upload -----------------------------------------------------------

HEADER = "site,renal_impairment,position,block,arm\n"


def _upload(statistician, text: str) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        randomization_services.allocation_list_upload(user=statistician, kind="live", text=text)
    assert AllocationList.objects.count() == 0
    assert AllocationSlot.objects.count() == 0
    return excinfo.value.message_dict["file"]


@pytest.mark.parametrize("field", ["position", "block"])
@pytest.mark.parametrize("value", ["2147483648", "9" * 150, "1000001", "٣", "-1", "1e3"])
def test_upload_huge_or_odd_integers_are_row_errors(statistician, site_a, field, value):
    row = {"site": "SITEA", "renal_impairment": "no", "position": "1", "block": "1"}
    row[field] = value
    text = HEADER + f"{row['site']},no,{row['position']},{row['block']},cyclosporine\n"
    errors = _upload(statistician, text)
    assert any(f"row 2: {field} must be a whole number from 1 to 1000000" in e for e in errors)


@pytest.mark.parametrize("length", [131_073, 200_000])
def test_upload_field_over_the_csv_limit_is_a_clear_error(statistician, site_a, length):
    text = HEADER + "SITEA,no,1,1," + "x" * length + "\n"
    errors = _upload(statistician, text)
    assert any("row 2" in e and "characters long" in e for e in errors)


def test_upload_quoted_field_over_the_csv_limit_is_a_clear_error(statistician, site_a):
    # A quoted field spanning many short lines reaches the csv module's field limit.
    text = HEADER + 'SITEA,no,1,1,"' + "x\n" * 70_000 + '"\n'
    errors = _upload(statistician, text)
    assert any("not readable as CSV" in e or "longer than 200" in e for e in errors)


def test_upload_long_field_under_the_line_limit_names_it(statistician, site_a):
    text = HEADER + "SITEA,no,1,1," + "x" * 500 + "\n"
    errors = _upload(statistician, text)
    assert any("row 2: arm longer than 200 characters" in e for e in errors)


def test_upload_nul_in_a_field_is_a_row_error(statistician, site_a):
    errors = _upload(statistician, HEADER + "SITE\x00A,no,1,1,cyclosporine\n")
    assert any("row 2: site contains a NUL byte" in e for e in errors)


def test_upload_of_100000_bad_rows_reports_the_first_50_quickly(login, statistician, site_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = HEADER + "SITEA,no,1,1,placebo\n" * 100_000
    errors = _upload(statistician, text)
    assert len(errors) == 51
    assert errors[-1] == "… and 99950 more errors (fix these first)."
    # The page renders the first 50 errors and the count of the rest, never all 100,000
    # (rendering every error took 27.7 s). Its speed is the bench's to measure: here the
    # page is held to what makes it fast, the number of errors it writes out.
    response = login(statistician).post(
        "/randomization/lists/",
        {"upload": "1", "kind": "live", "file": SimpleUploadedFile("l.csv", text.encode())},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "and 99950 more errors" in page
    assert len(re.findall(r"row \d+:", page)) == 50


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "-1e30"])
def test_export_sites_with_a_huge_id_is_a_field_error(login, statistician, value):
    """A number past 64 bits in a multiple choice never reaches the database (SQLite raised
    OverflowError); the form names the field."""
    response = login(statistician).get(
        reverse("export_download", kwargs={"dataset": "visits"}), {"sites": value}
    )
    assert response.status_code == 400
    assert b"sites" in response.content
