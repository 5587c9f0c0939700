"""{% load randomization_labels %}{{ key|stratum_label }}: "USC, renal impairment: yes"."""

from __future__ import annotations

from typing import Any

from django import template

from randomization.blocks import stratum_label as _stratum_label

register = template.Library()


@register.filter
def stratum_label(value: Any) -> str:
    return _stratum_label(str(value)) if value else ""
