"""Stored regimens equal the engine's plan; signatures; course changes keep the past."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dosing import protocol, services
from dosing.models import Assessment, Order, Regimen, RegimenEvent
from notifications.models import Reminder
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def sign(participant, user, improvement, trend, password=TEST_PASSWORD):
    return services.assessment_sign(
        participant=participant,
        user=user,
        password=password,
        improvement=improvement,
        labs_trend=trend,
    )


def stored(participant) -> list[tuple]:
    return [
        (o.day, o.drug, o.route, o.dose_mg, o.times_per_day, o.block)
        for o in Order.objects.filter(participant=participant).order_by("day", "drug")
    ]


def planned(arm, decisions, weight="70", renal=False, npo=False, relapse_day=None) -> list[tuple]:
    plan = protocol.plan_regimen(
        arm=protocol.Arm(arm),
        weight_kg=D(weight),
        renal_impairment=renal,
        npo=npo,
        decisions=[
            protocol.Decision(protocol.Improvement(i), protocol.LabsTrend(t)) for i, t in decisions
        ],
        relapse_day=relapse_day,
    )
    return [
        (
            o.day,
            str(o.drug),
            str(o.route),
            o.dose_mg.quantize(D("0.01")),
            o.times_per_day,
            str(o.block),
        )
        for o in plan.orders
    ]


def test_regimen_start_stores_the_first_block(site_a, coordinator_a):
    participant, regimen = started(site_a, coordinator_a)
    assert stored(participant) == planned("cyclosporine", [])
    assert (regimen.state, regimen.current_block, regimen.next_decision_day) == (
        "awaiting_decision",
        "CSA_INDUCTION",
        7,
    )
    assert regimen.next_decision_date == regimen.day1 + dt.timedelta(days=6)


@pytest.mark.parametrize(
    ("arm", "decisions", "state"),
    [
        ("cyclosporine", [("gt25", "down")], "completed"),
        ("cyclosporine", [("le25", "flat"), ("le25", "down")], "completed"),
        ("cyclosporine", [("complete", "down")], "monitoring"),
        ("steroids", [("le25", "flat"), ("le25", "flat"), ("le25", "down")], "completed"),
        ("steroids", [("le25", "flat"), ("none", "flat"), ("gt25", "down")], "completed"),
        ("cyclosporine", [("none", "up"), ("le25", "flat"), ("none", "flat")], "off_protocol"),
    ],
    ids=["csa taper", "csa extension", "csa stop", "mp pulse 3", "switch to csa", "off protocol"],
)
def test_each_signed_path_stores_the_engines_orders(
    site_a, coordinator_a, investigator_a, arm, decisions, state
):
    participant, _ = started(site_a, coordinator_a, arm=arm)
    for i, (improvement, trend) in enumerate(decisions, start=1):
        sign(participant, investigator_a, improvement, trend)
        assert stored(participant) == planned(arm, decisions[:i])
    regimen = Regimen.objects.get(participant=participant)
    assert regimen.state == state
    assert Assessment.objects.filter(participant=participant).count() == len(decisions)


def test_wrong_password_writes_nothing(site_a, coordinator_a, investigator_a):
    participant, regimen = started(site_a, coordinator_a)
    before = stored(participant)
    with pytest.raises(ValidationError) as excinfo:
        sign(participant, investigator_a, "gt25", "down", password="wrong-password")
    assert "password" in excinfo.value.message_dict
    assert Assessment.objects.count() == 0
    assert stored(participant) == before
    assert Regimen.objects.get(pk=regimen.pk).history.count() == regimen.history.count()


def test_signature_records_name_time_and_meaning(site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    assessment = sign(participant, investigator_a, "gt25", "down")
    assert assessment.printed_name == investigator_a.get_full_name()
    assert assessment.signed_by == investigator_a
    assert assessment.signed_at.utcoffset() == dt.timedelta(0)
    assert "dosing decision" in assessment.signature_meaning
    assert assessment.result == "CSA_TAPER"


def test_decision_cannot_be_signed_before_its_day(site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=2)
    with pytest.raises(ValidationError, match="not before"):
        sign(participant, investigator_a, "gt25", "down")


def test_switch_and_off_protocol_alert_the_investigator(site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    sign(participant, investigator_a, "none", "up")
    event = RegimenEvent.objects.get(participant=participant, type="switch")
    assert (event.day, event.to_arm) == (7, "steroids")
    assert Reminder.objects.filter(user=investigator_a, kind="switch").exists()
    sign(participant, investigator_a, "le25", "flat")
    sign(participant, investigator_a, "none", "flat")
    assert Regimen.objects.get(participant=participant).state == "off_protocol"
    assert Reminder.objects.filter(user=investigator_a, kind="off_protocol").exists()
    with pytest.raises(ValidationError, match="No decision is due"):
        sign(participant, investigator_a, "gt25", "down")


def test_signing_closes_the_decision_reminder(site_a, coordinator_a, investigator_a):
    participant, regimen = started(site_a, coordinator_a)
    Reminder.objects.create(
        user=investigator_a,
        kind="decision_due",
        subject=participant,
        title="Dosing decision due today",
        due_date=regimen.day1,
        message="due",
    )
    sign(participant, investigator_a, "gt25", "down")
    assert Reminder.objects.get().status == "closed"


def test_weight_correction_recomputes_future_orders_only(site_a, coordinator_a, investigator_a):
    participant, regimen = started(site_a, coordinator_a, days_ago=10)
    sign(participant, investigator_a, "gt25", "down")  # taper from day 8
    today = timezone.localdate(timezone=site_a.tz)
    past_before = {
        (o.day, o.dose_mg) for o in Order.objects.filter(participant=participant, date__lte=today)
    }
    services.weight_correct(
        participant=participant,
        user=investigator_a,
        weight_kg=D("100"),
        reason="Weighed on a calibrated scale",
    )
    past_after = {
        (o.day, o.dose_mg) for o in Order.objects.filter(participant=participant, date__lte=today)
    }
    assert past_after == past_before
    future = Order.objects.filter(participant=participant, date__gt=today).order_by("day")
    # 100 kg: taper 3 mg/kg -> 150 per dose; 2 mg/kg -> 100 per dose
    assert {o.dose_mg for o in future if o.day <= 21} <= {D("150.00")}
    assert {o.dose_mg for o in future if o.day > 21} == {D("100.00")}
    changed = future.first()
    assert changed is not None
    assert changed.history.first().history_change_reason.startswith("Baseline weight corrected")


def test_weight_correction_needs_a_reason(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a)
    with pytest.raises(ValidationError):
        services.weight_correct(
            participant=participant, user=coordinator_a, weight_kg=D("80"), reason=""
        )


def test_npo_switches_future_cyclosporine_to_iv(site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    services.npo_set(participant=participant, user=coordinator_a, npo=True, reason="Intubated")
    today = timezone.localdate(timezone=site_a.tz)
    orders = Order.objects.filter(participant=participant)
    assert {o.route for o in orders if o.date <= today} == {"PO"}
    future = [o for o in orders if o.date > today]
    assert future and {(o.route, o.dose_mg, o.pharmacist_to_verify) for o in future} == {
        ("IV", D("60.00"), True)
    }


def test_relapse_starts_retreatment(site_a, coordinator_a, investigator_a):
    participant, regimen = started(site_a, coordinator_a, days_ago=30)
    sign(participant, investigator_a, "complete", "down")
    relapse_on = regimen.day1 + dt.timedelta(days=14)  # study day 15
    services.relapse_record(
        participant=participant,
        user=investigator_a,
        relapse_on=relapse_on,
        reason="Rash and ALT back up",
    )
    regimen.refresh_from_db()
    assert (regimen.state, regimen.current_block, regimen.relapse_day) == (
        "awaiting_decision",
        "CSA_RETREATMENT",
        15,
    )
    assert stored(participant) == planned("cyclosporine", [("complete", "down")], relapse_day=15)


def test_relapse_outside_monitoring_is_refused(site_a, coordinator_a):
    participant, regimen = started(site_a, coordinator_a)
    with pytest.raises(ValidationError, match="only while monitoring"):
        services.relapse_record(
            participant=participant, user=coordinator_a, relapse_on=regimen.day1, reason="x"
        )


def test_renal_participant_gets_renal_doses(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, renal_impairment_computed=True)
    assert {o.dose_mg for o in Order.objects.filter(participant=participant)} == {D("100.00")}


def test_history_of_orders_names_the_decision(site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a)
    sign(participant, investigator_a, "gt25", "down")
    taper = Order.objects.filter(participant=participant, block="CSA_TAPER").first()
    assert taper is not None
    assert taper.history.first().history_user == investigator_a
    assert "Decision 1 signed" in taper.history.first().history_change_reason


def test_relapse_before_randomization_names_the_field(participant_a, investigator_a):
    """No regimen yet: a clear field error, not a server error (the page once gave a 500)."""
    with pytest.raises(ValidationError) as excinfo:
        services.relapse_record(
            participant=participant_a,
            user=investigator_a,
            relapse_on=participant_a.enrolled_at.date(),
            reason="Rash back",
        )
    assert "relapse_on" in excinfo.value.message_dict
