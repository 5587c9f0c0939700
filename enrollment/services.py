"""Writes on participants. Each runs in one transaction and keeps its history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dressdb.audit import require_reason, save_clinical
from enrollment.models import Participant


@transaction.atomic
def participant_set_renal_impairment(
    *, participant: Participant, user: Any, override: bool | None, reason: str
) -> Participant:
    """The investigator confirms or overrides the computed renal impairment.

    `override=None` goes back to the computed value. A reason is always required,
    since the record is already saved.
    """
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    final_reason = require_reason(locked, reason)
    if override is not None and not isinstance(override, bool):
        raise ValidationError({"renal_impairment_override": "Choose yes, no, or computed."})
    locked.renal_impairment_override = override
    locked.renal_impairment_override_reason = final_reason if override is not None else ""
    save_clinical(locked, user=user, reason=final_reason)
    return locked
