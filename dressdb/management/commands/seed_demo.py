from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dressdb.demo import DEMO_PASSWORD, seed_demo_sites_and_users


class Command(BaseCommand):
    help = "Demo mode only (DRESSDB_DEMO=1): seed two demo sites and one user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo runs only in demo mode (set DRESSDB_DEMO=1).")
        users = seed_demo_sites_and_users()
        if options["quiet_logins"]:
            return
        self.stdout.write("")
        self.stdout.write("Demo logins (demo mode only), all with password: " + DEMO_PASSWORD)
        for u in users:
            self.stdout.write(f"  {u.username:<16} {u.role:<13} site {u.site_code}")
        self.stdout.write("")
