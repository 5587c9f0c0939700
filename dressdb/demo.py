"""Demo data for `make run`: two sites and one user per role. Demo mode only."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from dressdb.models import Role, Site, StaffMembership

DEMO_PASSWORD = "dressdb-demo-2026"  # noqa: S105  (printed on purpose; demo mode only)

DEMO_SITES = (
    ("USC", "University of Southern California (demo)", "America/Los_Angeles"),
    ("PAR", "Hôpital Henri-Mondor, Créteil (demo)", "Europe/Paris"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    site_code: str


DEMO_USERS = (
    DemoUser("coordinator", "Cora Ortiz", Role.COORDINATOR, "USC"),
    DemoUser("coordinator-par", "Camille Petit", Role.COORDINATOR, "PAR"),
    DemoUser("investigator", "Ivan Ng", Role.INVESTIGATOR, "USC"),
    DemoUser("pharmacist", "Pia Hart", Role.PHARMACIST, "USC"),
    DemoUser("statistician", "Stan Lee", Role.STATISTICIAN, "USC"),
    DemoUser("admin", "Ada Admin", Role.ADMIN, "USC"),
)


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
