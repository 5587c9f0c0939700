"""The nightly sweep proposes deviations from the administrations (issue 17, monitoring/
proposals.py with dosing.selectors.administration_discrepancies): a dose beyond the
tolerance, a missed dose, a dose given after a stop or after off protocol. A re-run
proposes nothing twice (a dismissed proposal stays dismissed); the reading takes the
same number of queries for one participant or many."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dosing import services as dosing_services
from dosing.models import Order
from monitoring.proposals import deviation_sweep, gather
from safety import services as safety_services
from safety.models import ProtocolDeviation
from tests.dosing.helpers import started

pytestmark = pytest.mark.django_db


def yesterday(participant) -> dt.date:
    return timezone.localdate(timezone=participant.site.tz) - dt.timedelta(days=1)


def entries(participant, day, changes=None):
    """Every ordered administration of the day given as ordered, then `changes` by number
    (1, 2, ...) of the day's first order."""
    found = []
    orders = Order.objects.filter(participant=participant, date=day).order_by("drug")
    for order in orders:
        for n in range(1, order.times_per_day + 1):
            given_at = dt.datetime.combine(day, dt.time(8 + n), tzinfo=participant.site.tz)
            values = {
                "order_id": order.pk,
                "number": n,
                "status": "given",
                "dose_mg": order.dose_mg,
                "route": order.route,
                "given_at": given_at,
                "given_by": "Nurse Joy",
            }
            if changes and order == orders[0] and n in changes:
                values.update(changes[n])
            found.append(dosing_services.AdministrationInput(**values))  # type: ignore[arg-type]
    return found


def record(participant, user, day, changes=None):
    dosing_services.administrations_record(
        participant=participant, user=user, date=day, entries=entries(participant, day, changes)
    )


def kinds_of(found, participant) -> set[str]:
    return {str(p.kind) for p in found.get(participant.pk, [])}


def test_dose_and_missed_dose_are_proposed_once(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    order = Order.objects.filter(participant=participant, date=day).order_by("drug").first()
    short = (order.dose_mg * Decimal("0.5")).quantize(Decimal("1"))  # type: ignore[union-attr]
    record(
        participant,
        coordinator_a,
        day,
        {
            1: {"dose_mg": short, "reason": "Capsules short"},
            2: {
                "status": "missed",
                "dose_mg": None,
                "route": "",
                "given_at": None,
                "given_by": "",
                "reason": "Off the ward",
            },
        },
    )
    assert kinds_of(gather(), participant) == {"dose_differs", "dose_missed"}
    assert deviation_sweep()["created"] == 2
    assert deviation_sweep()["created"] == 0  # the nightly re-run: nothing twice
    rows = ProtocolDeviation.objects.filter(participant=participant, status="proposed")
    dose = rows.get(kind="dose_differs")
    assert dose.occurred_on == day and dose.proposed and dose.created_by is None
    assert f"{short} mg given" in dose.description and "Capsules short" in dose.description
    assert dose.source_key.startswith("administration:")
    assert dose.history.get().history_change_reason == "Proposed by dressdb"
    missed = rows.get(kind="dose_missed")
    safety_services.deviation_decide(
        deviation=missed, user=coordinator_a, confirm=False, reason="Dose given later, late entry"
    )
    assert deviation_sweep()["created"] == 0  # dismissed stays dismissed
    assert ProtocolDeviation.objects.get(pk=missed.pk).status == "dismissed"


def test_doses_after_a_stop_and_after_off_protocol(site_a, coordinator_a):
    stopped, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(stopped)
    stopped.treatment_withdrawn_on = day - dt.timedelta(days=1)
    stopped.save()
    record(stopped, coordinator_a, day)
    off, _ = started(site_a, coordinator_a, days_ago=3)
    off.off_protocol_on = day - dt.timedelta(days=1)
    off.save()
    record(off, coordinator_a, day)
    found = gather()
    assert kinds_of(found, stopped) == {"given_after_stop"}
    given_after_stop = [p for p in found[stopped.pk] if p.kind == "given_after_stop"]
    assert len(given_after_stop) == Order.objects.get(participant=stopped, date=day).times_per_day
    # off protocol: each dose given after it, beside the orders dated after it
    assert "treatment_after_off_protocol" in kinds_of(found, off)
    keys = {p.key for p in found[off.pk] if p.kind == "treatment_after_off_protocol"}
    assert any(k.startswith("administration:") for k in keys)
    assert any(k.startswith("off:") for k in keys)
    created = deviation_sweep()["created"]
    assert created == sum(len(found[p.pk]) for p in (stopped, off))
    assert deviation_sweep()["created"] == 0


def test_doses_as_ordered_propose_nothing(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    record(participant, coordinator_a, yesterday(participant))
    assert participant.pk not in gather()


def test_the_reading_is_a_constant_number_of_queries(site_a, site_b, coordinator_a, coordinator_b):
    def short_dose(participant, user):
        day = yesterday(participant)
        order = Order.objects.filter(participant=participant, date=day).order_by("drug").first()
        record(participant, user, day, {1: {"dose_mg": order.dose_mg / 2, "reason": "Short"}})  # type: ignore[union-attr]

    first, _ = started(site_a, coordinator_a, days_ago=3)
    short_dose(first, coordinator_a)
    with CaptureQueriesContext(connection) as one:
        assert kinds_of(gather(), first) == {"dose_differs"}
    for site, user in ((site_a, coordinator_a), (site_b, coordinator_b), (site_b, coordinator_b)):
        participant, _ = started(site, user, days_ago=3)
        short_dose(participant, user)
    with CaptureQueriesContext(connection) as many:
        found = gather()
    assert sum(1 for items in found.values() for p in items if p.kind == "dose_differs") == 4
    assert len(many) == len(one)
