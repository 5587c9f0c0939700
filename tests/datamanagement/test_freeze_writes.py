"""Every clinical write honours a freeze and the database lock (issue 18).

One row per write service of dosing, enrollment and randomization: with the participant
frozen, or the study locked, the service refuses with a ValidationError naming its field
and nothing is written (no history row, no signature); unfrozen it works.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from datamanagement import services as dm
from dosing import services as dosing
from dosing.models import Order
from dressdb.models import Signature
from enrollment import services as enrollment
from randomization import services as randomization
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD, ParticipantFactory
from tests.randomization.helpers import live_list

pytestmark = pytest.mark.django_db


def written() -> int:
    """Every history row of every model, and every signature: a write adds at least one."""
    history = sum(
        model.objects.count()  # type: ignore[attr-defined]
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    )
    return history + Signature.objects.count()


def today(participant: Any) -> dt.date:
    return timezone.localdate(timezone=participant.site.tz)


def _given(participant: Any, day: dt.date) -> list[dosing.AdministrationInput]:
    entries = []
    for order in Order.objects.filter(participant=participant, date=day).order_by("drug"):
        for n in range(1, order.times_per_day + 1):
            entries.append(
                dosing.AdministrationInput(
                    order_id=order.pk,
                    number=n,
                    status="given",
                    dose_mg=order.dose_mg,
                    route=order.route,
                    given_at=dt.datetime.combine(day, dt.time(5 + n), tzinfo=participant.site.tz),
                    given_by="Nurse Joy",
                )
            )
    return entries


# Each case: (set-up -> participant, the write, the field its refusal names).
Setup = Callable[[Any], Any]
Write = Callable[[Any, Any], Any]


def _regimen(p: Any, **kw: Any) -> Any:
    return started(p.site_a, p.coordinator_a, **kw)[0]


def _enrolled(p: Any) -> Any:
    return ParticipantFactory.create(site=p.site_a, created_by=p.coordinator_a)


def _relapse_ready(p: Any) -> Any:
    participant, _ = started(p.site_a, p.coordinator_a)
    for _ in range(3):  # complete improvement: treatment stops, monitoring follows
        dosing.assessment_sign(
            participant=participant,
            user=p.investigator_a,
            password=TEST_PASSWORD,
            improvement="complete",
            labs_trend="down",
        )
        regimen = participant.regimen
        regimen.refresh_from_db()
        if regimen.state == "monitoring":
            break
    return participant


def _verify(p: Any, participant: Any) -> Any:
    order = Order.objects.filter(participant=participant, pharmacist_to_verify=True).last()
    return dosing.order_verify(
        participant=participant,
        user=p.pharmacist_a,
        order_id=order.pk,  # type: ignore[union-attr]
        password=TEST_PASSWORD,
    )


CASES: list[tuple[str, Setup, Write, str]] = [
    (
        "dosing.assessment_sign",
        _regimen,
        lambda p, x: dosing.assessment_sign(
            participant=x,
            user=p.investigator_a,
            password=TEST_PASSWORD,
            improvement="gt25",
            labs_trend="down",
        ),
        "improvement",
    ),
    (
        "dosing.relapse_record",
        _relapse_ready,
        lambda p, x: dosing.relapse_record(
            participant=x, user=p.investigator_a, relapse_on=today(x), reason="Rash is back"
        ),
        "relapse_on",
    ),
    (
        "dosing.npo_set",
        lambda p: _regimen(p, days_ago=3),
        lambda p, x: dosing.npo_set(participant=x, user=p.coordinator_a, npo=True, reason="Ileus"),
        "npo",
    ),
    (
        "dosing.weight_correct",
        lambda p: _regimen(p, days_ago=3),
        lambda p, x: dosing.weight_correct(
            participant=x, user=p.coordinator_a, weight_kg=D("80"), reason="Weighed again"
        ),
        "weight_kg",
    ),
    (
        "dosing.order_verify",
        lambda p: _regimen(p, days_ago=3, npo=True),
        _verify,
        "order_id",
    ),
    (
        "dosing.administrations_record",
        lambda p: _regimen(p, days_ago=3),
        lambda p, x: dosing.administrations_record(
            participant=x,
            user=p.coordinator_a,
            date=today(x) - dt.timedelta(days=1),
            entries=_given(x, today(x) - dt.timedelta(days=1)),
        ),
        "administrations",
    ),
    (
        "enrollment.participant_set_renal_impairment",
        _enrolled,
        lambda p, x: enrollment.participant_set_renal_impairment(
            participant=x, user=p.investigator_a, override=True, reason="eGFR underestimates"
        ),
        "renal_impairment_override",
    ),
    (
        "enrollment.participant_withdraw",
        _enrolled,
        lambda p, x: enrollment.participant_withdraw(
            participant=x, user=p.coordinator_a, withdrawn_on=today(x), reason="Moved away"
        ),
        "withdrawn_on",
    ),
    (
        "enrollment.participant_record_milestones",
        _enrolled,
        lambda p, x: enrollment.participant_record_milestones(
            participant=x, user=p.coordinator_a, reason="Lost", lost_to_follow_up_on=today(x)
        ),
        "participant",
    ),
    (
        "randomization.participant_randomize",
        lambda p: (live_list(p.statistician), _enrolled(p))[1],
        lambda p, x: randomization.participant_randomize(participant=x, user=p.coordinator_a),
        "participant",
    ),
    (
        "randomization.participant_withdraw",
        lambda p: _regimen(p, days_ago=3),
        lambda p, x: randomization.participant_withdraw(
            participant=x,
            user=p.coordinator_a,
            kind="follow_up",
            withdrawn_on=today(x),
            reason="Moved away",
        ),
        "withdrawn_on",
    ),
]


class People:
    def __init__(self, **people: Any) -> None:
        self.__dict__.update(people)


@pytest.fixture
def people(site_a, coordinator_a, investigator_a, pharmacist_a, statistician, trial_admin):
    return People(
        site_a=site_a,
        coordinator_a=coordinator_a,
        investigator_a=investigator_a,
        pharmacist_a=pharmacist_a,
        statistician=statistician,
        trial_admin=trial_admin,
    )


def _freeze_participant(p: People, participant: Any) -> Any:
    return dm.freeze(user=p.statistician, reason="Interim analysis", participant=participant)  # type: ignore[attr-defined]


def _freeze_study(p: People, participant: Any) -> Any:
    return dm.freeze(user=p.statistician, reason="Interim analysis", participant=None)  # type: ignore[attr-defined]


def _lock_study(p: People, participant: Any) -> Any:
    return dm.database_lock(user=p.trial_admin, reason="Final analysis")  # type: ignore[attr-defined]


BLOCKS = [
    pytest.param(_freeze_participant, "frozen", id="participant-frozen"),
    pytest.param(_freeze_study, "frozen", id="study-frozen"),
    pytest.param(_lock_study, "locked", id="study-locked"),
]


@pytest.mark.parametrize(
    ("setup", "write", "field"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
@pytest.mark.parametrize(("block", "word"), BLOCKS)
def test_blocked_write_is_refused_and_writes_nothing(people, setup, write, field, block, word):
    participant = setup(people)
    block(people, participant)
    before = written()
    with pytest.raises(ValidationError) as excinfo:
        write(people, participant)
    assert field in excinfo.value.message_dict, excinfo.value.message_dict
    assert word in excinfo.value.message_dict[field][0]
    assert written() == before


@pytest.mark.parametrize(
    ("setup", "write", "field"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_write_works_once_unfrozen(people, setup, write, field):
    participant = setup(people)
    row = _freeze_participant(people, participant)
    dm.unfreeze(row=row, user=people.statistician, reason="Interim done")
    before = written()
    write(people, participant)
    assert written() > before
