"""Journey (issue 16 item 9): the Paris coordinator of the living demo reads dressdb in
French (the site's language), with French dates and numbers, and switches to English
from the menu. Screenshots in var/screenshots/fr-*.png."""

import re

import pytest

from demo.story import seed_stories
from dressdb.demo import DEMO_PASSWORD
from enrollment.models import Participant
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


def test_paris_coordinator_reads_french(page, live_server, demo_users):
    seed_stories()
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server.url, "coordinator-par", DEMO_PASSWORD)

    page.goto(f"{live_server.url}/")
    assert page.get_attribute("html", "lang") == "fr"
    nav = page.inner_text("nav")
    assert "Accueil" in nav and "Participants" in nav and "Déconnexion" in nav
    shot(page, "fr-home-1366")

    page.goto(f"{live_server.url}/records/")
    legend = page.inner_text("[data-testid=grid-legend]")
    for label in ("Pas encore dû", "En retard", "Complet", "Signé", "Verrouillé"):
        assert label in legend
    shot(page, "fr-records-1366")

    page.goto(f"{live_server.url}/participants/")
    table = page.inner_text("[data-testid=participant-table]")
    assert "Prochaine échéance" in table and "Jour d'étude" in table
    assert re.search(r"\b\d\d/\d\d/\d{4}\b", table)  # French dates
    assert not re.search(r"\b\d{4}-\d\d-\d\d\b", table), table
    shot(page, "fr-participants-1366")

    participant = Participant.objects.filter(site__code="PAR", weight_kg__isnull=False).first()
    assert participant is not None
    page.goto(f"{live_server.url}/participants/{participant.pk}/")
    body = page.inner_text("main")
    assert "Inclusion" in body and "Poids à l'inclusion" in body
    weight = str(participant.weight_kg).replace(".", ",")
    assert f"{weight} kg" in body  # a French decimal comma
    shot(page, "fr-participant-1366")

    # Forms read French too: the day 30 visit and the screening form.
    from outcomes.models import Visit

    visit = Visit.objects.filter(participant=participant, name="day30").first()
    if visit is not None:
        page.goto(f"{live_server.url}/visits/participants/{participant.pk}/{visit.pk}/")
        assert "Visite J30" in page.inner_text("main")
        shot(page, "fr-visit-form-1366")
    page.goto(f"{live_server.url}/participants/screening/new/")
    assert "Pré-inclure un patient" in page.inner_text("main")
    shot(page, "fr-screening-form-1366")
    page.goto(f"{live_server.url}/reports/")
    assert "Tableaux de bord" in page.inner_text("nav")
    shot(page, "fr-dashboard-1366")
    page.goto(f"{live_server.url}/participants/{participant.pk}/")

    # The user's own choice wins: English from the menu, and it stays.
    page.click("[data-testid=language-menu] button[value=en-gb]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en-gb"
    assert "Baseline weight" in page.inner_text("main")
    page.goto(f"{live_server.url}/records/")
    assert "Record status" in page.inner_text("main")
