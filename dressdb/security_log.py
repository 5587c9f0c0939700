"""Security log: logins, logouts and failed logins (auth signals), role changes, exports.

Auth signals are Django's own hook for this; domain flow never uses signals.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from dressdb.models import SecurityEvent

logger = logging.getLogger("dressdb.security")


def _ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def log_event(
    kind: str,
    *,
    user: Any = None,
    username: str = "",
    request: HttpRequest | None = None,
    **detail: Any,
) -> SecurityEvent:
    name = username or (user.get_username() if user is not None else "")
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.is_authenticated else None,
        username=name[:150],
        ip_address=_ip(request),
        detail=detail,
    )
    logger.info("event=%s user=%s ip=%s detail=%s", kind, name, event.ip_address, detail)
    return event


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    log_event(SecurityEvent.Kind.LOGIN, user=user, request=request)


@receiver(user_logged_out)
def _on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        log_event(SecurityEvent.Kind.LOGOUT, user=user, request=request)


@receiver(user_login_failed)
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    log_event(
        SecurityEvent.Kind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        request=request,
    )
