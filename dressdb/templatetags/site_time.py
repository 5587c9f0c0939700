"""Clinical times in the site's time zone, with the zone named.

    {% load site_time %}
    {{ participant.consent_at|site_time:participant.site }}   2026-11-27 10:00 (America/Los_Angeles)
    {{ participant.consent_at|site_clock:participant.site }}  10:00 (America/Los_Angeles)
    {{ participant.enrolled_at|site_date:participant.site }}  2026-11-27
    {{ event.at|utc_time }}                                   2026-11-27 18:00 UTC

The database keeps UTC; a page shows the site's wall clock and names the zone, and
shows UTC only with the label "UTC". Dates follow the reader's language (ISO in English,
dd/mm/yyyy in French: dressdb/formats). Entry is the mirror image: a form's wall-clock time
is the site's (the view makes it aware in `site.tz`), and its label names the zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import template
from django.utils import formats, timezone

register = template.Library()


def zone_of(site: Any) -> zoneinfo.ZoneInfo:
    """A Site (its `tz`), a zone name, or a ZoneInfo; UTC if none."""
    if site is None or site == "":
        return zoneinfo.ZoneInfo("UTC")
    if isinstance(site, zoneinfo.ZoneInfo):
        return site
    if isinstance(site, str):
        try:
            return zoneinfo.ZoneInfo(site)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")
    tz = getattr(site, "tz", None)
    return tz if isinstance(tz, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo("UTC")


def _local(value: Any, site: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value, zone_of(site))


@register.filter
def site_time(value: Any, site: Any) -> str:
    """Date and time on the site's clock, the zone named."""
    local = _local(value, site)
    if local is None:
        return "" if value in (None, "") else str(value)
    return f"{formats.date_format(local, 'SHORT_DATETIME_FORMAT')} ({zone_of(site).key})"


@register.filter
def site_clock(value: Any, site: Any) -> str:
    """Time only on the site's clock, the zone named."""
    local = _local(value, site)
    if local is None:
        return "" if value in (None, "") else str(value)
    return f"{local:%H:%M} ({zone_of(site).key})"


@register.filter
def site_date(value: Any, site: Any) -> str:
    """The site-local calendar date of a moment (a date is returned as it is)."""
    local = _local(value, site)
    if local is not None:
        return formats.date_format(local.date(), "SHORT_DATE_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return "" if value in (None, "") else str(value)


@register.filter
def utc_time(value: Any) -> str:
    """UTC, labelled."""
    local = _local(value, "UTC")
    if local is None:
        return "" if value in (None, "") else str(value)
    return f"{formats.date_format(local, 'SHORT_DATETIME_FORMAT')} UTC"


@register.simple_tag
def site_zone(site: Any) -> str:
    """The zone's name, for a label ("Consent time (America/Los_Angeles)")."""
    return zone_of(site).key
