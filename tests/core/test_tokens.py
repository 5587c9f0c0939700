"""API tokens (issue 14, defect 7): hashed at rest, shown once, expiring, revocable, logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from dressdb import tokens
from dressdb.models import ApiToken, SecurityEvent
from tests.api_tokens import api_key
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/participants/{pk}/orders"


def api_get(key: str, pk: int) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(API_URL.format(pk=pk)).status_code


def test_only_the_hash_is_stored(coordinator_a):
    key = api_key(coordinator_a)
    token = ApiToken.objects.get(user=coordinator_a)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:12]
    # No column of the table holds the token itself.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM dressdb_apitoken")
        row = cursor.fetchone()
    assert all(key != value and (not isinstance(value, str) or key not in value) for value in row)


def test_token_authenticates_and_records_last_use(coordinator_a, participant_a):
    key = api_key(coordinator_a)
    assert api_get(key, participant_a.pk) == 200
    assert ApiToken.objects.get(user=coordinator_a).last_used_at is not None


def test_expired_token_is_401(coordinator_a, participant_a):
    key = api_key(coordinator_a)
    ApiToken.objects.filter(user=coordinator_a).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(API_URL.format(pk=participant_a.pk))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_expiry_follows_the_setting(settings, coordinator_a):
    settings.API_TOKEN_EXPIRY_DAYS = 7
    api_key(coordinator_a)
    token = ApiToken.objects.get(user=coordinator_a)
    assert token.expires_at - token.created_at == dt.timedelta(days=7)


def test_default_expiry_is_90_days():
    from django.conf import settings

    assert settings.API_TOKEN_EXPIRY_DAYS == 90


def test_revoked_token_is_401(coordinator_a, participant_a):
    key = api_key(coordinator_a)
    assert api_get(key, participant_a.pk) == 200
    tokens.token_revoke(token_id=ApiToken.objects.get().pk, by=coordinator_a)
    assert api_get(key, participant_a.pk) == 401


@pytest.mark.parametrize("key", ["", "x" * 40, "ddb_00000000_nope", "ddb_" + "a" * 500])
def test_unknown_token_is_401(coordinator_a, participant_a, key):
    assert api_get(key, participant_a.pk) == 401


def test_token_of_an_inactive_user_is_401(coordinator_a, participant_a):
    key = api_key(coordinator_a)
    coordinator_a.is_active = False
    coordinator_a.save()
    assert api_get(key, participant_a.pk) == 401


def test_first_use_each_day_is_logged_once(coordinator_a, participant_a):
    key = api_key(coordinator_a)
    for _ in range(3):
        assert api_get(key, participant_a.pk) == 200
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.API_TOKEN_USED)
    assert events.count() == 1
    assert events.get().user == coordinator_a
    assert events.get().detail["token"] == key[:12]
    # The next UTC day, the first use is logged again.
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(days=1))
    assert api_get(key, participant_a.pk) == 200
    assert api_get(key, participant_a.pk) == 200
    assert events.count() == 2


def test_creation_and_revocation_are_logged(coordinator_a):
    api_key(coordinator_a)
    tokens.token_revoke(token_id=ApiToken.objects.get().pk, by=coordinator_a)
    kinds = set(SecurityEvent.objects.values_list("kind", flat=True))
    assert {SecurityEvent.Kind.API_TOKEN_CREATED, SecurityEvent.Kind.API_TOKEN_REVOKED} <= kinds


# --- the command -----------------------------------------------------------------------


def test_command_prints_the_token_once_and_stores_its_hash(coordinator_a, participant_a):
    out = StringIO()
    call_command("create_api_token", "coord_a", stdout=out)
    key = out.getvalue().strip()
    assert ApiToken.objects.get(user=coordinator_a).key_hash == tokens.hash_key(key)
    assert api_get(key, participant_a.pk) == 200


def test_command_rotate_revokes_the_old_tokens(coordinator_a, participant_a):
    old = api_key(coordinator_a)
    out = StringIO()
    call_command("create_api_token", "coord_a", "--rotate", stdout=out)
    assert api_get(old, participant_a.pk) == 401
    assert api_get(out.getvalue().strip(), participant_a.pk) == 200


# --- own-token page --------------------------------------------------------------------


def test_own_token_page_lists_creates_and_revokes(coordinator_a, coordinator_b, participant_a):
    api_key(coordinator_b, name="someone else's")
    client = client_for(coordinator_a)
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "someone else&#x27;s" not in page.content.decode()

    created = client.post("/accounts/tokens/", {"name": "import script"})
    assert created.status_code == 200
    key = created.context["new_key"]
    assert key in created.content.decode()
    assert "no-store" in created["Cache-Control"]
    token = ApiToken.objects.get(user=coordinator_a)
    assert token.name == "import script"
    assert api_get(key, participant_a.pk) == 200

    listed = client.get("/accounts/tokens/").content.decode()
    assert "import script" in listed and token.prefix in listed
    assert key not in listed  # shown once, never again

    revoked = client.post("/accounts/tokens/revoke/", {"token": token.pk})
    assert revoked.status_code == 302
    assert api_get(key, participant_a.pk) == 401


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "a\x00b"])
def test_bad_token_name_is_400_naming_the_field(coordinator_a, name):
    response = client_for(coordinator_a).post("/accounts/tokens/", {"name": name})
    assert response.status_code == 400
    assert "name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_user_cannot_revoke_someone_elses_token(coordinator_a, coordinator_b, participant_b):
    key = api_key(coordinator_b)
    token = ApiToken.objects.get(user=coordinator_b)
    response = client_for(coordinator_a).post("/accounts/tokens/revoke/", {"token": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_get(key, participant_b.pk) == 200


@pytest.mark.parametrize("value", ["", "abc", "9" * 40, "-1", "1\x00"])
def test_revoke_with_a_bad_id_changes_nothing(coordinator_a, value):
    api_key(coordinator_a)
    response = client_for(coordinator_a).post("/accounts/tokens/revoke/", {"token": value})
    assert response.status_code in (302, 400)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


# --- admins ------------------------------------------------------------------------------


def test_admin_lists_and_revokes_anyones_token(trial_admin, coordinator_b, participant_b):
    key = api_key(coordinator_b, name="site B script")
    admin = client_for(trial_admin)
    page = admin.get("/accounts/tokens/all/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "site B script" in body and "coord_b" in body
    assert key not in body
    token = ApiToken.objects.get(user=coordinator_b)
    response = admin.post("/accounts/tokens/revoke/", {"token": token.pk, "from": "admin"})
    assert response.status_code == 302 and response["Location"] == "/accounts/tokens/all/"
    token.refresh_from_db()
    assert token.revoked_by == trial_admin
    assert api_get(key, participant_b.pk) == 401


@pytest.mark.parametrize("persona", ["coordinator_a", "investigator_a", "statistician"])
def test_only_admins_see_everyones_tokens(request, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get("/accounts/tokens/all/").status_code == 403


def test_django_admin_shows_no_secret(trial_admin, coordinator_b):
    key = api_key(coordinator_b)
    token = ApiToken.objects.get()
    admin = client_for(trial_admin)
    listing = admin.get("/admin/dressdb/apitoken/")
    assert listing.status_code == 200
    detail = admin.get(f"/admin/dressdb/apitoken/{token.pk}/change/")
    assert detail.status_code == 200
    for page in (listing, detail):
        body = page.content.decode()
        assert key not in body
        assert token.key_hash not in body
    assert admin.get("/admin/dressdb/apitoken/add/").status_code == 403
    # DRF's clear-text token admin is gone.
    assert admin.get("/admin/authtoken/").status_code == 404


# --- two-factor gate on creation ---------------------------------------------------------


def test_privileged_session_without_second_factor_cannot_create(client, investigator_a):
    client.force_login(investigator_a, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/accounts/tokens/", {"name": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    assert not ApiToken.objects.exists()


def test_service_refuses_an_unverified_privileged_session(investigator_a):
    request = RequestFactory().post("/accounts/tokens/")
    request.user = investigator_a  # no OTP verification on this request
    with pytest.raises(PermissionDenied):
        tokens.token_create(user=investigator_a, name="x", request=request)
    assert not ApiToken.objects.exists()


def test_demo_exempt_session_still_cannot_create_a_privileged_token(settings, site_a):
    """Demo users skip the code at login, but a token outlives the demo session."""
    from demo.seeding import seed_demo_sites_and_users
    from dressdb.demo import DEMO_PASSWORD

    settings.DEMO_MODE = True
    seed_demo_sites_and_users()
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": "investigator", "password": DEMO_PASSWORD}
        ).status_code
        == 302
    )
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200 and "verify a code" in page.content.decode()
    assert client.post("/accounts/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_verified_privileged_session_can_create(investigator_a):
    response = client_for(investigator_a).post("/accounts/tokens/", {"name": "analysis"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=investigator_a).count() == 1


def test_coordinator_without_two_factor_can_create(coordinator_a):
    response = client_for(coordinator_a).post("/accounts/tokens/", {"name": "x"})
    assert response.status_code == 200


# --- migration of the clear-text tokens ---------------------------------------------------


def test_migration_hashes_legacy_tokens_and_drops_the_clear_table(coordinator_a, participant_a):
    migration = importlib.import_module("dressdb.migrations.0006_api_tokens")
    legacy_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NULL, user_id integer NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created datetime NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [legacy_key, timezone.now(), coordinator_a.pk],
        )

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    from django.apps import apps

    migration.hash_legacy_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=coordinator_a)
    assert token.key_hash == hashlib.sha256(legacy_key.encode()).hexdigest()
    assert token.prefix == legacy_key[:12]
    assert token.expires_at > timezone.now() + dt.timedelta(days=89)
    assert api_get(legacy_key, participant_a.pk) == 200
