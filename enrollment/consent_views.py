"""Pages of the consent-form versions (issue 18): the trial admin's version table, and a
participant's consents with the re-consent form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from dressdb.access import has_role, require_role
from dressdb.models import Role
from enrollment import consent, consent_services
from enrollment.access import participant_for_user
from enrollment.consent_forms import ConsentRecordForm, ConsentVersionForm
from enrollment.models import ConsentVersion

VERSION_READERS = (Role.ADMIN, Role.COORDINATOR, Role.INVESTIGATOR, Role.STATISTICIAN)
CONSENT_READERS = (Role.COORDINATOR, Role.INVESTIGATOR, Role.ADMIN, Role.MONITOR)
CONSENT_WRITERS = (Role.COORDINATOR, Role.INVESTIGATOR)


def _apply(form: Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_role(*VERSION_READERS)
def consent_versions(request: HttpRequest) -> HttpResponse:
    is_admin = has_role(request.user, Role.ADMIN)
    if request.method == "POST" and not is_admin:
        raise PermissionDenied("Only the trial admin defines consent-form versions.")
    form = ConsentVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent_services.consent_version_create(
                user=request.user,
                label=data["label"],
                effective_on=data["effective_on"],
                irb_approved_on=data["irb_approved_on"],
                document=data["document"],
                requires_reconsent=data["requires_reconsent"],
                sites=list(data["sites"]),
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request, gettext("Consent form %(label)s defined.") % {"label": data["label"]}
            )
            return redirect("consent_versions")
    versions = ConsentVersion.objects.prefetch_related("sites").select_related("created_by")
    return render(
        request,
        "enrollment/consent_versions.html",
        {"versions": list(versions), "form": form if is_admin else None},
    )


@require_role(*CONSENT_READERS)
def participant_consents(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=CONSENT_READERS)
    can_record = has_role(request.user, *CONSENT_WRITERS)
    if request.method == "POST" and not can_record:
        raise PermissionDenied("Only coordinators and investigators record consent.")
    today = timezone.localdate(timezone=participant.site.tz)
    versions = consent.versions_for_site(participant.site_id, on=today)
    form = ConsentRecordForm(
        request.POST or None,
        versions=versions,
        initial={"version": versions[0].pk if versions else None, "consented_on": today},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent_services.consent_record(
                participant=participant,
                user=request.user,
                version=data["version"],
                consented_on=data["consented_on"],
                signer=data["signer"],
                representative_relationship=data["representative_relationship"],
                obtained_by=data["obtained_by"],
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("participant_consents", pk=participant.pk)
    return render(
        request,
        "enrollment/consent_participant.html",
        {
            "participant": participant,
            "consents": consent.consents_for(participant),
            "reconsent": consent.reconsent_version(participant),
            "blocks": consent.consent_blocks_entry(),
            "form": form if can_record else None,
        },
    )
