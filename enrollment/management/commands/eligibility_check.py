"""`python manage.py eligibility_check FILE` (CONTRACTS.md): the eligibility rules on
one JSON document. No database, no login."""

from __future__ import annotations

from typing import Any

from dressdb.jsoncommand import JsonCommand
from enrollment.eligibility import InputError, result_to_json
from enrollment.rules import check_document


def check(document: Any) -> dict[str, Any]:
    return result_to_json(check_document(document))


class Command(JsonCommand):
    help = "Eligibility (RegiSCAR, eGFR, exclusions) for one JSON document; see CONTRACTS.md."
    input_errors = (InputError,)
    run = staticmethod(check)
