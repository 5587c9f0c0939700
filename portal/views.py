"""Pages composed from several apps' panels: the home page per role and the participant
page. Each app offers its panel through its selectors (explicit, no plug-in magic)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from datamanagement import selectors as datamanagement_selectors
from dosing import selectors as dosing_selectors
from dressdb.access import sites_visible_to, user_roles
from dressdb.models import Role
from enrollment import selectors as enrollment_selectors
from enrollment.access import participant_for_user
from notifications import selectors as notifications_selectors
from outcomes import selectors as outcomes_selectors
from randomization import selectors as randomization_selectors
from safety import selectors as safety_selectors


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
    return render(request, "portal/home.html", context)


@login_required
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk)
    context: dict[str, object] = {"participant": participant}
    context |= randomization_selectors.participant_panel(participant=participant, user=request.user)
    context |= dosing_selectors.participant_panel(participant=participant, user=request.user)
    context |= outcomes_selectors.participant_panel(participant=participant, user=request.user)
    context |= safety_selectors.participant_panel(participant=participant, user=request.user)
    context |= datamanagement_selectors.participant_panel(
        participant=participant, user=request.user
    )
    return render(request, "enrollment/participant_detail.html", context)
