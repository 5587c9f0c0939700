"""Journey (issue 19): the pharmacist verifies an IV order; the coordinator records the
day's doses with one held dose, on a desktop and at tablet width; the participant page
and the export show the adherence."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User

from dosing.models import Administration, Order
from dressdb import signing
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from tests.dosing.helpers import started
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser


def test_verify_then_record_the_day_with_one_held_dose(page, live_server, demo_users):
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    participant, _ = started(site, coordinator, days_ago=3, npo=True)  # IV cyclosporine
    base = live_server.url
    today = Order.objects.get(participant=participant, day=4)
    assert today.route == "IV" and today.pharmacist_to_verify

    # The pharmacist sees the order blocked and verifies it (e-signature).
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, base, "pharmacist", DEMO_PASSWORD)
    page.goto(f"{base}/dosing/orders/today/")
    row = page.locator(f"[data-testid=order-row-{today.pk}]")
    assert "Blocked" in row.inner_text()
    shot(page, "administrations-todays-orders-blocked-1366")
    row.locator("[data-testid=verify-link]").click()
    page.wait_for_selector("[data-testid=signature-block]")
    assert "Verified for dispensing" in page.inner_text("[data-testid=signed-data]")
    shot(page, "administrations-verify-1366")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('Verify and sign')")
    page.wait_for_selector("text=Order verified for dispensing")
    assert signing.current_signature(today) is not None
    page.context.clear_cookies()

    # The coordinator records the day: all given by default, one held dose.
    log_in(page, base, "coordinator", DEMO_PASSWORD)
    page.goto(f"{base}/dosing/orders/today/")
    assert "Verified" in page.locator(f"[data-testid=order-row-{today.pk}]").inner_text()
    page.locator(f"[data-testid=order-row-{today.pk}] [data-testid=record-link]").click()
    page.wait_for_selector("[data-testid=administrations-form]")
    assert page.inner_text("[data-testid=zone]") == "America/Los_Angeles"
    assert page.locator("select[name='adm-0-status']").input_value() == "given"
    assert page.locator("select[name='adm-1-status']").input_value() == "given"
    page.select_option("select[name='adm-1-status']", "held")
    page.fill("input[name='adm-1-dose_mg']", "")
    page.click("[data-testid=save-day]")
    # A held dose without a reason: the field is named, nothing is saved.
    page.wait_for_selector(
        "[data-testid=slot-1] .invalid-feedback, [data-testid=slot-1] .text-danger"
    )
    assert "reason" in page.inner_text("[data-testid=slot-1]").lower()
    assert not Administration.objects.exists()
    page.fill("input[name='adm-1-reason']", "Held: blood pressure 170/100, investigator called")
    page.click("[data-testid=save-day]")
    page.wait_for_selector("text=saved for")
    statuses = list(
        Administration.objects.filter(order=today)
        .order_by("number")
        .values_list("status", flat=True)
    )
    assert statuses == ["given", "held"]
    shot(page, "administrations-day-1366")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.reload()
    # Tablet width: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820, width
    shot(page, "administrations-day-820")
    page.goto(f"{base}/dosing/orders/today/")
    shot(page, "administrations-todays-orders-820")

    # Adherence on the participant page: 1 dose given of 8 ordered (days 1-4, twice a day).
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/participants/{participant.pk}/")
    assert "1 of 8" in page.inner_text("[data-testid=adherence-doses]")
    shot(page, "administrations-participant-adherence-1366")
    assert page.console_errors == []

    # ... and in the export.
    page.context.clear_cookies()
    log_in(page, base, "statistician", DEMO_PASSWORD)
    answer = page.request.get(f"{base}/reports/exports/administrations.csv")
    assert answer.status == 200
    rows = list(csv.DictReader(io.StringIO(answer.text().lstrip("\ufeff"))))
    assert [(r["study_id"], r["number"], r["status"]) for r in rows] == [
        (participant.study_id, "1", "given"),
        (participant.study_id, "2", "held"),
    ]
