"""The data freeze and database lock, as a check before any clinical write (issue 18).

EditFreeze rows are written by the datamanagement app (top floor) and live on the core
floor, so every domain app reads them through this check without importing upwards.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from dressdb.models import EditFreeze
from enrollment.models import Participant


def edits_allowed(participant: Participant, field: str = "participant") -> None:
    """No change while the participant is frozen or the study is frozen or locked
    (issue 18; EditFreeze rows are written by the datamanagement app). Used alone by the
    writes still allowed after a consent withdrawal (the withdrawal and its milestones)."""
    freeze = (
        EditFreeze.objects.filter(active=True)
        .filter(Q(participant_id__isnull=True) | Q(participant_id=participant.pk))
        .order_by("participant_id")
        .first()
    )
    if freeze is not None:
        scope = "The study" if freeze.participant_id is None else participant.study_id
        raise ValidationError(
            {
                field: f"{scope} is {'locked' if freeze.kind == 'lock' else 'frozen'} "
                f"({freeze.reason}): no change can be saved until a data manager unlocks it."
            }
        )
