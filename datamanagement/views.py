"""Pages of the data-management app: plain function views (role, access module, one
service, render)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from datamanagement import selectors, services
from datamanagement.forms import (
    AgeingForm,
    OptionalTextForm,
    QueryOpenForm,
    QueryTextForm,
    ReasonForm,
)
from datamanagement.models import Query
from dressdb import signing
from dressdb.access import has_role, require_role, sites_visible_to
from dressdb.models import EditFreeze, Role
from enrollment.access import participant_for_user

READ = selectors.READ_ROLES
MANAGE = selectors.MANAGE_ROLES
ANSWER = selectors.ANSWER_ROLES
DM_PAGES = (Role.STATISTICIAN, Role.MONITOR, Role.ADMIN)


def _apply(form: Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@require_role(*DM_PAGES)
def overview(request: HttpRequest) -> HttpResponse:
    return redirect("datamanagement:ageing")


@require_role(*READ)
def participant_queries(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=READ)
    initial = {}
    if {"form", "record", "field"} <= set(request.GET):
        initial["target"] = f"{request.GET['form']}:{request.GET['record']}:{request.GET['field']}"
    context: dict[str, Any] = {
        "participant": participant,
        "open_form": QueryOpenForm(initial=initial, participant=participant)
        if has_role(request.user, *MANAGE)
        else None,
        "sdv_rows": selectors.sdv_rows(participant),
        "can_verify": has_role(request.user, Role.MONITOR),
        "can_sign": has_role(request.user, Role.INVESTIGATOR),
        "can_freeze": has_role(request.user, Role.STATISTICIAN),
        "blockers": services.casebook_blockers(participant),
    }
    context |= selectors.participant_panel(participant=participant, user=request.user)
    return render(request, "datamanagement/participant.html", context)


@require_role(*MANAGE)
def query_new(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=MANAGE)
    form = QueryOpenForm(request.POST or None, participant=participant)
    if request.method == "POST" and form.is_valid():
        try:
            services.query_open(
                participant=participant,
                user=request.user,
                text=form.cleaned_data["text"],
                **form.typed(),
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Query raised."))
            return redirect("datamanagement:participant_queries", pk=participant.pk)
    return render(
        request, "datamanagement/query_new.html", {"participant": participant, "form": form}
    )


ACTIONS = {
    "answer": (ANSWER, QueryTextForm),
    "close": (MANAGE, OptionalTextForm),
    "cancel": (MANAGE, QueryTextForm),
}


@require_POST
@require_role(*READ)
def query_action(request: HttpRequest, query_pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    roles, form_class = ACTIONS[action]
    query = Query.objects.filter(pk=query_pk).first()
    if query is None:
        raise Http404("No such query.")
    participant = participant_for_user(request.user, query.participant_id, roles=READ)
    if not has_role(request.user, *roles):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Your role does not allow this on a query.")
    participant_for_user(request.user, query.participant_id, roles=roles)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                gettext("%(field)s: %(join)s")
                % {"field": field, "join": " ".join(str(e) for e in errors)},
            )
    else:
        text = form.cleaned_data["text"]
        try:
            if action == "answer":
                services.query_answer(query=query, user=request.user, text=text)
            elif action == "close":
                services.query_close(query=query, user=request.user, text=text)
            else:
                services.query_cancel(query=query, user=request.user, text=text)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(
                request,
                {
                    "answer": gettext("Query answered."),
                    "close": gettext("Query closed."),
                }.get(action, gettext("Query cancelled.")),
            )
            if action == "answer":  # the rules see the correction at once
                services.checks_run(participant=participant)
    return redirect("datamanagement:participant_queries", pk=participant.pk)


@require_POST
@require_role(*MANAGE)
def checks_now(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=MANAGE)
    result = services.checks_run(participant=participant)
    services.sdv_refresh(participant=participant)
    messages.success(
        request,
        gettext("Edit checks run: %(result_opened)s opened, %(result_closed)s closed.")
        % {"result_opened": result["opened"], "result_closed": result["closed"]},
    )
    return redirect("datamanagement:participant_queries", pk=participant.pk)


@require_POST
@require_role(Role.MONITOR)
def sdv_verify(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=[Role.MONITOR])
    try:
        services.sdv_verify(
            participant=participant,
            user=request.user,
            form=request.POST.get("form", ""),
            record_id=request.POST.get("record_id"),
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, gettext("Marked verified."))
    return redirect("datamanagement:participant_queries", pk=participant.pk)


@require_role(Role.INVESTIGATOR)
def casebook_sign(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=[Role.INVESTIGATOR])
    form = signing.SignForm(
        request.POST if request.method == "POST" else None,
        meanings=[signing.Meaning.REVIEWED_APPROVED],
    )
    if form.is_bound and form.is_valid():
        try:
            services.casebook_sign(
                participant=participant,
                user=request.user,
                password=form.cleaned_data["password"],
                meaning=form.cleaned_data["meaning"],
                request=request,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Casebook signed."))
            return redirect("datamanagement:participant_queries", pk=participant.pk)
    return render(
        request,
        "datamanagement/casebook_sign.html",
        {
            "participant": participant,
            "sign_form": form,
            "sign_summary": services.casebook_summary(participant),
            "sign_button": "Sign the casebook",
            "blockers": services.casebook_blockers(participant),
        },
    )


@require_POST
@require_role(Role.STATISTICIAN)
def participant_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=[Role.STATISTICIAN])
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.freeze(
                user=request.user, reason=form.cleaned_data["reason"], participant=participant
            )
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(
                request, gettext("%(study_id)s frozen.") % {"study_id": participant.study_id}
            )
    else:
        messages.error(request, gettext("Give a reason to freeze."))
    return redirect("datamanagement:participant_queries", pk=participant.pk)


@require_role(Role.STATISTICIAN, Role.ADMIN)
def freezes(request: HttpRequest) -> HttpResponse:
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        what = request.POST.get("what")
        try:
            if what == "study_freeze":
                services.freeze(user=request.user, reason=form.cleaned_data["reason"])
            elif what == "lock":
                services.database_lock(user=request.user, reason=form.cleaned_data["reason"])
            else:
                raise ValidationError({"what": gettext("Choose freeze or lock.")})
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Done."))
            return redirect("datamanagement:freezes")
    rows = selectors.freeze_rows()
    return render(
        request,
        "datamanagement/freezes.html",
        {
            "form": form,
            "rows": rows,
            "is_dm": has_role(request.user, Role.STATISTICIAN),
            "is_admin": has_role(request.user, Role.ADMIN),
        },
    )


@require_POST
@require_role(Role.STATISTICIAN, Role.ADMIN)
def freeze_release(request: HttpRequest, freeze_pk: int) -> HttpResponse:
    row = EditFreeze.objects.filter(pk=freeze_pk).first()
    if row is None:
        raise Http404("No such freeze.")
    if row.participant_id is not None:
        participant_for_user(request.user, row.participant_id)
    form = ReasonForm(request.POST)
    step = request.POST.get("step", "")
    try:
        if step == "approve":
            services.database_unlock_approve(row=row, user=request.user)
        elif not form.is_valid():
            raise ValidationError({"reason": gettext("Give a reason.")})
        elif row.kind == EditFreeze.Kind.LOCK:
            services.database_unlock_request(
                row=row, user=request.user, reason=form.cleaned_data["reason"]
            )
        else:
            services.unfreeze(row=row, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, gettext("Done."))
    back = request.POST.get("back", "")
    if back.isdigit():
        return redirect("datamanagement:participant_queries", pk=int(back))
    return redirect("datamanagement:freezes")


@require_role(*DM_PAGES)
def ageing(request: HttpRequest) -> HttpResponse:
    sites = sites_visible_to(request.user, roles=DM_PAGES)
    form = AgeingForm(request.GET or None, sites=sites)
    flt = selectors.AgeingFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        flt = selectors.AgeingFilter(
            site=data["site"].pk if data["site"] else None,
            status=data["status"] or "",
            form=data["form"] or "",
            min_days=data["min_days"],
        )
    context = {"form": form} | selectors.ageing(request.user, flt)
    return render(request, "datamanagement/ageing.html", context)


@require_role(*DM_PAGES)
def rules_page(request: HttpRequest) -> HttpResponse:
    return render(
        request, "datamanagement/rules.html", {"rules": selectors.rules_overview(request.user)}
    )


@require_role(*DM_PAGES)
def sdv_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "datamanagement/sdv.html", selectors.sdv_dashboard(request.user))


@require_role(*DM_PAGES)
def monitoring_report(request: HttpRequest) -> HttpResponse:
    """Printable monitoring-visit report (GET site=<id>&since=<YYYY-MM-DD>)."""
    sites = sites_visible_to(request.user, roles=DM_PAGES)
    site = None
    raw_site = request.GET.get("site", "")
    if raw_site.isdigit():
        site = sites.filter(pk=int(raw_site)).first()
    since = None
    raw_since = request.GET.get("since", "")
    if raw_since:
        try:
            since = dt.date.fromisoformat(raw_since)
        except ValueError:
            messages.error(request, gettext("since: give a date as YYYY-MM-DD."))
    context = selectors.monitoring_report(request.user, site.pk if site else None, since)
    context |= {"sites": sites, "site": site, "raw_since": raw_since}
    return render(request, "datamanagement/monitoring_report.html", context)
