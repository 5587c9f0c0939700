from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from dosing import administration_selectors, protocol, selectors, services
from dosing.administration_forms import AdministrationFormSet, DayForm, VerifyForm
from dosing.config import dosing_settings
from dosing.forms import (
    AssessmentForm,
    NpoForm,
    OrderSheetForm,
    PreviewForm,
    RelapseForm,
    WeightForm,
    participant_baseline,
)
from dosing.models import Assessment, Order, Regimen
from dosing.protocol_contract import regimen_to_json
from dressdb import signing
from dressdb.access import has_role, require_role
from dressdb.models import Role
from enrollment.access import participant_for_user


def _apply(form: Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_role(Role.INVESTIGATOR)
def decisions_due(request: HttpRequest) -> HttpResponse:
    return render(
        request, "dosing/decisions_due.html", {"regimens": selectors.decisions_due(request.user)}
    )


@require_role(Role.INVESTIGATOR)
def assessment_new(request: HttpRequest, pk: int) -> HttpResponse:
    participant = participant_for_user(request.user, pk, roles=[Role.INVESTIGATOR])
    regimen = Regimen.objects.filter(participant=participant).first()
    previous = (
        Assessment.objects.filter(participant=participant).order_by("-number").first()
        if regimen
        else None
    )
    initial: dict[str, Any] = {}
    if previous is not None:
        for name in ("alt", "ast", "bilirubin", "creatinine", "eosinophils"):
            initial[f"baseline_{name}"] = getattr(previous, f"baseline_{name}")
    elif participant.screening is not None:
        initial["baseline_eosinophils"] = participant.screening.eosinophil_count
        if participant.screening.creatinine_unit == "mg_dl":
            initial["baseline_creatinine"] = participant.screening.creatinine
    form = AssessmentForm(
        request.POST or None, initial=initial, baseline=participant_baseline(participant)
    )
    suggestion = None
    prev_labs = (
        {n: getattr(previous, n) for n in ("alt", "ast", "bilirubin", "creatinine", "eosinophils")}
        if previous
        else None
    )
    valid = form.is_bound and form.is_valid()
    if form.is_bound:
        # The panel keeps its content after a validation error.
        suggestion = form.suggestion(prev_labs)
    if form.is_bound and not valid:
        # All errors at once: the decision rules also run on what the form could read.
        problems = services.assessment_problems(
            participant=participant,
            improvement=form.cleaned_data.get("improvement"),
            labs_trend=form.cleaned_data.get("labs_trend"),
            skip=frozenset(form.errors),
        )
        if problems:
            _apply(form, ValidationError(problems))
    if valid and suggestion is not None:
        try:
            services.assessment_sign(
                participant=participant,
                user=request.user,
                password=form.cleaned_data["password"],
                improvement=form.cleaned_data["improvement"],
                labs_trend=form.cleaned_data["labs_trend"],
                labs=form.labs(),  # type: ignore[arg-type]
                baseline=form.baseline(),  # type: ignore[arg-type]
                other_findings=form.cleaned_data["other_findings"],
                suggested_improvement=suggestion.improvement or "",
                suggested_labs_trend=suggestion.labs_trend or "",
                request=request,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _after_decision(participant))
            return redirect("participant_detail", pk=participant.pk)
    return render(
        request,
        "dosing/assessment_form.html",
        {
            "participant": participant,
            "regimen": regimen,
            "form": form,
            "suggestion": suggestion,
            "meaning": services.SIGNATURE_MEANING,
            "now": timezone.now(),
            "sign_form": form,
            "sign_meaning": "dosing decision authorised",
            "sign_statement": services.SIGNATURE_MEANING,
            "sign_button": "Sign the decision",
            "sign_summary": [
                ("Participant", participant.study_id),
                (
                    "Decision",
                    f"study day {regimen.next_decision_day}: "
                    f"{gettext(protocol.label_of(regimen.current_block, protocol.BLOCK_LABELS))}"
                    if regimen
                    else "no regimen",
                ),
                ("Your answers", "the labs, findings and decision entered on this page"),
            ],
        },
    )


@require_role(Role.INVESTIGATOR)
def assessment_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the suggested answers for the labs typed so far."""
    participant = participant_for_user(request.user, pk, roles=[Role.INVESTIGATOR])
    form = AssessmentForm(request.POST, baseline=participant_baseline(participant))
    form.is_valid()
    previous = Assessment.objects.filter(participant=participant).order_by("-number").first()
    labs = ("alt", "ast", "bilirubin", "creatinine", "eosinophils")
    prev_labs = {n: getattr(previous, n) for n in labs} if previous else None
    suggestion = form.suggestion(prev_labs)
    return render(request, "dosing/_suggestion.html", {"suggestion": suggestion})


def _course_change(
    request: HttpRequest, pk: int, form_class: type[Form], title: str, apply: Any
) -> HttpResponse:
    participant = participant_for_user(
        request.user, pk, roles=[Role.INVESTIGATOR, Role.COORDINATOR]
    )
    initial = {"npo": participant.npo, "weight_kg": participant.weight_kg}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            apply(participant, form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request,
                gettext("%(title)s: saved. Future orders were recomputed.") % {"title": title},
            )
            return redirect("participant_detail", pk=participant.pk)
    return render(
        request,
        "dosing/course_change.html",
        {"participant": participant, "form": form, "title": title},
    )


@require_role(Role.INVESTIGATOR, Role.COORDINATOR)
def relapse_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _course_change(
        request,
        pk,
        RelapseForm,
        "Relapse",
        lambda p, d: services.relapse_record(
            participant=p,
            user=request.user,
            relapse_on=d["relapse_on"],
            reason=d["reason_for_change"],
        ),
    )


@require_role(Role.INVESTIGATOR, Role.COORDINATOR)
def npo_change(request: HttpRequest, pk: int) -> HttpResponse:
    return _course_change(
        request,
        pk,
        NpoForm,
        "NPO status",
        lambda p, d: services.npo_set(
            participant=p, user=request.user, npo=d["npo"], reason=d["reason_for_change"]
        ),
    )


@require_role(Role.INVESTIGATOR, Role.COORDINATOR)
def weight_change(request: HttpRequest, pk: int) -> HttpResponse:
    return _course_change(
        request,
        pk,
        WeightForm,
        "Baseline weight correction",
        lambda p, d: services.weight_correct(
            participant=p,
            user=request.user,
            weight_kg=d["weight_kg"],
            reason=d["reason_for_change"],
        ),
    )


@require_role(Role.COORDINATOR, Role.PHARMACIST)
def todays_orders(request: HttpRequest) -> HttpResponse:
    orders, dates = selectors.todays_orders(request.user, [Role.COORDINATOR, Role.PHARMACIST])
    administration_selectors.mark_orders(orders)  # blocked until verified; doses recorded
    return render(
        request,
        "dosing/todays_orders.html",
        {
            "orders": orders,
            "dates": sorted(set(dates.values())),
            "can_record": has_role(request.user, Role.COORDINATOR),
            "can_verify": has_role(request.user, Role.PHARMACIST),
        },
    )


@require_role(Role.COORDINATOR, Role.PHARMACIST, Role.INVESTIGATOR)
def order_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable medication administration record (MAR) of a date range."""
    participant = participant_for_user(request.user, pk)
    regimen = Regimen.objects.filter(participant=participant).first()
    today = timezone.localdate(timezone=participant.site.tz)
    form = OrderSheetForm(
        request.GET or None, initial={"start": today, "end": today + dt.timedelta(days=6)}
    )
    start, end = today, today + dt.timedelta(days=6)
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return render(
        request,
        "dosing/order_sheet.html",
        {
            "participant": participant,
            "regimen": regimen,
            # One page per participant-week: a row per administration, blank for paper
            # use unless recorded (issue 16 item 6).
            "weeks": selectors.order_sheet(participant, regimen, start, end),
            "form": form,
            "start": start,
            "end": end,
            "zone": participant.site.time_zone,
            "printed_at": timezone.now(),
        },
    )


@require_role(Role.INVESTIGATOR, Role.PHARMACIST)
def protocol_preview(request: HttpRequest) -> HttpResponse:
    form = PreviewForm(request.GET or None)
    result = None
    chart = None
    if form.is_bound and form.is_valid() and form.preview_input is not None:
        try:
            regimen = protocol.plan_preview(form.preview_input, dosing_settings())
        except protocol.ProtocolError as exc:
            form.add_error("decisions", str(exc))
        else:
            result = regimen_to_json(regimen)
            decision_days = [e["day"] for e in result["events"]]
            chart = selectors.chart_data(result["orders"], decision_days)
    return render(
        request,
        "dosing/protocol_preview.html",
        {
            "form": form,
            "result": result,
            "chart": chart,
            "result_json": json.dumps(result, indent=1) if result else "",
        },
    )


def _after_decision(participant: Any) -> str:
    """What the signed decision leaves: say the truth (off protocol has no orders)."""
    regimen = Regimen.objects.filter(participant=participant).first()
    state = regimen.state if regimen else ""
    if state == "off_protocol":
        return (
            "Decision signed. The participant is now off protocol: there are no further "
            "protocol orders, and the investigator has been alerted."
        )
    if state == "monitoring":
        return (
            "Decision signed. Treatment stops: no orders while the participant is monitored "
            "for relapse."
        )
    return "Decision signed. The next orders are on the participant page."


# --- Administrations and pharmacist verification (issue 19) ------------------------------

ADMIN_ROLES = [Role.COORDINATOR, Role.INVESTIGATOR]


def _day_of(request: HttpRequest, participant: Any) -> dt.date:
    today = timezone.localdate(timezone=participant.site.tz)
    raw = request.GET.get("date", "")
    if not raw:
        return today
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return today


def _initial(slot: administration_selectors.Slot, user: Any, now: dt.datetime) -> dict[str, Any]:
    tz = slot.scheduled.tzinfo
    record = slot.record
    if record is not None:
        return {
            "order_id": slot.order.pk,
            "number": slot.number,
            "status": record.status,
            "dose_mg": record.dose_mg,
            "route": record.route,
            "given_at": timezone.localtime(record.given_at, tz).replace(tzinfo=None)
            if record.given_at
            else None,
            "given_by": record.given_by,
            "reason": record.reason,
        }
    when = min(slot.scheduled, now.astimezone(tz)).replace(second=0, microsecond=0)
    return {
        "order_id": slot.order.pk,
        "number": slot.number,
        "status": "given",
        "dose_mg": slot.order.dose_mg,
        "route": slot.order.route,
        "given_at": when.replace(tzinfo=None),
        "given_by": signing.printed_name(user),
        "reason": "",
    }


def _apply_day_errors(formset: Any, day_form: Form, exc: ValidationError) -> None:
    for key, errors in exc.message_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "administrations" and parts[1].isdigit():
            index, field = int(parts[1]), parts[2]
            if index < len(formset.forms):
                target = formset.forms[index]
                target.add_error(field if field in target.fields else None, errors)
                continue
        day_form.add_error(key if key in day_form.fields else None, errors)


@require_role(Role.COORDINATOR, Role.INVESTIGATOR)
def administrations_day(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole day's doses of a participant on one screen: all given by default."""
    participant = participant_for_user(request.user, pk, roles=ADMIN_ROLES)
    date = _day_of(request, participant)
    tz = participant.site.tz
    slots = administration_selectors.day_slots(participant, date)
    open_slots = [s for s in slots if not s.blocked]
    monitoring = administration_selectors.day_monitoring(participant, date)
    now = timezone.now()
    initial = [_initial(s, request.user, now) for s in open_slots]
    formset = AdministrationFormSet(
        request.POST or None, initial=initial, form_kwargs={"tz": tz}, prefix="adm"
    )
    day_initial = (
        {f: getattr(monitoring, f) for f in services.MONITORING_FIELDS} if monitoring else {}
    )
    day_form = DayForm(request.POST or None, initial=day_initial, prefix="day")
    if request.method == "POST" and formset.is_valid() and day_form.is_valid():
        try:
            services.administrations_record(
                participant=participant,
                user=request.user,
                date=date,
                entries=[f.entry() for f in formset.forms],
                monitoring=day_form.monitoring(),
                reason_for_change=day_form.cleaned_data["reason_for_change"],
            )
        except ValidationError as exc:
            _apply_day_errors(formset, day_form, exc)
        else:
            messages.success(
                request,
                gettext("Doses of %(date)s saved for %(study_id)s.")
                % {
                    "date": date_format(date, "SHORT_DATE_FORMAT"),
                    "study_id": participant.study_id,
                },
            )
            return redirect(f"{request.path}?date={date:%Y-%m-%d}")
    rows = list(zip(open_slots, formset.forms, strict=True))
    return render(
        request,
        "dosing/administrations_day.html",
        {
            "participant": participant,
            "date": date,
            "zone": tz.key,
            "rows": rows,
            "blocked": [s for s in slots if s.blocked],
            "formset": formset,
            "day_form": day_form,
            "today": timezone.localdate(timezone=tz),
            "adherence": administration_selectors.participant_adherence(participant),
            "can_verify": False,
        },
    )


@require_role(Role.PHARMACIST)
def order_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """The pharmacist's e-signed verification of the participant's flagged orders."""
    participant = participant_for_user(request.user, pk, roles=[Role.PHARMACIST])
    flagged = list(
        Order.objects.filter(participant=participant, pharmacist_to_verify=True).order_by(
            "date", "drug"
        )
    )
    administration_selectors.mark_orders(flagged)
    pending = [o for o in flagged if getattr(o, "blocked", False)]
    chosen_id = request.POST.get("order_id") or request.GET.get("order") or ""
    chosen = next((o for o in pending if str(o.pk) == chosen_id), pending[0] if pending else None)
    form = VerifyForm(request.POST or None, initial={"order_id": chosen.pk if chosen else None})
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_verify(
                participant=participant,
                user=request.user,
                order_id=form.cleaned_data["order_id"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request,
                gettext("Order verified for dispensing: %(drug)s %(dose)s mg %(route)s, %(date)s.")
                % {
                    "drug": order.get_drug_display(),
                    "dose": order.dose_mg,
                    "route": order.route,
                    "date": date_format(order.date, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect(f"{request.path}")
    return render(
        request,
        "dosing/administrations_verify.html",
        {
            "participant": participant,
            "pending": pending,
            "verified": [o for o in flagged if not getattr(o, "blocked", False)],
            "chosen": chosen,
            "sign_form": form,
            "form": form,
            "sign_meaning": signing.Meaning.REVIEWED_APPROVED.label,
            "sign_statement": services.VERIFY_STATEMENT,
            "sign_button": "Verify and sign",
            "sign_summary": services.order_summary(chosen, participant) if chosen else [],
        },
    )
