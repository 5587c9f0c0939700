"""The record-status grid (issue 16 item 1) and the participant list's new columns."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from demo.synthetic import seed_trial
from dosing.models import Regimen
from dressdb.grid import CELL_LABELS, LEGEND, CellState
from enrollment.models import Participant
from outcomes.models import Visit
from portal import grid
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def _cells(body: str) -> list[str]:
    return re.findall(r'data-state="([a-z_]+)"', body)


def test_grid_query_count_is_constant_at_two_sizes(
    login, site_a, coordinator_a, django_assert_num_queries, django_assert_max_num_queries
):
    client = login(coordinator_a)
    seed_trial(sites=[site_a], participants=4, user=coordinator_a, with_orders=False)
    client.get("/records/")  # warm caches (content types, sessions)
    with django_assert_max_num_queries(20) as small:
        assert client.get("/records/").status_code == 200
    seed_trial(sites=[site_a], participants=30, user=coordinator_a, with_orders=False)
    with django_assert_num_queries(len(small.captured_queries)):
        body = client.get("/records/").content.decode()
    assert Participant.objects.filter(site=site_a).count() >= 34
    assert body.count('class="grid-sticky text-nowrap"') == min(
        grid.PER_PAGE, Participant.objects.filter(site=site_a).count()
    )


def test_grid_pages_at_50(login, site_a, coordinator_a):
    ParticipantFactory.create_batch(53, site=site_a, created_by=coordinator_a)
    client = login(coordinator_a)
    first = client.get("/records/").content.decode()
    assert first.count('class="grid-sticky text-nowrap"') == 50
    assert "page 1 of 2" in first
    second = client.get("/records/?page=2").content.decode()
    assert second.count('class="grid-sticky text-nowrap"') == 3


def test_grid_cells_link_to_their_forms_and_are_coloured(login, site_a, coordinator_a):
    seed_trial(sites=[site_a], participants=6, user=coordinator_a, with_orders=False)
    client = login(coordinator_a)
    body = client.get("/records/").content.decode()
    visit = Visit.objects.filter(participant__site=site_a).first()
    assert visit is not None
    assert reverse("visit_edit", args=[visit.participant_id, visit.pk]) in body
    assert reverse("hospital_course", args=[visit.participant_id]) in body
    assert reverse("safety:ae_list", args=[visit.participant_id]) in body
    states = set(_cells(body))
    assert states <= set(LEGEND)
    assert CellState.COMPLETE in states
    # Every cell has a link or a hidden text: colour is never the only cue.
    for state in LEGEND:
        assert CELL_LABELS[state] in body  # the legend names each state


def test_grid_columns_cover_every_form(login, site_a, coordinator_a):
    seed_trial(sites=[site_a], participants=3, user=coordinator_a, with_orders=False)
    columns, _ = grid.compose(list(Participant.objects.select_related("site")))
    labels = [c.label for c in columns]
    for expected in (
        "Screening",
        "Consent",
        "Randomization",
        "Decision 1",
        "Day 7",
        "Day 30",
        "Day 60",
        "Day 90",
        "Hospital course",
        "Adverse events",
    ):
        assert expected in labels


def test_decision_cell_states_follow_the_site_date(site_a, coordinator_a):
    p = ParticipantFactory.create(site=site_a, created_by=coordinator_a)
    seed_trial(sites=[site_a], participants=2, user=coordinator_a, with_orders=False)
    regimen = Regimen.objects.select_related("participant").first()
    assert regimen is not None
    Regimen.objects.filter(pk=regimen.pk).update(state="awaiting_decision", next_decision_day=7)
    Participant.objects.filter(pk=regimen.participant_id).update(died_on=None)
    today = timezone.localdate(timezone=site_a.tz)
    participants = list(
        Participant.objects.select_related("site").filter(pk=regimen.participant_id)
    )
    for due, state in (
        (today, CellState.DUE),
        (today - dt.timedelta(days=1), CellState.OVERDUE),
        (today + dt.timedelta(days=2), CellState.NOT_DUE),
    ):
        Regimen.objects.filter(pk=regimen.pk).update(next_decision_date=due)
        _, rows = grid.compose(participants)
        open_cells = [c for c in rows[0].cells if c.url.endswith("/assess/")]
        assert [c.state for c in open_cells] == [state]
        next_due = rows[0].next_due
        assert next_due is not None and next_due.due is not None and next_due.due <= due
    # Not randomized: the randomization cell is due and is the next item.
    _, rows = grid.compose(list(Participant.objects.select_related("site").filter(pk=p.pk)))
    assert rows[0].next_due is not None and rows[0].next_due.what == "Randomization"
    assert rows[0].next_due.url == reverse("randomize", args=[p.pk])


def test_grid_filters_by_site_status_and_arm(login, site_a, site_b, trial_admin):
    seed_trial(sites=[site_a, site_b], participants=8, user=trial_admin, with_orders=False)
    enrolled = ParticipantFactory.create(site=site_b, created_by=trial_admin)
    client = login(trial_admin)
    body = client.get(f"/records/?site={site_b.pk}").content.decode()
    assert "SITEB-" in body and "SITEA-" not in body
    body = client.get("/records/?arm=cyclosporine").content.decode()
    ids = re.findall(r">((?:SITEA|SITEB)-\d+)</a>", body)
    arms = dict(Participant.objects.values_list("study_id", "current_arm"))
    assert ids and {arms[i] for i in ids} == {"cyclosporine"}
    body = client.get("/records/?status=enrolled").content.decode()
    assert enrolled.study_id in body
    ids = re.findall(r">((?:SITEA|SITEB)-\d+)</a>", body)
    assert all(
        Participant.objects.select_related("site").get(study_id=i).current_status.state
        == "enrolled"
        for i in ids
    )
    # A bad filter value is a message, not a 500.
    response = client.get("/records/?status=nonsense&site=abc")
    assert response.status_code == 200


def test_grid_is_site_scoped_and_role_checked(login, participant_a, coordinator_b, pharmacist_a):
    body = login(coordinator_b).get("/records/").content.decode()
    assert participant_a.study_id not in body
    assert login(pharmacist_a).get("/records/").status_code == 403


def test_participant_list_columns_and_constant_queries(
    login, site_a, coordinator_a, django_assert_num_queries, django_assert_max_num_queries
):
    seed_trial(sites=[site_a], participants=3, user=coordinator_a, with_orders=False)
    client = login(coordinator_a)
    client.get("/participants/")
    with django_assert_max_num_queries(20) as small:
        body = client.get("/participants/").content.decode()
    for heading in ("Arm", "Study day", "Status", "Next item due"):
        assert f"<th>{heading}</th>" in body
    seed_trial(sites=[site_a], participants=30, user=coordinator_a, with_orders=False)
    with django_assert_num_queries(len(small.captured_queries)):
        body = client.get("/participants/").content.decode()
    assert body.count('data-testid="next-due"') == 33


def test_home_links_the_grid_and_hides_an_empty_not_randomized_label(login, site_a, coordinator_a):
    seed_trial(sites=[site_a], participants=2, user=coordinator_a, with_orders=False)
    body = login(coordinator_a).get("/").content.decode()
    assert reverse("record_grid") in body
    assert "Not yet randomized:" not in body
    # The next number at the site (the factory's own counter may already be taken).
    p = ParticipantFactory.create(site=site_a, created_by=coordinator_a, site_sequence=3)
    body = login(coordinator_a).get("/").content.decode()
    assert "Not yet randomized:" in body and p.study_id in body
