"""Concomitant medications: the repeating form, the culprit drug's latency, the CYP3A4
warning on the participant page, history with reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safety import services
from safety.models import ConcomitantMedication
from tests.safety.helpers import recent_participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant(site_a, coordinator_a):
    return recent_participant(site_a, coordinator_a)


def conmed(participant, **over) -> services.ConmedInput:
    start = participant.study_day_1 - dt.timedelta(days=30)
    values = {
        "drug": "Allopurinol",
        "indication": "Gout",
        "dose": Decimal("300"),
        "unit": "mg",
        "route": "po",
        "frequency": "once daily",
        "start_date": start,
        "stop_date": start + dt.timedelta(days=25),
        "culprit": True,
        "reaction_onset_date": start + dt.timedelta(days=21),
    }
    values.update(over)
    return services.ConmedInput(**values)


def test_culprit_latency_and_history(participant, coordinator_a):
    row = services.conmed_save(
        participant=participant, user=coordinator_a, data=conmed(participant)
    )
    assert row.latency_days == 21 and row.cyp3a4 == ""
    with pytest.raises(ValidationError) as caught:
        services.conmed_save(
            participant=participant,
            user=coordinator_a,
            data=conmed(participant, frequency="bid"),
            medication=row,
        )
    assert "reason_for_change" in caught.value.message_dict
    services.conmed_save(
        participant=participant,
        user=coordinator_a,
        data=conmed(participant, frequency="bid"),
        medication=row,
        reason="Prescription checked",
    )
    assert [h.history_change_reason for h in row.history.order_by("history_id")][-1] == (
        "Prescription checked"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stop_date": None}, "stop_date"),
        ({"stop_date": "start-1"}, "stop_date"),
        ({"culprit": True, "reaction_onset_date": None}, "reaction_onset_date"),
        ({"reaction_onset_date": "start-1"}, "reaction_onset_date"),
        ({"culprit": False}, "culprit"),
        ({"dose": Decimal("0")}, "dose"),
        ({"unit": ""}, "unit"),
        ({"route": "nasal-ish"}, "route"),
        ({"drug": " "}, "drug"),
    ],
)
def test_bad_input_names_the_field(participant, coordinator_a, change, field):
    start = participant.study_day_1 - dt.timedelta(days=30)
    values = {k: (start - dt.timedelta(days=1) if v == "start-1" else v) for k, v in change.items()}
    with pytest.raises(ValidationError) as caught:
        services.conmed_save(
            participant=participant, user=coordinator_a, data=conmed(participant, **values)
        )
    assert field in caught.value.message_dict
    assert not ConcomitantMedication.objects.exists()


def test_a_strong_cyp3a4_drug_warns_on_the_participant_page(login, participant, coordinator_a):
    services.conmed_save(
        participant=participant,
        user=coordinator_a,
        data=conmed(
            participant,
            drug="Clarithromycin",
            indication="Pneumonia",
            culprit=False,
            reaction_onset_date=None,
            start_date=participant.study_day_1,
            stop_date=None,
            ongoing=True,
        ),
    )
    page = login(coordinator_a).get(reverse("participant_detail", kwargs={"pk": participant.pk}))
    html = page.content.decode()
    assert 'data-testid="cyp3a4-warning"' in html and "Clarithromycin" in html
    assert "raises cyclosporine levels" in html


def test_the_form_adds_a_drug(login, participant, coordinator_a):
    start = participant.study_day_1 - dt.timedelta(days=30)
    response = login(coordinator_a).post(
        reverse("safety:conmed_new", kwargs={"pk": participant.pk}),
        {
            "drug": "Carbamazepine",
            "indication": "Epilepsy",
            "dose": "200",
            "unit": "mg",
            "route": "po",
            "frequency": "bid",
            "start_date": start.isoformat(),
            "ongoing": "on",
        },
    )
    assert response.status_code == 302
    assert ConcomitantMedication.objects.get().cyp3a4 == "inducer"
