"""The visit schedule's config from Django settings (the visit windows [reading])."""

from __future__ import annotations

from django.conf import settings

from outcomes.schedule import VisitWindow, windows_from_setting


def visit_windows() -> tuple[VisitWindow, ...]:
    return windows_from_setting(settings.TRIAL_VISIT_WINDOWS)
