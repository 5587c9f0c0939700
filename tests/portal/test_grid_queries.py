"""The record-status grid's "query open" state (issue 18): an overlay from data management."""

from __future__ import annotations

import pytest
from django.urls import reverse

from datamanagement import services as dm
from datamanagement.selectors import QUERY_OPEN
from dressdb.grid import CELL_LABELS, LEGEND
from enrollment.models import Participant
from portal import grid
from tests.datamanagement.helpers import followed, monitor, record

pytestmark = pytest.mark.django_db


def _queried(site, coordinator, raiser, *, answer: bool = False):
    """A participant with a day-7 visit recorded and a query on its eosinophil count."""
    participant = followed(site, coordinator)
    visit = record(participant, coordinator, "day7")
    query = dm.query_open(
        participant=participant,
        user=raiser,
        form="visit",
        record_id=visit.pk,
        field="eosinophil_count",
        text="Please check the eosinophil count against the lab report.",
    )
    if answer:
        dm.query_answer(query=query, user=coordinator, text="Checked: correct.")
    return participant, query


def _cell(participant: Participant, key: str):
    columns, rows = grid.compose(
        list(Participant.objects.select_related("site").filter(pk=participant.pk))
    )
    keys = [c.key for c in columns]
    return rows[0].cells[keys.index(key)]


def test_query_open_is_in_the_legend(login, site_a, coordinator_a):
    assert QUERY_OPEN in LEGEND
    assert CELL_LABELS[QUERY_OPEN] == "Query open"
    body = login(coordinator_a).get("/records/").content.decode()
    assert "Query open" in body


@pytest.mark.parametrize("answer", [False, True], ids=["open", "answered"])
def test_a_live_query_shows_on_its_form_cell(site_a, coordinator_a, answer):
    participant, _ = _queried(site_a, coordinator_a, monitor(site_a), answer=answer)
    cell = _cell(participant, "day7")
    assert cell.state == QUERY_OPEN
    assert "1 open query" in cell.note and "Complete" in cell.note
    assert cell.url == reverse("datamanagement:participant_queries", args=[participant.pk])
    # The other forms keep their own state.
    assert _cell(participant, "day30").state != QUERY_OPEN


def test_a_closed_or_cancelled_query_leaves_the_cell(site_a, coordinator_a, statistician):
    participant, query = _queried(site_a, coordinator_a, statistician)
    dm.query_close(query=query, user=statistician, text="Fine")
    assert _cell(participant, "day7").state == "complete"
    _, second = _queried(site_a, coordinator_a, statistician)
    dm.query_cancel(query=second, user=statistician, text="Raised in error")
    assert _cell(second.participant, "day7").state == "complete"


def test_grid_page_shows_query_open(login, site_a, coordinator_a):
    participant, _ = _queried(site_a, coordinator_a, monitor(site_a))
    body = login(coordinator_a).get("/records/").content.decode()
    assert f'data-state="{QUERY_OPEN}"' in body
    assert "1 open query" in body
    assert reverse("datamanagement:participant_queries", args=[participant.pk]) in body


def test_query_count_is_constant_with_1_and_10_participants(
    login, site_a, coordinator_a, django_assert_num_queries, django_assert_max_num_queries
):
    raiser = monitor(site_a)
    _queried(site_a, coordinator_a, raiser)
    client = login(coordinator_a)
    client.get("/records/")  # warm caches (content types, sessions)
    with django_assert_max_num_queries(25) as one:
        body = client.get("/records/").content.decode()
    assert body.count(f'data-state="{QUERY_OPEN}"') == 1
    for _ in range(9):
        _queried(site_a, coordinator_a, raiser)
    with django_assert_num_queries(len(one.captured_queries)):
        body = client.get("/records/").content.decode()
    assert body.count(f'data-state="{QUERY_OPEN}"') == 10


def test_another_sites_queries_do_not_show(login, site_a, site_b, coordinator_a, coordinator_b):
    _queried(site_a, coordinator_a, monitor(site_a))
    body = login(coordinator_b).get("/records/").content.decode()
    assert f'data-state="{QUERY_OPEN}"' not in body
