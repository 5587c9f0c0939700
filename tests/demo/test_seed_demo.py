"""The living demo (issue 16 item 8): every stage, through the real services, dates
relative to today, idempotent, demo mode only."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from demo.seeding import seed_demo_sites_and_users
from demo.story import DEMO_INITIALS, seed_stories
from dosing.models import Assessment, RegimenEvent
from enrollment.models import Participant, Screening
from enrollment.status import State
from notifications.models import Reminder
from outcomes.models import Visit
from portal import grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    seed_demo_sites_and_users()
    return seed_stories()


def test_every_stage_is_there_and_history_is_real(demo):
    assert len(demo) >= 12
    participants = list(Participant.objects.select_related("site"))
    states = {p.current_status.state for p in participants}
    assert {
        State.ENROLLED,
        State.ON_TREATMENT,
        State.OFF_PROTOCOL,
        State.COURSE_COMPLETED,
        State.FOLLOW_UP_COMPLETE,
        State.DIED,
        State.WITHDRAWN,
    } <= states
    assert {p.site.code for p in participants} == {"USC", "PAR"}
    # Screening failures with reasons, and an eligible patient who did not consent.
    failures = Screening.objects.filter(outcome="ineligible")
    assert failures.count() >= 2 and all(s.reasons for s in failures)
    assert Screening.objects.filter(outcome="eligible_not_consented").exists()
    # A switched arm, signed decisions, a locked visit, a missed one: real services.
    assert RegimenEvent.objects.filter(type="switch").exists()
    assert (
        Participant.objects.exclude(current_arm="")
        .exclude(current_arm=F("randomized_arm"))
        .exists()
    )
    assert Assessment.objects.count() >= 8
    assert Visit.objects.filter(locked=True).exists()
    assert Visit.objects.filter(missed=True).exists()
    # History rows carry their own day, not "now": the demo's past happened in the past.
    first = Participant.history.order_by("history_date").first()
    assert first is not None and (timezone.now() - first.history_date).days >= 90


def test_dates_are_relative_to_today(demo):
    _, rows = grid.compose(list(Participant.objects.select_related("site")))
    due_today = [r for r in rows if r.next_due and r.next_due.due == r.today]
    kinds = {r.next_due.what.split(" ")[0] for r in due_today if r.next_due}
    assert "Dosing" in kinds  # a decision due today
    assert "Day" in kinds  # a visit due today
    assert any(r.next_due and r.next_due.state == "overdue" for r in rows)


def test_reminders_link_to_the_form_that_closes_them(demo):
    decision = Reminder.objects.filter(kind="decision_due").first()
    assert decision is not None and decision.url.endswith("/assess/")
    visit = Reminder.objects.filter(kind="visit_due").first()
    assert visit is not None and visit.url.startswith("/visits/participants/")
    orders = Reminder.objects.filter(kind="orders_tomorrow").first()
    assert orders is not None and orders.url == "/dosing/orders/today/"


def test_idempotent(demo):
    counts = (Participant.objects.count(), Screening.objects.count(), Visit.objects.count())
    assert seed_stories() == []
    assert (Participant.objects.count(), Screening.objects.count(), Visit.objects.count()) == counts
    assert Screening.objects.filter(initials=DEMO_INITIALS).count() == counts[1]


def test_only_in_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Participant.objects.exists()
