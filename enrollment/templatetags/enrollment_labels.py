"""A participant's derived status, in the reader's language.

    {% load enrollment_labels %}{{ row.status|status_label }}  ->  Died: 2026-11-11
                                                              ->  Décédé : 11/11/2026 (fr)

enrollment.status builds its label in English (the pure core knows no language); the
page rebuilds it from the state and the detail: the state's label translated, a date of
death in the reader's date format, any other detail translated.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext

from enrollment.status import STATE_LABELS, State

register = template.Library()


@register.filter
def status_label(status: Any) -> str:
    if status is None or getattr(status, "state", None) not in STATE_LABELS:
        return str(status or "")
    state = gettext(STATE_LABELS[status.state])
    detail = status.detail
    if not detail:
        return state
    if status.state == State.DIED and status.since is not None:
        detail = formats.date_format(status.since, "SHORT_DATE_FORMAT")
    else:
        detail = gettext(detail)
    return gettext("%(state)s: %(detail)s") % {"state": state, "detail": detail}
