"""Lockout per account AND per address (issue 14, defect 2; ASVS V2.2.1).

The reproductions: five failures lock `lock1` from 127.0.0.1 and the right password
from 127.0.0.2 is refused; 30 usernames x 4 tries from one address get locked. The
message says what is locked; admins lift a lockout from the app, logged.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from dressdb import lockout
from dressdb.models import SecurityEvent
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client: Client, username: str, password: str, ip: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_settings_lock_per_account_and_per_address_separately():
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_IP_FAILURE_LIMIT) == (5, 20)
    assert settings.AXES_HANDLER == "dressdb.lockout.LockoutHandler"


def test_five_failures_lock_the_account_from_every_address(client):
    UserFactory.create(username="lock1")
    for _ in range(4):
        assert attempt(client, "lock1", "wrong", "127.0.0.1").status_code == 200
    fifth = attempt(client, "lock1", "wrong", "127.0.0.1")
    assert fifth.status_code == 429
    # The right password, from another address, is refused: the account is locked.
    other = Client()
    response = attempt(other, "lock1", TEST_PASSWORD, "127.0.0.2")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Account locked" in body
    assert "Try again in 15 minutes" in body and "trial admin" in body
    assert "_auth_user_id" not in other.session
    assert SecurityEvent.objects.filter(kind="locked_out", username="lock1").exists()


def test_four_failures_then_the_right_password_from_another_address_logs_in(client):
    UserFactory.create(username="lock2")
    for _ in range(4):
        attempt(client, "lock2", "wrong", "127.0.0.1")
    assert attempt(Client(), "lock2", TEST_PASSWORD, "127.0.0.2").status_code == 302


def test_thirty_usernames_four_tries_each_from_one_address_get_locked(client):
    real = UserFactory.create(username="bystander")
    statuses = []
    for n in range(30):
        for _ in range(4):
            statuses.append(attempt(client, f"guess{n:02d}", "wrong", "10.0.0.9").status_code)
    # No username reached its own limit (4 < 5): the address limit stopped the spray.
    assert statuses[:19] == [200] * 19
    assert set(statuses[19:]) == {429}
    # A real user's right password from that address is refused, with a true message ...
    response = attempt(client, "bystander", TEST_PASSWORD, "10.0.0.9")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed attempts from this address" in body
    assert "Account locked" not in body
    # ... while the same account logs in from elsewhere: its account is not locked.
    assert attempt(Client(), "bystander", TEST_PASSWORD, "10.0.0.10").status_code == 302
    assert real.is_active


def test_a_valid_log_in_does_not_reset_the_address_counter(client):
    UserFactory.create(username="attacker")
    for n in range(19):
        attempt(client, f"victim{n}", "wrong", "10.0.0.7")
    # The attacker's own valid log-in clears only the attacker's failures.
    assert attempt(Client(), "attacker", TEST_PASSWORD, "10.0.0.7").status_code == 302
    assert attempt(client, "victim99", "wrong", "10.0.0.7").status_code == 429


def test_the_lockout_message_names_the_lock():
    account = lockout.Lock(lockout.ACCOUNT, "lock1", 5, lockout.timezone.now() + lockout.cool_off())
    address = lockout.Lock(
        lockout.ADDRESS, "10.0.0.9", 20, lockout.timezone.now() + lockout.cool_off()
    )
    assert lockout.message(account).startswith("Account locked")
    assert "Try again in 15 minutes" in lockout.message(account)
    assert "from this address (10.0.0.9)" in lockout.message(address)
    assert "Account locked" not in lockout.message(address)


def test_the_api_gets_the_lockout_as_json(client):
    UserFactory.create(username="lock3")
    for _ in range(5):
        attempt(client, "lock3", "wrong", "127.0.0.1")
    response = lockout.lockout_response(
        type("R", (), {"path": "/api/v1/x", "POST": {}, "axes_ip_address": "127.0.0.1"})(),
        None,
        {"username": "lock3"},
    )
    assert response.status_code == 429
    assert b"Account locked" in response.content


def test_admin_lists_and_unlocks_an_account_and_an_address(client, login, trial_admin):
    UserFactory.create(username="lock4")
    for _ in range(5):
        attempt(client, "lock4", "wrong", "127.0.0.1")
    for n in range(20):
        attempt(client, f"spray{n}", "wrong", "10.0.0.5")
    admin = login(trial_admin)
    page = admin.get("/accounts/lockouts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "lock4" in text and "10.0.0.5" in text and "Unlock" in text
    assert 'name="csrfmiddlewaretoken"' in text
    # Unlock is POST only.
    assert admin.get("/accounts/lockouts/unlock/").status_code == 405
    response = admin.post("/accounts/lockouts/unlock/", {"kind": "account", "key": "lock4"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="lock4").exists()
    assert attempt(Client(), "lock4", TEST_PASSWORD, "127.0.0.3").status_code == 302
    admin.post("/accounts/lockouts/unlock/", {"kind": "address", "key": "10.0.0.5"})
    after = admin.get("/accounts/lockouts/").content.decode()
    assert "<code>10.0.0.5</code>" not in after and "No account or address is locked" in after
    events = SecurityEvent.objects.filter(kind="unlocked", user=trial_admin).order_by("at", "id")
    assert [(e.detail["lock"], e.detail["key"]) for e in events] == [
        ("account", "lock4"),
        ("address", "10.0.0.5"),
    ]


def test_unlock_checks_its_input_and_csrf(login, trial_admin):
    admin = login(trial_admin)
    for data in ({}, {"kind": "bogus", "key": "x"}, {"kind": "account", "key": "a\0b"}):
        # refused by the view (302 back with a message) or by the NUL filter (400)
        assert admin.post("/accounts/lockouts/unlock/", data).status_code in (302, 400)
    assert not SecurityEvent.objects.filter(kind="unlocked").exists()
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = admin.cookies
    response = strict.post("/accounts/lockouts/unlock/", {"kind": "account", "key": "x"})
    assert response.status_code == 403


def test_only_admins_see_the_lockouts(login, coordinator_a, investigator_a):
    for user in (coordinator_a, investigator_a):
        assert login(user).get("/accounts/lockouts/").status_code == 403
        assert (
            login(user).post("/accounts/lockouts/unlock/", {"kind": "account", "key": "x"})
        ).status_code == 403


@pytest.mark.django_db
def test_a_hostile_long_username_is_counted_not_a_server_error(client):
    """A 5,000-character username fits no account; axes counts it cut to 150 characters
    (its columns hold 255: on PostgreSQL the whole value gave a 500)."""
    from axes.models import AccessAttempt

    response = client.post("/accounts/login/", {"username": "x" * 5000, "password": "nope"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150
