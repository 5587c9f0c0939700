"""The one way to redirect to a URL the user sent (`next`): only a path on this site.

`redirect(request.POST["next"])` has two faults: a value that is not a URL is taken for
a view name (NoReverseMatch, a 500), and `https://evil.example/` sends the user off-site.
`safe_next` accepts only a same-host URL (url_has_allowed_host_and_scheme) and falls back
to a named page otherwise. tests/core/test_input_robustness.py fails on any redirect
built from request data that does not go through here.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from dressdb.text_safety import problem_in

MAX_NEXT_LENGTH = 2000


def safe_next(request: HttpRequest, fallback: str, param: str = "next") -> str:
    """The `next` URL from POST or GET if it stays on this site, else `fallback` resolved."""
    target = request.POST.get(param) or request.GET.get(param) or ""
    if (
        target
        and len(target) <= MAX_NEXT_LENGTH
        and problem_in(target) is None
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return resolve_url(fallback)
