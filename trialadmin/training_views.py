"""Training records pages (issue 21): a person's courses, entered by admins.

Who reads: admins (every person), and site staff for the people of their own sites
(another site's person is a 404, never a 403). Who writes: admins only (403).
The certificate is served through this view (the same scope), never from a public URL.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache

from dressdb.access import has_role, require_role
from dressdb.models import Role, TrainingRecord
from trialadmin import training

# Every role opens a training page (its home page links to its own); whose training it
# may read is training.people_visible_to's answer (404 for anyone else).
TRAINING_READ_ROLES = (*training.SITE_TRAINING_READERS, Role.STATISTICIAN)


class DateInput(forms.DateInput):
    input_type = "date"


class TrainingForm(forms.Form):
    course = forms.CharField(
        label=gettext_lazy("Course"),
        max_length=100,
        help_text=gettext_lazy("As the duties require it, e.g. GCP, protocol."),
    )
    completed_on = forms.DateField(label=gettext_lazy("Completed on"), widget=DateInput)
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Empty: does not expire."),
    )
    certificate = forms.FileField(
        label=gettext_lazy("Certificate"),
        required=False,
        help_text=gettext_lazy("PDF, PNG or JPEG, at most 5 MB."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for change"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Needed to correct a saved record."),
    )


def person_for_viewer(viewer: Any, pk: int) -> Any:
    """The person, if the viewer may read their training; 404 otherwise."""
    return get_object_or_404(training.people_visible_to(viewer), pk=pk)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _page(request: HttpRequest, person: Any, form: TrainingForm | None, editing: Any) -> Any:
    states = training.training_states([person])
    return render(
        request,
        "trialadmin/training.html",
        {
            "person": person,
            "records": training.training_of(person),
            "state": states[person.pk],
            "form": form,
            "editing": editing,
            "is_admin": has_role(request.user, Role.ADMIN),
        },
    )


def _save(request: HttpRequest, person: Any, record: TrainingRecord | None) -> HttpResponse:
    if not has_role(request.user, Role.ADMIN):
        raise PermissionDenied("Only an admin enters training records.")
    initial = (
        {
            "course": record.course,
            "completed_on": record.completed_on,
            "valid_until": record.valid_until,
        }
        if record is not None
        else None
    )
    form = TrainingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            training.training_record_save(
                by=request.user,
                user=person,
                course=data["course"],
                completed_on=data["completed_on"],
                valid_until=data["valid_until"],
                certificate=data["certificate"],
                record=record,
                reason=data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, gettext("Training record saved."))
            return redirect("trialadmin:training", pk=person.pk)
    return _page(request, person, form, record)


@never_cache
@require_role(*TRAINING_READ_ROLES)
def training_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_for_viewer(request.user, pk)
    if request.method == "POST":
        return _save(request, person, None)
    form = TrainingForm() if has_role(request.user, Role.ADMIN) else None
    return _page(request, person, form, None)


@never_cache
@require_role(Role.ADMIN)
def training_edit(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    person = person_for_viewer(request.user, pk)
    record = get_object_or_404(TrainingRecord, pk=record_pk, user=person)
    return _save(request, person, record)


@never_cache
@require_role(*TRAINING_READ_ROLES)
def training_certificate(request: HttpRequest, pk: int, record_pk: int) -> FileResponse:
    person = person_for_viewer(request.user, pk)
    record = get_object_or_404(TrainingRecord, pk=record_pk, user=person)
    if not record.certificate:
        raise Http404("No certificate.")
    name = (record.certificate.name or "certificate").rsplit("/", 1)[-1]
    return FileResponse(record.certificate.open("rb"), as_attachment=True, filename=name)
