"""Consent-form versions and re-consent (issue 18), as pure rules (no Django).

A consent-form version has a label, the date it becomes effective (after its IRB
approval), the sites it applies to (none: every site) and whether it requires the
participants consented on an earlier version to consent again. A participant's consent
is the version they signed and its date. They need re-consent when a version that
requires it is effective at their site today and is newer (effective later) than the
version of their latest consent. A participant who withdrew from follow-up or consent,
or who died, is not asked again. Data entry is then refused (a setting) except safety
reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Version:
    label: str
    effective_on: dt.date
    requires_reconsent: bool = True
    site_ids: frozenset[int] = frozenset()  # empty: every site

    def applies_to(self, site_id: int) -> bool:
        return not self.site_ids or site_id in self.site_ids


@dataclass(frozen=True)
class Consent:
    """A consent given: the version signed (None: a free-text version no longer known)
    and the date it was given."""

    version: Version | None
    consented_on: dt.date


def current_version(versions: Iterable[Version], site_id: int, today: dt.date) -> Version | None:
    """The newest version in effect at the site today (None: no version defined yet)."""
    effective = [v for v in versions if v.applies_to(site_id) and v.effective_on <= today]
    return max(effective, key=lambda v: (v.effective_on, v.label), default=None)


def signed_after(consent: Consent, version: Version) -> bool:
    """Whether this consent covers `version`: it is that version or a newer one; a consent
    on an unknown version covers the versions effective on or before its date."""
    if consent.version is None:
        return consent.consented_on >= version.effective_on
    return (consent.version.effective_on, consent.version.label) >= (
        version.effective_on,
        version.label,
    )


def reconsent_needed(
    *,
    versions: Sequence[Version],
    consents: Sequence[Consent],
    site_id: int,
    today: dt.date,
    active: bool = True,
) -> Version | None:
    """The version the participant must re-consent on, or None.

    `active` is False for a participant who withdrew from follow-up or consent, or died:
    they are not asked again."""
    if not active or not consents:
        return None
    latest = max(
        consents,
        key=lambda c: (
            c.version.effective_on if c.version is not None else c.consented_on,
            c.consented_on,
        ),
    )
    wanted = [
        v
        for v in versions
        if v.requires_reconsent and v.applies_to(site_id) and v.effective_on <= today
    ]
    newest = max(wanted, key=lambda v: (v.effective_on, v.label), default=None)
    if newest is None or signed_after(latest, newest):
        return None
    return newest


def consent_version_problem(version: Version, site_id: int, consented_on: dt.date) -> str:
    """'' if a consent on `version` given on `consented_on` at the site is valid."""
    if not version.applies_to(site_id):
        return f"Version {version.label} does not apply to this site."
    if version.effective_on > consented_on:
        return (
            f"Version {version.label} is effective from {version.effective_on:%Y-%m-%d}, "
            f"after the consent date."
        )
    return ""
