"""Authentication: passwords, hashing, lockout, idle logout, security log."""

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError

from dressdb.models import Role, SecurityEvent, StaffMembership
from dressdb.services import membership_save
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Log in to dressdb" in response.content.decode()


def test_password_shorter_than_12_is_rejected():
    with pytest.raises(ValidationError, match="at least 12"):
        password_validation.validate_password("short-pw-11")


def test_password_of_12_characters_is_accepted():
    password_validation.validate_password("vast-orange-kite-88")


def test_passwords_are_hashed_with_argon2(production_hashers, coordinator_a):
    assert identify_hasher(coordinator_a.password).algorithm == "argon2"


def test_production_settings_hash_with_argon2_first():
    # dressdb/settings.py as loaded without the suite's fast hasher (tests/conftest.py).
    from tests.conftest import TEST_PASSWORD_HASHERS, production_password_hashers

    production = production_password_hashers()
    assert production[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "MD5" not in " ".join(production)
    assert settings.PASSWORD_HASHERS == TEST_PASSWORD_HASHERS  # the override is tests-only


def test_login_and_logout_are_logged(client, coordinator_a):
    response = client.post("/accounts/login/", {"username": "coord_a", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert SecurityEvent.objects.filter(kind="login", user=coordinator_a).exists()
    client.post("/accounts/logout/")
    assert SecurityEvent.objects.filter(kind="logout", user=coordinator_a).exists()


def test_failed_login_is_logged(client, coordinator_a):
    response = client.post("/accounts/login/", {"username": "coord_a", "password": "wrong"})
    assert response.status_code == 200
    event = SecurityEvent.objects.get(kind="login_failed")
    assert event.username == "coord_a"


def test_lockout_after_five_failures(client, coordinator_a):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "coord_a", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "coord_a", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Account locked" in response.content.decode()
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == 0.25


def test_four_failures_do_not_lock(client, coordinator_a):
    for _ in range(4):
        client.post("/accounts/login/", {"username": "coord_a", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "coord_a", "password": TEST_PASSWORD})
    assert response.status_code == 302


def _session_row(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key)


def test_idle_session_expires_after_30_minutes(coordinator_a, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    client = client_for(coordinator_a)
    assert client.get("/").status_code == 200
    time_machine.move_to("2026-03-02 09:29:00+00:00", tick=False)
    assert client.get("/").status_code == 200  # active again: the clock restarts
    time_machine.move_to("2026-03-02 09:58:00+00:00", tick=False)
    assert client.get("/").status_code == 200
    time_machine.move_to("2026-03-02 10:28:01+00:00", tick=False)  # 30 min idle
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_the_session_is_written_at_most_once_a_minute(coordinator_a, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    client = client_for(coordinator_a)
    client.get("/")
    first = _session_row(client).expire_date
    time_machine.move_to("2026-03-02 09:00:40+00:00", tick=False)
    client.get("/")
    assert _session_row(client).expire_date == first  # 40 s later: no write
    time_machine.move_to("2026-03-02 09:01:05+00:00", tick=False)
    client.get("/")
    assert _session_row(client).expire_date > first  # a minute on: moved forward


def test_an_anonymous_request_writes_no_session(client, db):
    from django.contrib.sessions.models import Session

    client.get("/accounts/login/")
    client.get("/healthz")
    assert not Session.objects.exists()


def test_role_change_is_logged_with_old_and_new(site_a, trial_admin):
    user = UserFactory.create(username="promoted")
    membership = membership_save(
        membership=StaffMembership(user=user, site=site_a, role=Role.COORDINATOR), by=trial_admin
    )
    membership.role = Role.INVESTIGATOR
    membership_save(membership=membership, by=trial_admin)
    events = list(SecurityEvent.objects.filter(kind="role_change").order_by("at", "id"))
    assert [e.detail["new_role"] for e in events] == ["coordinator", "investigator"]
    assert events[1].detail["old_role"] == "coordinator"
    assert events[1].user == trial_admin


def test_role_change_through_admin_is_logged(login, site_a, trial_admin):
    user = UserFactory.create(username="via_admin")
    response = login(trial_admin).post(
        "/admin/dressdb/staffmembership/add/",
        {"user": user.pk, "site": site_a.pk, "role": "pharmacist", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = SecurityEvent.objects.get(kind="role_change", detail__target_user="via_admin")
    assert event.detail["new_role"] == "pharmacist"


def test_non_staff_cannot_open_admin(login, coordinator_a):
    response = login(coordinator_a).get("/admin/")
    assert response.status_code == 302
