"""`{% cyp3a4_interactions orders as interactions %}`: the cyclosporine interactions (strong
CYP3A4 inhibitors and inducers among the concomitant medications) of the participants
whose cyclosporine orders are on a page (the pharmacist's today's orders, the order sheet).

The dosing pages cannot import safety (siblings on floor 3); their templates load this
tag, as the visit form loads data management's. One query per page
(safety.selectors.interactions_for_orders). Each order of cyclosporine gets `cyp3a4`
(its participant's interacting drugs) for its row; the tag returns the participants'
list for the warning above the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

from safety.selectors import CYCLOSPORINE, interactions_between, interactions_for_orders

register = template.Library()


@register.simple_tag
def cyp3a4_interactions(orders: Sequence[Any]) -> list[tuple[Any, list[Any]]]:
    found = interactions_for_orders(orders)
    listed: dict[int, tuple[Any, list[Any]]] = {}
    for o in orders:
        drugs = found.get(o.participant_id, []) if o.drug == CYCLOSPORINE else []
        o.cyp3a4 = drugs
        if drugs and o.participant_id not in listed:
            listed[o.participant_id] = (o.participant, drugs)
    return list(listed.values())


@register.simple_tag
def cyp3a4_interactions_between(
    participant: Any, start: Any, end: Any
) -> list[tuple[Any, list[Any]]]:
    """The order sheet's: the interacting drugs of a participant on cyclosporine in the
    sheet's dates (the same shape as `cyp3a4_interactions`)."""
    drugs = interactions_between(participant, start, end)
    return [(participant, drugs)] if drugs else []
