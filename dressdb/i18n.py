"""Languages (issue 16 item 9): each user reads the pages in their own language.

The language of a logged-in user is, in order: their own choice (UserPreference, set
from the language menu), else the language of their sites when all of them agree (the
Paris site is French), else the default (settings.LANGUAGE_CODE, English). It is worked
out once at login and kept in the session, so a page costs no query for it; changing
one's own choice updates the session at once (a change of a site's language applies
from the next login). A visitor who is not logged in gets their browser's language.

The emails follow the same rule (`languages_for_users`, read once per batch of emails):
a reminder's email goes out in its recipient's language; an address that is no user
(the sponsor's safety contact) gets the trial's default language.

The JSON API stays English whoever calls it: its messages are part of the contract.
CSV exports are written without localisation (ISO dates, '.' decimals), whatever the
language of the page that asked for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dressdb.access import memberships_in_force
from dressdb.models import UserPreference

SESSION_KEY = "dressdb_language"


def supported(code: str | None) -> str | None:
    """The supported language for a code ("fr-FR" -> "fr"), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_of(own: str | None, site_languages: Iterable[str | None]) -> str:
    """The rule: the user's own choice, else their sites' language when all of them agree,
    else the default (settings.LANGUAGE_CODE)."""
    chosen = supported(own)
    if chosen:
        return chosen
    languages = {supported(code) for code in site_languages}
    if len(languages) == 1:
        (language,) = languages
        if language:
            return language
    return settings.LANGUAGE_CODE


def languages_for_users(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's language (`language_of`), for any number of users in two queries: their
    own choices, then the sites of their memberships in force
    (dressdb.access.memberships_in_force, of an active user).
    The pages (at login) and the emails (once per batch) both read it."""
    ids = {int(i) for i in user_ids}
    if not ids:
        return {}
    own = dict(UserPreference.objects.filter(user_id__in=ids).values_list("user_id", "language"))
    sites: dict[int, list[str]] = {i: [] for i in ids}
    memberships = memberships_in_force().filter(user_id__in=ids, user__is_active=True)
    for user_id, language in memberships.values_list("user_id", "site__language"):
        sites[user_id].append(language)
    return {i: language_of(own.get(i), sites[i]) for i in ids}


def language_for_user(user: Any) -> str:
    """One user's language (a user or a user id): `languages_for_users` for one."""
    user_id = user if isinstance(user, int) else user.pk
    return languages_for_users([user_id])[user_id]


def remember_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: keep the user's language in the new session."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language_for_user(user)


class UserLanguageMiddleware:
    """Activates the request's language (after authentication and the two-factor gate)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

    @staticmethod
    def language(request: HttpRequest) -> str:
        if request.path.startswith("/api/"):
            return settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            stored = supported(request.session.get(SESSION_KEY))
            if stored is None:  # a session from before this feature: work it out once
                stored = language_for_user(user)
                request.session[SESSION_KEY] = stored
            return stored
        return supported(translation.get_language_from_request(request)) or (settings.LANGUAGE_CODE)


@login_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language menu: save the user's own choice ("" = their sites' language)."""
    choice = request.POST.get("language", "")
    valid = {code for code, _ in settings.LANGUAGES}
    language = choice if choice in valid else ""
    user = request.user
    if not user.is_authenticated:  # login_required sends anonymous users to log in
        return HttpResponseRedirect("/")
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    request.session[SESSION_KEY] = language_for_user(user)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    return HttpResponseRedirect(next_url)
