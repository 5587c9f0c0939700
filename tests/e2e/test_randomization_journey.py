"""Journey: the statistician generates a LIVE list; the coordinator randomizes an enrolled
participant after checking the stratum, and sees the arm."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from enrollment import services as enrollment_services
from enrollment.screening_contract import parse_screening_input
from tests.e2e.conftest import log_in, shot
from tests.enrollment.factories import document

pytestmark = pytest.mark.browser


def enrolled_participant():
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    screening = enrollment_services.screening_record(
        site=site, user=coordinator, answers=parse_screening_input(document()), initials="EF"
    )
    return enrollment_services.participant_enrol(
        screening=screening,
        user=coordinator,
        consent_at=timezone.now() - dt.timedelta(hours=1),
        consent_form_version="v1.0",
        consent_obtained_by="Dr Cora Ortiz",
    )


def test_generate_list_then_randomize(page, live_server, demo_users):
    participant = enrolled_participant()
    log_in(page, live_server.url, "statistician", DEMO_PASSWORD)
    page.click("nav >> text=Allocation lists")
    page.select_option("select[name=kind]", "live")
    page.fill("input[name=slots_per_stratum]", "20")
    page.click("button[name=generate]")
    page.wait_for_selector("[data-testid=strata]")
    # the stratum by its human label (issue 16 item 3), not its code
    assert "University of Southern California (demo), renal impairment: no" in page.inner_text(
        "[data-testid=strata]"
    )
    shot(page, "allocation-list-report")
    page.click("text=Log out")

    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/participants/{participant.pk}/")
    # no arm anywhere before allocation
    assert "Cyclosporine" not in page.inner_text("main")
    page.click("text=Randomize…")
    page.wait_for_selector("[data-testid=stratum-check]")
    # the stratum by its human label (issue 16 item 3), not its code
    assert "University of Southern California (demo), renal impairment: no" in page.inner_text(
        "[data-testid=stratum-check]"
    )
    shot(page, "randomize-confirm")
    page.click("button:has-text('Randomize now')")
    page.wait_for_selector("[data-testid=arm]")
    arm = page.inner_text("[data-testid=arm]")
    assert arm in ("Cyclosporine", "Corticosteroids")
    shot(page, "randomize-result")
    page.click("text=Go to the participant")
    page.wait_for_selector("[data-testid=dosing-panel]")
    assert page.inner_text("[data-testid=participant-arm]") == arm
    shot(page, "participant-randomized")
    assert page.console_errors == []
