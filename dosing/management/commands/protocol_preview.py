"""`python manage.py protocol_preview FILE` (CONTRACTS.md): the dosing engine for a
hypothetical patient, the same code that drives real participants' orders."""

from __future__ import annotations

from typing import Any

from dosing.config import dosing_settings
from dosing.protocol import ProtocolError
from dosing.protocol_contract import preview
from dressdb.jsoncommand import JsonCommand


def run(document: Any) -> dict[str, Any]:
    return preview(document, dosing_settings())


class Command(JsonCommand):
    help = "Day-by-day orders for a hypothetical patient; see CONTRACTS.md."
    input_errors = (ProtocolError,)
    run = staticmethod(run)
