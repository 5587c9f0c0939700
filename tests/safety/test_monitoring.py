"""The nightly deviation proposals (monitoring/proposals.py): visits out of window,
treatment after off protocol, randomized then ineligible; a re-run proposes nothing twice.
(Decisions signed late are covered by the pure rule's table in test_deviations.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dosing.models import Order
from monitoring.proposals import deviation_sweep, gather
from outcomes.models import Visit
from safety.models import ProtocolDeviation
from tests.dosing.helpers import started

pytestmark = pytest.mark.django_db


def test_the_sweep_proposes_from_visits_orders_and_eligibility_once(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=20)
    day7 = Visit.objects.get(participant=participant, name="day7")
    day7.completed_on = day7.window_closes + dt.timedelta(days=2)
    day7.save()
    first_order = Order.objects.filter(participant=participant).order_by("date").first()
    assert first_order is not None
    participant.off_protocol_on = first_order.date
    participant.save()
    with CaptureQueriesContext(connection) as reading:
        found = gather()
    assert len(reading) <= 7  # participants, visits, decisions, orders, administrations (3)
    kinds = {p.kind for p in found[participant.pk]}
    assert kinds == {"visit_out_of_window", "treatment_after_off_protocol"}
    assert deviation_sweep()["created"] == 2
    assert deviation_sweep()["created"] == 0
    rows = ProtocolDeviation.objects.filter(participant=participant, status="proposed")
    assert rows.count() == 2
    visit_row = rows.get(kind="visit_out_of_window")
    assert "after its window" in visit_row.description and visit_row.created_by is None
