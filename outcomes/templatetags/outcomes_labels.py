"""{% load outcomes_labels %}{{ visit.name|visit_label }}: "day7" -> "Day 7" ("Jour 7" in
French: the schedule's label, in the reader's language)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext, gettext_noop

from outcomes.schedule import visit_label as _visit_label

register = template.Library()


@register.filter
def visit_label(value: Any) -> str:
    if not value:
        return ""
    name = str(value)
    if name.startswith("day") and name[3:].isdigit():
        return gettext("Day %(n)s") % {"n": int(name[3:])}
    return _visit_label(name)


# A visit's status as computed by outcomes.schedule.visit_status (issue 16 item 3).
VISIT_STATUS_LABELS = {
    "upcoming": gettext_noop("Upcoming"),
    "open": gettext_noop("Window open"),
    "overdue": gettext_noop("Overdue"),
    "completed": gettext_noop("Completed"),
    "completed_out_of_window": gettext_noop("Completed out of window"),
    "missed": gettext_noop("Missed"),
    "not_expected": gettext_noop("Not expected"),
}


@register.filter
def visit_status_label(value: Any) -> str:
    text = str(value or "")
    return gettext(VISIT_STATUS_LABELS[text]) if text in VISIT_STATUS_LABELS else text
