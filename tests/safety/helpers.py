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
