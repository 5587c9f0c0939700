"""Journey (issue 16 item 2): the day-30 visit with three errors in it (one a field
cannot hold, two broken rules) needs ONE submit to show all three, each beside its
field and in a summary at the top; branching shows and hides the dependent fields;
fixing a field clears its old message. Screenshots at 1366 and 820 px."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from outcomes.models import Visit
from tests.dosing.helpers import started
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser

ANSWERS = {
    "organ_resolution": "yes",
    "erythema_resolution": "yes",
    "fever": "no",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "lymphadenopathy": "no",
    "hhv6_pcr": "negative",
    "hhv7_pcr": "negative",
    "ebv_pcr": "negative",
    "cmv_pcr": "negative",
}


def visible(page, name: str) -> bool:
    return page.locator(f"[data-field={name}]").is_visible()


def test_day30_three_errors_one_submit_and_branching(page, live_server, demo_users):
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    participant, _ = started(site, coordinator, arm="steroids", days_ago=29)  # today = day 30
    participant.enrolled_at = timezone.now() - dt.timedelta(days=31)
    participant.save()
    day30 = Visit.objects.get(participant=participant, name="day30")

    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/visits/participants/{participant.pk}/{day30.pk}/")

    # Branching: the dependent fields are hidden until their answer opens them.
    for name in ("hhv6_load", "autoimmune_type", "autoimmune_other", "death_date"):
        assert not visible(page, name), name
    page.check("input[name=hhv6_pcr][value=positive]")
    assert visible(page, "hhv6_load")
    page.check("input[name=hhv6_pcr][value=negative]")
    assert not visible(page, "hhv6_load")
    page.check("input[name=autoimmune_disease][value=yes]")
    assert visible(page, "autoimmune_type") and not visible(page, "autoimmune_other")
    page.check("input[name=autoimmune_type][value=other]")
    assert visible(page, "autoimmune_other")
    page.check("input[name=autoimmune_disease][value=no]")
    assert not visible(page, "autoimmune_type") and not visible(page, "autoimmune_other")

    # Required fields are marked.
    assert page.locator("[data-field=fever] .asteriskField").count() == 1
    assert page.locator("[data-field=hhv6_load] .asteriskField").count() == 0

    # Three errors: eosinophils out of range (field), autoimmune yes with no type and
    # dead with no date of death (rules). One submit, on a fresh page.
    page.reload()
    page.fill("input[name=completed_on]", day30.target_date.isoformat())
    for name, value in ANSWERS.items():
        page.check(f"input[name={name}][value={value}]")
    page.fill("input[name=eosinophil_count]", "60")
    page.check("input[name=autoimmune_disease][value=yes]")
    page.check("input[name=vital_status][value=dead]")
    submits = 0
    page.click("button:has-text('Save the visit')")
    submits += 1
    page.wait_for_selector("[data-testid=error-summary]")
    summary = page.inner_text("[data-testid=error-summary]")
    assert "less than or equal to 50" in summary
    assert "Give the type of autoimmune disease." in summary
    assert "Give the date of death." in summary
    assert page.locator("[data-testid=error-summary] li").count() == 3
    for name in ("eosinophil_count", "autoimmune_type", "death_date"):
        assert page.locator(f"[data-field={name}] .invalid-feedback").count() == 1, name
        assert visible(page, name), name
    assert submits == 1
    assert Visit.objects.get(pk=day30.pk).completed_on is None  # nothing written
    shot(page, "forms-day30-three-errors-1366")
    page.set_viewport_size({"width": 820, "height": 1180})
    shot(page, "forms-day30-three-errors-820")

    # Fixing a field clears its old message (and its line in the summary).
    page.fill("input[name=eosinophil_count]", "0.4")
    assert page.locator("[data-field=eosinophil_count] .invalid-feedback").count() == 0
    assert page.locator("[data-field=eosinophil_count] .is-invalid").count() == 0
    assert page.locator("[data-testid=error-summary] li").count() == 2

    # Fix the other two and save: the second submit is the one that saves.
    page.check("input[name=autoimmune_type][value=thyroiditis]")
    page.fill("input[name=death_date]", day30.target_date.isoformat())
    page.click("button:has-text('Save the visit')")
    page.wait_for_selector("[data-testid=visits-panel]")
    saved = Visit.objects.get(pk=day30.pk)
    assert (saved.autoimmune_type, saved.death_date) == ("thyroiditis", day30.target_date)
    assert page.console_errors == []


def test_assessment_form_guides(page, live_server, demo_users):
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    participant, regimen = started(site, coordinator)
    participant.baseline_alt = 400
    participant.save()
    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/dosing/participants/{participant.pk}/assess/")
    due = page.inner_text("[data-testid=decision-due]")
    assert f"Decision due on study day {regimen.next_decision_day}" in due
    assert page.locator("input[name=baseline_alt]").is_disabled()
    page.fill("input[name=alt]", "120")
    page.press("input[name=alt]", "Tab")  # a change: the panel asks the server (htmx)
    page.wait_for_selector("text=ALT fell 78% of the way back to normal.")
    page.check("input[name=improvement][value=gt25]")
    page.click("button:has-text('Sign the decision')")  # no trend, no password
    page.wait_for_selector("[data-testid=error-summary]")
    assert "ALT fell 78% of the way back to normal." in page.inner_text("[data-testid=suggestion]")
    shot(page, "forms-assessment-error-1366")
    page.set_viewport_size({"width": 820, "height": 1180})
    shot(page, "forms-assessment-error-820")
