from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dressdb import signing
from dressdb.access import require_role
from dressdb.models import Role
from enrollment.access import participant_for_user
from outcomes import selectors, services
from outcomes.forms import HospitalCourseForm, MissedForm, UnlockForm, VisitForm
from outcomes.models import HospitalCourse, Visit
from outcomes.templatetags.outcomes_labels import visit_label


def _visit_for(request: HttpRequest, pk: int, visit_pk: int, roles: list[str]) -> Visit:
    participant = participant_for_user(request.user, pk, roles=roles)
    return get_object_or_404(
        Visit.objects.select_related("participant__site"), pk=visit_pk, participant=participant
    )


def _apply(form: Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_role(Role.COORDINATOR, Role.INVESTIGATOR)
def visit_list(request: HttpRequest) -> HttpResponse:
    # Work still to do: every visit not yet signed off and locked.
    visits = [v for v in selectors.visit_list(request.user) if not v.locked]
    return render(request, "outcomes/visit_list.html", {"visits": visits})


@require_role(Role.COORDINATOR)
def visit_edit(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    visit = _visit_for(request, pk, visit_pk, [Role.COORDINATOR])
    form = VisitForm(request.POST or None, instance=visit)
    if form.is_bound and not form.is_valid():
        # All errors at once: the service's rules also run on what the form could read.
        problems = services.visit_problems(
            visit=visit,
            completed_on=form.cleaned_data.get("completed_on"),
            endpoints=form.endpoints(),
            out_of_window_reason=form.cleaned_data.get("out_of_window_reason") or "",
            reason=form.cleaned_data.get("reason_for_change") or "",
            death_date=form.cleaned_data.get("death_date"),
            skip=frozenset(form.errors),
        )
        if problems:
            _apply(form, ValidationError(problems))
    elif form.is_bound:
        try:
            services.visit_record(
                visit=visit,
                user=request.user,
                completed_on=form.cleaned_data["completed_on"],
                endpoints=form.endpoints(),
                out_of_window_reason=form.cleaned_data.get("out_of_window_reason") or "",
                reason=form.cleaned_data.get("reason_for_change") or "",
                death_date=form.cleaned_data.get("death_date"),
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request, gettext("%(label)s visit saved.") % {"label": visit_label(visit.name)}
            )
            return redirect("participant_detail", pk=pk)
    return _visit_page(request, visit, form, MissedForm())


def _visit_page(
    request: HttpRequest, visit: Visit, form: Form, missed_form: Form, status: int = 200
) -> HttpResponse:
    today = services.site_today(visit.participant.site)
    return render(
        request,
        "outcomes/visit_form.html",
        {
            "visit": visit,
            "participant": visit.participant,
            "form": form,
            "missed_form": missed_form,
            "window_closed": today > visit.window_closes,
            "site_today": today,
        },
        status=status,
    )


@require_role(Role.COORDINATOR)
@require_POST
def visit_missed(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    visit = _visit_for(request, pk, visit_pk, [Role.COORDINATOR])
    form = MissedForm(request.POST)
    if form.is_valid():
        try:
            updated = services.visit_mark_missed(
                visit=visit,
                user=request.user,
                reason=form.cleaned_data["missed_reason"],
                reason_code=form.cleaned_data["reason_code"],
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request,
                gettext("%(label)s visit recorded as %(missed_label)s.")
                % {"label": visit_label(visit.name), "missed_label": updated.missed_label},
            )
            return redirect("participant_detail", pk=pk)
    return _visit_page(request, visit, VisitForm(instance=visit), form, status=400)


@require_role(Role.INVESTIGATOR)
def visit_sign_off(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    """The sign-off page: the visit's data, the meaning and the password (Part 11)."""
    visit = _visit_for(request, pk, visit_pk, [Role.INVESTIGATOR])
    form = signing.SignForm(
        request.POST if request.method == "POST" else None, meanings=services.SIGN_OFF_MEANINGS
    )
    if form.is_bound and form.is_valid():
        try:
            services.visit_sign_off(
                visit=visit,
                user=request.user,
                password=form.cleaned_data["password"],
                meaning=form.cleaned_data["meaning"],
                request=request,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request,
                gettext("%(label)s visit signed off and locked.")
                % {"label": visit_label(visit.name)},
            )
            return redirect("participant_detail", pk=pk)
    return render(
        request,
        "outcomes/visit_sign_off.html",
        {
            "visit": visit,
            "participant": visit.participant,
            "sign_form": form,
            "sign_summary": services.sign_off_summary(visit),
            "sign_button": "Sign off the visit",
            "signatures": signing.signatures_for(visit),
        },
    )


@require_role(Role.INVESTIGATOR)
def visit_unlock(request: HttpRequest, pk: int, visit_pk: int) -> HttpResponse:
    visit = _visit_for(request, pk, visit_pk, [Role.INVESTIGATOR])
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_unlock(
                visit=visit, user=request.user, reason=form.cleaned_data["reason_for_change"]
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request, gettext("%(label)s visit unlocked.") % {"label": visit_label(visit.name)}
            )
            return redirect("participant_detail", pk=pk)
    return render(
        request,
        "outcomes/visit_unlock.html",
        {"visit": visit, "participant": visit.participant, "form": form},
    )


@require_role(Role.COORDINATOR, Role.INVESTIGATOR)
def hospital_course(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(
        request.user, pk, roles=[Role.COORDINATOR, Role.INVESTIGATOR]
    )
    course = HospitalCourse.objects.filter(participant=participant).first() or HospitalCourse(
        participant=participant
    )
    form = HospitalCourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data.get(name) for name in services.HOSPITAL_FIELDS}
        try:
            services.hospital_course_save(
                participant=participant,
                user=request.user,
                values=values,
                reason=form.cleaned_data.get("reason_for_change") or "",
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, gettext("Hospital course saved."))
            return redirect("participant_detail", pk=pk)
    return render(
        request, "outcomes/hospital_course.html", {"participant": participant, "form": form}
    )
