"""Journey: each demo role logs in, sees its own home page, and logs out."""

import base64

import pytest

from dressdb.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in, shot, totp_code

pytestmark = pytest.mark.browser

SECTION_BY_USER = {
    "coordinator": "home-coordinator",
    "investigator": "home-investigator",
    "pharmacist": "home-pharmacist",
    "statistician": "home-statistician",
    "admin": "home-admin",
}


@pytest.mark.parametrize("username", list(SECTION_BY_USER))
def test_role_logs_in_sees_home_and_logs_out(page, live_server, demo_users, username):
    log_in(page, live_server.url, username, DEMO_PASSWORD)
    page.wait_for_selector(f"[data-testid={SECTION_BY_USER[username]}]")
    assert username in page.inner_text("[data-testid=current-user]") or page.inner_text(
        "[data-testid=current-user]"
    )
    shot(page, f"home-{username}")
    page.click("text=Log out")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.is_visible("text=Log in to dressdb")
    assert page.console_errors == []


def test_wrong_password_shows_error(page, live_server, demo_users):
    log_in(page, live_server.url, "coordinator", "not-the-password")
    assert page.is_visible("text=Please enter a correct username and password")


def test_investigator_sets_up_two_factor_then_is_asked_for_a_code(page, live_server, demo_users):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "investigator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/accounts/two-factor/setup/**")
    assert page.is_visible(".qr-code svg")
    shot(page, "two-factor-setup")

    # A wrong code is refused, and the page says so next to the field.
    page.fill("input[name=code]", "12345")
    page.click("form:has(input[name=code]) button[type=submit]")
    assert page.is_visible("text=That code was not accepted")
    assert "/accounts/two-factor/setup/" in page.url

    # The rest as a person with an authenticator app; backup codes shown once. After a
    # wrong code the device refuses any code for 1 s (doubling with each failure).
    page.wait_for_timeout(1200)
    secret = page.inner_text("[data-testid=totp-secret]").strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", totp_code(key))
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_selector("[data-testid=backup-codes]")
    shot(page, "two-factor-backup-codes")
    page.click("text=Continue")
    page.wait_for_selector("[data-testid=home-investigator]")
    page.click("text=Log out")

    # Next login: password, then the code page.
    page.fill("input[name=username]", "investigator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/accounts/two-factor/verify/**")
    shot(page, "two-factor-verify")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="investigator", confirmed=True)
    page.fill("input[name=code]", totp_code(key, after_step=device.last_t))
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_selector("[data-testid=home-investigator]")
    page.goto(f"{base}/accounts/two-factor/")
    assert page.inner_text("[data-testid=two-factor-status]") == "Set up"
    shot(page, "two-factor-overview")
    assert page.console_errors == []
