"""Browser harness: Playwright driving Debian's /usr/bin/chromium against live_server.

Failed tests save a screenshot to var/screenshots/failed-<test>.png; journeys also
save named screenshots with `shot(page, name)` for people to look at.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# test itself (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} @ {m.location.get('url', '')}") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Password, then the second factor where the role needs one, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/two-factor/setup/" in page.url:
        # Act as the authenticator app: read the key the page shows, compute the code.
        secret = page.inner_text("[data-testid=totp-secret]").strip()
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        page.fill("input[name=code]", totp_code(key))
        page.click("form:has(input[name=code]) button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("[data-testid=backup-codes] li").count() == 10
        page.click("text=Continue")
        page.wait_for_load_state()
    elif "/accounts/two-factor/verify/" in page.url:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.fill("input[name=code]", totp_code(device.bin_key, after_step=device.last_t))
        page.click("form:has(input[name=code]) button[type=submit]")
        page.wait_for_load_state()


def totp_code(key: bytes, after_step: int = -1) -> str:
    """What an authenticator app shows now (or its next code, if this one was used)."""
    from django_otp.oath import TOTP

    totp = TOTP(key)
    totp.time = time.time()
    if totp.t() <= after_step:
        totp.time += totp.step * (after_step - totp.t() + 1)
    return f"{totp.token():06d}"


@pytest.fixture
def demo_users(transactional_db: None) -> list[Any]:
    from demo.seeding import seed_demo_sites_and_users

    return seed_demo_sites_and_users()
