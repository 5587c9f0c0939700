"""The access matrix: every URL pattern and API route, for each role, on an object of
the user's own site and of another site. A new route without an entry here fails.

Expectations per entry:
- a role listed as allowed gets a non-error answer on its own site's objects
  (200, 201, 302, 400 or 409: bad or conflicting input is still an answer);
- any other role gets 403;
- an allowed role asking for another site's object gets 404;
- anonymous users are sent to log in (302) or refused (401/403) by the API.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from datamanagement.services import query_open
from notifications.models import Reminder
from outcomes.models import Visit
from randomization import services as randomization_services
from reports.models import ExportJob
from tests.api_tokens import api_key
from tests.conftest import pass_second_factor
from tests.dosing.helpers import started
from tests.enrollment.factories import screen
from tests.module_data import *  # noqa: F403  (personas shared by the module)

pytestmark = pytest.mark.django_db

C, I, P, S, A = (  # noqa: E741  (the matrix reads best with one letter per role)
    "coordinator_a",
    "investigator_a",
    "pharmacist_a",
    "statistician",
    "trial_admin",
)
M = "monitor_a"  # issue 18: site-scoped, read-only on clinical data
EVERYONE = {C, I, P, S, A, M}
OK = {200, 201, 302, 400, 409}

# name: (method, allowed personas, kwargs key or None, scoped to a participant/site object)
MATRIX: dict[str, tuple[str, set[str], str | None, bool]] = {
    "home": ("GET", EVERYONE, None, False),
    "participant_list": ("GET", EVERYONE, None, False),
    "record_grid": ("GET", {C, I, A}, None, False),  # issue 16: the record-status grid
    "participant_detail": ("GET", EVERYONE, "participant", True),
    "participant_audit": ("GET", EVERYONE, "participant", True),
    "participant_renal_impairment": ("GET", {I, A}, "participant", True),
    "participant_withdraw": ("GET", {C, I}, "participant", True),
    "screening_log": ("GET", {C, I, A}, None, False),
    "screening_new": ("GET", {C}, None, False),
    "screening_preview": ("POST", {C}, None, False),
    "screening_detail": ("GET", {C, I, A}, "screening", True),
    "screening_enrol": ("GET", {C}, "screening", True),
    "screening_not_consented": ("POST", {C}, "screening", True),
    "allocation_lists": ("GET", {S, A}, None, False),
    "allocation_list_detail": ("GET", {S, A}, "list", False),
    "allocation_list_append": ("POST", {S, A}, "list", False),
    "allocation_list_export": ("GET", {S, A}, "list", False),
    "randomize": ("GET", {C}, "participant", True),
    "randomization_result": ("GET", {C, I, P, A}, "participant", True),
    # Per-stratum/per-block allocation figures: statisticians and admins only (issue 15).
    "allocation_summary": ("GET", {S, A}, None, False),
    "decisions_due": ("GET", {I}, None, False),
    "todays_orders": ("GET", {C, P}, None, False),
    "protocol_preview": ("GET", {I, P}, None, False),
    "assessment_new": ("GET", {I}, "participant", True),
    "assessment_suggest": ("POST", {I}, "participant", True),
    "relapse_new": ("GET", {C, I}, "participant", True),
    "npo_change": ("GET", {C, I}, "participant", True),
    "weight_change": ("GET", {C, I}, "participant", True),
    "order_sheet": ("GET", {C, P, I}, "participant", True),
    "administrations_day": ("GET", {C, I}, "participant", True),
    "order_verify": ("GET", {P}, "participant", True),
    "visit_list": ("GET", {C, I}, None, False),
    "todo_list": ("GET", EVERYONE, None, False),
    "todo_dismiss": ("POST", EVERYONE, "reminder", False),
    "hospital_course": ("GET", {C, I}, "participant", True),
    "visit_edit": ("GET", {C}, "visit", True),
    "visit_missed": ("POST", {C}, "visit", True),
    "visit_sign_off": ("GET", {I}, "visit", True),
    "visit_unlock": ("GET", {I}, "visit", True),
    "dashboard_home": ("GET", {C, I, S, A}, None, False),
    "dashboard_consort": ("GET", {C, I, S, A}, None, False),
    "dashboard_completeness": ("GET", {C, I, S, A}, None, False),
    "dashboard_balance": ("GET", {S, A}, None, False),
    "dashboard_endpoints": ("GET", {I, S, A}, None, False),
    "dashboard_safety": ("GET", {I, S, A}, None, False),
    "export_home": ("GET", {S, A}, None, False),
    "export_dictionary": ("GET", {S, A}, None, False),
    "export_r_script": ("GET", {S, A}, None, False),
    "export_syntax": ("GET", {S, A}, "tool", False),  # issue 20
    "export_odm": ("GET", {S, A}, None, False),
    "export_pack_start": ("POST", {S, A}, None, False),
    "export_pack": ("GET", {S, A}, "job", False),
    "export_pack_download": ("GET", {S, A}, "job", False),
    "export_download": ("GET", {S, A}, "dataset", False),
    "api-screening-create": ("POST", {C}, None, False),
    "api-participant-randomize": ("POST", {C}, "participant", True),
    "api-participant-orders": ("GET", {C, I, P, A}, "participant", True),
    "api-participant-assessments": ("POST", {I}, "participant", True),
    "api-participant-visits": ("GET", {C, I, A}, "participant", True),
    "api-visit-endpoints": ("PUT", {C}, "visit-name", True),
    "api-visit-sign-off": ("POST", {I}, "visit-name", True),
    "api-export-dataset": ("GET", {S, A}, "dataset", False),
    "api-export-odm": ("GET", {S, A}, None, False),
    # API parity routes (tests/api/test_api_parity.py)
    "api-screening-enrol": ("POST", {C}, "screening", True),
    "api-screening-not-consented": ("POST", {C}, "screening", True),
    "api-participant-renal-impairment": ("PUT", {I, A}, "participant", True),
    "api-participant-withdraw": ("POST", {C, I}, "participant", True),
    "api-participant-relapse": ("POST", {C, I}, "participant", True),
    "api-participant-npo": ("PUT", {C, I}, "participant", True),
    "api-participant-weight": ("PUT", {C, I}, "participant", True),
    "api-protocol-preview": ("POST", {I, P}, None, False),
    "api-participant-hospital-course": ("PUT", {C, I}, "participant", True),
    "api-visit-unlock": ("POST", {I}, "visit-name", True),
    # Safety (issue 17); the safety pages (namespace "safety") are in tests/safety.
    "api-participant-adverse-events": ("POST", {C, I}, "participant", True),
    "api-participant-concomitant-medications": ("POST", {C, I}, "participant", True),
    "api-participant-adverse-event": ("PUT", {C, I}, "ae", True),
    "api-adverse-event-sign": ("POST", {I}, "ae", True),
    "api-adverse-event-death-report": ("PUT", {C, I}, "ae", True),
    "api-participant-concomitant-medication": ("PUT", {C, I}, "conmed", True),
    "api-participant-deviations": ("POST", {C, I}, "participant", True),
    "api-participant-deviation": ("PUT", {C, I}, "deviation", True),
    "api-deviation-decide": ("POST", {C}, "deviation", True),
    "api-deviation-sign": ("POST", {I}, "deviation", True),
    # Administrations and pharmacist verification (issue 19)
    "api-participant-administrations": ("POST", {C, I}, "participant", True),
    "api-participant-order-verify": ("POST", {P}, "participant", True),
    # Data management (issue 18); its pages (namespace "datamanagement") are in
    # tests/datamanagement.
    "api-participant-queries": ("POST", {S, M}, "participant", True),
    "api-query-answer": ("POST", {C, I}, "query", True),
    "api-query-close": ("POST", {S, M}, "query", True),
    "api-participant-sdv": ("POST", {M}, "participant", True),
    "api-participant-casebook-sign": ("POST", {I}, "participant", True),
    "api-participant-freeze": ("POST", {S}, "participant", True),
    "api-participant-unfreeze": ("POST", {S}, "participant", True),
    "api-study-freeze": ("POST", {S}, None, False),
    "api-study-unfreeze": ("POST", {S}, None, False),
    "api-database-lock": ("POST", {A}, None, False),
    "api-database-unlock-request": ("POST", {A}, None, False),
    "api-database-unlock-approve": ("POST", {A}, None, False),
    # Consent-form versions (issue 18)
    "consent_versions": ("GET", {C, I, S, A}, None, False),
    "participant_consents": ("GET", {C, I, A, M}, "participant", True),
    "api-consent-versions": ("POST", {A}, None, False),
    "api-participant-consents": ("POST", {C, I}, "participant", True),
    "api-visit-missed": ("PUT", {C}, "visit-name", True),
    "lockouts": ("GET", {A}, None, False),
    "lockout_unlock": ("POST", {A}, None, False),
    "two_factor": ("GET", EVERYONE, None, False),
    "two_factor_setup": ("GET", EVERYONE, None, False),
    "two_factor_verify": ("GET", EVERYONE, None, False),
    "two_factor_backup_codes": ("POST", EVERYONE, None, False),
    "password_change": ("GET", EVERYONE, None, False),
    "password_change_done": ("GET", EVERYONE, None, False),
    "api_tokens": ("GET", EVERYONE, None, False),
    "api_token_revoke": ("POST", EVERYONE, None, False),
    "api_tokens_admin": ("GET", {A}, None, False),
    "language_set": ("POST", EVERYONE, None, False),  # one's own page language
}
# Public or framework routes, checked apart.
PUBLIC = {"login", "logout", "healthz", "api-schema", "api-docs"}


def all_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, p.namespace)
            elif isinstance(p, URLPattern) and p.name and namespace is None:
                names.add(p.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_route_has_an_entry():
    missing = all_route_names() - set(MATRIX) - PUBLIC
    assert not missing, f"routes without an access-matrix entry: {sorted(missing)}"
    stale = set(MATRIX) - all_route_names()
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


@pytest.fixture(scope="module")
def monitor_row(module_db, personas):
    from dressdb.models import Role
    from tests.conftest import _persona

    with module_db.unblock():
        return _persona("mon_a", Role.MONITOR, personas["site_a"])


@pytest.fixture
def monitor_a(monitor_row, db):
    return copy.deepcopy(monitor_row)


@pytest.fixture(scope="module")
def world_rows(module_db, personas, monitor_row):
    """The objects every route is tried on, built once for the module (tests only read
    them; what a request writes is rolled back after its test)."""
    with module_db.unblock():
        world = _world(**personas)
        world["reminders"][M] = Reminder.objects.create(
            user=monitor_row,
            subject=personas["site_a"],
            kind="visit_due",
            due_date="2026-01-01",
            message="m",
        )
        world["query"] = tuple(
            query_open(
                participant=Visit.objects.get(pk=pk).participant,
                user=personas["statistician"],
                form="visit",
                record_id=pk,
                field="fever",
                text="Matrix query",
            ).pk
            for pk in world["visit"]
        )
        return world


@pytest.fixture
def world(world_rows, db):
    return copy.deepcopy(world_rows)


def _world(
    site_a,
    site_b,
    coordinator_a,
    coordinator_b,
    investigator_a,
    pharmacist_a,
    statistician,
    trial_admin,
):
    own, _ = started(site_a, coordinator_a, days_ago=10)
    other, _ = started(site_b, coordinator_b, days_ago=10)
    alist = randomization_services.allocation_list_generate(
        user=statistician, kind="live", slots_per_stratum=4
    )
    randomization_services.participant_randomize(participant=own, user=coordinator_a)
    randomization_services.participant_randomize(participant=other, user=coordinator_b)
    reminders = {
        name: Reminder.objects.create(
            user=user, subject=site_a, kind="visit_due", due_date="2026-01-01", message="m"
        )
        for name, user in {
            C: coordinator_a,
            I: investigator_a,
            P: pharmacist_a,
            S: statistician,
            A: trial_admin,
        }.items()
    }
    from django.core.files.base import ContentFile

    from reports.services import export_storage

    jobs = {}
    for name, user in {S: statistician, A: trial_admin}.items():
        file_name = f"matrix-{name}.zip"
        if not export_storage().exists(file_name):
            export_storage().save(file_name, ContentFile(b"PK\x05\x06" + b"\x00" * 18))
        jobs[name] = ExportJob.objects.create(user=user, status="done", file_name=file_name)
    from tests.safety.helpers import safety_records

    return {
        **safety_records(own, other, coordinator_a, coordinator_b),
        "participant": (own.pk, other.pk),
        "screening": (screen(site_a, coordinator_a).pk, screen(site_b, coordinator_b).pk),
        "visit": (
            Visit.objects.get(participant=own, name="day7").pk,
            Visit.objects.get(participant=other, name="day7").pk,
        ),
        "list": alist.pk,
        "reminders": reminders,
        "jobs": jobs,
    }


# Safety records (issue 17): the URL keyword of each.
SAFETY_KEYS = {"ae": "ae_pk", "conmed": "conmed_pk", "deviation": "dev_pk"}


def url_for(name: str, key: str | None, world: dict[str, Any], persona: str, own: bool) -> str:
    from django.urls import reverse

    index = 0 if own else 1
    if key is None:
        return reverse(name)
    if key == "participant" or key == "screening":
        return reverse(name, kwargs={"pk": world[key][index]})
    if key == "visit":
        pid = world["participant"][index]
        return reverse(name, kwargs={"pk": pid, "visit_pk": world["visit"][index]})
    if key == "visit-name":
        return reverse(name, kwargs={"pk": world["participant"][index], "visit": "day7"})
    if key == "list":
        return reverse(name, kwargs={"pk": world["list"]})
    if key == "reminder":
        reminder = world["reminders"][persona]
        return reverse(name, kwargs={"reminder_pk": reminder.pk})
    if key == "job":
        job = world["jobs"].get(persona) or world["jobs"][S]
        return reverse(name, kwargs={"pk": job.pk})
    if key == "query":
        return reverse(name, kwargs={"query_pk": world["query"][index]})
    if key in SAFETY_KEYS:
        pid = world["participant"][index]
        return reverse(name, kwargs={"pk": pid, SAFETY_KEYS[key]: world[key][index]})
    if key == "dataset":
        return reverse(name, kwargs={"dataset": "orders"})
    if key == "tool":
        return reverse(name, kwargs={"tool": "stata"})
    raise AssertionError(key)


def call(client: Any, method: str, url: str) -> int:
    if method == "GET":
        return client.get(url).status_code
    if method == "PUT":
        return client.put(url, "{}", content_type="application/json").status_code
    return client.post(url, {}).status_code


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_access(request, world, name):
    from rest_framework.test import APIClient

    method, allowed, key, scoped = MATRIX[name]
    for persona in sorted(EVERYONE):
        user = request.getfixturevalue(persona)
        client = APIClient()
        if name.startswith("api-"):
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
        else:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            pass_second_factor(client, user)
        status = call(client, method, url_for(name, key, world, persona, own=True))
        if persona in allowed:
            assert status in OK, f"{name}: {persona} got {status} on its own site"
        else:
            assert status == 403, f"{name}: {persona} should get 403, got {status}"
        if scoped and persona in allowed and persona in (C, I, P, M):
            other = call(client, method, url_for(name, key, world, persona, own=False))
            assert other == 404, f"{name}: {persona} got {other} on another site's object"
    anonymous = APIClient()
    status = call(anonymous, method, url_for(name, key, world, S, own=True))
    assert status in (302, 401, 403), f"{name}: anonymous got {status}"


# Before the second factor, only these answer a privileged user's session.
BEFORE_SECOND_FACTOR = {"two_factor_setup", "two_factor_verify"}


@pytest.mark.parametrize("persona", [I, S, A, M])
def test_no_route_answers_a_privileged_session_before_its_second_factor(request, world, persona):
    from rest_framework.test import APIClient

    user = request.getfixturevalue(persona)
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    for name, (method, _allowed, key, _scoped) in sorted(MATRIX.items()):
        if name in BEFORE_SECOND_FACTOR:
            continue
        url = url_for(name, key, world, persona, own=True)
        if method == "GET":
            response = client.get(url)
        elif method == "PUT":
            response = client.put(url, "{}", content_type="application/json")
        else:
            response = client.post(url, {})
        if url.startswith("/api/"):
            assert response.status_code == 403, f"{name}: {response.status_code}"
        else:
            assert response.status_code == 302, f"{name}: {response.status_code}"
            assert response["Location"].startswith("/accounts/two-factor/"), name


def test_public_routes(client, db):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/schema/").status_code in (200, 302, 401, 403)
