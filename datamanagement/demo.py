"""Demo data for the data-management pages and datasets (called by demo.synthetic)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from datamanagement.models import Query, QueryMessage
from datamanagement.services import checks_run_all
from dressdb.audit import save_clinical
from outcomes.models import Visit

DEMO_PARTICIPANTS = 6  # enough for every page and dataset to show rows, cheap to seed


@transaction.atomic
def seed_data_management(*, participant_ids: Sequence[int], user: Any) -> dict[str, int]:
    """The edit checks and the SDV plan of the first participants, and one monitor-style
    query on the first completed visit."""
    ids = sorted(participant_ids)[:DEMO_PARTICIPANTS]
    result = checks_run_all(ids)
    visit = (
        Visit.objects.filter(participant_id__in=ids, completed_on__isnull=False)
        .order_by("participant_id", "study_day")
        .first()
    )
    if visit is not None:
        query = Query(
            participant_id=visit.participant_id,
            form="visit",
            content_type=ContentType.objects.get_for_model(Visit),
            object_id=visit.pk,
            field="eosinophil_count",
            text="Please confirm the eosinophil count against the lab report.",
            opened_by=user,
        )
        save_clinical(query, user=user, reason="Demo query")
        message = QueryMessage(
            query=query, kind=QueryMessage.Kind.OPENED, author=user, text=query.text
        )
        save_clinical(message, user=user, reason="Demo query")
        result["opened"] += 1
    return result
