from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seeding import seed_demo_sites_and_users
from demo.story import seed_stories
from demo.synthetic import seed_trial
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site


class Command(BaseCommand):
    help = (
        "Demo mode only (DRESSDB_DEMO=1): seed demo sites, one user per role and the living "
        "demo trial (about 12 participants at every stage, through the real services, dates "
        "relative to today; idempotent); with --participants N, also a bulk synthetic trial."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=0)
        parser.add_argument("--sites", type=int, default=2, help="Number of sites (>= 2).")
        parser.add_argument("--no-orders", action="store_true", help="Skip dosing orders.")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print logins.")
        parser.add_argument("--no-stories", action="store_true", help="Skip the living demo trial.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo runs only in demo mode (set DRESSDB_DEMO=1).")
        if options["participants"] < 0 or not 2 <= options["sites"] <= 500:
            raise CommandError("--participants must be >= 0 and --sites between 2 and 500.")
        users = seed_demo_sites_and_users()
        for n in range(3, options["sites"] + 1):
            Site.objects.get_or_create(
                code=f"S{n:03d}", defaults={"name": f"Synthetic site {n}", "time_zone": "UTC"}
            )
        if not options["no_stories"]:
            played = seed_stories()
            if played:
                self.stdout.write(f"Demo trial: {len(played)} stories")
                for line in played:
                    self.stdout.write(f"  {line}")
            else:
                self.stdout.write("Demo trial: already seeded (nothing added).")
        if options["participants"]:
            sites = list(Site.objects.filter(active=True).order_by("code")[: options["sites"]])
            counts = seed_trial(
                sites=sites,
                participants=options["participants"],
                user=User.objects.get(username="admin"),
                with_orders=not options["no_orders"],
            )
            self.stdout.write(
                "Synthetic trial: " + ", ".join(f"{v} {k}" for k, v in counts.items())
            )
        if options["quiet_logins"]:
            return
        self.stdout.write("")
        self.stdout.write("Demo logins (demo mode only), all with password: " + DEMO_PASSWORD)
        for u in users:
            self.stdout.write(f"  {u.username:<16} {u.role:<13} site {u.site_code}")
        self.stdout.write(
            "Two-factor codes are required for investigators, statisticians, monitors and\n"
            "admins; "
            "the demo users above skip them while DRESSDB_DEMO is on (never in production).\n"
            "Try the real setup at /accounts/two-factor/ with any authenticator app."
        )
        self.stdout.write("")
