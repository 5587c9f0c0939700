"""Journey: a coordinator enters the day 7 and day 30 endpoints, sees the to-do list
change, and the investigator signs off the visit (meaning + password: a Part 11 signature)."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from outcomes.models import Visit
from tests.dosing.helpers import started
from tests.e2e.conftest import log_in, shot
from tests.notifications.helpers import reminder_sweep

pytestmark = pytest.mark.browser

DAY7_ANSWERS = {
    "organ_resolution": "no",
    "erythema_resolution": "yes",
    "fever": "no",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "lymphadenopathy": "no",
    "vital_status": "alive",
}


def fill_visit(page, date: dt.date, extra: dict[str, str]) -> None:
    page.fill("input[name=completed_on]", date.isoformat())
    for name, value in {**DAY7_ANSWERS, **extra}.items():
        page.check(f"input[name={name}][value={value}]")
    page.fill("input[name=eosinophil_count]", "0.6")


def test_enter_day7_and_day30_then_sign_off(page, live_server, demo_users):
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    participant, _ = started(site, coordinator, arm="steroids", days_ago=29)  # today = day 30
    participant.enrolled_at = timezone.now() - dt.timedelta(days=31)
    participant.save()
    reminder_sweep()

    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)
    todo = page.inner_text("[data-testid=todo]")
    assert "Day 30 visit is due today" in todo and "Day 7 visit is overdue" in todo
    shot(page, "todo-before")

    day7 = Visit.objects.get(participant=participant, name="day7")
    page.goto(f"{live_server.url}/visits/participants/{participant.pk}/{day7.pk}/")
    fill_visit(page, day7.target_date + dt.timedelta(days=5), {})
    page.click("button:has-text('Save the visit')")
    page.wait_for_selector("text=outside its window")  # a late visit needs a reason
    page.fill("input[name=out_of_window_reason]", "Patient was in intensive care")
    page.click("button:has-text('Save the visit')")
    page.wait_for_selector("[data-testid=visits-panel]")

    day30 = Visit.objects.get(participant=participant, name="day30")
    page.goto(f"{live_server.url}/visits/participants/{participant.pk}/{day30.pk}/")
    fill_visit(
        page,
        day30.target_date,
        {
            "hhv6_pcr": "negative",
            "hhv7_pcr": "negative",
            "ebv_pcr": "positive",
            "cmv_pcr": "not_done",
            "autoimmune_disease": "no",
        },
    )
    shot(page, "visit-day30-form")
    page.click("button:has-text('Save the visit')")
    page.wait_for_selector("[data-testid=visits-panel]")
    panel = page.inner_text("[data-testid=visits-panel]")
    assert "Completed out of window" in panel and "Completed" in panel  # the labels

    page.goto(f"{live_server.url}/")
    todo = page.inner_text("[data-testid=todo]")
    assert "Day 30 visit is due today" not in todo and "Day 7 visit is overdue" not in todo
    shot(page, "todo-after")
    page.click("text=Log out")

    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/participants/{participant.pk}/")
    page.click("[data-testid=visit-day30] >> a:has-text('Sign off')")
    # Part 11: the data being signed, the meaning, the password.
    page.wait_for_selector("[data-testid=signature-block]")
    assert "Visit date" in page.inner_text("[data-testid=signed-data]")
    page.check("input[name=meaning][value='reviewed and approved']")
    page.fill("input[name=password]", DEMO_PASSWORD)
    shot(page, "visit-sign-off-page")
    page.click("button:has-text('Sign off the visit')")
    page.wait_for_selector("text=signed off and locked")
    row = page.inner_text("[data-testid=visit-day30]")
    assert "signed off" in row and "UTC" in row and "reviewed and approved" in row
    shot(page, "visit-signed-off")
    assert Visit.objects.get(pk=day30.pk).locked
    assert page.console_errors == []
