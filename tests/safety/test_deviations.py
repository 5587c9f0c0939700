"""Protocol deviations: the proposal rules (pure, table-driven), proposals stored once,
confirm/dismiss with a reason, the log, the investigator's signed review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dressdb import signing
from safety import deviations, services
from safety.deviations import DecisionFact, Kind, VisitFact
from safety.models import ProtocolDeviation
from tests.factories import TEST_PASSWORD
from tests.safety.helpers import recent_participant

D = dt.date


@pytest.mark.parametrize(
    ("completed", "proposed"),
    [
        (None, False),
        (D(2026, 3, 9), False),
        (D(2026, 3, 13), False),
        (D(2026, 3, 8), True),
        (D(2026, 3, 14), True),
    ],
)
def test_visit_out_of_window(completed, proposed):
    fact = VisitFact(7, "Day 7", D(2026, 3, 9), D(2026, 3, 13), completed)
    found = deviations.visits_out_of_window([fact])
    assert bool(found) is proposed
    if found:
        assert found[0].kind is Kind.VISIT_OUT_OF_WINDOW and found[0].key == "visit:7"


@pytest.mark.parametrize(
    ("due", "signed", "proposed"),
    [(D(2026, 3, 9), D(2026, 3, 9), False), (D(2026, 3, 9), D(2026, 3, 10), True)],
)
def test_decision_signed_late(due, signed, proposed):
    found = deviations.decisions_late([DecisionFact(3, 1, due, signed)])
    assert bool(found) is proposed
    if found:
        assert "1 day(s) late" in found[0].description


@pytest.mark.parametrize(
    ("off", "orders", "first"),
    [
        (None, [D(2026, 3, 9)], None),
        (D(2026, 3, 9), [D(2026, 3, 8), D(2026, 3, 9)], None),
        (D(2026, 3, 9), [D(2026, 3, 11), D(2026, 3, 10)], D(2026, 3, 10)),
    ],
)
def test_treatment_after_off_protocol(off, orders, first):
    found = deviations.treatment_after_off_protocol(off, orders)
    assert (found[0].on if found else None) == first


@pytest.mark.parametrize(
    ("randomized", "eligible", "proposed"),
    [
        (None, False, False),
        (D(2026, 3, 1), True, False),
        (D(2026, 3, 1), None, False),
        (D(2026, 3, 1), False, True),
    ],
)
def test_randomized_then_ineligible(randomized, eligible, proposed):
    assert bool(deviations.randomized_ineligible(randomized, eligible, "sepsis")) is proposed


@pytest.mark.django_db
def test_proposals_are_stored_once_and_a_dismissed_one_stays_dismissed(site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    day1 = participant.study_day_1
    facts = [VisitFact(1, "Day 7", day1 + dt.timedelta(6), day1 + dt.timedelta(8), day1)]
    proposals = deviations.visits_out_of_window(facts)
    assert services.deviations_propose(participant=participant, proposals=proposals) == 1
    assert services.deviations_propose(participant=participant, proposals=proposals) == 0
    row = ProtocolDeviation.objects.get()
    assert row.status == "proposed" and row.proposed and row.created_by is None
    with pytest.raises(ValidationError) as caught:
        services.deviation_decide(deviation=row, user=coordinator_a, confirm=False, reason="")
    assert "reason_for_change" in caught.value.message_dict
    services.deviation_decide(
        deviation=row, user=coordinator_a, confirm=False, reason="Visit date mistyped"
    )
    assert services.deviations_propose(participant=participant, proposals=proposals) == 0
    row.refresh_from_db()
    assert row.status == "dismissed" and row.status_reason == "Visit date mistyped"
    assert row.history.first().history_change_reason == "Dismissed: Visit date mistyped"


@pytest.mark.django_db
def test_log_review_and_a_later_edit_voids_the_review(site_a, coordinator_a, investigator_a):
    participant = recent_participant(site_a, coordinator_a)
    data = services.DeviationInput(
        kind="eligibility",
        occurred_on=participant.study_day_1,
        description="Randomized before the eGFR result",
        impact_safety=True,
        irb_reportable=True,
    )
    row = services.deviation_save(participant=participant, user=coordinator_a, data=data)
    assert row.status == "open"
    with pytest.raises(ValidationError) as caught:
        services.deviation_save(
            participant=participant,
            user=coordinator_a,
            data=services.DeviationInput(
                kind="bogus", occurred_on=participant.study_day_1, description=""
            ),
        )
    assert {"kind", "description"} <= set(caught.value.message_dict)
    services.deviation_sign(
        deviation=row, user=investigator_a, password=TEST_PASSWORD, meaning="reviewed and approved"
    )
    row.refresh_from_db()
    assert row.status == "reviewed" and signing.current_signature(row) is not None
    services.deviation_save(
        participant=participant,
        user=coordinator_a,
        data=services.DeviationInput(**{**data.__dict__, "corrective_action": "Retrained"}),
        deviation=row,
        reason="CAPA added",
    )
    row.refresh_from_db()
    assert row.status == "open" and signing.current_signature(row) is None


@pytest.mark.django_db
def test_the_coordinator_decides_on_the_page(login, site_a, coordinator_a):
    participant = recent_participant(site_a, coordinator_a)
    services.deviations_propose(
        participant=participant,
        proposals=deviations.randomized_ineligible(participant.study_day_1, False, "sepsis"),
    )
    row = ProtocolDeviation.objects.get()
    client = login(coordinator_a)
    page = client.get(reverse("safety:deviation_list", kwargs={"pk": participant.pk}))
    assert "proposed by dressdb" in page.content.decode()
    decide = reverse("safety:deviation_decide", kwargs={"pk": participant.pk, "dev_pk": row.pk})
    client.post(decide, {"decision": "confirm", "reason_for_change": "Sepsis on day 0 labs"})
    row.refresh_from_db()
    assert row.status == "open" and row.status_reason == "Sepsis on day 0 labs"
