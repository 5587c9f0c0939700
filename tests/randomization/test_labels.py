"""Human labels on pages (issue 16 item 3): stratum keys read "Site A, renal impairment: no"
(the site's name, then each factor), never "SITEA|renal_impairment=no"; CSV exports keep the
codes. Other codes shown to users (arm, regimen state, route, visit status) read as labels."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from randomization import services
from tests.dosing.helpers import started
from tests.factories import ParticipantFactory
from tests.randomization.helpers import live_list

pytestmark = pytest.mark.django_db

RAW = "SITEA|renal_impairment=no"
LABEL = "Site A, renal impairment: no"


def visible_text(html: str) -> str:
    """The page as a reader sees it: no tags, no attribute values (titles may keep codes)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def randomized(site, coordinator, n=1):
    people = ParticipantFactory.create_batch(n, site=site, created_by=coordinator)
    for p in people:
        services.participant_randomize(participant=p, user=coordinator)
    return people


@pytest.mark.parametrize(
    ("page", "role"),
    [
        pytest.param(lambda alist, p: reverse("allocation_lists"), "statistician", id="lists"),
        pytest.param(
            lambda alist, p: reverse("allocation_list_detail", args=[alist.pk]),
            "statistician",
            id="list-report",
        ),
        pytest.param(lambda alist, p: reverse("allocation_summary"), "statistician", id="summary"),
        pytest.param(lambda alist, p: reverse("dashboard_balance"), "statistician", id="balance"),
        pytest.param(lambda alist, p: reverse("home"), "statistician", id="home-warnings"),
        pytest.param(
            lambda alist, p: reverse("randomization_result", args=[p.pk]),
            "coordinator_a",
            id="result",
        ),
        pytest.param(
            lambda alist, p: reverse("participant_detail", args=[p.pk]),
            "coordinator_a",
            id="participant-panel",
        ),
    ],
)
def test_stratum_shown_by_its_label(
    page, role, request, statistician, coordinator_a, site_a, login
):
    # Three slots per stratum: under the low-slot threshold, so the warnings show too.
    alist = live_list(statistician, slots=3, sizes=[2])
    (participant,) = randomized(site_a, coordinator_a)
    body = login(request.getfixturevalue(role)).get(page(alist, participant))
    assert body.status_code == 200
    text = visible_text(body.content.decode())
    assert LABEL in text
    assert RAW not in text


def test_confirm_page_shows_the_label(statistician, coordinator_a, participant_a, login):
    live_list(statistician)
    body = login(coordinator_a).get(reverse("randomize", args=[participant_a.pk])).content
    text = visible_text(body.decode())
    assert LABEL in text and RAW not in text


def test_list_report_names_the_factors(statistician, login):
    alist = live_list(statistician)
    text = visible_text(
        login(statistician).get(reverse("allocation_list_detail", args=[alist.pk])).content.decode()
    )
    assert "site, renal impairment" in text
    assert "renal_impairment" not in text


def test_csv_export_keeps_the_codes(statistician, login):
    alist = live_list(statistician)
    export = login(statistician).get(reverse("allocation_list_export", args=[alist.pk]))
    body = b"".join(export.streaming_content) if export.streaming else export.content
    assert RAW in body.decode()
    assert LABEL not in body.decode()


@pytest.mark.parametrize(
    ("value", "sites", "expected"),
    [
        ("SITEA|renal_impairment=yes", {"SITEA": "Site A"}, "Site A, renal impairment: yes"),
        ("SITEA|renal_impairment=no", "Site A", "Site A, renal impairment: no"),
        ("SITEA|renal_impairment=no", None, "SITEA, renal impairment: no"),
        ("SITEB|renal_impairment=no", {"SITEA": "Site A"}, "SITEB, renal impairment: no"),
        ("SITEA", {"SITEA": "Site A"}, "Site A"),
        ("SITEA|new_factor=x", {"SITEA": "Site A"}, "Site A, new factor: x"),
        ("", {"SITEA": "Site A"}, ""),
    ],
    ids=["mapping", "name", "no-names", "unknown-site", "site-only", "unknown-factor", "empty"],
)
def test_stratum_label_filter(value, sites, expected):
    from randomization.templatetags.randomization_labels import stratum_label

    assert stratum_label(value, sites) == expected


def test_stratum_label_filter_takes_site_objects(site_a, site_b):
    from randomization.templatetags.randomization_labels import stratum_label

    assert stratum_label(RAW, site_a) == LABEL
    assert stratum_label(RAW, [site_b, site_a]) == LABEL
    assert stratum_label(RAW, site_b) == "SITEA, renal impairment: no"


# --- other codes shown to users ----------------------------------------------------------


def test_protocol_preview_shows_state_and_arm_labels(investigator_a, login):
    body = (
        login(investigator_a)
        .get("/dosing/preview/?arm=cyclosporine&weight_kg=70&decisions=gt25+down")
        .content.decode()
    )
    text = visible_text(body)
    state = re.search(r'data-testid="preview-state">(.*?)</p>', body, flags=re.S)
    assert state is not None
    shown = visible_text(state.group(1))
    assert "Completed" in shown and "completed" not in shown.replace("Completed", "")
    assert "Cyclosporine" in shown and "cyclosporine" not in shown.replace("Cyclosporine", "")
    assert "PO (oral)" in text


def test_todays_orders_and_visits_show_labels(site_a, coordinator_a, login):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    orders = visible_text(login(coordinator_a).get(reverse("todays_orders")).content.decode())
    assert "PO (oral)" in orders
    page = login(coordinator_a).get(reverse("participant_detail", args=[participant.pk]))
    visits = re.findall(r'data-testid="visit-status">([^<]*)<', page.content.decode())
    assert visits, "the participant page lists the visits"
    assert set(visits) <= {
        "Upcoming",
        "Window open",
        "Overdue",
        "Completed",
        "Completed out of window",
        "Missed",
        "Not expected",
    }
