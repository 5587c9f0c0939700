"""`python manage.py eligibility_check FILE` (CONTRACTS.md): the eligibility rules on
one JSON document. No database, no login."""

from __future__ import annotations

from typing import Any

from dressdb.jsoncommand import JsonCommand
from enrollment.config import eligibility_settings
from enrollment.eligibility import assess_eligibility
from enrollment.screening_contract import InputError, parse_screening_input, result_to_json


def check(document: Any) -> dict[str, Any]:
    return result_to_json(
        assess_eligibility(parse_screening_input(document), eligibility_settings())
    )


class Command(JsonCommand):
    help = "Eligibility (RegiSCAR, eGFR, exclusions) for one JSON document; see CONTRACTS.md."
    input_errors = (InputError,)
    run = staticmethod(check)
