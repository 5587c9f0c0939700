"""Two-factor pages: set up an authenticator, enter a code, backup codes."""

from __future__ import annotations

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dressdb import two_factor
from dressdb.models import SecurityEvent
from dressdb.security_log import log_event


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
        help_text="The 6-digit code from your authenticator app, or one backup code.",
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _with_next(url_name: str, target: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': target})}"


@never_cache
@login_required
def two_factor_overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registration/two_factor_overview.html",
        {
            "required": two_factor.required_for(request.user),
            "has_device": two_factor.has_confirmed_device(request.user),
            "backup_codes_left": two_factor.backup_codes_left(request.user),
            "demo_exempt": two_factor.demo_exempt(request.user),
        },
    )


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    # Someone holding only the password must not swap the authenticator: replacing a
    # confirmed device needs a session verified with the current one.
    if two_factor.has_confirmed_device(user) and not user.is_verified():  # type: ignore[union-attr]
        return redirect(_with_next("two_factor_verify", request.get_full_path()))
    device = two_factor.pending_totp_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = "".join(form.cleaned_data["code"].split())
        if two_factor.totp_confirm(device=device, token=code):
            codes = two_factor.backup_codes_regenerate(user=user)
            device.refresh_from_db()
            django_otp.login(request, device)
            log_event(SecurityEvent.Kind.TWO_FACTOR_ENROLLED, user=user, request=request)
            return render(
                request,
                "registration/two_factor_backup_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
        form.add_error(
            "code",
            "That code was not accepted. Check the clock on your phone, wait for the next "
            "code and try again (each wrong code adds a short wait).",
        )
        log_event(SecurityEvent.Kind.TWO_FACTOR_FAILED, user=user, request=request, step="setup")
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "secret": two_factor.base32_secret(device),
            "qr_svg": two_factor.qr_svg(device),
            "next": _next_url(request),
            "required": two_factor.required_for(user),
        },
    )


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not two_factor.has_confirmed_device(user):
        return redirect(_with_next("two_factor_setup", _next_url(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request, form.cleaned_data["code"]):
            log_event(SecurityEvent.Kind.TWO_FACTOR_VERIFIED, user=user, request=request)
            return redirect(_next_url(request))
        form.add_error(
            "code",
            "That code was not accepted. Codes change every 30 seconds and each works "
            "once; after several wrong codes you must wait before trying again.",
        )
        log_event(SecurityEvent.Kind.TWO_FACTOR_FAILED, user=user, request=request, step="login")
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
@login_required
@require_POST
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (two_factor.has_confirmed_device(user) and user.is_verified()):  # type: ignore[union-attr]
        messages.error(
            request, gettext("Set up an authenticator app before asking for backup codes.")
        )
        return redirect("two_factor")
    codes = two_factor.backup_codes_regenerate(user=user)
    log_event(SecurityEvent.Kind.BACKUP_CODES_ISSUED, user=user, request=request)
    return render(
        request,
        "registration/two_factor_backup_codes.html",
        {"codes": codes, "next": "/", "first_time": False},
    )
