"""Participants by status on the enrollment dashboard (issue 15 item 3: the status shows on
the dashboards too): every status in the protocol's order, counted from the derived
status in the site's time zone, screenings that did not become participants as
"Screened", in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from enrollment.status import State
from reports.analysis import status_counts
from tests.enrollment.factories import screen
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("states", "screened_only", "expected"),
    [
        ([], 0, {}),
        ([State.ENROLLED], 2, {State.ENROLLED: 1, State.SCREENED: 2}),
        (
            [State.DIED, State.DIED, State.ON_TREATMENT, State.WITHDRAWN],
            0,
            {State.DIED: 2, State.ON_TREATMENT: 1, State.WITHDRAWN: 1},
        ),
    ],
)
def test_status_counts_list_every_status_in_order(states, screened_only, expected):
    rows = status_counts(states, screened_only)
    assert [state for state, _ in rows] == list(State)
    assert {state: n for state, n in rows if n} == expected


def _counts(body: str) -> dict[str, int]:
    table = body.split('data-testid="status-counts"', 1)[1].split("</ul>", 1)[0]
    return {
        label: int(n)
        for label, n in re.findall(
            r'<span class="badge[^"]*">([^<]+)</span> <strong class="status-count">(\d+)</strong>',
            table,
        )
    }


def test_the_dashboard_counts_participants_by_status(
    login, site_a, site_b, coordinator_a, investigator_a
):
    today = timezone.localdate(timezone=site_a.tz)
    ParticipantFactory.create(site=site_a, created_by=coordinator_a)  # enrolled, not randomized
    ParticipantFactory.create(
        site=site_a,
        created_by=coordinator_a,
        randomized_on=today - dt.timedelta(days=10),
        study_day_1=today - dt.timedelta(days=10),
        randomized_arm="steroids",
        current_arm="steroids",
        died_on=today - dt.timedelta(days=2),
    )
    screen(site_a, coordinator_a, eligible=False)  # screened, never enrolled
    ParticipantFactory.create(site=site_b, created_by=coordinator_a)  # another site
    counts = _counts(login(coordinator_a).get("/reports/").content.decode())
    assert counts["Screened"] == 1
    assert counts["Enrolled (not randomized)"] == 1
    assert counts["Died"] == 1
    assert sum(counts.values()) == 3  # site B's participant is outside the coordinator's scope
    assert len(counts) == len(State)


def test_status_counts_read_a_constant_number_of_queries(
    login, site_a, coordinator_a, investigator_a, django_assert_max_num_queries
):
    client = login(investigator_a)
    ParticipantFactory.create(site=site_a, created_by=coordinator_a)
    client.get("/reports/")
    with django_assert_max_num_queries(60) as few:
        client.get("/reports/")
    for _ in range(6):
        ParticipantFactory.create(site=site_a, created_by=coordinator_a)
    with django_assert_max_num_queries(60) as many:
        client.get("/reports/")
    assert len(many.captured_queries) == len(few.captured_queries)
