"""Journey (issue 16 items 3 and 9): the living demo read in words, at 1366 and 820 px.

The coordinator's screening log names why a patient was not eligible ("RegiSCAR score
below the threshold", "No case"), never the codes; the monitor's data-management pages
say "Day 7 visit · Eosinophil count (x10⁹/L)"; the Paris coordinator reads the screening
log, an SAE countdown (safety.js) and the dashboard charts (reports.js) in French, the
scripts taking their words from the page. Screenshots in var/screenshots/labels-*.png
(also copied to $DRESSDB_SHOTS_DIR when it is set)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from demo.story import seed_stories
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from enrollment.models import Participant
from safety import services as safety_services
from tests.e2e.conftest import log_in, shot
from tests.e2e.test_safety_journey import _load_terms
from tests.safety.helpers import ae_input

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
CODES = re.compile(
    r"regiscar_below_threshold|no_case|age_under_18|eosinophil_count|primary_endpoints"
    r"|(?<!\d )visit · "
)


def snap(page: Any, name: str) -> None:
    path = shot(page, f"labels-{name}")
    extra = os.environ.get("DRESSDB_SHOTS_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)


def both_widths(page: Any, url: str, name: str, check: Any) -> None:
    for size, label in ((LAPTOP, "1366"), (TABLET, "820")):
        page.set_viewport_size(size)
        page.goto(url)
        page.wait_for_load_state()
        check(page)
        snap(page, f"{name}-{label}")


def no_codes(page: Any) -> None:
    text = page.inner_text("main")
    found = CODES.search(text)
    assert found is None, text[max(0, found.start() - 80) : found.end() + 80]


def test_the_demo_reads_in_words(browser, page, live_server, demo_users):
    _load_terms()  # the CTCAE terms: flushed by an earlier browser test's database
    assert seed_stories()
    base = live_server.url

    # The coordinator's screening log: the reasons and the RegiSCAR category in words.
    log_in(page, base, "coordinator", DEMO_PASSWORD)

    def screening_log(p: Any) -> None:
        table = p.inner_text("[data-testid=screening-log]")
        assert "RegiSCAR score below the threshold" in table
        assert "(No case)" in table
        no_codes(p)

    both_widths(page, f"{base}/participants/screening/", "screening-log", screening_log)

    # The monitor's data-management pages: the query's record and field in words.
    monitor = browser.new_context().new_page()
    monitor.set_default_timeout(15_000)
    log_in(monitor, base, "monitor", DEMO_PASSWORD)
    queried = Participant.objects.get(study_id="USC-005")

    def ageing(p: Any) -> None:
        assert "Day 7 visit · Eosinophil count (x10⁹/L)" in p.inner_text(
            "[data-testid=ageing-table]"
        )
        no_codes(p)

    both_widths(monitor, f"{base}/data-management/", "dm-queries", ageing)

    def participant_dm(p: Any) -> None:
        assert "Day 7 visit · Eosinophil count (x10⁹/L)" in p.inner_text(
            "[data-testid=query-where]"
        )
        assert "Day 7 visit" in p.inner_text("[data-testid=sdv-table]")
        no_codes(p)

    both_widths(
        monitor,
        f"{base}/data-management/participants/{queried.pk}/",
        "dm-participant",
        participant_dm,
    )

    def report(p: Any) -> None:
        assert "Day 7 visit · Eosinophil count (x10⁹/L)" in p.inner_text(
            "[data-testid=report-queries]"
        )
        no_codes(p)

    both_widths(monitor, f"{base}/data-management/sdv/report/", "dm-report", report)
    monitor.context.close()

    # The Paris coordinator reads French: the screening log, an SAE countdown, the charts.
    paris = Site.objects.get(code="PAR")
    coordinator_par = User.objects.get(username="coordinator-par")
    participant = Participant.objects.filter(site=paris, study_day_1__isnull=False).first()
    assert participant is not None
    ae = safety_services.ae_create(
        participant=participant, user=coordinator_par, data=ae_input(participant)
    )
    french = browser.new_context().new_page()
    french.set_default_timeout(15_000)
    french.on("pageerror", lambda e: pytest.fail(str(e)))
    log_in(french, base, "coordinator-par", DEMO_PASSWORD)

    def screening_log_fr(p: Any) -> None:
        table = p.inner_text("[data-testid=screening-log]")
        assert "Sepsis actif" in table, table
        no_codes(p)

    both_widths(french, f"{base}/participants/screening/", "screening-log-fr", screening_log_fr)

    def clock_fr(p: Any) -> None:
        clock = p.locator(".sae-clock").first
        # safety.js has rewritten the server's text: hours, minutes and the French words.
        p.wait_for_function(
            "() => /\\d+ h \\d\\d min restantes|en retard de \\d+ h/"
            ".test(document.querySelector('.sae-clock').textContent)"
        )
        assert "left" not in clock.inner_text()

    both_widths(
        french,
        base + reverse("safety:ae_detail", kwargs={"pk": participant.pk, "ae_pk": ae.pk}),
        "sae-clock-fr",
        clock_fr,
    )

    def dashboard_fr(p: Any) -> None:
        canvas = p.locator("canvas[data-chart=cumulative]")
        assert canvas.get_attribute("data-title") == "Participants randomisés au fil du temps"
        p.wait_for_function(
            "() => { const c = document.querySelector('canvas[data-chart=cumulative]');"
            " return c && c.width > 0 && window.Chart && Chart.getChart(c); }"
        )
        title = p.evaluate(
            "() => Chart.getChart(document.querySelector('canvas[data-chart=cumulative]'))"
            ".options.plugins.title.text"
        )
        assert title == "Participants randomisés au fil du temps"

    both_widths(french, f"{base}/reports/", "dashboard-fr", dashboard_fr)
    french.context.close()
    assert not page.console_errors, page.console_errors
