"""Journey: an admin builds the analysis pack, waits for the progress bar, downloads it,
and it unzips and parses."""

import csv
import io
import zipfile

import pytest
from django.contrib.auth.models import User

from demo.synthetic import seed_trial
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from reports.exports import DATASETS
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser


def test_admin_downloads_the_analysis_pack(page, live_server, demo_users, tmp_path):
    seed_trial(
        sites=list(Site.objects.order_by("code")),
        participants=30,
        user=User.objects.get(username="admin"),
    )
    log_in(page, live_server.url, "admin", DEMO_PASSWORD)
    page.click("nav >> text=Exports")
    page.wait_for_selector("[data-testid=datasets]")
    shot(page, "exports-page")
    page.click("button:has-text('Build the analysis pack')")
    page.wait_for_selector("[data-testid=pack-download]", timeout=60_000)
    shot(page, "exports-pack-ready")
    with page.expect_download() as download_info:
        page.click("[data-testid=pack-download]")
    path = tmp_path / "pack.zip"
    download_info.value.save_as(path)
    with zipfile.ZipFile(path) as pack:
        assert {f"{n}.csv" for n in DATASETS} <= set(pack.namelist())
        rows = list(csv.DictReader(io.StringIO(pack.read("participants.csv").decode())))
        assert len(rows) == 30
        assert "load_dressdb.R" in pack.namelist()
    assert page.console_errors == []
