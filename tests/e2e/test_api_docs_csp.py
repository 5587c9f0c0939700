"""The API docs page (Swagger UI) under the strict Content-Security-Policy, in Chromium:
it renders the operations, and the console shows no CSP violation or error. Also the
API-token page and the password-change page, which are new."""

import pytest

from dressdb.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def _watch(page, messages: list[str]) -> None:
    page.on(
        "response", lambda r: messages.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.on(
        "console",
        lambda m: (
            messages.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
            else None
        ),
    )


def test_api_docs_render_under_the_strict_csp(page, live_server, demo_users):
    log_in(page, live_server.url, "statistician", DEMO_PASSWORD)
    page.console_errors.clear()  # only this page's own messages count
    messages: list[str] = []
    _watch(page, messages)
    response = page.goto(live_server.url + "/api/v1/docs/")
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    page.wait_for_selector(".opblock", timeout=15_000)  # operations rendered
    assert page.locator(".opblock").count() >= 5
    page.locator(".opblock").first.click()  # expanding an operation works too
    page.wait_for_load_state("networkidle")
    assert messages == []
    assert page.console_errors == []


def test_token_and_password_pages_under_the_strict_csp(page, live_server, demo_users):
    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)
    page.console_errors.clear()
    messages: list[str] = []
    _watch(page, messages)
    for path in ("/accounts/tokens/", "/accounts/password/"):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/accounts/tokens/")
    page.fill("input[name=name]", "browser test")
    page.click("form:has(input[name=name]) button[type=submit]")
    token = page.inner_text("[data-testid=new-token]").strip()
    assert token.startswith("ddb_")
    assert messages == []
    assert page.console_errors == []
