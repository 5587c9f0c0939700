"""Journey: each demo role logs in, sees its own home page, and logs out."""

import pytest

from dressdb.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in, shot

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
