"""The to-do list (mounted at /visits/todo/, its historical path)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dressdb.access import require_role
from dressdb.models import Role
from dressdb.redirects import safe_next
from notifications import selectors, services

EVERY_ROLE = tuple(Role)  # every staff role, the monitor included (issue 18)


@require_role(*EVERY_ROLE)
def todo_list(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/todo.html", {"todo": selectors.todo(request.user)})


@require_role(*EVERY_ROLE)
@require_POST
def todo_dismiss(request: HttpRequest, reminder_pk: int) -> HttpResponse:
    try:
        services.reminder_dismiss(reminder_id=reminder_pk, user=request.user)
    except ValidationError:
        messages.error(request, gettext("That reminder is not on your list."))
    return redirect(safe_next(request, "todo_list"))
