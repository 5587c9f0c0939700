"""Run the automatic edit checks (and the SDV plan and casebook check) now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from datamanagement.services import checks_run_all


class Command(BaseCommand):
    help = "Run the data-quality edit checks for every participant (or those given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("participant_ids", nargs="*", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["participant_ids"] or None
        result = checks_run_all(ids)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
