"""Consent-form versions (issue 18): reads and the re-consent check.

The rules are pure (enrollment.consent_rules); this module feeds them from the database.
`current_consent_required` is called by `enrollment.services.data_entry_allowed`, so every
clinical write refuses data for a participant who must re-consent (safety reports
excepted) while the setting TRIAL_REQUIRE_CURRENT_CONSENT is on (the default, as the
issue asks); off, the flag only warns (participant page, coordinator's to-do item).
The writes are in enrollment.consent_services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from enrollment import consent_rules
from enrollment.models import ConsentVersion, Participant, ParticipantConsent

RECONSENT_KIND = "reconsent"


def consent_blocks_entry() -> bool:
    return bool(getattr(settings, "TRIAL_REQUIRE_CURRENT_CONSENT", True))


def version_fact(version: ConsentVersion) -> consent_rules.Version:
    return consent_rules.Version(
        label=version.label,
        effective_on=version.effective_on,
        requires_reconsent=version.requires_reconsent,
        site_ids=frozenset(s.pk for s in version.sites.all()),
    )


def version_facts(today: dt.date | None = None) -> list[consent_rules.Version]:
    """Every defined version (effective by `today`, if given) as a pure fact: one query
    when none is defined, two otherwise."""
    rows = ConsentVersion.objects.prefetch_related("sites")
    if today is not None:
        rows = rows.filter(effective_on__lte=today)
    return [version_fact(v) for v in rows]


def consents_of(
    participant: Participant,
    versions: list[consent_rules.Version],
    rows: Iterable[ParticipantConsent],
) -> list[consent_rules.Consent]:
    """The participant's consents as pure facts; with none recorded, the enrolment's
    (its free-text version matched by label to a defined version, if any)."""
    by_label = {v.label: v for v in versions}
    recorded = [consent_rules.Consent(by_label.get(r.version.label), r.consented_on) for r in rows]
    if recorded:
        return recorded
    consented_on = timezone.localtime(participant.consent_at, participant.site.tz).date()
    return [consent_rules.Consent(by_label.get(participant.consent_form_version), consented_on)]


def _active(participant: Participant) -> bool:
    return participant.status != Participant.Status.WITHDRAWN and participant.died_on is None


def reconsent_version(participant: Participant) -> consent_rules.Version | None:
    """The version the participant must re-consent on, or None (read from the database)."""
    current = Participant.objects.select_related("site").get(pk=participant.pk)
    today = timezone.localdate(timezone=current.site.tz)
    versions = version_facts(today)
    if not any(v.requires_reconsent for v in versions):
        return None
    rows = ParticipantConsent.objects.filter(participant=current).select_related("version")
    return consent_rules.reconsent_needed(
        versions=versions,
        consents=consents_of(current, versions, rows),
        site_id=current.site_id,
        today=today,
        active=_active(current),
    )


def current_consent_required(participant: Participant, field: str = "participant") -> None:
    """Refuse data entry while the participant must re-consent (when the setting blocks)."""
    if not consent_blocks_entry():
        return
    version = reconsent_version(participant)
    if version is not None:
        raise ValidationError(
            {
                field: f"{participant.study_id} must re-consent on consent form {version.label} "
                f"(effective {version.effective_on:%Y-%m-%d}): record the re-consent first. "
                "Only safety reports can be entered until then."
            }
        )


# What reconsent_flags reads of a participant (and what its callers may read without a
# query more per participant).
FLAG_FIELDS = (
    "study_id",
    "site_id",
    "site__time_zone",
    "consent_at",
    "consent_form_version",
    "status",
    "died_on",
)


def reconsent_flags(participants: Any) -> list[tuple[Participant, consent_rules.Version]]:
    """(participant, version to re-consent on) for those of `participants` (a queryset)
    who must re-consent: four queries, whatever their number."""
    versions = version_facts()
    if not any(v.requires_reconsent for v in versions):
        return []
    # Only what the rule and the to-do item read: a lighter row for a whole-trial sweep.
    people = list(participants.select_related("site").only(*FLAG_FIELDS))
    recorded: dict[int, list[ParticipantConsent]] = {}
    for row in ParticipantConsent.objects.filter(participant__in=participants).select_related(
        "version"
    ):
        recorded.setdefault(row.participant_id, []).append(row)
    today: dict[int, dt.date] = {}
    flagged = []
    for p in people:
        if p.site_id not in today:
            today[p.site_id] = timezone.localdate(timezone=p.site.tz)
        version = consent_rules.reconsent_needed(
            versions=versions,
            consents=consents_of(p, versions, recorded.get(p.pk, [])),
            site_id=p.site_id,
            today=today[p.site_id],
            active=_active(p),
        )
        if version is not None:
            flagged.append((p, version))
    return flagged


def consents_for(participant: Participant) -> list[ParticipantConsent]:
    return list(
        ParticipantConsent.objects.filter(participant=participant)
        .select_related("version", "recorded_by")
        .order_by("consented_on", "id")
    )


def versions_for_site(site_id: int, on: dt.date | None = None) -> list[ConsentVersion]:
    """The versions that apply to a site (effective by `on`, if given), newest first."""
    rows = ConsentVersion.objects.prefetch_related("sites").order_by("-effective_on", "-label")
    if on is not None:
        rows = rows.filter(effective_on__lte=on)
    return [v for v in rows if version_fact(v).applies_to(site_id)]
