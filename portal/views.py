"""Pages composed from several apps' panels: the home page per role and the participant
page. Each app offers its panel through its selectors (explicit, no plug-in magic)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse

from datamanagement import selectors as datamanagement_selectors
from dosing import selectors as dosing_selectors
from dressdb.access import (
    require_role,
    sees_all_sites,
    site_ids_for,
    sites_visible_to,
    user_roles,
)
from dressdb.models import Role
from enrollment import selectors as enrollment_selectors
from enrollment.access import participant_for_user, participants_visible_to
from enrollment.models import Screening
from enrollment.status import State
from notifications import selectors as notifications_selectors
from outcomes import selectors as outcomes_selectors
from portal import grid
from randomization import selectors as randomization_selectors
from safety import selectors as safety_selectors
from trialadmin import training as trialadmin_training

GRID_ROLES = (Role.COORDINATOR, Role.INVESTIGATOR, Role.ADMIN)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    context: dict[str, object] = {
        "roles": roles,
        "is_coordinator": Role.COORDINATOR in roles,
        "is_investigator": Role.INVESTIGATOR in roles,
        "is_pharmacist": Role.PHARMACIST in roles,
        "is_statistician": Role.STATISTICIAN in roles,
        "is_admin": Role.ADMIN in roles,
        "sites": list(sites_visible_to(request.user)),
    }
    context |= enrollment_selectors.home_panel(user=request.user)
    context |= randomization_selectors.home_panel(user=request.user)
    context |= dosing_selectors.home_panel(user=request.user)
    context |= notifications_selectors.home_panel(user=request.user)
    context |= trialadmin_training.home_panel(user=request.user)  # lapsed training (issue 21)
    participants: list[Any] = list(context.get("participants") or [])  # type: ignore[call-overload]
    _, rows = grid.compose(participants, next_due_only=True)
    context["rows"] = rows
    context["not_randomized"] = [r.participant for r in rows if r.status.state == State.ENROLLED]
    context["can_see_grid"] = bool(roles & {r.value for r in GRID_ROLES})
    return render(request, "portal/home.html", context)


@login_required
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk)
    if participant.screening_id is not None:
        # The page shows the screening's label (its site's code): one query, not two.
        participant.screening = Screening.objects.select_related("site").get(
            pk=participant.screening_id
        )
    context: dict[str, object] = {"participant": participant}
    context |= randomization_selectors.participant_panel(participant=participant, user=request.user)
    context |= dosing_selectors.participant_panel(participant=participant, user=request.user)
    context |= outcomes_selectors.participant_panel(participant=participant, user=request.user)
    context |= safety_selectors.participant_panel(participant=participant, user=request.user)
    context |= datamanagement_selectors.participant_panel(
        participant=participant, user=request.user
    )
    return render(request, "enrollment/participant_detail.html", context)


@require_role(*GRID_ROLES)
def record_grid(request: HttpRequest) -> HttpResponse:
    """Participants x forms, each cell coloured by its state and linked to its form."""
    form, participants, status = grid.filtered(request.user, request.GET)
    page = grid.page_of(participants, status, request.GET.get("page"))
    columns, rows = grid.compose(list(page.object_list))
    _links_the_user_can_open(request.user, rows)
    return render(
        request,
        "portal/record_grid.html",
        {
            "filter": form,
            "page": page,
            "columns": columns,
            "groups": grid.column_groups(columns),
            "rows": rows,
            "legend": grid.legend(),
            "query": _query_without_page(request),
        },
    )


def _links_the_user_can_open(user: Any, rows: list[grid.Row]) -> None:
    """A cell whose form the user's role at that site cannot open (an admin's or a
    coordinator's dosing decision, an investigator's visit entry) links to the
    participant's page instead of to a 403. Memberships are read once per request;
    a form's URL is resolved once per shape (its ids as 0: the same view), and each
    (site, roles) answer is worked out once."""
    user_role_set = user_roles(user)
    roles_by_shape: dict[str, tuple[str, ...] | None] = {}
    allowed: dict[tuple[int, tuple[str, ...]], bool] = {}
    for row in rows:
        site_id = row.participant.site_id
        for i, cell in enumerate(row.cells):
            if not cell.url:
                continue
            path = cell.url.split("#")[0].split("?")[0]
            shape = _DIGITS.sub("0", path)
            if shape not in roles_by_shape:
                try:
                    roles_by_shape[shape] = getattr(resolve(path).func, "allowed_roles", None)
                except Resolver404:
                    roles_by_shape[shape] = None
            roles = roles_by_shape[shape]
            if not roles:
                continue
            key = (site_id, roles)
            if key not in allowed:
                allowed[key] = bool(user_role_set & set(roles)) and (
                    site_id in site_ids_for(user, roles) or sees_all_sites(user, roles)
                )
            if not allowed[key]:
                row.cells[i] = dataclasses.replace(
                    cell, url=reverse("participant_detail", args=[row.participant.pk])
                )


_DIGITS = re.compile(r"\d+")


@login_required
def participant_list(request: HttpRequest) -> HttpResponse:
    """Site-scoped, newest first, 50 a page; `q` finds a study ID. Arm, study day,
    status and the next item due (from the grid's cells: constant queries)."""
    participants = participants_visible_to(request.user).select_related(*grid.LIST_RELATED)
    query = request.GET.get("q", "").strip()[:30]
    if query:
        participants = participants.filter(study_id__icontains=query)
    page = Paginator(participants.order_by("-enrolled_at", "-id"), grid.PER_PAGE).get_page(
        request.GET.get("page")
    )
    _, rows = grid.compose(list(page.object_list), next_due_only=True)
    return render(
        request,
        "enrollment/participant_list.html",
        {"rows": rows, "participants": page.object_list, "page": page, "q": query},
    )


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
