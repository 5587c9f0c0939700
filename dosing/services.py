"""Writes of the dosing app: start a regimen, sign decisions, relapse, NPO, weight.

The stored orders are always the engine's plan (dosing.protocol.plan_regimen) for the
participant's inputs and signed decisions. `_sync` stores that plan:
- new orders are created whatever their date;
- an existing order changes only if it is dated after the site's today (orders of
  today and before are what was given, and stay as they were);
- events are added once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, pgettext

from dosing import administration_rules as rules
from dosing import protocol
from dosing.config import admin_dose_tolerance_pct, dosing_settings, monitoring_limits
from dosing.models import (
    IMPROVEMENT_CHOICES,
    TREND_CHOICES,
    Administration,
    Assessment,
    DailyMonitoring,
    Order,
    Regimen,
    RegimenEvent,
)
from dressdb import signing
from dressdb.audit import require_reason, save_clinical
from dressdb.delegation import Duty, require_duty
from enrollment.models import Participant
from enrollment.services import data_entry_allowed, participant_record_milestones
from notifications.services import Text, in_languages

logger = logging.getLogger(__name__)

SIGNATURE_MEANING = (
    "I have assessed this participant and I take this dosing decision under the trial protocol."
)


def site_today(participant: Participant) -> dt.date:
    return timezone.localdate(timezone=participant.site.tz)


def _plan(regimen: Regimen, participant: Participant) -> protocol.Regimen:
    decisions = [
        protocol.Decision(protocol.Improvement(a.improvement), protocol.LabsTrend(a.labs_trend))
        for a in regimen.assessments.order_by("number")
    ]
    return protocol.plan_regimen(
        arm=protocol.Arm(regimen.randomized_arm),
        weight_kg=participant.weight_kg,
        renal_impairment=participant.renal_impairment,
        npo=participant.npo,
        decisions=decisions,
        relapse_day=regimen.relapse_day,
        start_date=regimen.day1,
        settings=dosing_settings(),
    )


ORDER_FIELDS = (
    "date",
    "route",
    "dose_mg",
    "calculated_dose_mg",
    "times_per_day",
    "daily_dose_mg",
    "block",
    "pharmacist_to_verify",
)


def order_values(o: protocol.Order) -> dict[str, Any]:
    return {
        "date": o.date,
        "route": str(o.route),
        "dose_mg": o.dose_mg.quantize(Decimal("0.01")),
        "calculated_dose_mg": o.calculated_dose_mg.quantize(Decimal("0.001")),
        "times_per_day": o.times_per_day,
        "daily_dose_mg": o.daily_dose_mg.quantize(Decimal("0.01")),
        "block": str(o.block),
        "pharmacist_to_verify": o.pharmacist_to_verify,
    }


def _verify_flag(
    po: protocol.Order, participant: Participant, order: Order | None, weight_changed: bool
) -> bool:
    """Where "pharmacist to verify" is derived (issue 19): the engine's flag (IV
    cyclosporine under NPO, oral prednisone under NPO), a renal-adjusted cyclosporine
    dose, or a dose recomputed by a weight correction. An order keeps its flag while its
    dose and route stay the same."""
    if po.pharmacist_to_verify:
        return True
    if po.drug is protocol.Drug.CYCLOSPORINE and participant.renal_impairment:
        return True
    if order is None:
        return weight_changed
    same = order.dose_mg == po.dose_mg.quantize(Decimal("0.01")) and order.route == str(po.route)
    return order.pharmacist_to_verify if same else weight_changed


def _sync(
    regimen: Regimen,
    participant: Participant,
    user: Any,
    reason: str,
    *,
    weight_changed: bool = False,
) -> protocol.Regimen:
    plan = _plan(regimen, participant)
    today = site_today(participant)
    stored = {(o.day, o.drug): o for o in regimen.orders.all()}
    planned_keys = set()
    ended = participant.treatment_withdrawn_on  # a withdrawal ends study treatment
    for po in plan.orders:
        if ended is not None and po.date is not None and po.date > ended:
            continue
        key = (po.day, str(po.drug))
        planned_keys.add(key)
        order = stored.get(key)
        values = order_values(po)
        values["pharmacist_to_verify"] = _verify_flag(po, participant, order, weight_changed)
        if order is None:
            order = Order(
                participant=participant, regimen=regimen, day=po.day, drug=str(po.drug), **values
            )
            save_clinical(order, user=user, reason=reason)
        elif order.date > today and any(getattr(order, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(order, f, v)
            save_clinical(order, user=user, reason=reason)
            signing.void_for(order, reason=f"Order changed: {reason}", user=user)
    for key, order in stored.items():
        if key not in planned_keys and order.date > today:
            order._history_user = user  # type: ignore[attr-defined]
            order._change_reason = reason  # type: ignore[attr-defined]
            order.delete()
    known = {(e.day, e.type) for e in regimen.events.all()}
    for event in plan.events:
        if (event.day, str(event.type)) in known:
            continue
        save_clinical(
            RegimenEvent(
                participant=participant,
                regimen=regimen,
                day=event.day,
                date=regimen.day1 + dt.timedelta(days=event.day - 1),
                type=str(event.type),
                to_arm=str(event.to_arm or ""),
                reason=reason,
                recorded_by=user,
            ),
            user=user,
            reason=reason,
        )
        if event.type is protocol.EventType.SWITCH and regimen.switched_on_day is None:
            regimen.switched_on_day = event.day
    regimen.state = str(plan.state)
    regimen.current_arm = str(plan.current_arm)
    regimen.current_block = str(plan.current_block or "")
    regimen.next_decision_day = plan.next_decision_day
    regimen.next_decision_date = (
        regimen.day1 + dt.timedelta(days=plan.next_decision_day - 1)
        if plan.next_decision_day is not None
        else None
    )
    if ended is not None:
        regimen.next_decision_day = None
        regimen.next_decision_date = None
    save_clinical(regimen, user=user, reason=reason)
    _record_milestones(regimen, participant, plan, user, reason)
    return plan


def _record_milestones(
    regimen: Regimen, participant: Participant, plan: protocol.Regimen, user: Any, reason: str
) -> None:
    """The course's facts on the participant (enrollment.status derives the status)."""

    def date_of(day: int) -> dt.date:
        return regimen.day1 + dt.timedelta(days=day - 1)

    stops = [e.day for e in plan.events if e.type is protocol.EventType.STOP]
    off = [e.day for e in plan.events if e.type is protocol.EventType.OFF_PROTOCOL]
    monitoring = plan.state is protocol.State.MONITORING and bool(stops)
    completed = plan.state is protocol.State.COMPLETED and bool(plan.orders)
    participant_record_milestones(
        participant=participant,
        user=user,
        reason=reason,
        current_arm=str(plan.current_arm),
        treatment_stopped_on=date_of(max(stops)) if monitoring else None,
        course_completed_on=(
            max((o.date for o in plan.orders if o.date is not None), default=None)
            if completed
            else None
        ),
        off_protocol_on=date_of(min(off)) if off else None,
    )


@transaction.atomic
def regimen_withdraw(*, participant: Participant, user: Any, reason: str) -> Regimen | None:
    """After a withdrawal (any kind ends study treatment): orders after its date go,
    no decision is due. Called by randomization.services.participant_withdraw."""
    regimen = Regimen.objects.select_for_update().filter(participant=participant).first()
    if regimen is None:
        return None
    _sync(regimen, participant, user, reason)
    from dosing.reminders import decision_reminders_close

    decision_reminders_close(participant)
    return regimen


@transaction.atomic
def regimen_start(*, participant: Participant, arm: str, day1: dt.date, user: Any) -> Regimen:
    """Start the randomized arm's regimen on study day 1 (called by randomization)."""
    existing = Regimen.objects.filter(participant=participant).first()
    if existing is not None:
        return existing
    regimen = Regimen(
        participant=participant,
        randomized_arm=arm,
        day1=day1,
        state=protocol.State.AWAITING_DECISION,
        current_arm=arm,
    )
    save_clinical(regimen, user=user, reason="Regimen started at randomization")
    _sync(regimen, participant, user, "Regimen started at randomization")
    return regimen


def _choose(labels: Iterable[str]) -> str:
    """'Choose one of: Down-trending; Flat; Up-trending.', in words, not the codes."""
    separator = pgettext("between the choices of a list", "; ")  # French: " ; "
    return gettext("Choose one of: %(choices)s.") % {
        "choices": separator.join(gettext(label) for label in labels)
    }


def _switch_message(study_id: str, plan: Any, point: Any) -> str:
    """The arm-switch alert, in the language in force (notifications.in_languages)."""
    return gettext("%(study_id)s switched to %(arm)s after day %(day)s (%(block)s).") % {
        "study_id": study_id,
        "arm": gettext(protocol.label_of(plan.current_arm, protocol.ARM_LABELS)).lower(),
        "day": point.day,
        "block": gettext(protocol.label_of(point.block, protocol.BLOCK_LABELS)),
    }


def _alert(participant: Participant, kind: str, message: Text) -> None:
    from dosing.reminders import regimen_alert

    regimen_alert(participant, kind, message)


def _decision_due(participant: Participant, regimen: Regimen | None) -> Regimen:
    if regimen is None:
        raise ValidationError(
            {"improvement": gettext("This participant has no regimen (not randomized).")}
        )
    if (
        regimen.state != protocol.State.AWAITING_DECISION
        or regimen.next_decision_date is None
        or regimen.next_decision_day is None
    ):
        raise ValidationError(
            {
                "improvement": gettext("No decision is due: the regimen is %(state)s.")
                % {"state": regimen.get_state_display()}
            }
        )
    if site_today(participant) < regimen.next_decision_date:
        raise ValidationError(
            {
                "improvement": gettext(
                    "The decision is due on study day %(day)s (%(date)s), not before."
                )
                % {
                    "day": regimen.next_decision_day,
                    "date": date_format(regimen.next_decision_date, "SHORT_DATE_FORMAT"),
                }
            }
        )
    return regimen


def assessment_problems(
    *,
    participant: Participant,
    improvement: str | None,
    labs_trend: str | None,
    skip: frozenset[str] = frozenset(),
) -> dict[str, list[str]]:
    """Every rule a decision breaks, by field, without writing (the password aside):
    the answers, and whether a decision is due today."""
    problems: dict[str, list[str]] = {}
    if "improvement" not in skip:
        if improvement not in {str(i) for i in protocol.Improvement}:
            problems["improvement"] = [_choose(protocol.IMPROVEMENT_LABELS.values())]
    if "labs_trend" not in skip:
        if labs_trend not in {str(t) for t in protocol.LabsTrend}:
            problems["labs_trend"] = [_choose(protocol.LABS_TREND_LABELS.values())]
    current = Participant.objects.select_related("site").get(pk=participant.pk)
    try:
        _decision_due(current, Regimen.objects.filter(participant=current).first())
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            problems.setdefault(field, []).extend(messages)
    return problems


def assessment_sign(
    *,
    participant: Participant,
    user: Any,
    password: str,
    improvement: str,
    labs_trend: str,
    labs: dict[str, Decimal | None] | None = None,
    baseline: dict[str, Decimal | None] | None = None,
    other_findings: str = "",
    suggested_improvement: str = "",
    suggested_labs_trend: str = "",
    request: Any = None,
) -> Assessment:
    """The investigator's e-signed decision, through the one signing service.

    Every other check runs first and the password last (dressdb.signing), so an answer
    never tells whether the password was right when something else is wrong. A wrong
    password writes nothing clinical, but counts toward the account lockout.
    """
    data_entry_allowed(participant, "improvement")
    require_duty(user, participant.site, Duty.DOSING_DECISIONS, field="improvement")
    problems = assessment_problems(
        participant=participant, improvement=improvement, labs_trend=labs_trend
    )
    name = signing.printed_name(user)

    def build(locked: Participant, regimen: Regimen) -> Assessment:
        return Assessment(
            participant=locked,
            regimen=regimen,
            number=regimen.assessments.count() + 1,
            study_day=regimen.next_decision_day or 0,  # _decision_due: never None here
            block=regimen.current_block,
            improvement=improvement,
            labs_trend=labs_trend,
            result="",
            suggested_improvement=suggested_improvement or "",
            suggested_labs_trend=suggested_labs_trend or "",
            other_findings=other_findings,
            signed_by=user,
            signed_at=timezone.now(),
            printed_name=name,
            signature_meaning=SIGNATURE_MEANING,
            **{k: v for k, v in (labs or {}).items()},
            **{f"baseline_{k}": v for k, v in (baseline or {}).items()},
        )

    # Everything but the password, before the password; every problem at once.
    current = Participant.objects.select_related("site").get(pk=participant.pk)
    # Baseline labs recorded once at enrolment are the baseline (never retyped).
    recorded = {
        n: getattr(current, f"baseline_{n}")
        for n in ("alt", "ast", "bilirubin", "creatinine", "eosinophils")
        if getattr(current, f"baseline_{n}", None) is not None
    }
    baseline = {**(baseline or {}), **recorded}
    regimen_now = Regimen.objects.filter(participant=current).first()
    if regimen_now is not None and "improvement" not in problems:
        try:
            build(current, regimen_now).full_clean(exclude=["improvement", "labs_trend"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    regimen_now = _decision_due(current, regimen_now)
    summary = [
        ("Participant", current.study_id),
        ("Decision day", regimen_now.next_decision_day),
        ("Block", regimen_now.current_block),
        ("Improvement", dict(IMPROVEMENT_CHOICES).get(improvement, improvement)),
        ("Organ labs trend", dict(TREND_CHOICES).get(labs_trend, labs_trend)),
        *((f"{k} today", v) for k, v in (labs or {}).items() if v is not None),
        *((f"{k} at baseline", v) for k, v in (baseline or {}).items() if v is not None),
        ("Other findings", other_findings),
        ("Statement", SIGNATURE_MEANING),
    ]
    written: list[Assessment] = []

    def write() -> Assessment:
        written.append(_assessment_write(user=user, participant=participant, build=build))
        return written[0]

    signing.sign(
        user=user,
        password=password,
        record=write,
        meaning=signing.Meaning.DOSING_DECISION,
        summary=summary,
        request=request,
    )
    return written[0]


def _assessment_write(*, user: Any, participant: Participant, build: Any) -> Assessment:
    """The signed decision's write (inside signing.sign's transaction)."""
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    regimen = _decision_due(
        locked, Regimen.objects.select_for_update().filter(participant=locked).first()
    )
    assessment = build(locked, regimen)
    number = assessment.number
    save_clinical(assessment, user=user, reason="Decision e-signed")
    plan = _sync(regimen, locked, user, f"Decision {number} signed by {assessment.printed_name}")
    point = plan.decision_points[number - 1]
    assessment.result = point.result
    save_clinical(assessment, user=user, reason="Decision result recorded")
    from dosing.reminders import decision_reminders_close

    decision_reminders_close(locked)
    if point.result == protocol.Outcome.SWITCH:
        _alert(locked, "switch", in_languages(_switch_message, locked.study_id, plan, point))
    elif point.result == protocol.Outcome.OFF_PROTOCOL:
        _alert(
            locked,
            "off_protocol",
            in_languages(
                lambda study_id, day: (
                    gettext(
                        "%(study_id)s is OFF PROTOCOL: a second switch was indicated on day "
                        "%(day)s. No further protocol orders."
                    )
                    % {"study_id": study_id, "day": day}
                ),
                locked.study_id,
                point.day,
            ),
        )
    return assessment


@transaction.atomic
def relapse_record(
    *, participant: Participant, user: Any, relapse_on: dt.date, reason: str
) -> Regimen:
    data_entry_allowed(participant, "relapse_on")
    require_duty(user, participant.site, Duty.DOSING_DECISIONS, field="relapse_on")
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    regimen = Regimen.objects.select_for_update().filter(participant=locked).first()
    if regimen is None:
        raise ValidationError(
            {"relapse_on": gettext("This participant has no regimen yet: randomize first.")}
        )
    problems: dict[str, list[str]] = {}  # every problem at once
    try:
        final_reason = require_reason(regimen, reason)
    except ValidationError as exc:
        problems.update(exc.message_dict)
    if regimen.state != protocol.State.MONITORING:
        problems["relapse_on"] = [gettext("A relapse is recorded only while monitoring.")]
    elif relapse_on > site_today(locked):
        problems["relapse_on"] = [gettext("The relapse date cannot be in the future.")]
    if problems:
        raise ValidationError(problems)
    day = (relapse_on - regimen.day1).days + 1
    regimen.relapse_day = day
    regimen.relapse_reason = final_reason
    try:
        _sync(regimen, locked, user, f"Relapse on day {day}: {final_reason}")
    except protocol.ProtocolError as exc:
        raise ValidationError({"relapse_on": exc.message}) from None
    return regimen


@transaction.atomic
def npo_set(*, participant: Participant, user: Any, npo: bool, reason: str) -> Participant:
    """NPO on/off: future orders switch route; today's and past orders are kept."""
    data_entry_allowed(participant, "npo")
    require_duty(user, participant.site, Duty.DATA_ENTRY, field="npo")
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    final_reason = require_reason(locked, reason)
    locked.npo = npo
    save_clinical(locked, user=user, reason=final_reason)
    regimen = Regimen.objects.select_for_update().filter(participant=locked).first()
    if regimen is not None:
        _sync(regimen, locked, user, f"NPO {'on' if npo else 'off'}: {final_reason}")
    return locked


@transaction.atomic
def weight_correct(
    *, participant: Participant, user: Any, weight_kg: Decimal, reason: str
) -> Participant:
    """Correct the baseline weight: future orders are recomputed, past ones kept."""
    data_entry_allowed(participant, "weight_kg")
    require_duty(user, participant.site, Duty.DATA_ENTRY, field="weight_kg")
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    final_reason = require_reason(locked, reason)
    locked.weight_kg = weight_kg
    save_clinical(locked, user=user, reason=final_reason)
    regimen = Regimen.objects.select_for_update().filter(participant=locked).first()
    if regimen is not None:
        _sync(
            regimen,
            locked,
            user,
            f"Baseline weight corrected: {final_reason}",
            weight_changed=True,
        )
    return locked


# --- Administrations and pharmacist verification (issue 19) ------------------------------

VERIFY_STATEMENT = (
    "Verified for dispensing: I have checked this order's drug, route and dose against "
    "the protocol and the participant's weight, renal function and NPO status."
)


def order_verify_reasons(order: Order, participant: Participant) -> list[str]:
    """Why the order needs a pharmacist (for the page, the summary signed)."""
    reasons = []
    if order.route == protocol.Route.IV and order.drug == protocol.Drug.CYCLOSPORINE:
        reasons.append("IV cyclosporine (NPO conversion)")
    if order.drug == protocol.Drug.PREDNISONE and participant.npo:
        reasons.append("oral prednisone while NPO")
    if order.drug == protocol.Drug.CYCLOSPORINE and participant.renal_impairment:
        reasons.append("renal-adjusted dose")
    return reasons or ["dose recomputed after a weight change"]


def order_is_verified(order: Order) -> bool:
    """An order needing no verification, or one with a live pharmacist signature (a
    change of the order voids it: `_sync`)."""
    return not order.pharmacist_to_verify or signing.current_signature(order) is not None


def order_summary(order: Order, participant: Participant) -> list[tuple[str, Any]]:
    return [
        ("Participant", participant.study_id),
        ("Date (site)", f"{order.date:%Y-%m-%d}, study day {order.day}"),
        ("Drug", order.get_drug_display()),
        ("Route", order.route),
        ("Dose per administration", f"{order.dose_mg} mg"),
        ("Times per day", order.times_per_day),
        ("Daily dose", f"{order.daily_dose_mg} mg"),
        ("Calculated dose", f"{order.calculated_dose_mg} mg"),
        ("Block", order.block),
        ("Why a pharmacist verifies", "; ".join(order_verify_reasons(order, participant))),
        ("Statement", VERIFY_STATEMENT),
    ]


def _order_to_verify(participant: Participant, order_id: Any, *, lock: bool) -> Order:
    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        raise ValidationError({"order_id": gettext("Choose an order to verify.")}) from None
    orders = Order.objects.filter(participant=participant, pk=pk)
    order = (orders.select_for_update() if lock else orders).first()
    if order is None:
        raise ValidationError({"order_id": gettext("No such order for this participant.")})
    if not order.pharmacist_to_verify:
        raise ValidationError({"order_id": gettext("This order is not flagged for verification.")})
    if signing.current_signature(order) is not None:
        raise ValidationError({"order_id": gettext("This order is already verified.")})
    return order


def order_verify(
    *, participant: Participant, user: Any, order_id: int, password: str, request: Any = None
) -> Order:
    """The pharmacist's verification of a flagged order: an e-signature through
    dressdb.signing (password last). Before it, no dose of the order can be recorded as
    given."""
    data_entry_allowed(participant, "order_id")
    require_duty(user, participant.site, Duty.DRUG_DISPENSING, field="order_id")
    current = Participant.objects.select_related("site").get(pk=participant.pk)
    order = _order_to_verify(current, order_id, lock=False)
    summary = order_summary(order, current)

    def write() -> Order:
        locked = _order_to_verify(current, order.pk, lock=True)
        save_clinical(
            locked,
            user=user,
            reason=f"Verified for dispensing by {signing.printed_name(user)}",
        )
        return locked

    signing.sign(
        user=user,
        password=password,
        record=write,
        meaning=signing.Meaning.REVIEWED_APPROVED,
        summary=summary,
        request=request,
    )
    return Order.objects.get(pk=order.pk)


@dataclass(frozen=True)
class AdministrationInput:
    """One ordered administration as entered (the form and the API give this)."""

    order_id: int
    number: int
    status: str
    dose_mg: Decimal | None = None
    route: str = ""
    given_at: dt.datetime | None = None
    given_by: str = ""
    reason: str = ""


@dataclass(frozen=True)
class MonitoringInput:
    csa_trough_ng_ml: Decimal | None = None
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    creatinine_mg_dl: Decimal | None = None

    def empty(self) -> bool:
        return all(getattr(self, f) is None for f in MONITORING_FIELDS)


MONITORING_FIELDS = ("csa_trough_ng_ml", "systolic_mmhg", "diastolic_mmhg", "creatinine_mg_dl")
ADMIN_FIELDS = ("status", "dose_mg", "route", "given_at", "given_by", "reason")


def entry_key(index: int, field: str) -> str:
    """How an administration's field is named in errors: administrations.<i>.<field>."""
    return f"administrations.{index}.{field}"


def course_of(participant: Participant) -> rules.Course:
    events = list(
        RegimenEvent.objects.filter(
            participant=participant,
            type__in=[protocol.EventType.STOP, protocol.EventType.RELAPSE],
        ).values_list("type", "date")
    )
    return rules.Course(
        stops=tuple(d for t, d in events if t == protocol.EventType.STOP),
        relapses=tuple(d for t, d in events if t == protocol.EventType.RELAPSE),
        off_protocol_on=participant.off_protocol_on,
        treatment_withdrawn_on=participant.treatment_withdrawn_on,
    )


def administration_discrepancies_of(
    administration: Administration, participant: Participant, course: rules.Course
) -> list[rules.Discrepancy]:
    order = administration.order
    given_on = (
        timezone.localtime(administration.given_at, participant.site.tz).date()
        if administration.given_at is not None
        else None
    )
    return rules.discrepancies(
        status=administration.status,
        ordered_mg=order.dose_mg,
        given_mg=administration.dose_mg,
        given_on=given_on,
        course=course,
        tolerance_pct=admin_dose_tolerance_pct(),
    )


def _check_entry(
    entry: AdministrationInput,
    order: Order,
    verified: bool,
    participant: Participant,
    date: dt.date,
    now: dt.datetime,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    statuses = {str(s) for s in rules.Status}
    if entry.status not in statuses:
        return {"status": _choose(rules.STATUS_LABELS.values())}
    given = entry.status in rules.GIVEN_STATUSES
    if given:
        if not verified:
            errors["status"] = gettext(
                "This order is waiting for the pharmacist's verification: no dose can be "
                "recorded as given before it."
            )
        if entry.dose_mg is None:
            errors["dose_mg"] = gettext("Enter the dose given (mg).")
        elif entry.dose_mg <= 0:
            errors["dose_mg"] = gettext("The dose given must be more than 0 mg.")
        if entry.route not in {str(r) for r in protocol.Route}:
            errors["route"] = gettext("Choose the route (PO or IV).")
        if entry.given_at is None:
            errors["given_at"] = gettext("Enter the time it was given.")
        elif timezone.is_naive(entry.given_at):
            errors["given_at"] = gettext("Give the time with its time zone.")
        else:
            local = timezone.localtime(entry.given_at, participant.site.tz)
            if entry.given_at > now:
                errors["given_at"] = gettext("The time given cannot be in the future.")
            elif entry.status == rules.Status.GIVEN and local.date() != date:
                errors["given_at"] = gettext(
                    "Given on %(date)s (site time), or say given late."
                ) % {"date": date_format(date, "SHORT_DATE_FORMAT")}
            elif entry.status == rules.Status.GIVEN_LATE and not (
                date <= local.date() <= date + dt.timedelta(days=1)
            ):
                errors["given_at"] = gettext("A late dose is given on the day or the day after.")
        if not entry.given_by.strip():
            errors["given_by"] = gettext("Enter who gave it.")
    needs = rules.needs_reason(
        status=entry.status,
        ordered_mg=order.dose_mg,
        ordered_route=order.route,
        given_mg=entry.dose_mg if given else None,
        route=entry.route if given else "",
    )
    if needs and not entry.reason.strip():
        errors["reason"] = gettext("Give the reason: this dose was not given as ordered.")
    return errors


def administration_slots(participant: Participant, date: dt.date) -> list[tuple[Order, int]]:
    """The ordered administrations of a day: (order, number) for number 1..times/day."""
    orders = Order.objects.filter(participant=participant, date=date).order_by("drug")
    return [(o, n) for o in orders for n in range(1, o.times_per_day + 1)]


@transaction.atomic
def administrations_record(
    *,
    participant: Participant,
    user: Any,
    date: dt.date,
    entries: list[AdministrationInput],
    monitoring: MonitoringInput | None = None,
    reason_for_change: str = "",
) -> list[Administration]:
    """Record a day's administrations (and the optional monitoring) in one transaction.

    Each entry is one ordered administration. Errors name the field
    (`administrations.<i>.<field>`, `date`, `reason_for_change`, a monitoring field);
    nothing is written when any is wrong. A changed saved record needs a reason for
    change. Each discrepancy raises an alert to the site's investigators and pharmacists.
    """
    data_entry_allowed(participant, "administrations")
    # Recording what was given is data entry (the ward's record of the doses); verifying
    # an order before it is dispensed is the pharmacist's drug dispensing (order_verify).
    require_duty(user, participant.site, Duty.DATA_ENTRY, field="administrations")
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    today = site_today(locked)
    if date > today:
        raise ValidationError({"date": gettext("Doses of a future day cannot be recorded.")})
    orders = {
        o.pk: o for o in Order.objects.select_for_update().filter(participant=locked, date=date)
    }
    if not orders:
        raise ValidationError(
            {
                "date": gettext("No orders on %(date)s for this participant.")
                % {"date": date_format(date, "SHORT_DATE_FORMAT")}
            }
        )
    if not entries:
        raise ValidationError({"administrations": gettext("Enter at least one administration.")})
    live = signing.current_signatures(list(orders.values()))
    verified = {pk: (not o.pharmacist_to_verify) or pk in live for pk, o in orders.items()}
    existing = {
        (a.order_id, a.number): a
        for a in Administration.objects.select_for_update().filter(order_id__in=list(orders))
    }
    now = timezone.now()
    errors: dict[str, str] = {}
    seen: set[tuple[int, int]] = set()
    built: list[tuple[Administration, bool]] = []
    for i, entry in enumerate(entries):
        order = orders.get(entry.order_id)
        if order is None:
            errors[entry_key(i, "order_id")] = gettext("No order of %(date)s with this id.") % {
                "date": date_format(date, "SHORT_DATE_FORMAT")
            }
            continue
        if not 1 <= entry.number <= order.times_per_day:
            errors[entry_key(i, "number")] = gettext(
                "This order has %(n)s administration(s) a day."
            ) % {"n": order.times_per_day}
            continue
        if (order.pk, entry.number) in seen:
            errors[entry_key(i, "number")] = gettext("This administration is entered twice.")
            continue
        seen.add((order.pk, entry.number))
        problems = _check_entry(entry, order, verified[order.pk], locked, date, now)
        for field, message in problems.items():
            errors[entry_key(i, field)] = message
        if problems:
            continue
        given = entry.status in rules.GIVEN_STATUSES
        record = existing.get((order.pk, entry.number)) or Administration(
            participant=locked, order=order, number=entry.number
        )
        values: dict[str, Any] = {
            "status": entry.status,
            "dose_mg": entry.dose_mg if given else None,
            "route": entry.route if given else "",
            # To the minute, as the day screen shows it (a resubmission is not a change).
            "given_at": entry.given_at.replace(second=0, microsecond=0)
            if given and entry.given_at
            else None,
            "given_by": entry.given_by.strip(),
            "reason": entry.reason.strip(),
        }
        changed = record.pk is None or any(getattr(record, f) != v for f, v in values.items())
        for f, v in values.items():
            setattr(record, f, v)
        if changed:
            record.recorded_by = user
            record.recorded_at = now
            try:
                record.full_clean()
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors[entry_key(i, field)] = " ".join(messages)
                continue
        built.append((record, changed))
    reason = (reason_for_change or "").strip()
    if any(changed and r.pk is not None for r, changed in built) and not reason:
        errors["reason_for_change"] = (
            "A reason for change is required when editing a saved administration."
        )
    daily = None
    if monitoring is not None and not monitoring.empty():
        daily = DailyMonitoring.objects.filter(participant=locked, date=date).first()
        daily = daily or DailyMonitoring(participant=locked, date=date)
        for f in MONITORING_FIELDS:
            setattr(daily, f, getattr(monitoring, f))
        daily.recorded_by = user
        try:
            daily.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[field] = " ".join(messages)
        if daily.pk is not None and not reason:
            errors["reason_for_change"] = (
                "A reason for change is required when editing saved monitoring values."
            )
    if errors:
        raise ValidationError(errors)

    course = course_of(locked)
    saved = []
    for record, changed in built:
        if changed:
            save_clinical(record, user=user, reason=reason if record.pk else "Dose recorded")
            found = administration_discrepancies_of(record, locked, course)
            for kind in found:
                _administration_alert(locked, record, kind)
        saved.append(record)
    if daily is not None:
        save_clinical(daily, user=user, reason=reason if daily.pk else "Monitoring recorded")
        _monitoring_alerts(locked, daily)
    return saved


def _administration_alert(
    participant: Participant, record: Administration, kind: rules.Discrepancy
) -> None:
    from dosing.reminders import administration_alert

    administration_alert(
        participant,
        subject=record,
        kind=str(kind),
        message=in_languages(_administration_message, participant.study_id, record),
    )


def _administration_message(study_id: str, record: Administration) -> str:
    """A discrepancy alert, in the language in force (notifications.in_languages)."""
    order = record.order
    given = (
        f"{number_format(record.dose_mg)} mg {record.route}"
        if record.dose_mg is not None
        else gettext("nothing")
    )
    return gettext(
        "%(study_id)s, %(date)s (study day %(day)s): %(drug)s dose %(number)s of %(per_day)s, "
        "ordered %(ordered)s mg %(route)s, %(status)s: %(given)s. %(reason)s"
    ) % {
        "study_id": study_id,
        "date": date_format(order.date, "SHORT_DATE_FORMAT"),
        "day": order.day,
        "drug": order.get_drug_display(),
        "number": record.number,
        "per_day": order.times_per_day,
        "ordered": number_format(order.dose_mg),
        "route": order.route,
        "status": str(record.get_status_display()).lower(),
        "given": given,
        "reason": record.reason,
    }


def baseline_creatinine_mg_dl(participant: Participant) -> Decimal | None:
    screening = participant.screening
    if screening is None or screening.creatinine is None:
        return None
    if screening.creatinine_unit == "mg_dl":
        return Decimal(screening.creatinine)
    return (Decimal(screening.creatinine) / Decimal("88.42")).quantize(Decimal("0.01"))


def monitoring_alerts_of(participant: Participant, daily: DailyMonitoring) -> list[Any]:
    return rules.monitoring_alerts(
        trough_ng_ml=daily.csa_trough_ng_ml,
        systolic_mmhg=daily.systolic_mmhg,
        creatinine_mg_dl=daily.creatinine_mg_dl,
        baseline_creatinine_mg_dl=baseline_creatinine_mg_dl(participant),
        limits=monitoring_limits(),
    )


def _monitoring_alerts(participant: Participant, daily: DailyMonitoring) -> None:
    from dosing.reminders import monitoring_alert

    for kind in monitoring_alerts_of(participant, daily):
        monitoring_alert(
            participant,
            subject=daily,
            kind=str(kind),
            message=in_languages(_monitoring_message, participant.study_id, daily, kind),
        )


def _monitoring_message(study_id: str, daily: DailyMonitoring, kind: Any) -> str:
    """A monitoring alert, in the language in force (notifications.in_languages)."""

    def number(value: Any) -> str:
        return "—" if value is None else str(number_format(value))

    return gettext(
        "%(study_id)s, %(date)s: %(alert)s (trough %(trough)s ng/mL, BP %(systolic)s/"
        "%(diastolic)s mmHg, creatinine %(creatinine)s mg/dL)."
    ) % {
        "study_id": study_id,
        "date": date_format(daily.date, "SHORT_DATE_FORMAT"),
        "alert": gettext(rules.MONITORING_LABELS[kind]),
        "trough": number(daily.csa_trough_ng_ml),
        "systolic": number(daily.systolic_mmhg),
        "diastolic": number(daily.diastolic_mmhg),
        "creatinine": number(daily.creatinine_mg_dl),
    }
