from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dressdb.access import participant_for_user, participants_visible_to, require_role
from dressdb.audit import participant_audit_trail
from dressdb.models import Role
from enrollment import services
from enrollment.forms import RenalImpairmentForm


@login_required
def participant_list(request: HttpRequest) -> HttpResponse:
    participants = participants_visible_to(request.user).select_related("site")
    return render(request, "enrollment/participant_list.html", {"participants": participants})


@login_required
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from dosing import selectors as dosing_selectors
    from outcomes import selectors as outcomes_selectors
    from randomization import selectors as randomization_selectors

    participant = participant_for_user(request.user, pk)
    context: dict[str, object] = {"participant": participant}
    # Each app adds its own panel, read through its selectors (explicit, no plug-in magic).
    context |= randomization_selectors.participant_panel(participant=participant, user=request.user)
    context |= dosing_selectors.participant_panel(participant=participant, user=request.user)
    context |= outcomes_selectors.participant_panel(participant=participant, user=request.user)
    return render(request, "enrollment/participant_detail.html", context)


@login_required
def participant_audit(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk)
    entries = participant_audit_trail(participant)
    return render(
        request,
        "enrollment/participant_audit.html",
        {"participant": participant, "entries": entries},
    )


@require_role(Role.INVESTIGATOR, Role.ADMIN)
def participant_renal_impairment(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=[Role.INVESTIGATOR, Role.ADMIN])
    initial = {None: "computed", True: "yes", False: "no"}[participant.renal_impairment_override]
    form = RenalImpairmentForm(
        request.POST or None, instance=participant, initial={"renal_impairment": initial}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_set_renal_impairment(
                participant=participant,
                user=request.user,
                override=form.override_value(),
                reason=form.cleaned_data["reason_for_change"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Renal impairment updated.")
            return redirect("participant_detail", pk=participant.pk)
    return render(
        request,
        "enrollment/participant_renal_impairment.html",
        {"participant": participant, "form": form},
    )
