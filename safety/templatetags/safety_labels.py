"""An SAE clock in the reader's language, and the texts safety.js counts down with.

    {% load safety_labels %}{{ row.clock|clock_label }}  ->  3 h 05 min left
                                                     ->  3 h 05 min restantes (fr)
    <span class="sae-clock" {% clock_texts %}>  ->  data-text-left="%(time)s left" ...

safety.rules.Clock.label stays English (the pure core knows no language).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


def _left() -> str:
    return gettext("%(time)s left")


def _overdue() -> str:
    return gettext("overdue by %(time)s")


@register.filter
def clock_label(clock: Any) -> str:
    if clock is None:
        return ""
    if clock.reported:
        return gettext("reported")
    hours, rest = divmod(abs(int(clock.seconds_left)), 3600)
    text = f"{hours} h {rest // 60:02d} min"
    return (_overdue() if clock.overdue else _left()) % {"time": text}


@register.simple_tag
def clock_texts() -> SafeString:
    """The countdown's two texts as data attributes: safety.js puts the time in "%(time)s"
    (no English in the script)."""
    return format_html('data-text-left="{}" data-text-overdue="{}"', _left(), _overdue())
