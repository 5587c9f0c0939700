"""Trial administration pages (issue 21): people, roles, invitations, delegation log."""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import BaseForm, Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dressdb import two_factor
from dressdb.access import has_role, require_role, site_for_user, sites_visible_to
from dressdb.csv_safety import neutralise
from dressdb.models import Delegation, Role, SecurityEvent, Site, StaffMembership
from dressdb.security_log import log_event
from trialadmin import forms, selectors, services, trial_settings


def _errors(form: BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _user(pk: int) -> Any:
    return get_object_or_404(get_user_model(), pk=pk)


@never_cache
@require_role(Role.ADMIN)
def people(request: HttpRequest) -> HttpResponse:
    return render(request, "trialadmin/people.html", {"rows": selectors.people()})


@never_cache
@require_role(Role.ADMIN)
def invite(request: HttpRequest) -> HttpResponse:
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.user_invite(
                by=request.user,
                accept_url=lambda token: request.build_absolute_uri(
                    reverse("trialadmin:accept", kwargs={"token": token})
                ),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request,
                gettext("Invitation sent to %(email)s: the link works once, for %(hours)s hours.")
                % {"email": invitation.email, "hours": services.INVITATION_HOURS},
            )
            return redirect("trialadmin:person", pk=invitation.user_id)
    return render(request, "trialadmin/invite.html", {"form": form})


@never_cache
@require_role(Role.ADMIN)
def person(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)
    return render(
        request,
        "trialadmin/person.html",
        {
            "person": user,
            "memberships": StaffMembership.objects.filter(user=user).select_related("site"),
            "grant_form": forms.MembershipForm(),
            "deactivate_form": forms.DeactivateForm(),
            "end_form": forms.EndForm(),
        },
    )


def _post_action(request: HttpRequest, form: Form, action: object, done: str) -> None:
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                gettext("%(field)s: %(join)s")
                % {"field": field, "join": " ".join(str(e) for e in errors)},
            )
        return
    try:
        action(**form.cleaned_data)  # type: ignore[operator]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)


@require_role(Role.ADMIN)
@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)
    _post_action(
        request,
        forms.MembershipForm(request.POST),
        lambda **data: services.membership_grant(by=request.user, user=user, **data),
        "Role saved.",
    )
    return redirect("trialadmin:person", pk=pk)


@require_role(Role.ADMIN)
@require_POST
def role_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    membership = get_object_or_404(StaffMembership, pk=membership_pk, user_id=pk)
    _post_action(
        request,
        forms.EndForm(request.POST),
        lambda **data: services.membership_end(by=request.user, membership=membership, **data),
        "Role end date saved.",
    )
    return redirect("trialadmin:person", pk=pk)


@require_role(Role.ADMIN)
@require_POST
def deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)
    _post_action(
        request,
        forms.DeactivateForm(request.POST),
        lambda **data: services.user_deactivate(by=request.user, user=user, **data),
        "User deactivated (kept, with their history).",
    )
    return redirect("trialadmin:person", pk=pk)


@never_cache
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: the invited user chooses a password (no login needed)."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "trialadmin/accept_invalid.html", status=404)
    form = forms.AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, password=form.cleaned_data["password1"], request=request
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                _errors(form, exc)
            else:  # the password validators raise a list
                form.add_error("password1", exc.messages)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if two_factor.required_for(user):
                messages.info(request, gettext("Your role needs two-factor: set it up now."))
                return redirect("two_factor_setup")
            return redirect("home")
    return render(request, "trialadmin/accept.html", {"form": form, "invitation": invitation})


DELEGATION_ROLES = (Role.ADMIN, Role.INVESTIGATOR)


@never_cache
@require_role(*DELEGATION_ROLES)
def delegation_sites(request: HttpRequest) -> HttpResponse:
    sites = sites_visible_to(request.user, DELEGATION_ROLES)
    return render(request, "trialadmin/delegation_sites.html", {"sites": sites})


@never_cache
@require_role(*DELEGATION_ROLES)
def delegation_log(request: HttpRequest, site_pk: int) -> HttpResponse:
    site = site_for_user(request.user, site_pk, DELEGATION_ROLES)
    is_admin = has_role(request.user, Role.ADMIN)
    form = forms.DelegationForm(request.POST or None, site=site)
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied("Only an admin records delegation lines.")
        if form.is_valid():
            try:
                services.delegation_add(by=request.user, site=site, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Delegation recorded: it counts once the investigator signs it."),
                )
                return redirect("trialadmin:delegation_log", site_pk=site.pk)
    return render(
        request,
        "trialadmin/delegation_log.html",
        {
            "site": site,
            "lines": selectors.delegation_log(site),
            "form": form if is_admin else None,
            "sign_form": forms.SignForm(),
            "end_form": forms.EndForm(),
            "is_admin": is_admin,
            "may_sign": has_role(request.user, Role.INVESTIGATOR),
        },
    )


def _line(request: HttpRequest, pk: int, roles: tuple[str, ...]) -> Delegation:
    line = get_object_or_404(Delegation.objects.select_related("site", "user"), pk=pk)
    site_for_user(request.user, line.site_id, roles)  # 404 outside the user's sites
    return line


@require_role(Role.INVESTIGATOR)
@require_POST
def delegation_sign(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line(request, pk, (Role.INVESTIGATOR,))
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Enter your password to sign."))
    else:
        try:
            services.delegation_sign(
                by=request.user,
                delegation=line,
                password=form.cleaned_data["password"],
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, gettext("Delegation signed."))
    return redirect("trialadmin:delegation_log", site_pk=line.site_id)


@require_role(Role.ADMIN)
@require_POST
def delegation_end(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line(request, pk, (Role.ADMIN,))
    _post_action(
        request,
        forms.EndForm(request.POST),
        lambda **data: services.delegation_end(by=request.user, delegation=line, **data),
        "Delegation end date saved.",
    )
    return redirect("trialadmin:delegation_log", site_pk=line.site_id)


# --- Sites ------------------------------------------------------------------------


@never_cache
@require_role(Role.ADMIN)
def sites(request: HttpRequest) -> HttpResponse:
    return render(request, "trialadmin/sites.html", {"sites": Site.objects.order_by("code")})


@never_cache
@require_role(Role.ADMIN)
def site_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk) if pk is not None else Site()
    form = forms.SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.site_save(
                by=request.user, site=form.save(commit=False), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            if pk is None:
                messages.info(
                    request,
                    gettext(
                        "Site %(code)s created. Its allocation list strata are not extended "
                        "here: a statistician appends them on the allocation list page."
                    )
                    % {"code": saved.code},
                )
            else:
                messages.success(request, gettext("Site %(code)s saved.") % {"code": saved.code})
            return redirect("trialadmin:sites")
    return render(request, "trialadmin/site_form.html", {"form": form, "site": site})


@require_role(Role.ADMIN)
@require_POST
def site_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk)
    _post_action(
        request,
        forms.DeactivateForm(request.POST),
        lambda **data: services.site_deactivate(by=request.user, site=site, **data),
        gettext("Site %(code)s deactivated (kept, with its participants and history).")
        % {"code": site.code},
    )
    return redirect("trialadmin:sites")


# --- Trial settings and security log ---------------------------------------------


@never_cache
@require_role(Role.ADMIN)
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "trialadmin/settings.html", {"rows": trial_settings.trial_settings()})


SECURITY_LOG_PAGE = 200


def _security_events(form: forms.SecurityLogFilter) -> QuerySet[SecurityEvent]:
    events = SecurityEvent.objects.order_by("-at", "-id")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["user"]:
        events = events.filter(username__iexact=data["user"].strip())
    if data["kind"]:
        events = events.filter(kind=data["kind"])
    if data["date_from"]:
        events = events.filter(at__date__gte=data["date_from"])
    if data["date_to"]:
        events = events.filter(at__date__lte=data["date_to"])
    if data["ip"]:
        events = events.filter(ip_address=data["ip"])
    return events


@never_cache
@require_role(Role.ADMIN)
def security_log(request: HttpRequest) -> HttpResponse:
    form = forms.SecurityLogFilter(request.GET or None)
    events = _security_events(form) if request.GET else SecurityEvent.objects.order_by("-at", "-id")
    total = events.count()
    return render(
        request,
        "trialadmin/security_log.html",
        {
            "form": form,
            "events": events[:SECURITY_LOG_PAGE],
            "total": total,
            "limit": SECURITY_LOG_PAGE,
            "query": request.GET.urlencode(),
        },
    )


@require_role(Role.ADMIN)
def security_log_csv(request: HttpRequest) -> HttpResponse:
    form = forms.SecurityLogFilter(request.GET or None)
    events = _security_events(form) if request.GET else SecurityEvent.objects.order_by("-at", "-id")
    if request.GET and not form.is_valid():
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="security_log.csv"'
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(["at_utc", "kind", "username", "ip_address", "detail"])
    for event in events.iterator(chunk_size=2000):
        writer.writerow(
            [
                neutralise(event.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
                neutralise(event.kind),
                neutralise(event.username),
                neutralise(event.ip_address or ""),
                neutralise(json.dumps(event.detail, sort_keys=True, ensure_ascii=False)),
            ]
        )
    log_event(
        SecurityEvent.Kind.EXPORT,
        user=request.user,
        request=request,
        dataset="security_log",
        filters=request.GET.dict(),
    )
    return response
