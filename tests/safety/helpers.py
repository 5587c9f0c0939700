"""Shared builders for the safety tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from safety.models import AeTerm, SystemOrganClass
from safety.services import AeInput
from tests.factories import ParticipantFactory


def recent_participant(site: Any, user: Any, *, days_ago: int = 10) -> Any:
    """Consented `days_ago` days ago, study day 1 the day after."""
    now = timezone.now()
    consent = now - dt.timedelta(days=days_ago)
    return ParticipantFactory.create(
        site=site,
        created_by=user,
        consent_at=consent,
        enrolled_at=consent,
        study_day_1=timezone.localtime(consent, site.tz).date() + dt.timedelta(days=1),
    )


def ae_input(participant: Any, **over: Any) -> AeInput:
    today = timezone.localdate(timezone=participant.site.tz)
    values: dict[str, Any] = {
        "term": AeTerm.objects.get(code="hepatic_failure"),
        "onset_date": today - dt.timedelta(days=3),
        "stop_date": None,
        "ongoing": True,
        "grade": 3,
        "serious": True,
        "criteria": frozenset({"hospitalisation"}),
        "related_cyclosporine": "probable",
        "related_corticosteroids": "not_related",
        "action_cyclosporine": "interrupted",
        "action_corticosteroids": "not_applicable",
        "outcome": "not_recovered",
        "aware_at": timezone.now() - dt.timedelta(hours=2),
    }
    values.update(over)
    return AeInput(**values)


def soc(code: str) -> SystemOrganClass:
    return SystemOrganClass.objects.get(code=code)


def api_body(participant: Any, **over: Any) -> dict[str, Any]:
    today = timezone.localdate(timezone=participant.site.tz)
    body: dict[str, Any] = {
        "term": "hepatic_failure",
        "onset_date": (today - dt.timedelta(days=3)).isoformat(),
        "ongoing": True,
        "grade": 3,
        "serious": True,
        "criteria": ["hospitalisation"],
        "related_cyclosporine": "probable",
        "related_corticosteroids": "not_related",
        "action_cyclosporine": "interrupted",
        "action_corticosteroids": "not_applicable",
        "outcome": "not_recovered",
        "aware_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
    }
    body.update(over)
    return body


def safety_records(own: Any, other: Any, user_own: Any, user_other: Any) -> dict[str, Any]:
    """An adverse event, a concomitant medication and a logged deviation for each of two
    participants (own site first): the records the access matrix and the API fuzzing
    try the safety routes on. Through the services, as a site user records them."""
    from safety.services import ConmedInput, DeviationInput, ae_create, conmed_save, deviation_save

    found: dict[str, list[int]] = {"ae": [], "conmed": [], "deviation": []}
    for participant, user in ((own, user_own), (other, user_other)):
        today = timezone.localdate(timezone=participant.site.tz)
        found["ae"].append(
            ae_create(participant=participant, user=user, data=ae_input(participant)).pk
        )
        found["conmed"].append(
            conmed_save(
                participant=participant,
                user=user,
                data=ConmedInput(
                    drug="Paracetamol",
                    indication="Fever",
                    route="po",
                    start_date=today,
                    ongoing=True,
                ),
            ).pk
        )
        found["deviation"].append(
            deviation_save(
                participant=participant,
                user=user,
                data=DeviationInput(kind="other", occurred_on=today, description="Matrix row"),
            ).pk
        )
    return {key: tuple(ids) for key, ids in found.items()}
