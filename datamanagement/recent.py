"""Which participants' records changed since a time (read from the history tables)."""

from __future__ import annotations

import datetime as dt

from dosing.models import Assessment
from enrollment.models import Participant
from outcomes.models import HospitalCourse, Visit
from safety.models import AdverseEvent


def participants_changed_since(since: dt.datetime) -> set[int]:
    ids: set[int] = set(
        Participant.history.filter(history_date__gte=since).values_list("id", flat=True)
    )
    for model in (Visit, HospitalCourse, Assessment, AdverseEvent):
        ids |= set(
            model.history.filter(history_date__gte=since).values_list("participant_id", flat=True)
        )
    return ids
