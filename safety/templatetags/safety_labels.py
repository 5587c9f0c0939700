"""An SAE clock in the reader's language, and the texts safety.js counts down with.

    {% load safety_labels %}{{ row.clock|clock_label }}  ->  3 h 05 min left
                                                     ->  3 h 05 min restantes (fr)
    <span class="sae-clock" {% clock_texts %}>  ->  data-text-left="%(time)s left" ...

safety.rules.Clock.label stays English (the pure core knows no language).
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

from safety.services import clock_words

register = template.Library()


def _left() -> str:
    return gettext("%(time)s left")


def _overdue() -> str:
    return gettext("overdue by %(time)s")


@register.filter
def clock_label(clock: Any) -> str:
    if clock is None:
        return ""
    return clock_words(clock)


# The reasons the services write themselves (a user's own reason is never translated).
FIXED_REASONS = frozenset({gettext_noop("Initial report"), gettext_noop("Proposed by dressdb")})
FOLLOW_UP = re.compile(r"^Follow-up report (\d+): (.*)$", re.DOTALL)


@register.filter
def change_reason(reason: Any) -> str:
    """A version's reason in the reader's language: the fixed ones ("Initial report") from
    the catalogue, "Follow-up report N: <the user's reason>" in words around the reason,
    any other (a user's own reason) as written."""
    if not reason:
        return ""
    text = str(reason)
    match = FOLLOW_UP.match(text)
    if match:
        return gettext("Follow-up report %(version)s: %(reason)s") % {
            "version": match.group(1),
            "reason": match.group(2),
        }
    return gettext(text) if text in FIXED_REASONS else text


@register.simple_tag
def clock_texts() -> SafeString:
    """The countdown's two texts as data attributes: safety.js puts the time in "%(time)s"
    (no English in the script)."""
    return format_html('data-text-left="{}" data-text-overdue="{}"', _left(), _overdue())
