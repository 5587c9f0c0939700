"""Walkthrough of the living demo (issue 16), the defects it found, checked as a user
sees them: the navigation fits at 1366 px for the role with the most links (Log out on
screen, account links in a menu), the record-status grid scrolls sideways inside its box
at 820 px (not the whole page), and the day-30 visit with three errors, one of them a
blank visit date, shows all three after ONE submit. Screenshots walkthrough-*.png."""

import pytest
from django.utils import timezone

from demo.story import seed_stories
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from outcomes.models import Visit
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
PAGE_SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > window.innerWidth"
ANSWERS = {
    "organ_resolution": "yes",
    "erythema_resolution": "yes",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "fever": "no",
    "lymphadenopathy": "no",
    "hhv6_pcr": "negative",
    "hhv7_pcr": "negative",
    "ebv_pcr": "negative",
    "cmv_pcr": "negative",
    "autoimmune_disease": "no",
}


def test_walkthrough_navigation_grid_and_day30(page, live_server, demo_users):
    seed_stories()

    # The admin has the most links: at 1366 px nothing leaves the screen.
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server.url, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/records/")
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS)
    logout = page.locator("nav button:has-text('Log out')").bounding_box()
    assert logout is not None and logout["x"] + logout["width"] <= LAPTOP["width"]
    page.click("[data-testid=current-user]")
    page.click("[data-testid=account-menu] >> text=API tokens")
    page.wait_for_url(f"{live_server.url}/accounts/tokens/")
    shot(page, "walkthrough-admin-nav-1366")
    page.click("text=Log out")
    page.wait_for_url(f"{live_server.url}/accounts/login/")

    # The coordinator's grid at 820 px: the table scrolls in its box, the page does not.
    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/records/")
    wrap = page.locator(".grid-wrap")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")  # wider than the tablet
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS)
    shot(page, "walkthrough-coordinator-grid-820")

    # The day-30 visit due today, with three errors: no visit date (the form refuses
    # it), eosinophils 60 (the model's range) and dead with no date of death (a rule).
    usc_today = timezone.localdate(timezone=Site.objects.get(code="USC").tz)
    visit = Visit.objects.get(participant__site__code="USC", name="day30", target_date=usc_today)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/visits/participants/{visit.participant_id}/{visit.pk}/")
    for name, value in ANSWERS.items():
        page.check(f"input[name={name}][value={value}]")
    page.fill("input[name=eosinophil_count]", "60")
    page.check("input[name=vital_status][value=dead]")
    submits = 0
    page.click("button:has-text('Save the visit')")
    submits += 1
    page.wait_for_selector("[data-testid=error-summary]")
    assert page.locator("[data-testid=error-summary] li").count() == 3
    for name in ("completed_on", "eosinophil_count", "death_date"):
        assert page.locator(f"[data-field={name}] .invalid-feedback").count() == 1, name
    assert submits == 1
    assert Visit.objects.get(pk=visit.pk).completed_on is None  # nothing written
    shot(page, "walkthrough-day30-three-errors-1366")
    page.set_viewport_size(TABLET)
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS)
    shot(page, "walkthrough-day30-three-errors-820")
    assert not page.console_errors, page.console_errors
