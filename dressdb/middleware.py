"""Two-factor gate: a user who must enter a code sees nothing else until they have."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from dressdb import two_factor

# Pages reachable before the second factor: the login itself and the two-factor steps.
_OPEN_URL_NAMES = (
    "login",
    "logout",
    "healthz",
    "two_factor_setup",
    "two_factor_verify",
)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in _OPEN_URL_NAMES)
        return (
            path in self._open_paths
            or path.startswith(settings.STATIC_URL)
            or path == "/favicon.ico"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._is_open(request.path) or not two_factor.needs_verification(request.user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Two-factor verification required: log in through the web page."},
                status=403,
            )
        target = (
            "two_factor_verify"
            if two_factor.has_confirmed_device(request.user)
            else "two_factor_setup"
        )
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
