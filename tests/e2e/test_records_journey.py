"""Journey (issue 15 items 1-3): a coordinator cannot mark a visit missed before its
window closes except for a listed reason; the participant's status follows the record
(on treatment, stopped treatment, lost to follow-up, died); conflicting death dates show a
discrepancy; the investigator's mortality shows the unknown beside it."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dosing.models import Order
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from outcomes.models import Visit
from tests.dosing.helpers import started
from tests.e2e.conftest import log_in, shot
from tests.reports.test_dashboards import allocate

pytestmark = pytest.mark.browser


def status_text(page) -> str:
    return page.inner_text("[data-testid=participant-status]")


def test_missed_visit_status_and_deaths(page, live_server, demo_users):
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    first, _ = started(site, coordinator, arm="steroids", days_ago=2)  # today: study day 3
    second, regimen = started(site, coordinator, arm="cyclosporine", days_ago=9)
    for p in (first, second):
        p.enrolled_at = timezone.now() - dt.timedelta(days=12)
        p.randomized_on = p.study_day_1
        p.randomized_arm = p.current_arm = p.regimen.randomized_arm
        p.save()
        allocate(p, p.randomized_arm, coordinator)
    today = timezone.localdate(timezone=site.tz)

    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)

    # Item 3: the status follows the record.
    page.goto(f"{live_server.url}/participants/{first.pk}/")
    assert status_text(page) == "On treatment: corticosteroids, study day 3"

    # Item 1: day 30 on study day 3: refused without a listed reason.
    day30 = Visit.objects.get(participant=first, name="day30")
    page.goto(f"{live_server.url}/visits/participants/{first.pk}/{day30.pk}/")
    assert "The window is open until" in page.inner_text("[data-testid=missed-rule]")
    page.fill("input[name=missed_reason]", "Patient says they will not come")
    page.click("button:has-text('Record as missed')")
    page.wait_for_selector("text=only after its window has closed")
    shot(page, "records-missed-refused")
    day30.refresh_from_db()
    assert not day30.missed
    page.check("input[name=reason_code][value=unreachable]")
    page.fill("input[name=missed_reason]", "")
    page.click("button:has-text('Record as missed')")
    page.wait_for_selector("text=Give a note")
    page.check("input[name=reason_code][value=unreachable]")
    page.fill("input[name=missed_reason]", "moved abroad, phone disconnected")
    page.click("button:has-text('Record as missed')")
    page.wait_for_selector("[data-testid=visits-panel]")
    row = page.inner_text("[data-testid=visit-day30]")
    assert "missed (moved or unreachable: moved abroad, phone disconnected)" in row
    assert status_text(page).startswith("Lost to follow-up")
    shot(page, "records-missed-with-reason")

    # Item 3: stopping study treatment: no more orders, follow-up continues.
    page.goto(f"{live_server.url}/participants/{second.pk}/")
    assert status_text(page) == "On treatment: cyclosporine, study day 10"
    page.click("a:has-text('Withdraw')")
    page.check("input[name=kind][value=treatment]")
    page.fill("input[name=withdrawn_on]", today.isoformat())
    page.fill("input[name=reason]", "Adverse effect; agrees to the visits")
    shot(page, "records-withdraw-form")
    page.click("button:has-text('Withdraw')")
    page.wait_for_selector("[data-testid=withdrawal]")
    assert status_text(page) == "Withdrawn: stopped study treatment (follow-up continues)"
    assert not Order.objects.filter(regimen=regimen, date__gt=today).exists()
    shot(page, "records-treatment-stopped")

    # Item 2: a death date from the hospital course, then a visit recording the
    # participant alive after it: the discrepancy is shown on the page.
    page.goto(f"{live_server.url}/visits/participants/{second.pk}/hospital-course/")
    assert second.study_day_1 is not None
    died = second.study_day_1 + dt.timedelta(days=4)
    page.fill("input[name=death_date]", died.isoformat())
    page.fill("input[name=death_cause]", "Cardiac arrest")
    page.click("main button:has-text('Save')")
    page.wait_for_selector("[data-testid=participant-status]")
    assert status_text(page).startswith("Died")
    day7 = Visit.objects.get(participant=second, name="day7")
    page.goto(f"{live_server.url}/visits/participants/{second.pk}/{day7.pk}/")
    page.fill("input[name=completed_on]", day7.target_date.isoformat())
    for name, value in {
        "organ_resolution": "no",
        "erythema_resolution": "yes",
        "fever": "no",
        "facial_oedema_resolved": "yes",
        "pruritus_resolved": "yes",
        "lymphadenopathy": "no",
        "vital_status": "alive",
    }.items():
        page.check(f"input[name={name}][value={value}]")
    page.fill("input[name=eosinophil_count]", "0.6")
    page.click("button:has-text('Save the visit')")
    page.wait_for_selector("[data-testid=death-discrepancy]")
    assert "after the date of death" in page.inner_text("[data-testid=death-discrepancy]")
    assert "date of death in question" in status_text(page)
    shot(page, "records-death-discrepancy")

    # The list shows each participant's status.
    page.goto(f"{live_server.url}/participants/")
    listing = page.inner_text("main")
    assert "Lost to follow-up" in listing and "Died" in listing
    shot(page, "records-participant-list")

    # The investigator's dashboards: the discrepancy listed, mortality with unknowns.
    page.context.clear_cookies()
    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/reports/completeness/")
    assert second.study_id in page.inner_text("[data-testid=death-discrepancies]")
    page.goto(f"{live_server.url}/reports/endpoints/")
    assert "unknown" in page.inner_text("main")
    shot(page, "records-endpoints-unknown")
    page.goto(f"{live_server.url}/reports/consort/")
    shot(page, "records-consort")
    assert "Vital status known at day 90" in page.inner_text("[data-testid=consort]")
