"""Pages of the safety app (mounted at /safety/): adverse events per participant, the
SAE clock, the investigator's signed review, the death report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dressdb import signing
from dressdb.access import has_role, require_role
from dressdb.models import Role
from enrollment.access import participant_for_user, participants_visible_to
from enrollment.models import Participant
from safety import selectors, services
from safety.forms import (
    AdverseEventForm,
    ConmedForm,
    DeathReportForm,
    DecideForm,
    DeviationForm,
)
from safety.models import AdverseEvent, ConcomitantMedication, DeathReport, ProtocolDeviation

READ: list[str] = list(selectors.READ_ROLES)
EDIT: list[str] = list(selectors.EDIT_ROLES)


def _apply(form: Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _event_for(request: HttpRequest, pk: int, ae_pk: int, roles: list[str]) -> AdverseEvent:
    participant = participant_for_user(request.user, pk, roles=roles)
    return get_object_or_404(
        AdverseEvent.objects.select_related("participant__site", "term", "soc"),
        pk=ae_pk,
        participant=participant,
    )


@require_role(*READ)
def ae_list(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=READ)
    context: dict[str, object] = {"participant": participant}
    context |= selectors.participant_panel(participant=participant, user=request.user)
    return render(request, "safety/ae_list.html", context)


def _form_page(
    request: HttpRequest, participant: Participant, form: AdverseEventForm, ae: AdverseEvent | None
) -> HttpResponse:
    return render(
        request,
        "safety/ae_form.html",
        {"participant": participant, "form": form, "ae": ae, "site_zone": participant.site.tz},
    )


@require_role(*EDIT)
def ae_new(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=EDIT)
    form = AdverseEventForm(request.POST or None)
    if request.method == "POST":
        with timezone.override(participant.site.tz):
            valid = form.is_valid()
        if valid:
            try:
                ae = services.ae_create(
                    participant=participant, user=request.user, data=form.ae_input()
                )
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Adverse event %(term_name)s recorded.") % {"term_name": ae.term_name},
                )
                return redirect("safety:ae_detail", pk=pk, ae_pk=ae.pk)
    return _form_page(request, participant, form, None)


@require_role(*EDIT)
def ae_edit(request: HttpRequest, pk: int, ae_pk: int) -> HttpResponse:
    ae = _event_for(request, pk, ae_pk, EDIT)
    tz = ae.participant.site.tz
    form = AdverseEventForm(request.POST or None, instance=ae, tz=tz)
    if request.method == "GET" and request.GET.get("follow_up") == "1":
        form.initial["follow_up"] = True
    if request.method == "POST":
        with timezone.override(tz):
            valid = form.is_valid()
        if valid:
            try:
                services.ae_update(
                    adverse_event=ae,
                    user=request.user,
                    data=form.ae_input(),
                    reason=form.cleaned_data.get("reason_for_change") or "",
                    follow_up=bool(form.cleaned_data.get("follow_up")),
                    request=request,
                )
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, gettext("Adverse event saved."))
                return redirect("safety:ae_detail", pk=pk, ae_pk=ae.pk)
    return _form_page(request, ae.participant, form, ae)


@require_role(*READ)
def ae_detail(request: HttpRequest, pk: int, ae_pk: int) -> HttpResponse:
    ae = _event_for(request, pk, ae_pk, READ)
    report = DeathReport.objects.filter(adverse_event=ae).first()
    versions = list(
        ae.history.select_related("history_user").order_by("-history_date", "-history_id")
    )
    return render(
        request,
        "safety/ae_detail.html",
        {
            "participant": ae.participant,
            "ae": ae,
            "row": selectors.event_row(ae),
            "signatures": signing.signatures_for(ae),
            "versions": versions,
            "death_report": report,
            "death_warning": selectors.death_consistency(ae.participant, report),
            "can_edit": has_role(request.user, *EDIT),
            "can_sign": has_role(request.user, Role.INVESTIGATOR),
            "site_zone": ae.participant.site.tz,
        },
    )


@require_role(Role.INVESTIGATOR)
def ae_sign(request: HttpRequest, pk: int, ae_pk: int) -> HttpResponse:
    """The investigator's review of causality and seriousness (Part 11 signature)."""
    ae = _event_for(request, pk, ae_pk, [str(Role.INVESTIGATOR)])
    form = signing.SignForm(
        request.POST if request.method == "POST" else None, meanings=services.SIGN_MEANINGS
    )
    if form.is_bound and form.is_valid():
        try:
            services.ae_sign(
                adverse_event=ae,
                user=request.user,
                password=form.cleaned_data["password"],
                meaning=form.cleaned_data["meaning"],
                request=request,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Adverse event review signed."))
            return redirect("safety:ae_detail", pk=pk, ae_pk=ae.pk)
    return render(
        request,
        "safety/ae_sign.html",
        {
            "participant": ae.participant,
            "ae": ae,
            "sign_form": form,
            "sign_summary": services.sign_summary(ae),
            "sign_button": gettext("Sign the review"),
            "signatures": signing.signatures_for(ae),
        },
    )


@require_role(*EDIT)
def death_report(request: HttpRequest, pk: int, ae_pk: int) -> HttpResponse:
    ae = _event_for(request, pk, ae_pk, EDIT)
    report = DeathReport.objects.filter(adverse_event=ae).first()
    form = DeathReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.death_report_save(
                adverse_event=ae,
                user=request.user,
                death_date=form.cleaned_data["death_date"],
                primary_cause=form.cleaned_data["primary_cause"],
                related_cyclosporine=form.cleaned_data["related_cyclosporine"],
                related_corticosteroids=form.cleaned_data["related_corticosteroids"],
                autopsy=form.cleaned_data["autopsy"],
                reason=form.cleaned_data.get("reason_for_change") or "",
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Death report saved."))
            return redirect("safety:ae_detail", pk=pk, ae_pk=ae.pk)
    return render(
        request, "safety/death_report.html", {"participant": ae.participant, "ae": ae, "form": form}
    )


@require_role(*READ)
def conmed_list(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=READ)
    conmeds = selectors.conmeds_for(participant)
    return render(
        request,
        "safety/conmed_list.html",
        {
            "participant": participant,
            "safety_conmeds": conmeds,
            "safety_interactions": selectors.interaction_warnings(participant, conmeds),
            "safety_can_edit": has_role(request.user, *EDIT),
        },
    )


@require_role(*EDIT)
def conmed_edit(request: HttpRequest, pk: int, conmed_pk: int | None = None) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=EDIT)
    medication = (
        get_object_or_404(ConcomitantMedication, pk=conmed_pk, participant=participant)
        if conmed_pk is not None
        else None
    )
    form = ConmedForm(request.POST or None, instance=medication)
    if request.method == "POST" and form.is_valid():
        try:
            services.conmed_save(
                participant=participant,
                user=request.user,
                data=form.conmed_input(),
                medication=medication,
                reason=form.cleaned_data.get("reason_for_change") or "",
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Concomitant medication saved."))
            return redirect("safety:conmed_list", pk=pk)
    return render(
        request,
        "safety/conmed_form.html",
        {"participant": participant, "form": form, "medication": medication},
    )


def _deviation_for(request: HttpRequest, pk: int, dev_pk: int, roles: list[str]) -> Any:
    participant = participant_for_user(request.user, pk, roles=roles)
    return get_object_or_404(
        ProtocolDeviation.objects.select_related("participant__site"),
        pk=dev_pk,
        participant=participant,
    )


@require_role(*READ)
def deviation_list(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=READ)
    rows = list(ProtocolDeviation.objects.filter(participant=participant))
    signatures = signing.current_signatures(rows)
    return render(
        request,
        "safety/deviation_list.html",
        {
            "participant": participant,
            "deviations": [(d, signatures.get(d.pk)) for d in rows],
            "decide_form": DecideForm(),
            "can_edit": has_role(request.user, *EDIT),
            "can_decide": has_role(request.user, Role.COORDINATOR),
            "can_sign": has_role(request.user, Role.INVESTIGATOR),
        },
    )


@require_role(*EDIT)
def deviation_edit(request: HttpRequest, pk: int, dev_pk: int | None = None) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=EDIT)
    deviation = _deviation_for(request, pk, dev_pk, EDIT) if dev_pk is not None else None
    form = DeviationForm(request.POST or None, instance=deviation)
    if request.method == "POST" and form.is_valid():
        try:
            services.deviation_save(
                participant=participant,
                user=request.user,
                data=form.deviation_input(),
                deviation=deviation,
                reason=form.cleaned_data.get("reason_for_change") or "",
                request=request,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Deviation saved."))
            return redirect("safety:deviation_list", pk=pk)
    return render(
        request,
        "safety/deviation_form.html",
        {"participant": participant, "form": form, "deviation": deviation},
    )


@require_POST
@require_role(Role.COORDINATOR)
def deviation_decide(request: HttpRequest, pk: int, dev_pk: int) -> HttpResponse:
    deviation = _deviation_for(request, pk, dev_pk, [str(Role.COORDINATOR)])
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.deviation_decide(
                deviation=deviation,
                user=request.user,
                confirm=form.cleaned_data["decision"] == "confirm",
                reason=form.cleaned_data["reason_for_change"],
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                messages.error(request, " ".join(errors))
        else:
            messages.success(request, gettext("Proposal decided."))
    else:
        messages.error(request, gettext("Choose confirm or dismiss and give the reason."))
    return redirect("safety:deviation_list", pk=pk)


@require_role(Role.INVESTIGATOR)
def deviation_sign(request: HttpRequest, pk: int, dev_pk: int) -> HttpResponse:
    deviation = _deviation_for(request, pk, dev_pk, [str(Role.INVESTIGATOR)])
    form = signing.SignForm(
        request.POST if request.method == "POST" else None, meanings=services.DEVIATION_MEANINGS
    )
    if form.is_bound and form.is_valid():
        try:
            services.deviation_sign(
                deviation=deviation,
                user=request.user,
                password=form.cleaned_data["password"],
                meaning=form.cleaned_data["meaning"],
                request=request,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Deviation review signed."))
            return redirect("safety:deviation_list", pk=pk)
    return render(
        request,
        "safety/deviation_sign.html",
        {
            "participant": deviation.participant,
            "deviation": deviation,
            "sign_form": form,
            "sign_summary": services.deviation_summary(deviation),
            "sign_button": gettext("Sign the review"),
        },
    )


DASHBOARD_ROLES: list[str] = [str(Role.INVESTIGATOR), str(Role.STATISTICIAN), str(Role.ADMIN)]


@require_role(*DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Safety by arm for the data-monitoring committee (printable)."""
    participants = participants_visible_to(request.user, roles=DASHBOARD_ROLES)
    return render(request, "safety/dashboard.html", selectors.dashboard(participants))
