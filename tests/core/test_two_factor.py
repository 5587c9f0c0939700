"""Two-factor authentication: who needs it, setup, codes, backup codes, the gate."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dressdb import two_factor
from dressdb.models import SecurityEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _password_login(client: Client, username: str, next_url: str = "/"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": TEST_PASSWORD, "next": next_url},
    )


def _code(key: bytes, after_step: int = -1) -> str:
    totp = TOTP(key)
    totp.time = time.time()
    if totp.t() <= after_step:
        totp.time += totp.step * (after_step - totp.t() + 1)
    return f"{totp.token():06d}"


def _set_up(client: Client, username: str) -> list[str]:
    """Walk the setup page like a person with an authenticator app; return backup codes."""
    page = client.get("/accounts/two-factor/setup/?next=/")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.content.decode())
    assert secret is not None
    key = base64.b32decode(secret.group(1) + "=" * (-len(secret.group(1)) % 8))
    response = client.post("/accounts/two-factor/setup/", {"code": _code(key), "next": "/"})
    assert response.status_code == 200
    return re.findall(r'<li class="col">([a-z0-9]+)</li>', response.content.decode())


@pytest.mark.parametrize("persona", ["investigator_a", "statistician", "trial_admin"])
def test_privileged_roles_must_set_up_a_second_factor(request, client, persona):
    user = request.getfixturevalue(persona)
    response = _password_login(client, user.username, "/participants/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/")
    assert "next=%2Fparticipants%2F" in response["Location"]


def test_coordinators_and_pharmacists_may_skip_it(client, coordinator_a, pharmacist_a):
    _password_login(client, "coord_a")
    assert client.get("/").status_code == 200
    assert not two_factor.required_for(coordinator_a)
    assert not two_factor.required_for(pharmacist_a)


def test_setup_confirms_with_a_correct_code_and_shows_ten_backup_codes(client, investigator_a):
    _password_login(client, "inv_a")
    codes = _set_up(client, "inv_a")
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=investigator_a).confirmed
    assert client.get("/").status_code == 200
    assert SecurityEvent.objects.filter(kind="two_factor_enrolled", user=investigator_a).exists()


def test_a_wrong_code_confirms_nothing(client, investigator_a):
    _password_login(client, "inv_a")
    client.get("/accounts/two-factor/setup/")
    pending = TOTPDevice.objects.get(user=investigator_a, confirmed=False)
    wrong = f"{(int(_code(pending.bin_key)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/two-factor/setup/", {"code": wrong})
    assert b"was not accepted" in response.content
    assert not TOTPDevice.objects.filter(user=investigator_a, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=investigator_a).exists()
    assert client.get("/").status_code == 302
    assert SecurityEvent.objects.filter(kind="two_factor_failed", user=investigator_a).exists()


def test_next_login_asks_for_the_code_and_accepts_it(investigator_a):
    first = Client()
    _password_login(first, "inv_a")
    _set_up(first, "inv_a")

    second = Client()
    response = second.get(_password_login(second, "inv_a", "/visits/")["Location"])
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    device = TOTPDevice.objects.get(user=investigator_a)
    response = second.post(
        "/accounts/two-factor/verify/",
        {"code": _code(device.bin_key, after_step=device.last_t), "next": "/visits/"},
    )
    assert response.status_code == 302 and response["Location"] == "/visits/"
    assert second.get("/").status_code == 200


def test_a_backup_code_works_once(investigator_a):
    first = Client()
    _password_login(first, "inv_a")
    codes = _set_up(first, "inv_a")

    second = Client()
    _password_login(second, "inv_a")
    assert second.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 302
    assert second.get("/").status_code == 200

    third = Client()
    _password_login(third, "inv_a")
    response = third.post("/accounts/two-factor/verify/", {"code": codes[0]})
    assert response.status_code == 200 and b"was not accepted" in response.content
    assert third.get("/").status_code == 302
    assert StaticToken.objects.filter(device__user=investigator_a).count() == 9


def test_new_backup_codes_replace_the_old_ones(investigator_a):
    client = Client()
    _password_login(client, "inv_a")
    old = _set_up(client, "inv_a")
    response = client.post("/accounts/two-factor/backup-codes/")
    new = re.findall(r'<li class="col">([a-z0-9]+)</li>', response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_wrong_codes_throttle_the_device(investigator_a, time_machine):
    client = Client()
    _password_login(client, "inv_a")
    _set_up(client, "inv_a")
    # The clock stands still: the throttle's delay (4 s after three failures) must not run
    # out between the wrong codes and the right one on a slow machine.
    time_machine.move_to(time.time(), tick=False)
    device = TOTPDevice.objects.get(user=investigator_a)
    other = Client()
    _password_login(other, "inv_a")
    current = _code(device.bin_key, after_step=device.last_t)
    wrong = f"{(int(current) + 1) % 1_000_000:06d}"
    for _ in range(3):
        other.post("/accounts/two-factor/verify/", {"code": wrong})
    response = other.post("/accounts/two-factor/verify/", {"code": current})
    assert b"was not accepted" in response.content
    assert other.get("/").status_code == 302


def test_password_alone_cannot_replace_a_confirmed_authenticator(investigator_a):
    first = Client()
    _password_login(first, "inv_a")
    _set_up(first, "inv_a")
    attacker = Client()
    _password_login(attacker, "inv_a")
    response = attacker.get("/accounts/two-factor/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    assert TOTPDevice.objects.filter(user=investigator_a).count() == 1


def test_unverified_session_gets_403_from_the_api_and_no_admin(client, trial_admin):
    _password_login(client, "trial_admin")
    response = client.get("/api/v1/participants/1/orders")
    assert response.status_code == 403
    assert "Two-factor" in response.json()["detail"]
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


def test_verified_admin_reaches_the_django_admin(client, trial_admin):
    _password_login(client, "trial_admin")
    _set_up(client, "trial_admin")
    assert client.get("/admin/").status_code == 200


def test_coordinator_who_opts_in_is_asked_at_each_login(coordinator_a):
    first = Client()
    _password_login(first, "coord_a")
    _set_up(first, "coord_a")
    second = Client()
    response = second.get(_password_login(second, "coord_a")["Location"])
    assert response["Location"].startswith("/accounts/two-factor/verify/")


def test_next_cannot_send_the_user_off_site(investigator_a):
    client = Client()
    _password_login(client, "inv_a")
    page = client.get("/accounts/two-factor/setup/")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.content.decode())
    assert secret is not None
    key = base64.b32decode(secret.group(1) + "=" * (-len(secret.group(1)) % 8))
    response = client.post(
        "/accounts/two-factor/setup/", {"code": _code(key), "next": "https://evil.example/"}
    )
    assert b"https://evil.example/" not in response.content


def test_demo_exemption_exists_only_in_demo_mode(client, settings):
    from demo.seeding import seed_demo_sites_and_users

    seed_demo_sites_and_users()
    client.post("/accounts/login/", {"username": "investigator", "password": "dressdb-demo-2026"})
    settings.DEMO_MODE = False
    assert client.get("/").status_code == 302
    settings.DEMO_MODE = True
    assert client.get("/").status_code == 200
