"""Journeys: the investigator signs decisions and the participant page shows the right
orders after each, for one participant per arm to completion and for one who switches;
the pharmacist prints the order sheet."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.db.models import Max

from dosing.models import Order
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from tests.dosing.helpers import started
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser


def randomized(arm: str):
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    participant, _ = started(site, coordinator, arm=arm, days_ago=150)
    return participant


def sign(page, base: str, participant, improvement: str, trend: str) -> None:
    page.goto(f"{base}/participants/{participant.pk}/")
    page.click("[data-testid=assess-link]")
    page.wait_for_selector("[data-testid=signature-block]")
    page.check(f"input[name=improvement][value={improvement}]")
    page.check(f"input[name=labs_trend][value={trend}]")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('Sign the decision')")
    page.wait_for_selector("[data-testid=dosing-panel]")


def blocks(page) -> str:
    return page.inner_text("[data-testid=blocks]")


def state(page) -> str:
    return page.inner_text("[data-testid=regimen-state]")


def test_cyclosporine_to_completion(page, live_server, demo_users):
    p = randomized("cyclosporine")
    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/participants/{p.pk}/")
    assert "CSA_INDUCTION" in blocks(page) and "1–7" in blocks(page)
    sign(page, live_server.url, p, "gt25", "down")
    assert "CSA_TAPER" in blocks(page) and "8–41" in blocks(page)
    assert state(page) == "Completed"
    taper = Order.objects.filter(participant=p, day=8).get()
    assert (taper.dose_mg, taper.calculated_dose_mg) == (100, 105)  # the worked example
    shot(page, "dosing-csa-completed")
    assert page.console_errors == []


def test_steroids_to_completion(page, live_server, demo_users):
    p = randomized("steroids")
    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    sign(page, live_server.url, p, "le25", "flat")
    assert "MP_PULSE_2" in blocks(page)
    sign(page, live_server.url, p, "le25", "flat")
    assert "MP_PULSE_3" in blocks(page)
    sign(page, live_server.url, p, "le25", "down")
    assert "STEROID_TAPER" in blocks(page) and "11–69" in blocks(page)
    assert state(page) == "Completed"
    assert Order.objects.filter(participant=p).aggregate(m=Max("day"))["m"] == 69
    shot(page, "dosing-steroids-completed")


def test_switch_then_completion(page, live_server, demo_users):
    p = randomized("cyclosporine")
    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    sign(page, live_server.url, p, "none", "up")
    assert page.inner_text("[data-testid=current-arm]") == "Corticosteroids"
    assert "MP_PULSE_1" in blocks(page) and "8–10" in blocks(page)
    assert "day 7 Switched arm to Corticosteroids" in page.inner_text("[data-testid=dosing-panel]")
    shot(page, "dosing-switched")
    sign(page, live_server.url, p, "gt25", "flat")
    assert "STEROID_TAPER" in blocks(page)
    assert state(page) == "Completed"
    # the investigator's to-do list has the switch alert
    page.goto(f"{live_server.url}/visits/todo/")
    assert "switched to corticosteroids" in page.inner_text("[data-testid=todo]")


def test_wrong_password_signs_nothing(page, live_server, demo_users):
    p = randomized("cyclosporine")
    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dosing/participants/{p.pk}/assess/")
    page.check("input[name=improvement][value=gt25]")
    page.check("input[name=labs_trend][value=down]")
    page.fill("input[name=password]", "not-my-password")
    page.click("button:has-text('Sign the decision')")
    page.wait_for_selector("text=Wrong password")
    assert Order.objects.filter(participant=p).count() == 7


def test_pharmacist_prints_order_sheet(page, live_server, demo_users):
    p = randomized("cyclosporine")
    log_in(page, live_server.url, "pharmacist", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/participants/{p.pk}/")
    page.click("text=Order sheet (print)")
    first = Order.objects.filter(participant=p).order_by("day").first()
    assert first is not None
    page.fill("input[name=start]", first.date.isoformat())
    page.fill("input[name=end]", (first.date + dt.timedelta(days=6)).isoformat())
    page.click("button:has-text('Show')")
    page.wait_for_selector("[data-testid=order-sheet]")
    page.emulate_media(media="print")
    sheet = page.inner_text("[data-testid=order-sheet]")
    assert "Medication administration record" in sheet and "175 mg" in sheet
    assert not page.is_visible("nav")
    # A MAR (issue 16 item 6): one week, a row per administration (175 mg twice a day:
    # two cells a day), blank for paper use, and it prints on one landscape page.
    assert page.locator(".mar-week").count() == 1
    assert page.locator("tr.mar-admin[data-drug=cyclosporine]").count() == 2
    assert page.locator("td.mar-cell").count() == 14
    assert page.locator("td.mar-cell .mar-sign").count() == 14
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, landscape=True, print_background=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, paper
    shot(page, "order-sheet-print")
