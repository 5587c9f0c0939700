"""Human labels for the dosing codes stored in the database (block, event, outcome,
improvement, labs trend), from the tables beside the enums in dosing/protocol.py.

    {% load dosing_labels %}{{ order.block|block_label }}  ->  Methylprednisolone pulse, days 1-3
"""

from __future__ import annotations

from typing import Any

from django import template

from dosing.protocol import (
    ARM_LABELS,
    BLOCK_LABELS,
    DRUG_LABELS,
    EVENT_TYPE_LABELS,
    IMPROVEMENT_SHORT_LABELS,
    LABS_TREND_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    label_of,
)

register = template.Library()


@register.filter
def block_label(value: Any) -> str:
    return label_of(str(value or ""), BLOCK_LABELS) if value else ""


@register.filter
def event_label(value: Any) -> str:
    return label_of(str(value or ""), EVENT_TYPE_LABELS) if value else ""


@register.filter
def decision_result_label(value: Any) -> str:
    """An assessment's result: a next block or an outcome (STOP, SWITCH, OFF_PROTOCOL)."""
    return label_of(str(value or ""), OUTCOME_LABELS, BLOCK_LABELS) if value else ""


@register.filter
def improvement_label(value: Any) -> str:
    return label_of(str(value or ""), IMPROVEMENT_SHORT_LABELS) if value else ""


@register.filter
def trend_label(value: Any) -> str:
    return label_of(str(value or ""), LABS_TREND_LABELS) if value else ""


@register.filter
def arm_label(value: Any) -> str:
    return label_of(str(value or ""), ARM_LABELS) if value else ""


@register.filter
def drug_label(value: Any) -> str:
    return label_of(str(value or ""), DRUG_LABELS) if value else ""


@register.filter
def regimen_state_label(value: Any) -> str:
    return label_of(str(value or ""), STATE_LABELS) if value else ""
