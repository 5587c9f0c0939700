"""Writes of consent-form versions (issue 18): the trial admin defines a version; a
coordinator records a participant's (re-)consent; the re-consent to-do items.

Reads and the data-entry check are in enrollment.consent, the rules in
enrollment.consent_rules. Every write in one transaction, history with user and reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from dressdb.access import has_role
from dressdb.audit import save_clinical
from dressdb.delegation import require_duty
from dressdb.models import Duty, Role, Site
from enrollment import consent_rules
from enrollment.consent import RECONSENT_KIND, reconsent_flags, reconsent_version, version_fact
from enrollment.freeze import edits_allowed
from enrollment.models import ConsentVersion, Participant, ParticipantConsent
from enrollment.status import WithdrawalKind
from notifications.selectors import staff_by_site
from notifications.services import in_languages, reminder_new, reminders_close, reminders_raise

TEXT_MAX = 200


@transaction.atomic
def consent_version_create(
    *,
    user: Any,
    label: str,
    effective_on: dt.date,
    irb_approved_on: dt.date,
    document: str,
    requires_reconsent: bool = True,
    sites: list[Site] | None = None,
) -> ConsentVersion:
    """The trial admin defines a consent-form version. Participants consented on an older
    one are flagged at once if it is already effective (else by the nightly sweep)."""
    if not has_role(user, Role.ADMIN):
        raise PermissionDenied("Only the trial admin defines consent-form versions.")
    problems: dict[str, list[str]] = {}
    label = (label or "").strip()
    document = (document or "").strip()
    if not label:
        problems["label"] = [gettext("Give the version label.")]
    elif len(label) > 40:
        problems["label"] = [gettext("At most 40 characters.")]
    elif ConsentVersion.objects.filter(label=label).exists():
        problems["label"] = [gettext("Version %(label)s is already defined.") % {"label": label}]
    if not document:
        problems["document"] = [gettext("Give the document reference.")]
    elif len(document) > TEXT_MAX:
        problems["document"] = [gettext("At most %(n)s characters.") % {"n": TEXT_MAX}]
    if irb_approved_on > effective_on:
        problems["effective_on"] = [
            gettext("A version becomes effective on or after its IRB approval.")
        ]
    if problems:
        raise ValidationError(problems)
    version = ConsentVersion(
        label=label,
        effective_on=effective_on,
        irb_approved_on=irb_approved_on,
        document=document,
        requires_reconsent=requires_reconsent,
        created_by=user,
    )
    save_clinical(version, user=user, reason=f"Consent form {label} defined")
    if sites:
        version.sites.set(sites)
    reconsent_reminders_raise()
    return version


@transaction.atomic
def consent_record(
    *,
    participant: Participant,
    user: Any,
    version: ConsentVersion,
    consented_on: dt.date,
    obtained_by: str,
    signer: str = ParticipantConsent.Signer.PARTICIPANT,
    representative_relationship: str = "",
    kind: str = ParticipantConsent.Kind.RECONSENT,
) -> ParticipantConsent:
    """Record a consent on a version (usually a re-consent), signed by the participant or
    a legally authorised representative (with the relationship); closes the re-consent
    to-do items once no re-consent is needed any more."""
    edits_allowed(participant, "version")
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    if locked.withdrawal_kind == WithdrawalKind.CONSENT:
        raise ValidationError(
            {"version": gettext("The participant withdrew consent: no new consent.")}
        )
    require_duty(user, locked.site, Duty.CONSENT, field="obtained_by")
    problems: dict[str, list[str]] = {}
    problem = consent_rules.consent_version_problem(
        version_fact(version), locked.site_id, consented_on
    )
    if problem:
        problems["version"] = [problem]
    elif ParticipantConsent.objects.filter(participant=locked, version=version).exists():
        problems["version"] = [
            gettext("A consent on %(label)s is already recorded.") % {"label": version.label}
        ]
    if consented_on > timezone.localdate(timezone=locked.site.tz):
        problems["consented_on"] = [gettext("The consent date cannot be in the future.")]
    elif (
        kind == ParticipantConsent.Kind.RECONSENT
        and consented_on < timezone.localtime(locked.consent_at, locked.site.tz).date()
    ):
        problems["consented_on"] = [gettext("A re-consent cannot be before the first consent.")]
    if signer not in ParticipantConsent.Signer.values:
        problems["signer"] = [
            gettext("Choose the participant or a legally authorised representative.")
        ]
    relationship = (representative_relationship or "").strip()
    if signer == ParticipantConsent.Signer.REPRESENTATIVE and not relationship:
        problems["representative_relationship"] = [
            gettext("Give the representative's relationship.")
        ]
    elif len(relationship) > 80:
        problems["representative_relationship"] = [gettext("At most 80 characters.")]
    if signer == ParticipantConsent.Signer.PARTICIPANT:
        relationship = ""
    obtained_by = (obtained_by or "").strip()
    if not obtained_by:
        problems["obtained_by"] = [gettext("Give who obtained consent.")]
    elif len(obtained_by) > 150:
        problems["obtained_by"] = [gettext("At most 150 characters.")]
    if kind not in ParticipantConsent.Kind.values:
        problems["kind"] = [gettext("Choose initial consent or re-consent.")]
    if problems:
        raise ValidationError(problems)
    consent = ParticipantConsent(
        participant=locked,
        version=version,
        kind=kind,
        consented_on=consented_on,
        signer=signer,
        representative_relationship=relationship,
        obtained_by=obtained_by,
        recorded_by=user,
    )
    save_clinical(consent, user=user, reason=f"Consent on {version.label} recorded")
    if reconsent_version(locked) is None:
        reminders_close(subject=locked, kind=RECONSENT_KIND)
    return consent


def _reconsent_message(study_id: str, version: Any) -> str:
    """In the language in force (notifications.in_languages)."""
    return gettext(
        "%(study_id)s must re-consent on consent form %(version)s (effective %(date)s)."
    ) % {
        "study_id": study_id,
        "version": version.label,
        "date": date_format(version.effective_on, "SHORT_DATE_FORMAT"),
    }


def reconsent_reminders_raise() -> dict[str, int]:
    """A to-do item for the site's coordinators about each participant who must
    re-consent (run when a version is defined, and nightly). Idempotent: one item per
    coordinator, participant and version (due from the version's effective date).
    A constant number of queries whatever the number of participants."""
    flags = reconsent_flags(Participant.objects.all())
    if not flags:
        return {"candidates": 0, "unsent": 0}
    coordinators = staff_by_site([Role.COORDINATOR])
    messages = {
        (participant.pk, version.label): in_languages(
            _reconsent_message, participant.study_id, version
        )
        for participant, version in flags
    }
    wanted = [
        reminder_new(
            user_id=user_id,
            subject=participant,
            kind=RECONSENT_KIND,
            title=gettext_noop("Re-consent needed"),
            due_date=version.effective_on,  # one item per version, not per day
            message=messages[(participant.pk, version.label)],
            site_id=participant.site_id,
            label=participant.study_id,
            url=reverse("participant_consents", kwargs={"pk": participant.pk}),
        )
        for participant, version in flags
        for user_id in coordinators.get((participant.site_id, Role.COORDINATOR), [])
    ]
    return reminders_raise(wanted)


def enrolment_version(*, site: Site, label: str, consented_on: dt.date) -> ConsentVersion | None:
    """At enrolment: once versions are defined for the site, the consent form given must
    be the one in effect there on the consent date (ValidationError naming
    consent_form_version); None while no version is defined (a free-text version)."""
    from enrollment.consent import versions_for_site

    in_force = versions_for_site(site.pk, on=consented_on)
    if not in_force:
        return None
    current = in_force[0]
    if label.strip() != current.label:
        raise ValidationError(
            {
                "consent_form_version": gettext(
                    "The consent form in effect at %(site)s on %(date)s is %(label)s: consent "
                    "on it."
                )
                % {"site": site.code, "date": f"{consented_on:%Y-%m-%d}", "label": current.label}
            }
        )
    return current


def enrolment_consent_save(
    *, participant: Participant, version: ConsentVersion | None, user: Any
) -> ParticipantConsent | None:
    """The enrolment's consent on its version (inside participant_enrol's transaction)."""
    if version is None:
        return None
    consent = ParticipantConsent(
        participant=participant,
        version=version,
        kind=ParticipantConsent.Kind.INITIAL,
        consented_on=timezone.localtime(participant.consent_at, participant.site.tz).date(),
        obtained_by=participant.consent_obtained_by,
        recorded_by=user,
    )
    save_clinical(consent, user=user, reason=f"Consent on {version.label} at enrolment")
    return consent
