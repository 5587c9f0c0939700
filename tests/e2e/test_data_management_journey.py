"""Journey (issue 18): a monitor raises a query on a day-7 value; the coordinator corrects
the value and answers; the monitor closes it and verifies the form (SDV); the
investigator signs the casebook; a data manager freezes the participant; an edit is
refused until unfrozen with a reason (and the casebook signature is then voided)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from datamanagement import services
from datamanagement.models import Query, SdvRecord
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Role, Site, StaffMembership
from outcomes.models import HospitalCourse, Visit
from tests.datamanagement.helpers import followed, record
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser


def session(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, username, DEMO_PASSWORD)
    return page


def test_query_sdv_casebook_freeze(browser, page, live_server, demo_users):
    base = live_server.url
    site = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    monitor = User.objects.get(username="monitor")  # the demo's monitor, at USC
    assert StaffMembership.objects.filter(user=monitor, site=site, role=Role.MONITOR).exists()
    participant = followed(site, coordinator, days_ago=10)
    day7 = record(participant, coordinator, "day7", eosinophil_count=Decimal("0.50"))
    # The rest of the casebook is done (later visits recorded as missed, hospital course).
    Visit.objects.filter(participant=participant).exclude(name="day7").update(
        missed=True, missed_reason="journey set-up"
    )
    HospitalCourse.objects.create(
        participant=participant, admission_date=day7.target_date - dt.timedelta(days=8)
    )
    page_url = f"{base}/data-management/participants/{participant.pk}/"

    # 1. The monitor raises a query on the day-7 eosinophil count.
    log_in(page, base, "monitor", DEMO_PASSWORD)
    page.goto(f"{base}/participants/{participant.pk}/")
    page.wait_for_selector("[data-testid=dm-panel]")
    page.click("text=Queries, SDV and casebook")
    page.select_option("select[name=target]", f"visit:{day7.pk}:eosinophil_count")
    page.fill("textarea[name=text]", "Lab report says 0.05: please check the day 7 value.")
    page.click("button:has-text('Raise the query')")
    page.wait_for_selector("text=Query raised.")
    shot(page, "dm-1-monitor-raised-query")
    query = Query.objects.get(participant=participant)
    assert "Day 7 visit · Eosinophil count" in page.inner_text("[data-testid=query-where]")
    assert query.status == Query.Status.OPEN and query.opened_by == monitor

    # 2. The coordinator sees it on the to-do list and on the field, corrects, answers.
    coord = session(browser, base, "coordinator")
    assert "Query to answer" in coord.inner_text("body")
    coord.goto(f"{base}/visits/participants/{participant.pk}/{day7.pk}/")
    icon = coord.wait_for_selector("[data-testid=field-queries-eosinophil_count]")
    assert icon is not None and "1 open query" in icon.inner_text()
    shot(coord, "dm-2-field-icon-on-visit-form")
    coord.fill("input[name=eosinophil_count]", "0.05")
    coord.fill("input[name=reason_for_change]", "Transcription error (query)")
    coord.click("button:has-text('Save the visit')")
    coord.wait_for_load_state()
    assert Visit.objects.get(pk=day7.pk).eosinophil_count == Decimal("0.05")
    coord.goto(page_url)
    coord.fill(
        f"[data-testid=query-{query.pk}] input[name=text]", "Corrected to 0.05 from the lab report"
    )
    coord.click(f"[data-testid=query-{query.pk}] button:has-text('Answer')")
    coord.wait_for_selector("text=Query answered.")
    shot(coord, "dm-3-coordinator-answered")
    query.refresh_from_db()
    assert query.status == Query.Status.ANSWERED and query.correction_history_id

    # 3. The monitor closes the query and verifies the day-7 form (SDV).
    page.goto(page_url)
    page.click(f"[data-testid=query-{query.pk}] button:has-text('Close')")
    page.wait_for_selector("text=Query closed.")
    page.click(f"[data-testid=sdv-primary_endpoints-{day7.pk}] button:has-text('Mark verified')")
    page.wait_for_selector("text=Marked verified.")
    shot(page, "dm-4-monitor-sdv")
    assert SdvRecord.objects.get(form="primary_endpoints", object_id=day7.pk).status == "verified"

    page.goto(f"{base}/data-management/sdv/")
    assert "USC-" in page.inner_text("[data-testid=sdv-participants]")
    shot(page, "dm-4b-sdv-dashboard")
    page.goto(f"{base}/data-management/sdv/report/?site={site.pk}")
    raised = page.inner_text("[data-testid=report-queries]")
    assert "Day 7 visit · Eosinophil count" in raised and "eosinophil_count" not in raised
    verified = page.inner_text("[data-testid=report-verified]")
    assert "Primary endpoints" in verified and "Day 7 visit" in verified
    assert "primary_endpoints" not in verified
    shot(page, "dm-4c-monitoring-visit-report")

    # 4. The investigator signs the casebook (meaning + password).
    inv = session(browser, base, "investigator")
    inv.goto(page_url)
    inv.click("text=Sign the casebook")
    signed_data = inv.inner_text("[data-testid=signed-data]")
    assert "completed" in signed_data and "Casebook fingerprint (SHA-256)" in signed_data
    inv.check("input[name=meaning][value='reviewed and approved']")
    inv.fill("input[name=password]", DEMO_PASSWORD)
    shot(inv, "dm-5-casebook-sign")
    inv.click("button:has-text('Sign the casebook')")
    inv.wait_for_selector("[data-testid=casebook-signature]")
    assert services.casebook_signature(participant) is not None

    # 5. The data manager freezes the participant.
    dm = session(browser, base, "statistician")
    dm.goto(page_url)
    dm.fill("input[name=reason][placeholder='Reason to freeze']", "Interim analysis cut-off")
    dm.click("button:has-text('Freeze this participant')")
    dm.wait_for_selector("[data-testid=freeze-banner]")
    shot(dm, "dm-6-frozen")

    # 6. An edit is refused while frozen ...
    coord.goto(f"{base}/visits/participants/{participant.pk}/{day7.pk}/")
    coord.fill("input[name=eosinophil_count]", "0.06")
    coord.fill("input[name=reason_for_change]", "Late correction")
    coord.click("button:has-text('Save the visit')")
    coord.wait_for_selector("text=is frozen")
    shot(coord, "dm-7-edit-refused-while-frozen")
    assert Visit.objects.get(pk=day7.pk).eosinophil_count == Decimal("0.05")
    # ... until the data manager unfreezes with a reason.
    dm.goto(page_url)
    dm.fill("input[placeholder='Reason to unfreeze']", "Interim analysis done")
    dm.click("button:has-text('Unfreeze')")
    dm.wait_for_load_state()
    coord.goto(f"{base}/visits/participants/{participant.pk}/{day7.pk}/")
    coord.fill("input[name=eosinophil_count]", "0.06")
    coord.fill("input[name=reason_for_change]", "Late correction")
    coord.click("button:has-text('Save the visit')")
    coord.wait_for_load_state()
    assert Visit.objects.get(pk=day7.pk).eosinophil_count == Decimal("0.06")
    # The nightly check voids the casebook signature: the data changed after signing.
    services.checks_run_all([participant.pk])
    assert services.casebook_signature(participant) is None
    assert not page.console_errors
