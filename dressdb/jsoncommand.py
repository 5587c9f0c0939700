"""Shared plumbing of the JSON commands in CONTRACTS.md: read a file or stdin, print
one JSON document, and on bad input print one line to stderr and exit with status 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

EXIT_BAD_INPUT = 2


class JsonCommand(BaseCommand):
    """Subclasses set `run(document) -> dict` and `input_errors` (exception types)."""

    requires_system_checks: list[str] = []
    requires_migrations_checks = False
    input_errors: tuple[type[Exception], ...] = (ValueError,)
    run: Callable[[Any], dict[str, Any]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON input file, or - for standard input")

    def fail(self, message: str) -> None:
        self.stderr.write(" ".join(message.split()))
        raise SystemExit(EXIT_BAD_INPUT)

    def read_document(self, path: str) -> Any:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(f"file: cannot read {path}: {exc.__class__.__name__}")
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            self.fail(f"input: not valid JSON ({exc})")

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.read_document(options["file"])
        try:
            output = type(self).run(document)
        except self.input_errors as exc:
            self.fail(str(exc))
        self.stdout.write(json.dumps(output))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
