"""A participant's derived status, in the reader's language.

    {% load enrollment_labels %}{{ row.status|status_label }}  ->  Died: 2026-11-11
                                                              ->  Décédé : 11/11/2026 (fr)
    {{ s.reasons|reason_labels }}  ->  Active sepsis, RegiSCAR score below the threshold
    {{ s.regiscar_category|regiscar_category_label }}  ->  No case
    {{ s.organs_involved|organ_labels }}  ->  Liver, Kidney

enrollment.status builds its label in English (the pure core knows no language); the
page rebuilds it from the state and the detail: the state's label translated, a date of
death in the reader's date format, any other detail translated.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext

from enrollment.eligibility import REASON_LABELS
from enrollment.regiscar import CATEGORY_LABELS, ORGAN_LABELS, YES_NO_UNKNOWN_LABELS
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


def _label(code: Any, labels: Any) -> str:
    text = str(code or "")
    return gettext(labels[text]) if text in labels else text


@register.filter
def reason_label(code: Any) -> str:
    """An eligibility reason code in words (an unknown code is shown as stored)."""
    return _label(code, REASON_LABELS)


@register.filter
def reason_labels(codes: Any) -> str:
    """A screening's reason codes in words, comma-separated ("" when there is none)."""
    return ", ".join(reason_label(code) for code in codes or ())


@register.filter
def regiscar_category_label(code: Any) -> str:
    return _label(code, CATEGORY_LABELS)


@register.filter
def organ_labels(codes: Any) -> str:
    return ", ".join(_label(code, ORGAN_LABELS) for code in codes or ())


@register.filter
def answer_label(code: Any) -> str:
    """A yes / no / unknown answer in words."""
    return _label(code, YES_NO_UNKNOWN_LABELS)
