"""Journey (issue 17): a coordinator records a serious adverse event related to
cyclosporine, watches its SAE clock; the investigator finds it on the to-do list and
signs the review (meaning + password: a Part 11 signature), which stops the clock; the
coordinator adds a follow-up report (a new version; the signature is voided with the
reason) and the event shows on the participant page; the statistician sees it on the
safety dashboard by arm and in the adverse_events and ae_versions exports."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from safety.models import AdverseEvent
from tests.e2e.conftest import log_in, shot
from tests.safety.helpers import recent_participant

pytestmark = pytest.mark.browser


def test_serious_related_event_clock_signature_and_follow_up(page, live_server, demo_users):
    _load_terms()
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    participant = recent_participant(site, coordinator, days_ago=12)
    participant.randomized_arm = "cyclosporine"  # counted by arm on the dashboard
    participant.save()
    today = timezone.localdate(timezone=site.tz)
    aware = timezone.localtime(timezone.now() - dt.timedelta(hours=5), site.tz)

    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/participants/{participant.pk}/")
    page.click("[data-testid=safety-panel] >> text=Record an adverse event")
    page.select_option("select[name=term]", label="Hepatic failure")
    page.fill("input[name=onset_date]", (today - dt.timedelta(days=2)).isoformat())
    page.check("input[name=ongoing]")
    page.check("input[name=grade][value='4']")
    page.check("input[name=serious]")
    page.check("input[name=criteria][value=life_threatening]")
    page.check("input[name=criteria][value=hospitalisation]")
    page.select_option("select[name=related_cyclosporine]", "probable")
    page.select_option("select[name=related_corticosteroids]", "not_related")
    page.select_option("select[name=action_cyclosporine]", "interrupted")
    page.select_option("select[name=action_corticosteroids]", "not_applicable")
    page.select_option("select[name=outcome]", "not_recovered")
    page.fill("input[name=aware_at]", aware.strftime("%Y-%m-%dT%H:%M"))
    page.click("[data-testid=ae-form] button[type=submit]")
    page.wait_for_selector("[data-testid=sae-clock-box]")
    box = page.inner_text("[data-testid=sae-clock-box]")
    assert "left" in box and "UTC" in box
    assert "SUSAR" in page.inner_text("[data-testid=susar]")
    assert "7 days" in page.inner_text("[data-testid=susar]")  # life-threatening
    shot(page, "safety-sae-clock")
    ae = AdverseEvent.objects.get(participant=participant)
    assert ae.serious and ae.susar and ae.report_due_at is not None

    page.context.clear_cookies()
    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    todo = page.inner_text("[data-testid=todo]")
    assert "Serious adverse event: report due" in todo and participant.study_id in todo
    page.goto(f"{live_server.url}/safety/participants/{participant.pk}/adverse-events/{ae.pk}/")
    page.click("text=Sign the review")
    assert "Relatedness to cyclosporine" in page.inner_text("[data-testid=signed-data]")
    page.check("input[name=meaning][value='reviewed and approved']")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=ae-sign-form] button[type=submit]")
    page.wait_for_selector("[data-testid=signatures] [data-testid=signature]")
    assert "reported" in page.inner_text("[data-testid=sae-clock-box]")
    shot(page, "safety-signed")

    page.context.clear_cookies()
    log_in(page, live_server.url, "coordinator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/safety/participants/{participant.pk}/adverse-events/{ae.pk}/")
    page.click("text=Add a follow-up report")
    assert page.is_checked("input[name=follow_up]")
    page.select_option("select[name=outcome]", "recovering")
    page.fill("input[name=reason_for_change]", "Liver tests improving on day 4")
    page.click("[data-testid=ae-form] button[type=submit]")
    page.wait_for_selector("[data-testid=ae-version]")
    assert page.inner_text("[data-testid=ae-version]") == "follow-up 1"
    assert "void" in page.inner_text("[data-testid=signatures]")
    versions = page.inner_text("[data-testid=ae-versions]")
    assert "Follow-up report 1: Liver tests improving on day 4" in versions

    page.goto(f"{live_server.url}/participants/{participant.pk}/")
    panel = page.inner_text("[data-testid=safety-panel]")
    assert "Hepatic failure" in panel and "SUSAR" in panel and "follow-up 1" in panel
    shot(page, "safety-participant-panel")
    assert not page.console_errors

    page.context.clear_cookies()
    log_in(page, live_server.url, "statistician", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/safety/dashboard/")
    by_arm = page.inner_text("[data-testid=safety-by-arm]")
    assert "At least one serious adverse event" in by_arm
    assert "No open SAE clock" in page.inner_text("main, body")
    shot(page, "safety-dashboard")
    csv = page.request.get(f"{live_server.url}/reports/exports/adverse_events.csv").text()
    assert participant.study_id in csv and "hepatic_failure" in csv
    versions = page.request.get(f"{live_server.url}/reports/exports/ae_versions.csv").text()
    assert versions.count(participant.study_id) == 3  # initial, signed report, follow-up


def _load_terms() -> None:
    """The CTCAE terms are loaded by a data migration; a browser test's database is
    flushed between live-server tests, so load them again as the migration does."""
    from safety import terms
    from safety.models import AeTerm, SystemOrganClass

    socs = {}
    for code, name in terms.SOCS:
        socs[code], _ = SystemOrganClass.objects.update_or_create(
            code=code, defaults={"name": name}
        )
    for term in terms.TERMS:
        AeTerm.objects.update_or_create(
            code=term.code,
            defaults={"name": term.name, "soc": socs[term.soc], "ctcae": term.ctcae},
        )
