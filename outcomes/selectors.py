"""Reads of the outcomes app. Participant-scoped reads take an already-scoped participant
(from dressdb.access) or go through dressdb.access themselves."""

from __future__ import annotations

from typing import Any

from enrollment.models import Participant


def participant_panel(*, participant: Participant, user: Any) -> dict[str, object]:
    """Context for templates/outcomes/_participant_panel.html on the participant page."""
    return {}


def home_panel(*, user: Any) -> dict[str, object]:
    """Context for this app's part of the user's home page."""
    return {}
