"""A randomized participant for dosing tests: regimen started with day 1 in the past."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dosing.models import Regimen
from dosing.services import regimen_start
from enrollment.models import Participant
from outcomes.services import visit_schedule_start
from tests.factories import ParticipantFactory


def started(
    site: Any, user: Any, arm: str = "cyclosporine", days_ago: int = 120, **participant_fields: Any
) -> tuple[Participant, Regimen]:
    participant = ParticipantFactory.create(site=site, created_by=user, **participant_fields)
    day1 = timezone.localdate(timezone=site.tz) - dt.timedelta(days=days_ago)
    participant.study_day_1 = day1
    participant.save()
    regimen = regimen_start(participant=participant, arm=arm, day1=day1, user=user)
    visit_schedule_start(participant=participant, day1=day1, user=user)
    return participant, regimen
