"""Shared builders for the data-management tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from dressdb.models import Role
from outcomes import services as outcome_services
from outcomes.models import Visit
from outcomes.services import visit_schedule_start
from tests.conftest import _persona
from tests.factories import ParticipantFactory

DAY7 = {
    "organ_resolution": "yes",
    "erythema_resolution": "yes",
    "fever": "no",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "lymphadenopathy": "no",
    "eosinophil_count": Decimal("0.50"),
    "vital_status": "alive",
}
DAY30 = {
    **DAY7,
    "hhv6_pcr": "negative",
    "hhv7_pcr": "negative",
    "ebv_pcr": "negative",
    "cmv_pcr": "negative",
    "autoimmune_disease": "no",
}


def monitor(site: Any, name: str = "mon_a") -> Any:
    return _persona(name, Role.MONITOR, site)


def followed(site: Any, user: Any, *, days_ago: int = 40) -> Any:
    """A participant enrolled `days_ago` days ago with the visit schedule started."""
    enrolled = timezone.now() - dt.timedelta(days=days_ago + 1)
    participant = ParticipantFactory.create(
        site=site, created_by=user, enrolled_at=enrolled, consent_at=enrolled
    )
    day1 = timezone.localtime(enrolled, site.tz).date() + dt.timedelta(days=1)
    participant.study_day_1 = day1
    participant.randomized_on = day1
    participant.save()
    visit_schedule_start(participant=participant, day1=day1, user=user)
    return participant


def visit(participant: Any, name: str) -> Visit:
    return Visit.objects.get(participant=participant, name=name)


def record(participant: Any, user: Any, name: str, reason: str = "", **over: Any) -> Visit:
    v = visit(participant, name)
    endpoints = dict(DAY7 if name == "day7" else DAY30)
    endpoints.update(over)
    outcome_services.visit_record(
        visit=v,
        user=user,
        completed_on=v.target_date,
        endpoints=endpoints,
        reason=reason,
    )
    return visit(participant, name)
