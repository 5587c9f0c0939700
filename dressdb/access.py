"""Roles and sites: the core of the access chokepoint.

Participant-scoped reads go through `enrollment.access` (`participants_visible_to`,
`participant_for_user`), which applies the site scope defined here. Scope rules, one
per line:

- an anonymous or inactive user sees nothing;
- a superuser sees every site;
- an active membership with a trial-wide role (statistician, admin) sees every site;
- any other active membership sees its own site only.

Role checks (`has_role`, `require_role`) are separate from site scope: a page first
checks the role, then reads through the scoped querysets here. Objects outside the
user's scope answer 404, never 403, so their existence is not disclosed.
This module imports no domain app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from dressdb.models import Role, Site, StaffMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    AnyUser = User | AnonymousUser
else:
    AnyUser = Any

TRIAL_WIDE_ROLES = frozenset({Role.STATISTICIAN, Role.ADMIN})
ALL_ROLES = frozenset(Role)

_CACHE_ATTR = "_dressdb_memberships"


def current_membership_q(prefix: str = "") -> Q:
    """Memberships in force today (UTC): started (or no start) and not ended (issue 21)."""
    today = timezone.now().date()
    return (Q(**{f"{prefix}start_on__isnull": True}) | Q(**{f"{prefix}start_on__lte": today})) & (
        Q(**{f"{prefix}end_on__isnull": True}) | Q(**{f"{prefix}end_on__gte": today})
    )


def memberships_in_force() -> QuerySet[StaffMembership]:
    """The memberships that give access: active, on an active site, in force today."""
    return StaffMembership.objects.filter(current_membership_q(), active=True, site__active=True)


def active_memberships(user: AnyUser) -> list[StaffMembership]:
    """The user's active memberships, read once per request object."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached: list[StaffMembership] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            memberships_in_force()
            .filter(user=user)
            .select_related("site")
            .order_by("site__code", "role")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_roles(user: AnyUser) -> set[str]:
    roles = {m.role for m in active_memberships(user)}
    if user.is_authenticated and user.is_active and user.is_superuser:
        roles.add(Role.ADMIN)
    return roles


def has_role(user: AnyUser, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def sees_all_sites(user: AnyUser, roles: Iterable[str] | None = None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    wanted = set(roles) if roles is not None else set(ALL_ROLES)
    return any(m.role in TRIAL_WIDE_ROLES and m.role in wanted for m in active_memberships(user))


def site_ids_for(user: AnyUser, roles: Iterable[str] | None = None) -> set[int]:
    """Site ids where the user holds one of `roles` (any role if None)."""
    wanted = set(roles) if roles is not None else set(ALL_ROLES)
    return {m.site_id for m in active_memberships(user) if m.role in wanted}


def sites_visible_to(user: AnyUser, roles: Iterable[str] | None = None) -> QuerySet[Site]:
    roles = list(roles) if roles is not None else None
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if sees_all_sites(user, roles):
        return Site.objects.filter(active=True)
    return Site.objects.filter(active=True, pk__in=site_ids_for(user, roles))


def site_for_user(user: AnyUser, site_id: int | str, roles: Iterable[str] | None = None) -> Site:
    try:
        return sites_visible_to(user, roles).get(pk=int(site_id))
    except (Site.DoesNotExist, ValueError, TypeError):
        raise Http404("No such site.") from None


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def require_role(*roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: login required, then one of `roles`, else 403."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles  # type: ignore[attr-defined]  # read by the grid's links
        return wrapper  # type: ignore[return-value]

    return decorator


DASHBOARD_ALL_SITES_ROLES = (Role.INVESTIGATOR, Role.STATISTICIAN, Role.ADMIN)


def dashboard_sites(user: AnyUser) -> QuerySet[Site]:
    """Sites whose aggregate figures the user may see on dashboards.

    Investigators, statisticians and admins see every site (counts, not records);
    coordinators see their own sites.
    """
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.is_superuser or has_role(user, *DASHBOARD_ALL_SITES_ROLES):
        return Site.objects.filter(active=True)
    return Site.objects.filter(active=True, pk__in=site_ids_for(user, [Role.COORDINATOR]))
