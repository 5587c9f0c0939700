"""The to-do count in the navigation (base.html): one cheap query, only when a page
shows the badge (the value is lazy)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.models import Reminder


def todo_badge(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "todo_count": SimpleLazyObject(
            lambda: Reminder.objects.filter(user=user, status=Reminder.Status.OPEN).count()
        )
    }
