"""Seed the demo sites and users of `make run` (demo mode only)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from dressdb.demo import DEMO_PASSWORD, DEMO_SITES, DEMO_USERS, DemoUser
from dressdb.models import Role, Site, StaffMembership


@transaction.atomic
def seed_demo_sites_and_users() -> list[DemoUser]:
    sites = {}
    for code, name, tz in DEMO_SITES:
        site, _ = Site.objects.get_or_create(code=code, defaults={"name": name, "time_zone": tz})
        sites[code] = site
    for demo in DEMO_USERS:
        first, last = demo.full_name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{demo.username}@demo.dressdb.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        if demo.role == Role.ADMIN:
            user.is_staff = True
            user.is_superuser = True
        user.save()
        StaffMembership.objects.get_or_create(user=user, site=sites[demo.site_code], role=demo.role)
    # The investigator covers both demo sites.
    StaffMembership.objects.get_or_create(
        user=User.objects.get(username="investigator"),
        site=sites["PAR"],
        role=Role.INVESTIGATOR,
    )
    return list(DEMO_USERS)
