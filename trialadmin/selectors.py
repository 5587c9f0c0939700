"""Reads of trial administration: the people list in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dressdb import two_factor
from dressdb.models import Delegation, Site, StaffMembership
from trialadmin import training


@dataclass(frozen=True)
class PersonRow:
    user: Any
    memberships: list[StaffMembership]
    two_factor: str
    tokens: int
    training: Any = None  # trialadmin.training.TrainingState


def people() -> list[PersonRow]:
    """Everyone, with memberships (any state), two-factor state and active token count."""
    now = timezone.now()
    users = (
        get_user_model()
        .objects.order_by("username")
        .prefetch_related(
            Prefetch("memberships", queryset=StaffMembership.objects.select_related("site"))
        )
        .annotate(
            token_count=Count(
                "api_tokens",
                filter=Q(api_tokens__revoked_at__isnull=True, api_tokens__expires_at__gt=now),
            )
        )
    )
    confirmed = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    everyone = list(users)
    states = training.training_states(everyone)
    rows = []
    for user in everyone:
        members = list(user.memberships.all())
        required = (
            user.is_staff
            or user.is_superuser
            or any(m.active and m.role in two_factor.PRIVILEGED_ROLES for m in members)
        )
        if user.pk in confirmed:
            state = "on"
        elif required:
            state = "required, not set up"
        else:
            state = "off"
        rows.append(PersonRow(user, members, state, user.token_count, states[user.pk]))
    return rows


def delegation_log(site: Site) -> list[Delegation]:
    return list(
        Delegation.objects.filter(site=site)
        .select_related("user", "signed_by")
        .order_by("user__username", "duty", "start_on")
    )
