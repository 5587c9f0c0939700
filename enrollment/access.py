"""Participant scope: the one access chokepoint for participant-scoped reads.

Every participant-scoped read (pages, API, exports) goes through
`participants_visible_to` or `participant_for_user` (and their screening-log
counterparts). Scope rules, one per line:

- an anonymous or inactive user sees nothing;
- a superuser sees every site;
- an active membership with a trial-wide role (statistician, admin) sees every site;
- any other active membership sees its own site only.

Roles and sites live in the core (`dressdb.access`); this module applies them to the
participant and screening tables. Objects outside the user's scope answer 404, never
403, so their existence is not disclosed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404

from dressdb.access import AnyUser, sees_all_sites, site_ids_for
from enrollment.models import Participant, Screening


def participants_visible_to(
    user: AnyUser, roles: Iterable[str] | None = None
) -> QuerySet[Participant]:
    roles = list(roles) if roles is not None else None
    if not user.is_authenticated or not user.is_active:
        return Participant.objects.none()
    if sees_all_sites(user, roles):
        return Participant.objects.all()
    return Participant.objects.filter(site_id__in=site_ids_for(user, roles))


def participant_for_user(
    user: AnyUser, pk: int | str, roles: Iterable[str] | None = None
) -> Participant:
    """The participant `pk` if the user may see it, else 404."""
    try:
        return participants_visible_to(user, roles).select_related("site").get(pk=int(pk))
    except (Participant.DoesNotExist, ValueError, TypeError):
        raise Http404("No such participant.") from None


def screenings_visible_to(user: AnyUser, roles: Iterable[str] | None = None) -> QuerySet[Screening]:
    """Screening log rows of the user's sites (trial-wide roles: every site)."""
    roles = list(roles) if roles is not None else None
    if not user.is_authenticated or not user.is_active:
        return Screening.objects.none()
    if sees_all_sites(user, roles):
        return Screening.objects.all()
    return Screening.objects.filter(site_id__in=site_ids_for(user, roles))


def screening_for_user(
    user: AnyUser, pk: int | str, roles: Iterable[str] | None = None
) -> Screening:
    """The screening `pk` if the user may see it, else 404."""
    try:
        return screenings_visible_to(user, roles).select_related("site", "screener").get(pk=int(pk))
    except (Screening.DoesNotExist, ValueError, TypeError):
        raise Http404("No such screening.") from None
