"""The navigation: each role sees its own pages. One list, read top to bottom."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from dressdb.models import Role

COORDINATOR = Role.COORDINATOR.value
INVESTIGATOR = Role.INVESTIGATOR.value
PHARMACIST = Role.PHARMACIST.value
STATISTICIAN = Role.STATISTICIAN.value
ADMIN = Role.ADMIN.value
EVERYONE = frozenset({COORDINATOR, INVESTIGATOR, PHARMACIST, STATISTICIAN, ADMIN})


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "home", EVERYONE),
    NavItem(
        "Participants",
        "participant_list",
        frozenset({COORDINATOR, INVESTIGATOR, PHARMACIST, ADMIN}),
    ),
)


def nav_for_roles(roles: set[str], current_path: str) -> list[dict[str, object]]:
    items = []
    for item in NAV_ITEMS:
        if not (item.roles & roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # that app's pages are not in this build
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return items
