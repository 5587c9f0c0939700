"""Lockout (django-axes): per account AND, separately, per client address (ASVS V2.2.1).

Two criteria, each with its own limit within the cool-off window (15 minutes):
- the account: `AXES_FAILURE_LIMIT` (5) failures on one username, from any address;
- the address: `AXES_IP_FAILURE_LIMIT` (20) failures from one IP, whatever the usernames
  (30 usernames x 4 tries from one address are stopped at the 20th).

django-axes 8 has one limit for all criteria (`AXES_LOCKOUT_PARAMETERS =
["username", "ip_address"]` locks when either criterion reaches it). `LockoutHandler`
keeps axes' storage and checks and only gives each criterion its own limit. It also
resets, on a successful log-in, the failures of that account only (axes would clear the
whole address, letting an attacker with one valid account reset the address counter).

Failed e-signature passwords count here too (dressdb.signing calls `record_failure`).
Admins lift a lockout from the app (dressdb.lockout_views) or Django admin.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Max, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

ACCOUNT = "account"
ADDRESS = "address"


def account_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def address_limit() -> int:
    return int(getattr(settings, "AXES_IP_FAILURE_LIMIT", 20))


def cool_off() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(minutes=15)


def _recent() -> Any:
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off())


@dataclass(frozen=True)
class Lock:
    kind: str  # ACCOUNT or ADDRESS
    key: str  # the username or the address
    failures: int
    until: dt.datetime

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def _lock(kind: str, field: str, key: str | None, limit: int) -> Lock | None:
    if not key:
        return None
    row = (
        _recent()
        .filter(**{field: key})
        .aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    if (row["n"] or 0) < limit:
        return None
    return Lock(kind, key, row["n"], row["last"] + cool_off())


def lock_for(*, username: str | None, ip_address: str | None) -> Lock | None:
    """The lock that applies, the account's first (the message names what is locked)."""
    return _lock(ACCOUNT, "username", username, account_limit()) or _lock(
        ADDRESS, "ip_address", ip_address, address_limit()
    )


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per criterion (see the module docstring)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        # axes compares this number with AXES_FAILURE_LIMIT (the account limit). The
        # address count is put on the same scale: floor(n * 5 / 20) >= 5 iff n >= 20.
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        by_param = dict(
            zip([str(p) for p in settings.AXES_LOCKOUT_PARAMETERS], counts, strict=True)
        )
        account = by_param.get("username", 0)
        address = by_param.get("ip_address", 0) * account_limit() // address_limit()
        return max(account, address)

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return int(count)


def _ip(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


def message(lock: Lock | None) -> str:
    if lock is None:
        return "Too many failed attempts. Try again later, or ask a trial admin."
    if lock.kind == ACCOUNT:
        return (
            f"Account locked: too many failed password attempts for this account. "
            f"Try again in {lock.minutes_left} minutes, or ask a trial admin to unlock it."
        )
    return (
        f"Too many failed attempts from this address ({lock.key}): log-ins from it are "
        f"refused. Try again in {lock.minutes_left} minutes, or ask a trial admin."
    )


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a page (or JSON for the API) that says what is locked."""
    username = get_client_username(request, credentials)
    lock = lock_for(username=username, ip_address=_ip(request))
    text = message(lock)
    status = int(getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text}, status=status)
    html = render_to_string(
        "registration/locked_out.html",
        {"lock": lock, "lock_message": text, "account": ACCOUNT},
        request=request,
    )
    return HttpResponse(html, status=status)


def record_failure(request: HttpRequest, *, username: str) -> Lock | None:
    """Count a failed password (an e-signature) toward the lockout, as a failed log-in
    would; the lock now in force, if any."""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.user_login_failed(
        sender=record_failure, credentials={"username": username}, request=request
    )
    return lock_for(username=username, ip_address=_ip(request))


def current_lock(request: HttpRequest, *, username: str) -> Lock | None:
    AxesProxyHandler.update_request(request)
    return lock_for(username=username, ip_address=_ip(request))


@dataclass(frozen=True)
class LockRow:
    kind: str
    key: str
    failures: int
    last_attempt: dt.datetime
    until: dt.datetime


def active_locks() -> list[LockRow]:
    """Locked accounts and addresses now (for the admins' unlock page)."""
    rows: list[LockRow] = []
    for kind, field, limit in (
        (ACCOUNT, "username", account_limit()),
        (ADDRESS, "ip_address", address_limit()),
    ):
        grouped = (
            _recent()
            .filter(**{f"{field}__isnull": False})
            .values(field)
            .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(n__gte=limit)
            .order_by(field)
        )
        rows += [
            LockRow(kind, str(g[field]), g["n"], g["last"], g["last"] + cool_off())
            for g in grouped
            if g[field]
        ]
    return rows


def unlock(*, kind: str, key: str, by: Any, request: HttpRequest | None = None) -> int:
    """Lift a lockout: delete the failures of that account or address (logged)."""
    from dressdb.models import SecurityEvent
    from dressdb.security_log import log_event

    field = "username" if kind == ACCOUNT else "ip_address"
    count, _ = AccessAttempt.objects.filter(**{field: key}).delete()
    log_event(
        SecurityEvent.Kind.UNLOCKED,
        user=by,
        request=request,
        lock=kind,
        key=key,
        attempts_cleared=count,
    )
    return int(count)


@receiver(user_locked_out)
def _on_locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    from dressdb.models import SecurityEvent
    from dressdb.security_log import log_event

    lock = lock_for(username=username, ip_address=ip_address)
    log_event(
        SecurityEvent.Kind.LOCKED_OUT,
        username=str(username or "")[:150],
        request=request,
        lock=lock.kind if lock else "",
        key=lock.key if lock else "",
    )


USERNAME_MAX = 150  # Django's username length: a longer one names no account


def client_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """The username axes counts failures for (AXES_USERNAME_CALLABLE), cut to the length a
    username can have, so a hostile 5,000-character login never overflows axes' columns."""
    source = credentials if credentials else getattr(request, "POST", {})
    value = source.get("username") if source else None
    return value[:USERNAME_MAX] if isinstance(value, str) else value
