"""The demo identities of `make run`: two sites and one user per role. Demo mode only.

The core keeps these names because the two-factor gate exempts the demo users while
DRESSDB_DEMO is on (dressdb.two_factor.demo_exempt); seeding them is the demo app's
(demo.seeding, `manage.py seed_demo`)."""

from __future__ import annotations

from dataclasses import dataclass

from dressdb.models import Role

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
    # Issue 18: a monitor (read-only, SDV and queries) assigned to one site.
    DemoUser("monitor", "Mona Reyes", Role.MONITOR, "USC"),
)
