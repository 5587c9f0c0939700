from django.http import HttpRequest
from django.utils.translation import gettext

from dressdb.access import active_memberships, user_roles
from dressdb.models import Role
from dressdb.navigation import nav_for_roles


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": set()}
    roles = user_roles(user)
    labels = dict(Role.choices)
    memberships = [f"{labels[m.role]} @ {m.site.code}" for m in active_memberships(user)]
    return {
        "nav_items": nav_for_roles(roles, request.path),
        "user_roles": roles,
        "user_role_labels": memberships or ([gettext("Trial admin")] if user.is_superuser else []),
    }
