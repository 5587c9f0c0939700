"""The per-participant audit trail: every change to the participant's clinical records.

It reads the participant's own history, its screening's, and every clinical history
table that carries a `participant` key (any app's), through the core's generic
`dressdb.audit.history_entries`.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from dressdb.audit import AuditEntry, HistorySource, history_entries
from enrollment.models import Participant, Screening


def _clinical_history_models() -> list[tuple[type[models.Model], str]]:
    """(model, participant lookup) for every model with history and a `participant` key.

    The participant's own history is read by its id; its screening by the
    participant's screening_id (see participant_audit_trail).
    """
    found: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        if not hasattr(model, "history") or model.__name__.startswith("Historical"):
            continue
        if model in (Participant, Screening):
            continue
        if "participant" in {f.name for f in model._meta.concrete_fields}:
            found.append((model, "participant_id"))
    return found


def participant_audit_trail(participant: Participant) -> list[AuditEntry]:
    """Every change to the participant's clinical records, newest first.

    One query per clinical model type, whatever the number of rows.
    """
    sources: list[HistorySource] = [
        (Participant, "id", participant.pk),
        (Screening, "id", participant.screening_id),
    ]
    sources += [(m, lookup, participant.pk) for m, lookup in _clinical_history_models()]
    return history_entries(sources)
