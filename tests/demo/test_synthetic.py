"""The synthetic trial's two write paths (demo.synthetic): COPY on PostgreSQL and
bulk_create_with_history elsewhere write the same rows, each with its creation history
row by the seeding user, and the allocations use the list's slots."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, models, transaction
from django.db.models import F

from demo import synthetic
from dosing.models import Administration, Assessment, Order, Regimen
from enrollment.models import DeathEvidence, Participant, Screening
from outcomes.models import HospitalCourse, Visit
from randomization.models import Allocation, AllocationSlot

pytestmark = pytest.mark.django_db

SEEDED = [
    AllocationSlot,
    Screening,
    Participant,
    Allocation,
    Regimen,
    Assessment,
    Order,
    Administration,
    Visit,
    HospitalCourse,
    DeathEvidence,
]


def _content(model: Any) -> list[tuple[Any, ...]]:
    """Every row's values, without what differs between two runs: ids, links, times."""
    fields = [
        f.attname
        for f in model._meta.concrete_fields
        if not isinstance(f, models.AutoField | models.ForeignKey | models.DateTimeField)
        and f.attname not in ("id", "history_id", "source_id")
    ]
    return sorted(model.objects.values_list(*fields), key=repr)


def _snapshot(user: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in SEEDED:
        history = model.history.model  # type: ignore[attr-defined]
        out[model.__name__] = _content(model)
        out[history.__name__] = _content(history)
        out[f"{history.__name__} users"] = set(
            history.objects.values_list("history_type", "history_user", "history_change_reason")
        )
    milestones = ("study_id", "randomized_on", "randomized_arm", "current_arm", "died_on")
    out["milestones"] = sorted(Participant.objects.values_list(*milestones))
    out["milestones in history"] = sorted(
        Participant.history.model.objects.values_list(*milestones)
    )
    out["allocations on their own slot"] = Allocation.objects.filter(
        arm=F("slot__arm"), slot__stratum__site=F("participant__site")
    ).count()
    return out


class _Rollback(Exception):
    pass


def _seed_and_snapshot(sites: list[Any], user: Any) -> dict[str, Any]:
    snapshot: dict[str, Any] = {}
    try:
        with transaction.atomic():
            counts = synthetic.seed_trial(sites=sites, participants=30, user=user, seed=5)
            assert counts["participants"] == 30
            snapshot = _snapshot(user)
            raise _Rollback
    except _Rollback:
        pass
    return snapshot


def _check_trial(snapshot: dict[str, Any], user: Any) -> None:
    for model in SEEDED:
        history = model.history.model  # type: ignore[attr-defined]
        assert snapshot[model.__name__], model
        assert len(snapshot[history.__name__]) == len(snapshot[model.__name__]), model
        assert snapshot[f"{history.__name__} users"] == {("+", user.pk, synthetic.REASON)}
    # the participants go in with their milestones: the creation history row has them too
    assert snapshot["milestones"] == snapshot["milestones in history"]
    assert all(arm for _, _, arm, _, _ in snapshot["milestones"])
    assert snapshot["allocations on their own slot"] == len(snapshot["milestones"]) == 30


def test_synthetic_trial_rows_and_history(site_a, site_b, trial_admin):
    _check_trial(_seed_and_snapshot([site_a, site_b], trial_admin), trial_admin)


@pytest.mark.postgres
def test_copy_path_writes_what_the_bulk_path_writes(site_a, site_b, trial_admin, monkeypatch):
    assert connection.vendor == "postgresql"
    by_copy = _seed_and_snapshot([site_a, site_b], trial_admin)
    monkeypatch.setattr(synthetic._Writer, "use_copy", False)
    by_bulk = _seed_and_snapshot([site_a, site_b], trial_admin)
    _check_trial(by_copy, trial_admin)
    assert by_copy.keys() == by_bulk.keys()
    for key in by_copy:
        assert by_copy[key] == by_bulk[key], key
