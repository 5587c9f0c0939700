"""The navigation: each role sees its own pages. One list, read top to bottom."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from dressdb.models import Role

COORDINATOR = Role.COORDINATOR.value
INVESTIGATOR = Role.INVESTIGATOR.value
PHARMACIST = Role.PHARMACIST.value
STATISTICIAN = Role.STATISTICIAN.value
ADMIN = Role.ADMIN.value
MONITOR = Role.MONITOR.value
EVERYONE = frozenset({COORDINATOR, INVESTIGATOR, PHARMACIST, STATISTICIAN, ADMIN, MONITOR})


@dataclass(frozen=True)
class NavItem:
    label: str | Promise  # translated when the menu is drawn
    url_name: str
    roles: frozenset[str]


SITE_STAFF = frozenset({COORDINATOR, INVESTIGATOR, PHARMACIST, ADMIN, MONITOR})

# An entry whose page is not installed in this build is left out (see nav_for_roles).
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(gettext_lazy("Home"), "home", EVERYONE),
    NavItem(gettext_lazy("Records"), "record_grid", frozenset({COORDINATOR, INVESTIGATOR, ADMIN})),
    NavItem(
        gettext_lazy("Screening"), "screening_log", frozenset({COORDINATOR, INVESTIGATOR, ADMIN})
    ),
    NavItem(gettext_lazy("Participants"), "participant_list", SITE_STAFF),
    NavItem(gettext_lazy("Decisions due"), "decisions_due", frozenset({INVESTIGATOR})),
    NavItem(gettext_lazy("Today's orders"), "todays_orders", frozenset({COORDINATOR, PHARMACIST})),
    NavItem(
        gettext_lazy("Protocol preview"), "protocol_preview", frozenset({INVESTIGATOR, PHARMACIST})
    ),
    NavItem(gettext_lazy("Visits"), "visit_list", frozenset({COORDINATOR, INVESTIGATOR})),
    NavItem(
        gettext_lazy("Dashboards"),
        "dashboard_home",
        frozenset({COORDINATOR, INVESTIGATOR, STATISTICIAN, ADMIN}),
    ),
    NavItem(gettext_lazy("Allocation lists"), "allocation_lists", frozenset({STATISTICIAN, ADMIN})),
    NavItem(gettext_lazy("Exports"), "export_home", frozenset({STATISTICIAN, ADMIN})),
    NavItem(
        gettext_lazy("Data management"),
        "datamanagement:ageing",
        frozenset({STATISTICIAN, MONITOR, ADMIN}),
    ),
    NavItem(gettext_lazy("Lockouts"), "lockouts", frozenset({ADMIN})),
    NavItem(gettext_lazy("Trial admin"), "trialadmin:people", frozenset({ADMIN})),
)


def nav_for_roles(roles: set[str], current_path: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for item in NAV_ITEMS:
        if not (item.roles & roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # that app's pages are not in this build
            continue
        items.append({"label": item.label, "url": url, "active": False})
    # The active item is the one whose URL is the longest prefix of the current path.
    matches = [
        i
        for i in items
        if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(str(i["url"])))
    ]
    if matches:
        max(matches, key=lambda i: len(str(i["url"])))["active"] = True
    return items
