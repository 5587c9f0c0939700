"""Per-stratum and per-site allocation figures leak predictability (issue 15 item 4):
only statisticians and admins see them; site staff see trial-level totals by arm."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_site_staff_get_no_per_stratum_figures(login, coordinator_a, investigator_a):
    for user in (coordinator_a, investigator_a):
        client = login(user)
        assert client.get("/randomization/summary/").status_code == 403
        assert client.get("/reports/balance/").status_code == 403
        page = client.get("/reports/").content.decode()
        assert "<th>Cyclosporine</th>" not in page  # no per-site arm columns
        assert "Randomization balance" not in page  # no tab to it either


def test_statistician_and_admin_see_them(login, statistician, trial_admin):
    for user in (statistician, trial_admin):
        client = login(user)
        assert client.get("/randomization/summary/").status_code == 200
        assert client.get("/reports/balance/").status_code == 200
        assert "<th>Cyclosporine</th>" in client.get("/reports/").content.decode()


def test_investigator_cannot_narrow_arm_figures_to_another_site(
    login, investigator_a, site_a, site_b
):
    client = login(investigator_a)
    assert client.get(f"/reports/consort/?site={site_a.pk}").status_code == 200
    for page in ("consort", "endpoints", "safety"):
        assert client.get(f"/reports/{page}/?site={site_b.pk}").status_code == 403
    assert client.get("/reports/consort/").status_code == 200  # trial-level totals
