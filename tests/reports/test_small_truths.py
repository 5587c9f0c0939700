"""Small truths (issue 15 item 6): completeness in day order, the message after an
off-protocol decision, the creatinine range named in the live panel, whole-count axes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dosing.models import Regimen
from dosing.views import _after_decision
from tests.dosing.helpers import started
from tests.enrollment.test_screening_views import form_data

pytestmark = pytest.mark.django_db


def test_completeness_lists_visits_in_day_order(login, site_a, coordinator_a):
    started(site_a, coordinator_a, days_ago=40)  # day 7 and day 30 both due
    body = login(coordinator_a).get("/reports/completeness/").content.decode()
    table = body[body.index('data-testid="completeness"') :]
    assert table.index("<td>Day 7</td>") < table.index("<td>Day 30</td>")  # not a text sort


@pytest.mark.parametrize(
    ("state", "says", "never"),
    [
        ("off_protocol", "no further protocol orders", "The next orders are on"),
        ("monitoring", "no orders while", "The next orders are on"),
        ("awaiting_decision", "The next orders are on the participant page", "off protocol"),
    ],
)
def test_the_message_after_a_decision_says_the_truth(site_a, coordinator_a, state, says, never):
    participant, regimen = started(site_a, coordinator_a, days_ago=10)
    Regimen.objects.filter(pk=regimen.pk).update(state=state)
    message = _after_decision(participant)
    assert says in message and never not in message


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        ("0", "mg_dl", "between 0.1 and 20"),
        ("50", "mg_dl", "between 0.1 and 20"),
        ("5000", "umol_l", "between 8.8 and 1768"),
    ],
)
def test_live_panel_names_the_creatinine_range(login, coordinator_a, site_a, value, unit, shown):
    data = {**form_data(site_a), "creatinine": value, "creatinine_unit": unit}
    body = login(coordinator_a).post("/participants/screening/preview/", data).content.decode()
    assert shown in body
    assert "Answer every item" not in body


def test_bar_chart_axes_count_in_whole_numbers():
    script = (Path(__file__).resolve().parents[2] / "static/js/reports.js").read_text()
    assert "precision: 0, stepSize: 1" in script
    assert script.count("ticks: countTicks") == 2  # both by-site bar charts
