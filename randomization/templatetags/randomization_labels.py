"""Human labels of stratum keys (issue 16 item 3): the site's name, then each factor.

    {% load randomization_labels %}
    {{ key|stratum_label:participant.site }}  ->  "Hôpital Bichat, renal impairment: yes"
    {{ key|stratum_label:sites }}             (sites: Site objects or a {code: name} map)
    {{ key|stratum_label }}                   ->  "USC, renal impairment: yes" (no names given)
    {{ "renal_impairment"|stratum_factor_label }}  ->  "renal impairment"

Pages show these; CSV exports keep the codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.utils.translation import gettext

from randomization.blocks import FACTOR_LABELS, FACTOR_VALUE_LABELS

register = template.Library()


def _site_name(code: str, sites: Any) -> str:
    """The name of the site `code` among `sites` (a Site, a name, a {code: name} mapping or
    Site objects), else the code itself."""
    if sites is None or sites == "":
        return code
    if isinstance(sites, str):
        return sites
    if isinstance(sites, Mapping):
        return str(sites.get(code, code))
    if hasattr(sites, "code") and hasattr(sites, "name"):
        return str(sites.name) if sites.code == code else code
    if isinstance(sites, Iterable):
        for site in sites:
            if getattr(site, "code", None) == code:
                return str(site.name)
    return code


@register.filter
def stratum_factor_label(name: Any) -> str:
    text = str(name or "")
    return gettext(FACTOR_LABELS.get(text, text.replace("_", " ")))


@register.filter
def stratum_label(value: Any, sites: Any = None) -> str:
    if not value:
        return ""
    code, *factors = str(value).split("|")
    parts = [_site_name(code, sites)]
    for factor in factors:
        name, _, level = factor.partition("=")
        parts.append(
            f"{stratum_factor_label(name)}: {gettext(FACTOR_VALUE_LABELS.get(level, level))}"
        )
    return ", ".join(parts)
