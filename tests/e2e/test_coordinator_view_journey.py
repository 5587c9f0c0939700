"""Journey (issue 16 items 1, 3, 4, 5, 7, 8): the living demo trial seen by its site
coordinator: the record-status grid first, a cell that opens its form, the to-do badge,
human labels and site times, the audit filter, and the tablet (820 px) and laptop
(1366 px) layouts. Screenshots in var/screenshots/coordinator-*.png."""

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from demo.story import seed_stories
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from enrollment.models import Participant
from notifications.models import Reminder
from outcomes.models import Visit
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}


def test_coordinator_view(page, live_server, demo_users):
    stories = seed_stories()
    assert len(stories) >= 12
    coordinator = User.objects.get(username="coordinator")
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)

    # Home: the grid is one click away, the badge counts the open to-do items.
    page.goto(f"{live_server.url}/")
    open_items = Reminder.objects.filter(user=coordinator, status="open").count()
    assert open_items >= 2  # a visit due today and an overdue one, from the demo
    assert page.inner_text("[data-testid=todo-badge]").strip() == str(open_items)
    assert "Not yet randomized:" in page.inner_text("[data-testid=home-coordinator]")
    shot(page, "coordinator-home-1366")
    page.click("[data-testid=home-grid-link]")
    page.wait_for_load_state()
    assert page.url.endswith("/records/")

    # The grid: a row per participant of the coordinator's site, coloured cells, legend.
    grid = page.inner_text("[data-testid=record-grid]")
    usc = list(Participant.objects.filter(site__code="USC").values_list("study_id", flat=True))
    assert usc and all(study_id in grid for study_id in usc)
    assert "PAR-" not in grid  # the other site's participants are not shown
    legend = page.inner_text("[data-testid=grid-legend]")
    for label in ("Not due", "Due", "Overdue", "Complete", "Signed", "Locked", "Missed"):
        assert label in legend
    for state in ("due", "overdue", "complete", "signed", "locked"):
        assert page.locator(f"td[data-state={state}]").count() > 0, state
    shot(page, "coordinator-grid-1366")

    # A due cell opens the form that closes it: the day 30 visit due today.
    usc_today = timezone.localdate(timezone=Site.objects.get(code="USC").tz)
    visit = Visit.objects.get(participant__site__code="USC", name="day30", target_date=usc_today)
    href = f"/visits/participants/{visit.participant_id}/{visit.pk}/"
    page.click(f"td[data-state=due] a[href='{href}']")
    page.wait_for_load_state()
    assert page.url.endswith(href)
    shot(page, "coordinator-visit-form-1366")

    # Filters: status and arm (the derived status).
    page.goto(f"{live_server.url}/records/?status=enrolled")
    assert page.locator("th.grid-sticky a").count() == 1

    # Participant list: arm, study day, status, next item due with its date.
    page.goto(f"{live_server.url}/participants/")
    table = page.inner_text("[data-testid=participant-table]")
    assert "Next item due" in table and "Study day" in table
    assert re.search(r"Dosing decision\s+\d{4}-\d\d-\d\d \(today\)", table)
    shot(page, "coordinator-participants-1366")

    # Human labels and site time: consent shown in the site's zone, named.
    switched = Participant.objects.get(study_id="USC-005")  # the demo's switched arm
    assert switched.current_arm != switched.randomized_arm
    page.goto(f"{live_server.url}/participants/{switched.pk}/")
    assert "(America/Los_Angeles)" in page.inner_text("[data-testid=consent-time]")
    assert "Switched arm" in page.inner_text("[data-testid=dosing-panel]")
    shot(page, "coordinator-participant-1366")

    # The audit trail: names, not ids; filtered by form.
    page.goto(f"{live_server.url}/participants/{switched.pk}/audit/")
    audit = page.inner_text("[data-testid=audit-table]")
    assert "Cora Ortiz (coordinator)" in audit
    page.select_option("select[name=record]", label="Assessment")
    page.click("[data-testid=audit-filter] button[type=submit]")
    page.wait_for_load_state()
    rows = page.inner_text("[data-testid=audit-table] tbody")
    assert "Assessment" in rows and "Participant #" not in rows
    shot(page, "coordinator-audit-1366")

    # Dashboard tables at 1366: no column clipped (the table is not wider than its box).
    page.goto(f"{live_server.url}/reports/")
    box = page.evaluate(
        "(() => { const t = document.querySelector('[data-testid=by-site]');"
        " return [t.scrollWidth, t.parentElement.clientWidth]; })()"
    )
    assert box[0] <= box[1], box
    shot(page, "coordinator-dashboard-1366")

    # Tablet: the grid scrolls sideways with the study ID kept in view; the screening
    # form shows the live RegiSCAR/eligibility summary bar while typing.
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/records/")
    badge = page.locator("[data-testid=todo-badge-mobile]")
    assert badge.is_visible() and badge.inner_text().strip() == f"To-do {open_items}"
    shot(page, "coordinator-grid-820")
    page.goto(f"{live_server.url}/")
    shot(page, "coordinator-home-820")
    page.goto(f"{live_server.url}/participants/screening/new/")
    site_select = page.locator("#id_site")
    assert site_select.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    page.fill("input[name=age]", "45")
    page.fill("input[name=creatinine]", "1.1")
    panel = page.locator("[data-testid=score-panel]")
    assert panel.evaluate("e => getComputedStyle(e).position") == "fixed"
    box = panel.bounding_box()
    assert box is not None and box["y"] + box["height"] <= TABLET["height"] + 1
    page.screenshot(
        path=str(shot(page, "coordinator-screening-820")).replace("820", "820-viewport")
    )
    assert not page.console_errors, page.console_errors  # CSP: no inline script or style
