"""Dates and times with seconds in the reader's language (issue 16 item 9): the date in
the language's SHORT_DATE_FORMAT (ISO in English, dd/mm/yyyy in French), the time to the
second (audit trail, signatures, security log).

    {% load local_dates %}{{ signature.signed_at|utc|date_seconds }}  ->  27/11/2026 17:46:03

An aware datetime is shown in the current time zone, as the `date` filter does (pass it
through `utc` or `timezone` first to choose the zone). CSV, JSON and the API keep ISO.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def date_seconds(value: Any) -> str:
    if not isinstance(value, dt.datetime):
        return "" if value in (None, "") else str(value)
    # As the `date` filter does: to the current zone, unless `utc`/`timezone` chose one.
    if timezone.is_aware(value) and getattr(value, "convert_to_local_time", True):
        value = timezone.localtime(value)
    return f"{date_format(value, 'SHORT_DATE_FORMAT')} {value:%H:%M:%S}"
