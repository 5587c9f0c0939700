"""Journey (issue 16 item 1): a site with more than 50 participants. The coordinator pages
the record-status grid (50 a page), opens page 2, filters by arm and by site (the filter
is kept from page to page), and reads the participant list, which fits its box at 1366 px
and at tablet width (820 px) without scrolling sideways. Screenshots in
var/screenshots/grid-paging-*.png (also copied to $DRESSDB_SHOTS_DIR when it is set)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from demo.synthetic import seed_trial
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from enrollment.models import Participant
from portal import grid
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
PARTICIPANTS = 56


def snap(page: Any, name: str) -> None:
    path = shot(page, f"grid-paging-{name}")
    extra = os.environ.get("DRESSDB_SHOTS_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)


def grid_rows(page: Any) -> list[str]:
    return [
        text.split("\n")[0].strip()
        for text in page.locator("[data-testid=record-grid] tbody th.grid-sticky").all_inner_texts()
    ]


def fits(page: Any, selector: str) -> tuple[int, int]:
    """The table's width and its box's: equal when nothing scrolls sideways."""
    box: list[int] = page.evaluate(
        "(s) => { const t = document.querySelector(s);"
        " return [t.scrollWidth, t.parentElement.clientWidth]; }",
        selector,
    )
    return box[0], box[1]


def test_grid_pages_and_filters_past_fifty(page, live_server, demo_users):
    usc = Site.objects.get(code="USC")
    coordinator = User.objects.get(username="coordinator")
    seed_trial(sites=[usc], participants=PARTICIPANTS, user=coordinator, with_orders=False)
    total = Participant.objects.filter(site=usc).count()
    assert total > grid.PER_PAGE
    base = live_server.url
    page.set_viewport_size(LAPTOP)
    log_in(page, base, "coordinator", DEMO_PASSWORD)

    # Page 1: 50 rows, "page 1 of 2"; the Next link opens page 2 with the rest.
    page.goto(f"{base}/records/")
    assert len(grid_rows(page)) == grid.PER_PAGE
    assert "page 1 of 2" in page.inner_text("[data-testid=grid-count]")
    first_page = set(grid_rows(page))
    page.click("nav[aria-label='Grid pages'] >> text=Next")
    page.wait_for_load_state()
    assert "page=2" in page.url
    second_page = grid_rows(page)
    assert len(second_page) == total - grid.PER_PAGE
    assert not first_page & set(second_page)  # no participant on both pages
    assert "page 2 of 2" in page.inner_text("[data-testid=grid-count]")
    snap(page, "page2-1366")

    # Filter by site: still two pages, and the Previous link keeps the filter.
    page.select_option("select[name=site]", str(usc.pk))
    page.click("[data-testid=grid-filter] button[type=submit]")
    page.wait_for_load_state()
    assert f"site={usc.pk}" in page.url and "page 1 of 2" in page.inner_text(
        "[data-testid=grid-count]"
    )
    page.click("nav[aria-label='Grid pages'] >> text=Next")
    page.wait_for_load_state()
    assert f"site={usc.pk}" in page.url and "page=2" in page.url
    assert len(grid_rows(page)) == total - grid.PER_PAGE

    # Filter by arm: only that arm's participants, each row says so.
    on_cyclosporine = Participant.objects.filter(site=usc, current_arm="cyclosporine").count()
    assert 0 < on_cyclosporine < total
    page.select_option("select[name=arm]", "cyclosporine")
    page.click("[data-testid=grid-filter] button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("[data-testid=record-grid] tbody th.grid-sticky").all_inner_texts()
    assert len(rows) == min(on_cyclosporine, grid.PER_PAGE)
    assert all("Cyclosporine" in row for row in rows), rows
    snap(page, "filtered-arm-1366")

    # The participant list at 1366 px: every column in its box.
    page.goto(f"{base}/participants/")
    width, box = fits(page, "[data-testid=participant-table]")
    assert width <= box, (width, box)
    assert page.locator("[data-testid=participant-table] tbody tr").count() == grid.PER_PAGE
    snap(page, "participants-1366")

    # Tablet (820 px): the grid's page 2 and a filter, and the participant list fits.
    page.set_viewport_size(TABLET)
    page.goto(f"{base}/records/?site={usc.pk}&page=2")
    assert len(grid_rows(page)) == total - grid.PER_PAGE
    snap(page, "page2-820")
    page.select_option("select[name=arm]", "steroids")
    page.click("[data-testid=grid-filter] button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("[data-testid=record-grid] tbody th.grid-sticky").all_inner_texts()
    assert rows and all("Corticosteroids" in row for row in rows), rows
    snap(page, "filtered-arm-820")
    page.goto(f"{base}/participants/")
    width, box = fits(page, "[data-testid=participant-table]")
    assert width <= box, (width, box)
    # What hides at tablet width is still on the participant's page; the key columns stay.
    header = page.inner_text("[data-testid=participant-table] thead")
    for column in ("Study ID", "Arm", "Study day", "Status", "Next item due"):
        assert column in header, column
    snap(page, "participants-820")
    assert not page.console_errors, page.console_errors
