"""The participant list: site scope, 50 a page, study-ID search, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_shows_own_site_only(login, coordinator_a, participant_a, participant_b):
    body = login(coordinator_a).get("/participants/").content.decode()
    assert participant_a.study_id in body
    assert participant_b.study_id not in body


def test_pages_of_fifty_newest_first(login, site_a, coordinator_a):
    ParticipantFactory.create_batch(120, site=site_a, created_by=coordinator_a)
    client = login(coordinator_a)
    first = client.get("/participants/")
    assert len(first.context["participants"]) == 50
    assert "120 participants" in first.content.decode()
    assert "page 1 of 3" in first.content.decode()
    last = client.get("/participants/?page=3")
    assert len(last.context["participants"]) == 20
    assert client.get("/participants/?page=abc").status_code == 200


def test_search_by_study_id(login, site_a, coordinator_a):
    batch = ParticipantFactory.create_batch(12, site=site_a, created_by=coordinator_a)
    wanted = batch[10].study_id
    response = login(coordinator_a).get(f"/participants/?q={wanted}")
    assert [p.study_id for p in response.context["participants"]] == [wanted]


def test_query_count_does_not_grow_with_rows(login, site_a, coordinator_a):
    client = login(coordinator_a)

    def count() -> int:
        client.get("/participants/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/participants/")
        return len(queries)

    ParticipantFactory.create_batch(5, site=site_a, created_by=coordinator_a)
    few = count()
    ParticipantFactory.create_batch(200, site=site_a, created_by=coordinator_a)
    assert count() == few
