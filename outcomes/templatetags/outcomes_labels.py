"""{% load outcomes_labels %}{{ visit.name|visit_label }}: "day7" -> "Day 7"."""

from __future__ import annotations

from typing import Any

from django import template

from outcomes.schedule import visit_label as _visit_label

register = template.Library()


@register.filter
def visit_label(value: Any) -> str:
    return _visit_label(str(value)) if value else ""
