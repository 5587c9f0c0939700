from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dressdb.access import require_role, site_ids_for, sites_visible_to
from dressdb.models import Role
from enrollment import selectors, services
from enrollment.access import (
    participant_for_user,
    screening_for_user,
)
from enrollment.audit import audit_page
from enrollment.config import eligibility_settings
from enrollment.eligibility import assess_eligibility
from enrollment.forms import (
    EnrolForm,
    NotConsentedForm,
    RenalImpairmentForm,
    ScreeningForm,
    form_field_for,
)
from enrollment.models import Screening
from enrollment.templatetags.enrollment_labels import reason_labels

SCREENERS = (Role.COORDINATOR,)
LOG_READERS = (Role.COORDINATOR, Role.INVESTIGATOR, Role.ADMIN)


def _apply_errors(form: Form, exc: ValidationError, mapper: Any = None) -> None:
    for field, errors in exc.message_dict.items():
        name = mapper(field) if mapper else field
        form.add_error(name if name in form.fields else None, errors)


def _protocol_settings() -> dict[str, Any]:
    return {
        "min_score": settings.TRIAL_INCLUSION_MIN_REGISCAR,
        "renal_below": settings.TRIAL_RENAL_IMPAIRMENT_EGFR_BELOW,
        "exclusion_below": settings.TRIAL_EXCLUSION_EGFR_BELOW,
    }


# --- Participants ---------------------------------------------------------------


@login_required
def participant_audit(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk)
    form, page = audit_page(participant, request.GET)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "enrollment/participant_audit.html",
        {
            "participant": participant,
            "entries": page.object_list,
            "page": page,
            "filter": form,
            "query": params.urlencode(),
        },
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
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("Renal impairment updated."))
            return redirect("participant_detail", pk=participant.pk)
    return render(
        request,
        "enrollment/participant_renal_impairment.html",
        {"participant": participant, "form": form, **_protocol_settings()},
    )


# --- Screening --------------------------------------------------------------------


@require_role(*SCREENERS)
def screening_new(request: HttpRequest) -> HttpResponse:
    sites = sites_visible_to(request.user, roles=SCREENERS)
    form = ScreeningForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid() and form.answers is not None:
        try:
            screening = services.screening_record(
                site=form.cleaned_data["site"],
                user=request.user,
                answers=form.answers,
                initials=form.cleaned_data["initials"],
                screened_on=form.cleaned_data["screened_on"],
                rash_features=form.rash_features(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc, form_field_for)
        else:
            if screening.eligible:
                messages.success(
                    request,
                    gettext("%(label)s is eligible. Record consent next.")
                    % {"label": screening.label},
                )
            else:
                messages.warning(
                    request,
                    gettext("%(label)s is not eligible: %(join)s.")
                    % {"label": screening.label, "join": reason_labels(screening.reasons)},
                )
            return redirect("screening_detail", pk=screening.pk)
    return render(
        request,
        "enrollment/screening_form.html",
        {"form": form, "panel": selectors.live_points(request.POST), **_protocol_settings()},
    )


@require_role(*SCREENERS)
@require_POST
def screening_preview(request: HttpRequest) -> HttpResponse:
    """The live panel (htmx): item points so far, eGFR, and the full result when valid."""
    sites = sites_visible_to(request.user, roles=SCREENERS)
    form = ScreeningForm(request.POST, sites=sites)
    result = (
        assess_eligibility(form.answers, eligibility_settings())
        if form.is_valid() and form.answers is not None
        else None
    )
    return render(
        request,
        "enrollment/_screening_panel.html",
        {
            "panel": selectors.live_points(request.POST),
            "result": result,
            # Values typed but impossible (e.g. creatinine 0 or 50 mg/dL): name the range.
            "typed_errors": [
                error
                for name, errors in form.errors.items()
                if request.POST.get(name, "") != ""
                for error in errors
            ]
            if result is None
            else [],
            **_protocol_settings(),
        },
    )


@require_role(*LOG_READERS)
def screening_log(request: HttpRequest) -> HttpResponse:
    log, rows = selectors.screening_log(request.user, request.GET)
    return render(
        request,
        "enrollment/screening_log.html",
        {
            "filter": log,
            "rows": rows,
            "counts": selectors.outcome_counts(rows),
            "outcomes": Screening.Outcome,
        },
    )


@require_role(*LOG_READERS)
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    screening = screening_for_user(request.user, pk, roles=LOG_READERS)
    return render(
        request,
        "enrollment/screening_detail.html",
        {
            "s": screening,
            "not_consented_form": NotConsentedForm(),
            "can_enrol": screening.site_id in site_ids_for(request.user, roles=SCREENERS),
            **_protocol_settings(),
        },
    )


@require_role(*SCREENERS)
def screening_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    screening = screening_for_user(request.user, pk, roles=SCREENERS)
    now_local = timezone.localtime(timezone=screening.site.tz).strftime("%Y-%m-%dT%H:%M")
    form = EnrolForm(request.POST or None, initial={"consent_at": now_local}, screening=screening)
    zone = screening.site.time_zone
    form.fields["consent_at"].label = gettext(
        "Consent signed (date and time at the site, %(zone)s)"
    ) % {"zone": zone}
    if request.method == "POST" and form.is_valid():
        # The form's wall-clock time is the site's local time.
        consent_at = timezone.make_aware(
            form.cleaned_data["consent_at"].replace(tzinfo=None), screening.site.tz
        )
        try:
            participant = services.participant_enrol(
                screening=screening,
                user=request.user,
                consent_at=consent_at,
                consent_form_version=form.cleaned_data["consent_form_version"],
                consent_obtained_by=form.cleaned_data["consent_obtained_by"],
                npo=form.cleaned_data["npo"],
                baseline=form.baseline_labs(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, gettext("Enrolled as %(study_id)s.") % {"study_id": participant.study_id}
            )
            return redirect("participant_detail", pk=participant.pk)
    return render(request, "enrollment/screening_enrol.html", {"s": screening, "form": form})


@require_role(*SCREENERS)
@require_POST
def screening_not_consented(request: HttpRequest, pk: int) -> HttpResponse:
    screening = screening_for_user(request.user, pk, roles=SCREENERS)
    form = NotConsentedForm(request.POST)
    if form.is_valid():
        try:
            services.screening_mark_not_consented(
                screening=screening, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                messages.error(request, " ".join(errors))
        else:
            messages.success(
                request,
                gettext("%(label)s: recorded as not consented.") % {"label": screening.label},
            )
    else:
        messages.error(request, gettext("Give the reason the eligible patient was not enrolled."))
    return redirect("screening_detail", pk=screening.pk)
