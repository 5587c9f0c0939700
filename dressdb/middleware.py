"""Request-wide controls.

- TwoFactorMiddleware: a user who must enter a code sees nothing else until they have.
- InputGuardMiddleware: a NUL byte or a lone surrogate in any GET or POST parameter
  (name or value) is a 400 naming the parameter, before any view runs; so is a form
  body Django cannot parse (JSON under /api/, never Django's HTML error page). JSON bodies get
  the same rule from the API's parser (dressdb.api.StrictJSONParser).
- IdleSessionMiddleware: the idle logout's clock. The session's expiry moves forward at most
  once a minute (SESSION_TOUCH_SECONDS), not on every request: a page view writes no
  session row, and the idle timeout is still kept to within that minute (never longer).
- NoStoreMiddleware: `Cache-Control: no-store` on every answer that is not a static file
  and is given to a logged-in session, a token (Authorization header) or under /api/:
  participant pages, the JSON API and CSV downloads are never kept by a browser or proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape

from dressdb import two_factor
from dressdb.text_safety import first_unsafe_parameter

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


class InputGuardMiddleware:
    """400 naming the parameter for NUL bytes or lone surrogates in GET/POST parameters."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = first_unsafe_parameter(request.GET)
        if found is None and request.method == "POST" and _is_form_body(request):
            try:
                found = first_unsafe_parameter(request.POST)
            except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                # A body Django cannot parse (a part header over its limit, too many
                # fields): the same clear 400 as below, JSON under /api/, not Django's
                # HTML error page.
                found = ("request body", "the form body could not be read")
        if found is not None:
            name, problem = found
            message = f"{name}: {problem}"
            if request.path.startswith("/api/"):
                return JsonResponse({name: [problem]}, status=400)
            return HttpResponseBadRequest(
                f"<!doctype html><title>Bad request</title><h1>Bad request</h1>"
                f"<p>{escape(message)}</p>",
            )
        return self.get_response(request)


def _is_form_body(request: HttpRequest) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


class IdleSessionMiddleware:
    """Mark the session modified (so it is saved with a new expiry) at most once a minute.

    SESSION_SAVE_EVERY_REQUEST is off: without this, a session would expire
    SESSION_COOKIE_AGE after login however busy the user. With it, a session expires
    between SESSION_COOKIE_AGE - SESSION_TOUCH_SECONDS and SESSION_COOKIE_AGE after the
    last request: the idle logout is never later than set.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or SESSION_KEY not in session:
            return response  # no logged-in session: nothing to keep alive
        now = int(time.time())
        touched = session.get(SESSION_TOUCHED_KEY)
        step = int(getattr(settings, "SESSION_TOUCH_SECONDS", 60))
        if not isinstance(touched, int) or now - touched >= step:
            session[SESSION_TOUCHED_KEY] = now
        return response


SESSION_TOUCHED_KEY = "_dressdb_touched"


def stamp_session_on_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """user_logged_in receiver: the new session starts its idle clock at login (it is
    saved with the login), so the first page after login writes no session again."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_TOUCHED_KEY] = int(time.time())


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every authenticated or API answer but static files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path
        if path.startswith(settings.STATIC_URL) or path == "/favicon.ico":
            return response
        user = getattr(request, "user", None)
        if (
            (user is not None and user.is_authenticated)
            or "HTTP_AUTHORIZATION" in request.META
            or path.startswith("/api/")
        ):
            add_never_cache_headers(response)
        return response
