"""`{% field_queries record "field" %}`: the open-query icon with its count, on a field.

Reads the live queries of the record once per template render (cached on the context).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from datamanagement.selectors import live_counts_for_record

register = template.Library()


@register.simple_tag(takes_context=True)
def field_queries(context: Any, record: models.Model | None, field: str) -> str:
    if record is None or getattr(record, "pk", None) is None:
        return ""
    cache = context.render_context.setdefault("dm_field_queries", {})
    key = (record._meta.label_lower, record.pk)
    if key not in cache:
        cache[key] = live_counts_for_record(record)
    count = cache[key].get(field, 0)
    if not count:
        return ""
    participant_id = getattr(record, "participant_id", None) or record.pk
    url = reverse("datamanagement:participant_queries", kwargs={"pk": participant_id})
    return format_html(
        '<a class="badge text-bg-warning text-decoration-none ms-1" href="{}" '
        'data-testid="field-queries-{}">&#9873; {} open quer{}</a>',
        url,
        field,
        count,
        "y" if count == 1 else "ies",
    )


@register.filter
def dict_get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
