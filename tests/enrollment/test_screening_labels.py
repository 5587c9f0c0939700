"""Issue 16 item 3: the screening pages say why a patient is not eligible in words
(translated), never as reason codes; the CSV export keeps the codes."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from enrollment.eligibility import REASON_LABELS, Reason
from enrollment.models import Screening
from enrollment.regiscar import CATEGORY_LABELS, Category
from tests.enrollment.factories import form_data, screen

pytestmark = pytest.mark.django_db

LOW_SCORE = {  # RegiSCAR 1: "no case", below the inclusion threshold
    "fever": "no",
    "eosinophil_count": "0.2",
    "rash_extent_over_50": "no",
    "rash_facial_oedema": "no",
    "rash_infiltration": "no",
    "organs_involved": ["liver"],
}


def _ineligible(client: Any, site: Any) -> Screening:
    response = client.post(
        "/participants/screening/new/", form_data(site, sepsis="yes", **LOW_SCORE)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Screening.objects.get()


def test_every_reason_and_category_has_a_label():
    assert set(REASON_LABELS) == set(Reason)
    assert set(CATEGORY_LABELS) == set(Category)


def test_screening_log_and_detail_show_labels_not_codes(login, coordinator_a, site_a):
    client = login(coordinator_a)
    screening = _ineligible(client, site_a)
    assert screening.reasons == ["regiscar_below_threshold", "sepsis"]
    assert screening.regiscar_category == "no_case"

    log = client.get("/participants/screening/").content.decode()
    assert "RegiSCAR score below the threshold, Active sepsis" in log
    assert "(No case)" in log
    for code in ("regiscar_below_threshold", "no_case", ">sepsis"):
        assert code not in log

    detail = client.get(f"/participants/screening/{screening.pk}/").content.decode()
    assert "Reasons: RegiSCAR score below the threshold, Active sepsis" in detail
    assert "regiscar_below_threshold" not in detail and "no_case" not in detail
    assert "Liver" in detail  # the organs in words too


def test_the_warning_after_saving_names_the_reasons_in_words(login, coordinator_a, site_a):
    client = login(coordinator_a)
    response = client.post(
        "/participants/screening/new/",
        form_data(site_a, sepsis="yes", **LOW_SCORE),
        follow=True,
    )
    page = response.content.decode()
    assert "is not eligible: RegiSCAR score below the threshold, Active sepsis." in page


def test_the_live_panel_names_the_category_and_reasons_in_words(login, coordinator_a, site_a):
    client = login(coordinator_a)
    panel = client.post(
        "/participants/screening/preview/", form_data(site_a, sepsis="yes", **LOW_SCORE)
    ).content.decode()
    assert "Not eligible: RegiSCAR score below the threshold, Active sepsis" in panel
    assert "No case" in panel and "no_case" not in panel


def test_french_reader_reads_the_reasons_in_french(login, coordinator_a, site_a):
    site_a.language = "fr"
    site_a.save()
    client = login(coordinator_a)
    screening = _ineligible(client, site_a)
    log = client.get("/participants/screening/").content.decode()
    assert "Sepsis actif" in log and "Pas un cas" in log
    detail = client.get(f"/participants/screening/{screening.pk}/").content.decode()
    assert "Score RegiSCAR sous le seuil" in detail


def test_the_csv_export_keeps_the_codes(login, coordinator_a, statistician, site_a):
    _ineligible(login(coordinator_a), site_a)
    response = login(statistician).get("/reports/exports/screening.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["reasons"] == "regiscar_below_threshold;sepsis"
    assert rows[0]["regiscar_category"] == "no_case"


def test_another_sites_coordinator_cannot_open_the_screening(
    login, coordinator_a, coordinator_b, site_a
):
    screening = screen(site_a, coordinator_a, eligible=False)
    client = login(coordinator_b)
    assert client.get(f"/participants/screening/{screening.pk}/").status_code == 404
    assert "Active sepsis" not in client.get("/participants/screening/").content.decode()


def test_the_log_filter_reads_french(login, coordinator_a, site_a):
    site_a.language = "fr"
    site_a.save()
    page = login(coordinator_a).get("/participants/screening/").content.decode()
    for french in ("Issue", "Pré-inclus à partir du", "Toutes les issues", "Tous mes centres"):
        assert french in page, french
    assert "Screened from" not in page and "---------" not in page
