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
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dosing import protocol
from dosing.config import dosing_settings
from dosing.models import (
    IMPROVEMENT_CHOICES,
    TREND_CHOICES,
    Assessment,
    Order,
    Regimen,
    RegimenEvent,
)
from dressdb import signing
from dressdb.audit import require_reason, save_clinical
from enrollment.models import Participant
from enrollment.services import participant_record_milestones

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


def _order_values(o: protocol.Order) -> dict[str, Any]:
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


def _sync(regimen: Regimen, participant: Participant, user: Any, reason: str) -> protocol.Regimen:
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
        values = _order_values(po)
        order = stored.get(key)
        if order is None:
            order = Order(
                participant=participant, regimen=regimen, day=po.day, drug=str(po.drug), **values
            )
            save_clinical(order, user=user, reason=reason)
        elif order.date > today and any(getattr(order, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(order, f, v)
            save_clinical(order, user=user, reason=reason)
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


def _alert(participant: Participant, kind: str, message: str) -> None:
    from dosing.reminders import regimen_alert

    regimen_alert(participant, kind, message)


def _decision_due(participant: Participant, regimen: Regimen | None) -> Regimen:
    if regimen is None:
        raise ValidationError({"improvement": "This participant has no regimen (not randomized)."})
    if (
        regimen.state != protocol.State.AWAITING_DECISION
        or regimen.next_decision_date is None
        or regimen.next_decision_day is None
    ):
        raise ValidationError(
            {"improvement": f"No decision is due: the regimen is {regimen.get_state_display()}."}
        )
    if site_today(participant) < regimen.next_decision_date:
        raise ValidationError(
            {
                "improvement": f"The decision is due on study day {regimen.next_decision_day} "
                f"({regimen.next_decision_date:%Y-%m-%d}), not before."
            }
        )
    return regimen


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
    if improvement not in {str(i) for i in protocol.Improvement}:
        raise ValidationError({"improvement": "Choose complete, gt25, le25 or none."})
    if labs_trend not in {str(t) for t in protocol.LabsTrend}:
        raise ValidationError({"labs_trend": "Choose down, flat or up."})
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

    # Everything but the password, before the password.
    current = Participant.objects.select_related("site").get(pk=participant.pk)
    regimen_now = _decision_due(current, Regimen.objects.filter(participant=current).first())
    build(current, regimen_now).full_clean()
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
        _alert(
            locked,
            "switch",
            f"{locked.study_id} switched to {plan.current_arm} after "
            f"day {point.day} ({point.block}).",
        )
    elif point.result == protocol.Outcome.OFF_PROTOCOL:
        _alert(
            locked,
            "off_protocol",
            f"{locked.study_id} is OFF PROTOCOL: a second switch "
            f"was indicated on day {point.day}. No further protocol "
            f"orders.",
        )
    return assessment


@transaction.atomic
def relapse_record(
    *, participant: Participant, user: Any, relapse_on: dt.date, reason: str
) -> Regimen:
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    regimen = Regimen.objects.select_for_update().filter(participant=locked).first()
    if regimen is None:
        raise ValidationError(
            {"relapse_on": "This participant has no regimen yet: randomize first."}
        )
    final_reason = require_reason(regimen, reason)
    if regimen.state != protocol.State.MONITORING:
        raise ValidationError({"relapse_on": "A relapse is recorded only while monitoring."})
    if relapse_on > site_today(locked):
        raise ValidationError({"relapse_on": "The relapse date cannot be in the future."})
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
    locked = Participant.objects.select_for_update().select_related("site").get(pk=participant.pk)
    final_reason = require_reason(locked, reason)
    locked.weight_kg = weight_kg
    save_clinical(locked, user=user, reason=final_reason)
    regimen = Regimen.objects.select_for_update().filter(participant=locked).first()
    if regimen is not None:
        _sync(regimen, locked, user, f"Baseline weight corrected: {final_reason}")
    return locked
