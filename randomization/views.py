from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dressdb.access import require_role
from dressdb.models import Role, SecurityEvent, Site
from dressdb.security_log import log_event
from enrollment.access import participant_for_user
from randomization import selectors, services
from randomization.forms import AppendForm, GenerateForm, UploadForm, WithdrawForm
from randomization.models import Allocation, AllocationList, AllocationSlot

LIST_ROLES = (Role.STATISTICIAN, Role.ADMIN)


@require_role(*LIST_ROLES)
def allocation_lists(request: HttpRequest) -> HttpResponse:
    generate = GenerateForm(request.POST if "generate" in request.POST else None)
    upload = UploadForm(
        request.POST if "upload" in request.POST else None,
        request.FILES if "upload" in request.POST else None,
    )
    if request.method == "POST" and "generate" in request.POST and generate.is_valid():
        try:
            alist = services.allocation_list_generate(
                user=request.user,
                kind=generate.cleaned_data["kind"],
                slots_per_stratum=generate.cleaned_data["slots_per_stratum"],
                block_sizes=generate.cleaned_data["block_sizes"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                generate.add_error(field if field in generate.fields else None, errors)
        else:
            messages.success(request, gettext("Generated %(alist)s.") % {"alist": alist})
            return redirect("allocation_list_detail", pk=alist.pk)
    if request.method == "POST" and "upload" in request.POST and upload.is_valid():
        try:
            alist = services.allocation_list_upload(
                user=request.user,
                kind=upload.cleaned_data["kind"],
                text=upload.cleaned_data["file"],
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    upload.add_error("file", error)
        else:
            messages.success(request, gettext("Uploaded %(alist)s.") % {"alist": alist})
            return redirect("allocation_list_detail", pk=alist.pk)
    lists = AllocationList.objects.select_related("created_by").order_by("-created_at")
    return render(
        request,
        "randomization/allocation_lists.html",
        {
            "lists": lists,
            "generate": generate,
            "upload": upload,
            "warnings": selectors.low_slot_warnings(),
        },
    )


@require_role(*LIST_ROLES)
def allocation_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alist = get_object_or_404(AllocationList.objects.select_related("created_by"), pk=pk)
    strata = list(selectors.strata_with_counts(alist))
    for stratum in strata:
        stratum.unused = stratum.total - stratum.used  # type: ignore[attr-defined]
    return render(
        request,
        "randomization/allocation_list_detail.html",
        {
            "alist": alist,
            "strata": strata,
            "append": AppendForm(),
            "warnings": selectors.low_slot_warnings(alist),
        },
    )


@require_role(*LIST_ROLES)
@require_POST
def allocation_list_append(request: HttpRequest, pk: int) -> HttpResponse:
    alist = get_object_or_404(AllocationList, pk=pk)
    form = AppendForm(request.POST)
    if form.is_valid():
        try:
            added = services.allocation_list_append(
                user=request.user,
                allocation_list=alist,
                slots_per_stratum=form.cleaned_data["slots_per_stratum"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(" ".join(v) for v in exc.message_dict.values()))
        else:
            messages.success(request, gettext("Appended %(added)s slots.") % {"added": added})
    else:
        messages.error(request, gettext("Give 1 to 10000 slots per stratum."))
    return redirect("allocation_list_detail", pk=alist.pk)


@require_role(*LIST_ROLES)
def allocation_list_export(request: HttpRequest, pk: int) -> HttpResponse:
    alist = get_object_or_404(AllocationList, pk=pk)
    slots = (
        AllocationSlot.objects.filter(stratum__allocation_list=alist)
        .select_related("stratum__site", "allocation__participant")
        .order_by("stratum__key", "position")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="allocation-list-{alist.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "list",
            "kind",
            "stratum",
            "site",
            "renal_impairment",
            "position",
            "block",
            "block_size",
            "arm",
            "used_by",
            "used_at",
        ]
    )
    for s in slots:
        allocation = getattr(s, "allocation", None)
        renal = (
            ""
            if s.stratum.renal_impairment is None
            else ("yes" if s.stratum.renal_impairment else "no")
        )
        writer.writerow(
            [
                alist.pk,
                alist.kind,
                s.stratum.key,
                s.stratum.site.code,
                renal,
                s.position,
                s.block_number,
                s.block_size,
                s.arm,
                allocation.participant.study_id if allocation else "",
                allocation.randomized_at.isoformat() if allocation else "",
            ]
        )
    log_event(
        SecurityEvent.Kind.EXPORT,
        user=request.user,
        request=request,
        dataset="allocation_list",
        list=alist.pk,
        rows=len(slots),
    )
    return response


@require_role(Role.COORDINATOR)
def randomize(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirmation page (strata shown for checking), then the irreversible action."""
    participant = participant_for_user(request.user, pk, roles=[Role.COORDINATOR])
    existing = Allocation.objects.filter(participant=participant).first()
    if existing is not None:
        return redirect("randomization_result", pk=participant.pk)
    factors = services.strata_factors()
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.participant_randomize(participant=participant, user=request.user)
        except services.NoSlotError as exc:
            messages.error(request, exc.user_message())
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                messages.error(request, " ".join(errors))
        else:
            return redirect("randomization_result", pk=participant.pk)
    return render(
        request,
        "randomization/randomize_confirm.html",
        {
            "participant": participant,
            "stratum": services.stratum_key_for_participant(participant, factors),
            "factors": factors,
        },
    )


@require_role(Role.COORDINATOR, Role.INVESTIGATOR, Role.PHARMACIST, Role.ADMIN)
def randomization_result(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk)
    allocation = get_object_or_404(
        Allocation.objects.select_related("randomized_by"), participant=participant
    )
    return render(
        request,
        "randomization/randomize_result.html",
        {"participant": participant, "allocation": allocation},
    )


@require_role(*LIST_ROLES)
def allocation_summary(request: HttpRequest) -> HttpResponse:
    """Allocations per stratum and arm: near a block's end, per-stratum counts let a site
    guess the next arm, so only statisticians and admins see them (issue 15)."""
    return render(
        request,
        "randomization/allocation_summary.html",
        {"rows": selectors.allocation_counts(request.user), "sites": Site.objects.all()},
    )


@require_role(Role.COORDINATOR, Role.INVESTIGATOR)
def participant_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdrawal of one of three kinds, with its consequences (services.participant_withdraw)."""
    roles = [Role.COORDINATOR, Role.INVESTIGATOR]
    participant = participant_for_user(request.user, pk, roles=roles)
    today = timezone.localdate(timezone=participant.site.tz)
    form = WithdrawForm(request.POST or None, initial={"withdrawn_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.participant_withdraw(
                participant=participant,
                user=request.user,
                kind=form.cleaned_data["kind"],
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                name = {"reason_for_change": "reason"}.get(field, field)
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"{participant.study_id}: {updated.get_withdrawal_kind_display()}. "
                "Nothing recorded is deleted.",
            )
            return redirect("participant_detail", pk=participant.pk)
    return render(
        request,
        "enrollment/participant_withdraw.html",
        {"participant": participant, "form": form, "status": participant.current_status},
    )
