"""Reads of the notifications app: the to-do list, and what a reminder rule needs to know
(each site's local today, the staff per site and role)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dressdb.access import current_membership_q
from dressdb.models import Site, StaffMembership
from notifications.models import Reminder


@dataclass(frozen=True)
class SweepContext:
    """Active sites grouped by their local today, and the staff to remind, read once."""

    sites: dict[int, Site]
    by_date: dict[dt.date, list[int]]
    staff: dict[tuple[int, str], list[int]]
    today: dict[int, dt.date]

    def users(self, site_id: int, role: str) -> list[int]:
        return self.staff.get((site_id, role), [])


def staff_by_site(roles: Iterable[str]) -> dict[tuple[int, str], list[int]]:
    """One query: the ids of the active users with an active membership in force today
    (issue 21) in one of `roles`, by (site id, role)."""
    staff: dict[tuple[int, str], list[int]] = defaultdict(list)
    for m in StaffMembership.objects.filter(
        current_membership_q(), active=True, user__is_active=True, role__in=list(roles)
    ).values("site_id", "role", "user_id"):
        staff[(m["site_id"], m["role"])].append(m["user_id"])
    return dict(staff)


def sweep_context(roles: Iterable[str]) -> SweepContext:
    """Two queries: active sites, and the active staff with one of `roles` at them."""
    sites = {s.pk: s for s in Site.objects.filter(active=True)}
    today = {pk: timezone.localdate(timezone=site.tz) for pk, site in sites.items()}
    by_date: dict[dt.date, list[int]] = defaultdict(list)
    for pk, day in today.items():
        by_date[day].append(pk)
    return SweepContext(sites=sites, by_date=dict(by_date), staff=staff_by_site(roles), today=today)


def todo(user: Any) -> list[Reminder]:
    return list(
        Reminder.objects.filter(user=user, status=Reminder.Status.OPEN).order_by("due_date", "id")[
            :200
        ]
    )


def home_panel(*, user: Any) -> dict[str, object]:
    return {"todo": todo(user)}
