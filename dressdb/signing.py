"""The one signing service: every signature in dressdb is a Part 11 signature.

21 CFR 11.50 / 11.70 / 11.200, as DESIGN.md puts them:
- the signer sees the data being signed (the view passes a summary table to
  templates/signing/_sign.html, and the summary is stored with the signature);
- the signer re-enters the password; a wrong one counts toward the same account lockout
  as a failed log-in (dressdb.lockout), is a security event, and at the limit the
  session ends;
- the signature carries the printed name, the UTC time and the meaning, and is bound to
  the record (a generic reference), its history row and a fingerprint of its data;
- a later change voids it, with a reason (`void_for`); the row and its history stay.

Order of checks: the password is verified LAST, after every other check of the form or
request has passed, so an answer never tells whether the password was right when
another field is wrong. Domain services therefore:

    validate everything else (raise ValidationError({"field": ...}));
    signing.sign(user=..., password=..., record=<instance or write callable>, meaning=...)

`sign` checks the password outside any write transaction (a failure must be recorded
even though nothing is written), then runs the domain's write (when `record` is a
callable) and stores the signature in one transaction.

This is the core floor: it never imports a domain app.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.contrib.auth import logout
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from dressdb import lockout
from dressdb.models import SecurityEvent, Signature
from dressdb.security_log import log_event

Meaning = Signature.Meaning
WRONG_PASSWORD = "Wrong password: nothing was signed."  # noqa: S105  (a message)


def printed_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())[:150]


def _http(request: Any) -> HttpRequest:
    """The Django request under a DRF one; a bare request when a service runs alone."""
    if request is None:
        return HttpRequest()
    return getattr(request, "_request", request)


def fingerprint(record: models.Model) -> str:
    """SHA-256 of the record's stored values (every concrete field but save timestamps)."""
    values = {
        f.attname: f.value_to_string(record)
        for f in record._meta.concrete_fields
        if not getattr(f, "auto_now", False)
    }
    payload = json.dumps(
        {"model": record._meta.label_lower, "values": values}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _history_id(record: models.Model) -> int | None:
    if not hasattr(type(record), "history"):
        return None
    row = record.history.order_by("-history_date", "-history_id").first()  # type: ignore[attr-defined]
    return int(row.history_id) if row is not None else None


def _password_matches(user: Any, password: Any) -> bool:
    if not isinstance(password, str) or not password or "\0" in password:
        return False
    try:
        return bool(user.check_password(password))
    except (UnicodeError, ValueError):  # e.g. a lone surrogate: not a password anyone has
        return False


def verify_password(*, user: Any, password: str, request: Any = None) -> None:
    """The e-signature's password check. Call it after every other check has passed.

    Refuses a locked account or address (the lockout is shared with log-in). A wrong
    password is a security event and counts toward the lockout; at the limit the
    session ends and the answer is the lockout (429) page or JSON.
    """
    http = _http(request)
    username = user.get_username()
    lock = lockout.current_lock(http, username=username)
    if lock is None and _password_matches(user, password):
        return
    log_event(
        SecurityEvent.Kind.SIGNATURE_FAILED,
        user=user,
        request=http,
        path=http.path[:200],
        refused="locked out" if lock else "wrong password",
    )
    if lock is None:
        lock = lockout.record_failure(http, username=username)
    if lock is None:
        raise ValidationError({"password": WRONG_PASSWORD})
    http.axes_locked_out = True  # type: ignore[attr-defined]  # AxesMiddleware answers 429
    http.axes_credentials = {"username": username}  # type: ignore[attr-defined]
    if hasattr(http, "session") and getattr(http, "user", None) is not None:
        logout(http)
    raise ValidationError({"password": lockout.message(lock)})


def _check_meaning(meaning: str) -> None:
    if meaning not in Meaning.values:
        raise ValidationError({"meaning": gettext("Choose the meaning of your signature.")})


def _summary(rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    return [[str(label), "" if value is None else str(value)] for label, value in rows]


def record_signature(
    *,
    user: Any,
    record: models.Model,
    meaning: str,
    summary: Iterable[Sequence[Any]] = (),
    request: Any = None,
) -> Signature:
    """Store the signature of a saved record. Only `sign` calls this, once the password
    is verified; it runs inside sign's transaction."""
    _check_meaning(meaning)
    signature = Signature(
        signer=user,
        printed_name=printed_name(user),
        signed_at=timezone.now(),
        meaning=meaning,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        record_history_id=_history_id(record),
        fingerprint=fingerprint(record),
        summary=_summary(summary),
    )
    signature.full_clean()
    signature._history_user = user  # type: ignore[attr-defined]
    signature._change_reason = f"Signed: {meaning}"  # type: ignore[attr-defined]
    signature.save()
    log_event(
        SecurityEvent.Kind.SIGNED,
        user=user,
        request=_http(request) if request is not None else None,
        record=record._meta.label_lower,
        record_id=record.pk,
        meaning=meaning,
        signature_id=signature.pk,
    )
    return signature


def sign(
    *,
    user: Any,
    password: str,
    record: models.Model | Callable[[], models.Model],
    meaning: str,
    summary: Iterable[Sequence[Any]] = (),
    request: Any = None,
) -> Signature:
    """Sign `record` (a saved instance, or a callable that writes and returns it).

    Call after every other check of the input has passed: the password is checked last.
    Must not run inside a transaction that a wrong password would roll back (the failure
    is recorded first, then ValidationError({"password": ...}) is raised).
    """
    _check_meaning(meaning)
    summary_rows = _summary(summary)
    verify_password(user=user, password=password, request=request)
    with transaction.atomic():
        target = record() if callable(record) else record
        return record_signature(
            user=user, record=target, meaning=meaning, summary=summary_rows, request=request
        )


def signatures_for(record: models.Model) -> list[Signature]:
    """Every signature of the record, voided ones included, oldest first."""
    return list(
        Signature.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        ).order_by("signed_at", "id")
    )


def current_signature(record: models.Model) -> Signature | None:
    live = [s for s in signatures_for(record) if not s.is_void]
    return live[-1] if live else None


def is_bound(signature: Signature, record: models.Model) -> bool:
    """Whether the record still holds the data that was signed."""
    return signature.fingerprint == fingerprint(record)


def void_for(record: models.Model, *, reason: str, user: Any, request: Any = None) -> int:
    """Void the record's live signatures because it changed (call in the domain's write)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason_for_change": gettext("Voiding a signature needs a reason.")})
    now = timezone.now()
    signatures = Signature.objects.select_for_update().filter(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        voided_at__isnull=True,
    )
    count = 0
    for signature in signatures:
        signature.voided_at = now
        signature.voided_reason = reason
        signature._history_user = user  # type: ignore[attr-defined]
        signature._change_reason = f"Voided: {reason}"[:100]  # type: ignore[attr-defined]
        signature.save(update_fields=["voided_at", "voided_reason"])
        log_event(
            SecurityEvent.Kind.SIGNATURE_VOIDED,
            user=user,
            request=_http(request) if request is not None else None,
            signature_id=signature.pk,
            record=record._meta.label_lower,
            record_id=record.pk,
            reason=reason,
        )
        count += 1
    return count


class SignForm(forms.Form):
    """The signer's input for a record signed on its own page: the meaning, the password."""

    meaning = forms.ChoiceField(
        label=gettext_lazy("Meaning of your signature"),
        widget=forms.RadioSelect,
        choices=Meaning.choices,
    )
    password = forms.CharField(
        label=gettext_lazy("Your password (e-signature)"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "current-password"}),
        strip=False,
        max_length=512,
    )

    def __init__(self, *args: Any, meanings: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if meanings is not None:
            field: Any = self.fields["meaning"]
            field.choices = [(m, Meaning(m).label) for m in meanings]


def current_signatures(records: Sequence[models.Model]) -> dict[Any, Signature]:
    """The live (not void) signature of each record, by pk, in one query."""
    if not records:
        return {}
    content_type = ContentType.objects.get_for_model(records[0])
    found: dict[Any, Signature] = {}
    for signature in Signature.objects.filter(
        content_type=content_type,
        object_id__in=[r.pk for r in records],
        voided_at__isnull=True,
    ).order_by("signed_at", "id"):
        found[signature.object_id] = signature
    return found
