"""Human labels for the dosing codes stored in the database (block, event, outcome,
improvement, labs trend), from the tables beside the enums in dosing/protocol.py, in the
reader's language.

    {% load dosing_labels %}{{ order.block|block_label }}  ->  Methylprednisolone pulse, days 1-3
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from dosing.protocol import (
    ARM_LABELS,
    BLOCK_LABELS,
    DRUG_LABELS,
    EVENT_TYPE_LABELS,
    IMPROVEMENT_SHORT_LABELS,
    LABS_TREND_LABELS,
    OUTCOME_LABELS,
    ROUTE_LABELS,
    STATE_LABELS,
    label_of,
)

register = template.Library()


@register.filter
def block_label(value: Any) -> str:
    return gettext(label_of(str(value or ""), BLOCK_LABELS)) if value else ""


@register.filter
def event_label(value: Any) -> str:
    return gettext(label_of(str(value or ""), EVENT_TYPE_LABELS)) if value else ""


@register.filter
def decision_result_label(value: Any) -> str:
    """An assessment's result: a next block or an outcome (STOP, SWITCH, OFF_PROTOCOL)."""
    return gettext(label_of(str(value or ""), OUTCOME_LABELS, BLOCK_LABELS)) if value else ""


@register.filter
def improvement_label(value: Any) -> str:
    return gettext(label_of(str(value or ""), IMPROVEMENT_SHORT_LABELS)) if value else ""


@register.filter
def trend_label(value: Any) -> str:
    return gettext(label_of(str(value or ""), LABS_TREND_LABELS)) if value else ""


@register.filter
def arm_label(value: Any) -> str:
    return gettext(label_of(str(value or ""), ARM_LABELS)) if value else ""


@register.filter
def drug_label(value: Any) -> str:
    return gettext(label_of(str(value or ""), DRUG_LABELS)) if value else ""


@register.filter
def regimen_state_label(value: Any) -> str:
    return gettext(label_of(str(value or ""), STATE_LABELS)) if value else ""


@register.filter
def route_label(value: Any) -> str:
    """ "PO" -> "PO (oral)" (issue 16 item 3: no raw code on a page)."""
    return gettext(label_of(str(value or ""), ROUTE_LABELS)) if value else ""
