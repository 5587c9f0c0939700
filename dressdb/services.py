"""Writes of the core: sites and staff memberships (role changes are logged)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dressdb.models import SecurityEvent, Site, StaffMembership
from dressdb.security_log import log_event


@transaction.atomic
def membership_save(*, membership: StaffMembership, by: Any, reason: str = "") -> StaffMembership:
    """Create or change a membership; the role change goes to the security log."""
    before = None
    if membership.pk is not None:
        before = StaffMembership.objects.filter(pk=membership.pk).values("role", "active").first()
    membership.full_clean()
    membership._history_user = by  # type: ignore[attr-defined]
    membership._change_reason = reason or ("Granted" if before is None else "Changed")  # type: ignore[attr-defined]
    membership.save()
    log_event(
        SecurityEvent.Kind.ROLE_CHANGE,
        user=by,
        target_user=membership.user.get_username(),
        site=membership.site.code,
        old_role=before["role"] if before else None,
        new_role=membership.role,
        old_active=before["active"] if before else None,
        new_active=membership.active,
    )
    return membership


@transaction.atomic
def membership_delete(*, membership: StaffMembership, by: Any) -> None:
    log_event(
        SecurityEvent.Kind.ROLE_CHANGE,
        user=by,
        target_user=membership.user.get_username(),
        site=membership.site.code,
        old_role=membership.role,
        new_role=None,
    )
    membership._history_user = by  # type: ignore[attr-defined]
    membership._change_reason = "Revoked"  # type: ignore[attr-defined]
    membership.delete()


@transaction.atomic
def site_save(*, site: Site, by: Any, reason: str = "") -> Site:
    site.full_clean()
    site._history_user = by  # type: ignore[attr-defined]
    site._change_reason = reason or ("Created" if site.pk is None else "Changed")  # type: ignore[attr-defined]
    site.save()
    return site
