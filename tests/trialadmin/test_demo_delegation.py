"""The demo's delegation log (issue 21): with delegation enforced, every demo user holds
the signed duties their role needs and current training; seeding twice adds nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from demo.seeding import DEMO_DUTIES, seed_demo_sites_and_users
from dressdb import delegation
from dressdb.models import Delegation, Duty, Site
from trialadmin import training

pytestmark = pytest.mark.django_db


def test_demo_users_hold_their_signed_duties_and_current_training(settings):
    settings.DEMO_MODE = True
    seed_demo_sites_and_users()
    usc, par = Site.objects.get(code="USC"), Site.objects.get(code="PAR")
    coordinator = User.objects.get(username="coordinator")
    investigator = User.objects.get(username="investigator")
    pharmacist = User.objects.get(username="pharmacist")
    for duty in DEMO_DUTIES["coordinator"]:  # type: ignore[index]
        assert delegation.has_duty(coordinator, usc, duty)
    assert not delegation.has_duty(coordinator, par, Duty.SCREENING)
    for duty in Duty.values:  # type: ignore[assignment]
        assert delegation.has_duty(investigator, usc, duty)
        assert delegation.has_duty(investigator, par, duty)
    assert delegation.has_duty(pharmacist, usc, Duty.DRUG_DISPENSING)
    assert not delegation.has_duty(pharmacist, usc, Duty.DOSING_DECISIONS)
    assert all(line.signed_by == investigator for line in Delegation.objects.all())
    assert delegation.has_duty(User.objects.get(username="coordinator-par"), par, Duty.CONSENT)
    states = training.training_states(list(User.objects.all()))
    assert all(state.ok for state in states.values())
    count = Delegation.objects.count()
    seed_demo_sites_and_users()
    assert Delegation.objects.count() == count
