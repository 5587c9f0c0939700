"""API tokens: hashed at rest, shown once, expiring, revocable, their use logged.

A token reads `ddb_<8 hex>_<43 url-safe characters>` (256 random bits after the prefix).
The database keeps only:

- `prefix`, the first 12 characters (`ddb_<8 hex>`): not secret, it finds the row and lets
  a user tell their tokens apart on the tokens page;
- `key_hash`, the SHA-256 of the whole token (a token is random, so a fast hash is right:
  there is nothing to brute-force that a slow hash would protect).

Tokens migrated from the old clear-text table are 40 hex characters; the same rule (first
12 characters, SHA-256 of the whole) applies to them, so existing clients keep working.

Rules:
- a token expires `API_TOKEN_EXPIRY_DAYS` (default 90) after creation;
- a user revokes their own tokens, a trial admin anyone's;
- a user whose role requires two-factor (or who has set it up) creates a token only from a
  session that passed two-factor; `manage.py create_api_token` (server shell) is the
  other way in;
- the first use of a token each UTC day is a security event; `last_used_at` is kept to
  the minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from dressdb import two_factor
from dressdb.models import ApiToken, Role, SecurityEvent
from dressdb.security_log import log_event

PREFIX_LENGTH = 12
TOKEN_MARK = "ddb_"  # noqa: S105  (a public marker, not a secret)
NAME_MAX_LENGTH = 100
MAX_KEY_LENGTH = 200
# last_used_at is written at most this often per token (one write per request would
# serialise a busy client on the token row).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def expiry_days() -> int:
    return int(getattr(settings, "API_TOKEN_EXPIRY_DAYS", 90))


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def prefix_of(raw: str) -> str:
    return raw[:PREFIX_LENGTH]


def generate_key() -> str:
    return f"{TOKEN_MARK}{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"


def is_admin(user: Any) -> bool:
    from dressdb.access import has_role

    return bool(user.is_authenticated and (user.is_superuser or has_role(user, Role.ADMIN)))


def session_may_create(request: HttpRequest) -> bool:
    """False for a session that still owes a second factor its role requires."""
    user: Any = request.user
    if not user.is_authenticated:
        return False
    if not (two_factor.required_for(user) or two_factor.has_confirmed_device(user)):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("Give the token a name (what it is for).")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"At most {NAME_MAX_LENGTH} characters."})
    return name


@transaction.atomic
def token_create(
    *, user: Any, name: str, request: HttpRequest | None = None, via: str = "page"
) -> tuple[ApiToken, str]:
    """A new token for `user`. Returns the row and the token, which is never readable again.

    From a page (`request` given) the session must have passed two-factor when the
    user's role requires it. `via="command"` is the server-shell path.
    """
    name = _clean_name(name)
    if request is not None and not session_may_create(request):
        raise PermissionDenied(
            "Your role requires two-factor: verify a code in this session before creating "
            "an API token."
        )
    if request is None and via != "command":
        raise PermissionDenied("API tokens are created from a verified session or the command.")
    raw = generate_key()
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=name,
        prefix=prefix_of(raw),
        key_hash=hash_key(raw),
        created_at=now,
        expires_at=now + dt.timedelta(days=expiry_days()),
    )
    token.full_clean()
    token.save()
    log_event(
        SecurityEvent.Kind.API_TOKEN_CREATED,
        user=user,
        request=request,
        token=token.prefix,
        name=name,
        via=via,
        expires_at=token.expires_at.isoformat(),
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token_id: int, by: Any, request: HttpRequest | None = None) -> ApiToken:
    """Revoke a token: its owner may, and a trial admin may revoke anyone's."""
    token = ApiToken.objects.select_for_update().select_related("user").filter(pk=token_id).first()
    if token is None or (token.user_id != by.pk and not is_admin(by)):
        raise ValidationError({"token": gettext("No such token on your list.")})
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        log_event(
            SecurityEvent.Kind.API_TOKEN_REVOKED,
            user=by,
            request=request,
            token=token.prefix,
            owner=token.user.get_username(),
        )
    return token


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("revoked_by")


def tokens_all() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user", "revoked_by")


def token_lookup(raw: str) -> ApiToken | None:
    """The row whose hash matches `raw`, whatever its state (None if there is none)."""
    if not raw or len(raw) > MAX_KEY_LENGTH:
        return None
    digest = hash_key(raw)
    for candidate in ApiToken.objects.filter(prefix=prefix_of(raw)).select_related("user"):
        if hmac.compare_digest(candidate.key_hash, digest):
            return candidate
    return None


def record_use(token: ApiToken, request: Any = None) -> bool:
    """Note the use; the first use of the UTC day is a security event. True if it was."""
    now = timezone.now()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # One conditional UPDATE: of concurrent first requests, exactly one matches.
    first_today = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=day_start))
        .update(last_used_at=now)
    )
    if first_today:
        log_event(
            SecurityEvent.Kind.API_TOKEN_USED,
            user=token.user,
            request=getattr(request, "_request", request),
            token=token.prefix,
            name=token.name,
        )
        token.last_used_at = now
        return True
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return False


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` against the hashed table; expired or revoked: 401."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        result = super().authenticate(request)
        if result is not None:
            record_use(result[1], request)
        return result

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = token_lookup(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Token revoked.")
        if token.is_expired:
            raise exceptions.AuthenticationFailed("Token expired: create a new one.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token
