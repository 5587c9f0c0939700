"""Writes of trial administration (issue 21): invitations, roles, deactivation, delegation.

Every write is one transaction, takes a reason, and leaves a trace: a history row (with
user and reason) and a security-log event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from dressdb import services as core_services
from dressdb import signing
from dressdb.i18n import language_of
from dressdb.models import Delegation, Duty, Role, SecurityEvent, Site, StaffMembership
from dressdb.security_log import log_event
from trialadmin.models import Invitation

INVITATION_HOURS = 72
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": gettext("Give a reason: it is kept in the audit trail.")})
    return text[:500]


def _dates(start_on: dt.date | None, end_on: dt.date | None) -> None:
    if start_on and end_on and end_on < start_on:
        raise ValidationError({"end_on": gettext("The end date is before the start date.")})


@transaction.atomic
def user_invite(
    *,
    by: Any,
    email: str,
    username: str,
    first_name: str,
    last_name: str,
    site: Site,
    role: str,
    start_on: dt.date | None,
    end_on: dt.date | None,
    reason: str,
    accept_url: Any,
) -> tuple[Invitation, str]:
    """Create the user (no usable password), the membership and a 72-hour single-use link.

    `accept_url(token)` builds the absolute link put in the e-mail. Returns the
    invitation and the token (shown nowhere else; only its hash is stored).
    """
    why = _reason(reason)
    _dates(start_on, end_on)
    user_model = get_user_model()
    email = email.strip().lower()
    if user_model.objects.filter(username__iexact=username.strip()).exists():
        raise ValidationError(
            {"username": gettext("This username is taken (deactivated users keep theirs).")}
        )
    if user_model.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": gettext("A user with this e-mail address exists already.")})
    user = user_model(
        username=username.strip(), email=email, first_name=first_name, last_name=last_name
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    core_services.membership_save(
        membership=StaffMembership(
            user=user, site=site, role=role, start_on=start_on, end_on=end_on
        ),
        by=by,
        reason=f"Invited: {why}",
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    invitation = Invitation(
        user=user,
        email=email,
        site=site,
        role=role,
        token_hash=token_hash(token),
        invited_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(hours=INVITATION_HOURS),
    )
    invitation.full_clean()
    invitation._history_user = by  # type: ignore[attr-defined]
    invitation._change_reason = why  # type: ignore[attr-defined]
    invitation.save()
    log_event(
        SecurityEvent.Kind.USER_INVITED,
        user=by,
        target_user=user.get_username(),
        site=site.code,
        role=role,
        reason=why,
    )
    link = accept_url(token)
    # A new user has chosen no language yet: the invitation reads in the site's (the
    # rule of dressdb.i18n.language_of, which the pages follow after the first login).
    with translation.override(language_of(None, [site.language])):
        subject = gettext("dressdb: your invitation to the DRESS trial")
        body = gettext(
            "Hello %(name)s,\n\n"
            "You are invited to dressdb as %(role)s at %(site)s.\n"
            "Your username: %(username)s\n"
            "Choose your password here (the link works once, for %(hours)s hours):\n"
            "%(link)s\n"
        ) % {
            "name": first_name or user.get_username(),
            "role": Role(role).label,
            "site": site.code,
            "username": user.get_username(),
            "hours": INVITATION_HOURS,
            "link": link,
        }
    transaction.on_commit(
        lambda: send_mail(
            subject=subject,
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation of this token, or None (unknown, used or expired)."""
    if not token or len(token) > 200:
        return None
    invitation = (
        Invitation.objects.select_related("user", "site")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None or not invitation.usable or not invitation.user.is_active:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, request: Any = None) -> Any:
    """Set the invited user's first password (AUTH_PASSWORD_VALIDATORS); the link is spent."""
    found = invitation_for_token(token)
    if found is None:
        raise ValidationError(
            {"token": gettext("This invitation link is invalid, used or expired.")}
        )
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if not invitation.usable:
        raise ValidationError(
            {"token": gettext("This invitation link is invalid, used or expired.")}
        )
    user = invitation.user
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation._history_user = user  # type: ignore[attr-defined]
    invitation._change_reason = "Accepted: password set"  # type: ignore[attr-defined]
    invitation.save(update_fields=["used_at"])
    log_event(SecurityEvent.Kind.INVITATION_ACCEPTED, user=user, request=request)
    return user


def membership_grant(
    *,
    by: Any,
    user: Any,
    site: Site,
    role: str,
    start_on: dt.date | None,
    end_on: dt.date | None,
    reason: str,
) -> StaffMembership:
    why = _reason(reason)
    _dates(start_on, end_on)
    existing = StaffMembership.objects.filter(user=user, site=site, role=role).first()
    membership = existing or StaffMembership(user=user, site=site, role=role)
    membership.active = True
    membership.start_on = start_on
    membership.end_on = end_on
    return core_services.membership_save(membership=membership, by=by, reason=why)


def membership_end(
    *, by: Any, membership: StaffMembership, end_on: dt.date, reason: str
) -> StaffMembership:
    why = _reason(reason)
    _dates(membership.start_on, end_on)
    membership.end_on = end_on
    return core_services.membership_save(membership=membership, by=by, reason=f"Ended: {why}")


@transaction.atomic
def user_deactivate(*, by: Any, user: Any, reason: str) -> Any:
    """Deactivate, never delete: the user row (and every name in history) stays."""
    why = _reason(reason)
    if user.pk == by.pk:
        raise ValidationError({"reason": gettext("You cannot deactivate your own account.")})
    if not user.is_active:
        raise ValidationError({"reason": gettext("This user is already deactivated.")})
    user.is_active = False
    user.save(update_fields=["is_active"])
    now = timezone.now()
    revoked = user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_by=by)
    log_event(
        SecurityEvent.Kind.USER_DEACTIVATED,
        user=by,
        target_user=user.get_username(),
        reason=why,
        api_tokens_revoked=revoked,
    )
    return user


@transaction.atomic
def delegation_add(
    *,
    by: Any,
    site: Site,
    user: Any,
    duty: str,
    start_on: dt.date,
    end_on: dt.date | None,
    reason: str,
) -> Delegation:
    """An admin records a line of the delegation log; it counts once the investigator signs."""
    why = _reason(reason)
    _dates(start_on, end_on)
    if duty not in Duty.values:
        raise ValidationError({"duty": gettext("Choose a duty.")})
    if not StaffMembership.objects.filter(user=user, site=site, active=True).exists():
        raise ValidationError(
            {
                "user": gettext("%(username)s holds no role at %(site)s.")
                % {"username": user.get_username(), "site": site.code}
            }
        )
    delegation = Delegation(site=site, user=user, duty=duty, start_on=start_on, end_on=end_on)
    delegation.full_clean()
    delegation._history_user = by  # type: ignore[attr-defined]
    delegation._change_reason = why  # type: ignore[attr-defined]
    delegation.save()
    log_event(
        SecurityEvent.Kind.DELEGATION_CHANGE,
        user=by,
        action="added",
        delegation_id=delegation.pk,
        target_user=user.get_username(),
        site=site.code,
        duty=duty,
        reason=why,
    )
    return delegation


def delegation_sign(*, by: Any, delegation: Delegation, password: str, request: Any = None) -> Any:
    """The site investigator signs the line (dressdb.signing: password last)."""
    from dressdb.access import current_membership_q

    if delegation.signed_at is not None:
        raise ValidationError({"delegation": gettext("This delegation is signed already.")})
    is_investigator = (
        StaffMembership.objects.filter(
            user=by, site=delegation.site, role=Role.INVESTIGATOR, active=True
        )
        .filter(current_membership_q())
        .exists()
    )
    if not is_investigator:
        raise ValidationError(
            {
                "password": (
                    gettext("Only an investigator of %(site)s signs its delegation log.")
                    % {"site": delegation.site.code}
                )
            }
        )

    def write() -> Delegation:
        locked = Delegation.objects.select_for_update().get(pk=delegation.pk)
        locked.signed_by = by
        locked.signed_at = timezone.now()
        locked._history_user = by  # type: ignore[attr-defined]
        locked._change_reason = "Signed by the site investigator"  # type: ignore[attr-defined]
        locked.save()
        return locked

    return signing.sign(
        user=by,
        password=password,
        record=write,
        meaning=signing.Meaning.DELEGATION,
        summary=[
            ("Site", delegation.site.code),
            ("Delegated to", delegation.user.get_username()),
            ("Duty", delegation.get_duty_display()),
            ("From", delegation.start_on),
            ("To", delegation.end_on or "open"),
        ],
        request=request,
    )


@transaction.atomic
def delegation_end(*, by: Any, delegation: Delegation, end_on: dt.date, reason: str) -> Delegation:
    why = _reason(reason)
    _dates(delegation.start_on, end_on)
    delegation.end_on = end_on
    delegation.full_clean()
    delegation._history_user = by  # type: ignore[attr-defined]
    delegation._change_reason = f"Ended: {why}"  # type: ignore[attr-defined]
    delegation.save()
    # The signed line changed: its signature is voided (the line still counts up to its end
    # date; what the user signed while delegated keeps its own signatures).
    signing.void_for(delegation, reason=f"Delegation ended: {why}", user=by)
    log_event(
        SecurityEvent.Kind.DELEGATION_CHANGE,
        user=by,
        action="ended",
        delegation_id=delegation.pk,
        end_on=str(end_on),
        reason=why,
    )
    return delegation


@transaction.atomic
def site_save(*, by: Any, site: Site, reason: str) -> Site:
    """Create or edit a site (history with reason, a security event)."""
    why = _reason(reason)
    created = site.pk is None
    saved = core_services.site_save(site=site, by=by, reason=why)
    log_event(
        SecurityEvent.Kind.SITE_CHANGE,
        user=by,
        site=saved.code,
        action="created" if created else "changed",
        reason=why,
    )
    return saved


@transaction.atomic
def site_deactivate(*, by: Any, site: Site, reason: str) -> Site:
    """Deactivate, never delete: its participants and history stay; nobody is scoped to it."""
    why = _reason(reason)
    if not site.active:
        raise ValidationError(
            {"reason": gettext("%(site)s is already inactive.") % {"site": site.code}}
        )
    site.active = False
    saved = core_services.site_save(site=site, by=by, reason=f"Deactivated: {why}")
    log_event(
        SecurityEvent.Kind.SITE_CHANGE, user=by, site=site.code, action="deactivated", reason=why
    )
    return saved
