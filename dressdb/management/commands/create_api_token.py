from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dressdb import tokens
from dressdb.models import ApiToken


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME, for `Authorization: Token <key>`. The token is "
        "printed once: only its hash is stored. --rotate revokes the user's other tokens."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="created with manage.py create_api_token")
        parser.add_argument(
            "--rotate", action="store_true", help="Revoke the user's existing tokens first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"username: no active user {options['username']!r}") from None
        if options["rotate"]:
            for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
                tokens.token_revoke(token_id=token.pk, by=user)
        try:
            _, raw = tokens.token_create(user=user, name=options["name"], via="command")
        except ValidationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
