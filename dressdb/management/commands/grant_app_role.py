"""Grant the app's PostgreSQL role its privileges (run as the tables' owner).

`migrate` does this by itself when DATABASE_APP_ROLE is set; this command does it on
demand, e.g. after restoring a dump: `manage.py grant_app_role dressdb_app`.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from dressdb.db_roles import grant_app_privileges, install_security_log_trigger


class Command(BaseCommand):
    help = (
        "Grant ROLE (default: DATABASE_APP_ROLE) read/insert on audit tables, full DML elsewhere."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", nargs="?", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"] or settings.DATABASE_APP_ROLE
        if not role:
            raise CommandError("role: give a role name or set DATABASE_APP_ROLE")
        if connection.vendor != "postgresql":
            raise CommandError("database: app roles exist on PostgreSQL only")
        try:
            install_security_log_trigger(connection)
            counts = grant_app_privileges(role, connection)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{role}: {counts['tables']} tables read/write, "
            f"{counts['append_only']} append-only tables read/insert"
        )
