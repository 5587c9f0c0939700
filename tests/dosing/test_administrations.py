"""Administrations (issue 19): records, the verification gate, discrepancies, adherence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dosing import administration_rules as rules
from dosing import services
from dosing.administration_selectors import (
    adherence_by_arm,
    day_slots,
    participant_adherence,
)
from dosing.models import Administration, DailyMonitoring, Order
from dosing.selectors import administration_discrepancies
from dressdb import signing
from notifications.models import Reminder
from tests.dosing.helpers import started
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


# --- pure rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "ordered", "given", "expected"),
    [
        ("given", "175", "175", []),
        ("given", "175", "192.5", []),  # exactly 10%: within the tolerance
        ("given", "175", "193", [rules.Discrepancy.DOSE]),
        ("given", "175", "150", [rules.Discrepancy.DOSE]),
        ("given_late", "60", "70", [rules.Discrepancy.DOSE]),
        ("held", "175", None, []),
        ("refused", "175", None, []),
        ("missed", "175", None, [rules.Discrepancy.MISSED]),
    ],
)
def test_discrepancy_table(status, ordered, given, expected):
    found = rules.discrepancies(
        status=status,
        ordered_mg=D(ordered),
        given_mg=D(given) if given else None,
        given_on=dt.date(2026, 1, 10),
        course=rules.Course(),
        tolerance_pct=D("10"),
    )
    assert found == expected


@pytest.mark.parametrize(
    ("course", "given_on", "expected"),
    [
        (rules.Course(stops=(dt.date(2026, 1, 7),)), dt.date(2026, 1, 8), "admin_after_stop"),
        (rules.Course(stops=(dt.date(2026, 1, 7),)), dt.date(2026, 1, 7), None),
        (
            rules.Course(stops=(dt.date(2026, 1, 7),), relapses=(dt.date(2026, 1, 20),)),
            dt.date(2026, 1, 21),
            None,  # retreatment after a relapse
        ),
        (
            rules.Course(treatment_withdrawn_on=dt.date(2026, 1, 5)),
            dt.date(2026, 1, 6),
            "admin_after_stop",
        ),
        (
            rules.Course(off_protocol_on=dt.date(2026, 1, 10)),
            dt.date(2026, 1, 11),
            "admin_after_off_protocol",
        ),
    ],
)
def test_after_stop_and_off_protocol_table(course, given_on, expected):
    found = rules.discrepancies(
        status="given",
        ordered_mg=D("100"),
        given_mg=D("100"),
        given_on=given_on,
        course=course,
        tolerance_pct=D("10"),
    )
    assert found == ([rules.Discrepancy(expected)] if expected else [])


def test_slot_times_and_adherence():
    assert rules.slot_times(2) == (dt.time(8), dt.time(20))
    assert len(rules.slot_times(6)) == 6
    result = rules.adherence(
        [rules.OrderedDoses("cyclosporine", D("175"), 2)] * 2,
        [
            rules.GivenDose("cyclosporine", "given", D("175")),
            rules.GivenDose("cyclosporine", "given_late", D("150")),
            rules.GivenDose("cyclosporine", "held", None),
        ],
    )
    assert (result.ordered, result.given, result.recorded) == (4, 2, 3)
    assert result.pct == 50
    assert result.drugs[0].planned_mg == 700 and result.drugs[0].given_mg == 325


def test_monitoring_thresholds():
    limits = rules.MonitoringLimits()
    assert rules.monitoring_alerts(
        trough_ng_ml=D("250"),
        systolic_mmhg=160,
        creatinine_mg_dl=D("1.3"),
        baseline_creatinine_mg_dl=D("1.0"),
        limits=limits,
    ) == [
        rules.MonitoringAlert.TROUGH_HIGH,
        rules.MonitoringAlert.SYSTOLIC_HIGH,
        rules.MonitoringAlert.CREATININE_RISE,
    ]
    assert (
        rules.monitoring_alerts(
            trough_ng_ml=D("200"),
            systolic_mmhg=159,
            creatinine_mg_dl=D("1.29"),
            baseline_creatinine_mg_dl=D("1.0"),
            limits=limits,
        )
        == []
    )


# --- services ---------------------------------------------------------------------------


def today_of(participant):
    return timezone.localdate(timezone=participant.site.tz)


def at(participant, hour, minute=0, day=None):
    """An aware time of the participant's site on its today (or `day`)."""
    date = day or today_of(participant)
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=participant.site.tz)


def given_entries(participant, date=None, when=None):
    date = date or today_of(participant)
    entries = []
    for order in Order.objects.filter(participant=participant, date=date).order_by("drug"):
        for n in range(1, order.times_per_day + 1):
            entries.append(
                services.AdministrationInput(
                    order_id=order.pk,
                    number=n,
                    status="given",
                    dose_mg=order.dose_mg,
                    route=order.route,
                    given_at=when or at(participant, 0, 5 + n, day=date),
                    given_by="Nurse Joy",
                )
            )
    return entries


def yesterday(participant):
    return today_of(participant) - dt.timedelta(days=1)


def test_one_record_per_ordered_administration(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    order = Order.objects.get(participant=participant, date=yesterday(participant))
    assert order.times_per_day == 2
    slots = day_slots(participant, yesterday(participant))
    assert [(s.order.pk, s.number) for s in slots] == [(order.pk, 1), (order.pk, 2)]
    saved = services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=yesterday(participant),
        entries=given_entries(participant, yesterday(participant)),
    )
    assert len(saved) == 2
    assert Administration.objects.filter(order=order).count() == 2
    first = Administration.objects.get(order=order, number=1)
    assert first.history.first().history_change_reason == "Dose recorded"
    assert first.history.first().history_user == coordinator_a
    # Saving the same again changes nothing and needs no reason.
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=yesterday(participant),
        entries=given_entries(participant, yesterday(participant)),
    )
    assert first.history.count() == 1


def test_exception_needs_a_reason_and_names_the_field(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    entries = given_entries(participant, yesterday(participant))
    entries[1] = services.AdministrationInput(
        order_id=entries[1].order_id, number=2, status="held", given_by="Nurse Joy"
    )
    with pytest.raises(ValidationError) as exc:
        services.administrations_record(
            participant=participant,
            user=coordinator_a,
            date=yesterday(participant),
            entries=entries,
        )
    assert "administrations.1.reason" in exc.value.message_dict
    assert not Administration.objects.exists()  # nothing half-written


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dose_mg": None}, "dose_mg"),
        ({"route": "XX"}, "route"),
        ({"given_at": None}, "given_at"),
        ({"given_by": " "}, "given_by"),
        ({"status": "lost"}, "status"),
        ({"number": 3}, "number"),
        ({"order_id": 999999}, "order_id"),
    ],
)
def test_bad_input_names_the_field(site_a, coordinator_a, change, field):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    entries = given_entries(participant, yesterday(participant))
    values = {**entries[0].__dict__, **change}
    entries[0] = services.AdministrationInput(**values)
    with pytest.raises(ValidationError) as exc:
        services.administrations_record(
            participant=participant,
            user=coordinator_a,
            date=yesterday(participant),
            entries=entries,
        )
    assert f"administrations.0.{field}" in exc.value.message_dict
    assert not Administration.objects.exists()


def test_future_time_and_future_day_refused(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    entries = given_entries(participant, when=timezone.now() + dt.timedelta(hours=2))
    with pytest.raises(ValidationError) as exc:
        services.administrations_record(
            participant=participant, user=coordinator_a, date=today_of(participant), entries=entries
        )
    assert "administrations.0.given_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.administrations_record(
            participant=participant,
            user=coordinator_a,
            date=today_of(participant) + dt.timedelta(days=1),
            entries=entries,
        )
    assert "date" in exc.value.message_dict


def test_correction_needs_a_reason_for_change(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=day,
        entries=given_entries(participant, day),
    )
    entries = given_entries(participant, day)
    entries[0] = services.AdministrationInput(
        order_id=entries[0].order_id, number=1, status="refused", reason="Nausea", given_by="NJ"
    )
    with pytest.raises(ValidationError) as exc:
        services.administrations_record(
            participant=participant, user=coordinator_a, date=day, entries=entries
        )
    assert "reason_for_change" in exc.value.message_dict
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=day,
        entries=entries,
        reason_for_change="Entered as given by mistake",
    )
    record = Administration.objects.get(order_id=entries[0].order_id, number=1)
    assert record.status == "refused" and record.dose_mg is None
    assert record.history.first().history_change_reason == "Entered as given by mistake"


def test_dose_beyond_tolerance_alerts_investigator_and_pharmacist(
    site_a, coordinator_a, investigator_a, pharmacist_a, settings
):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    entries = given_entries(participant, day)
    entries[0] = services.AdministrationInput(
        **{**entries[0].__dict__, "dose_mg": D("150"), "reason": "Capsules short"}
    )
    services.administrations_record(
        participant=participant, user=coordinator_a, date=day, entries=entries
    )
    alerts = Reminder.objects.filter(kind="admin_dose")
    assert {a.user for a in alerts} == {investigator_a, pharmacist_a}
    found = administration_discrepancies(participants=[participant])
    assert [(d.kind, d.given_mg, d.ordered_mg) for d in found] == [
        ("admin_dose", D("150"), D("175"))
    ]
    # A wider tolerance: no discrepancy.
    settings.TRIAL_ADMIN_DOSE_TOLERANCE_PCT = 20
    assert administration_discrepancies(participants=[participant]) == []


def test_missed_dose_alerts(site_a, coordinator_a, investigator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    entries = given_entries(participant, day)
    entries[1] = services.AdministrationInput(
        order_id=entries[1].order_id, number=2, status="missed", reason="Off the ward (CT scan)"
    )
    services.administrations_record(
        participant=participant, user=coordinator_a, date=day, entries=entries
    )
    assert Reminder.objects.filter(kind="admin_missed").count() == 2
    assert [d.kind for d in administration_discrepancies(site_ids=[site_a.pk])] == ["admin_missed"]


def test_given_after_treatment_withdrawal_is_after_stop(
    site_a, coordinator_a, investigator_a, pharmacist_a
):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    participant.treatment_withdrawn_on = day - dt.timedelta(days=1)
    participant.save()
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=day,
        entries=given_entries(participant, day),
    )
    # Two doses, each to the investigator and the pharmacist.
    assert Reminder.objects.filter(kind="admin_after_stop").count() == 4
    assert {d.kind for d in administration_discrepancies(participants=[participant])} == {
        "admin_after_stop"
    }


def test_given_after_off_protocol(site_a, coordinator_a, investigator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    participant.off_protocol_on = day - dt.timedelta(days=1)
    participant.save()
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=day,
        entries=given_entries(participant, day),
    )
    assert Reminder.objects.filter(kind="admin_after_off_protocol").exists()


# --- pharmacist verification ----------------------------------------------------------------


def test_npo_order_flagged_and_blocked_until_verified(site_a, coordinator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3, npo=True)
    day = yesterday(participant)
    order = Order.objects.get(participant=participant, date=day)
    assert order.route == "IV" and order.pharmacist_to_verify
    with pytest.raises(ValidationError) as exc:
        services.administrations_record(
            participant=participant,
            user=coordinator_a,
            date=day,
            entries=given_entries(participant, day),
        )
    assert "administrations.0.status" in exc.value.message_dict
    assert "verification" in exc.value.message_dict["administrations.0.status"][0]
    assert not Administration.objects.exists()
    # A wrong password signs nothing.
    with pytest.raises(ValidationError) as exc:
        services.order_verify(
            participant=participant, user=pharmacist_a, order_id=order.pk, password="nope"
        )
    assert "password" in exc.value.message_dict
    assert signing.current_signature(order) is None
    services.order_verify(
        participant=participant, user=pharmacist_a, order_id=order.pk, password=TEST_PASSWORD
    )
    signature = signing.current_signature(order)
    assert signature is not None and signature.signer == pharmacist_a
    assert signature.meaning == signing.Meaning.REVIEWED_APPROVED
    assert any("Verified for dispensing" in str(v) for _, v in signature.summary)
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=day,
        entries=given_entries(participant, day),
    )
    assert Administration.objects.filter(order=order).count() == 2
    with pytest.raises(ValidationError) as exc:
        services.order_verify(
            participant=participant, user=pharmacist_a, order_id=order.pk, password=TEST_PASSWORD
        )
    assert "order_id" in exc.value.message_dict


def test_a_held_dose_of_an_unverified_order_may_be_recorded(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3, npo=True)
    day = yesterday(participant)
    order = Order.objects.get(participant=participant, date=day)
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=day,
        entries=[
            services.AdministrationInput(
                order_id=order.pk, number=1, status="held", reason="Awaiting pharmacy"
            )
        ],
    )
    assert Administration.objects.get(order=order).status == "held"


def test_renal_adjusted_and_weight_changed_orders_are_flagged(site_a, coordinator_a):
    renal, _ = started(site_a, coordinator_a, days_ago=3, renal_impairment_computed=True)
    assert all(o.pharmacist_to_verify for o in Order.objects.filter(participant=renal))
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    assert not Order.objects.filter(participant=participant, pharmacist_to_verify=True).exists()
    services.weight_correct(
        participant=participant, user=coordinator_a, weight_kg=D("90"), reason="Weighed again"
    )
    today = today_of(participant)
    orders = Order.objects.filter(participant=participant)
    assert all(o.pharmacist_to_verify for o in orders if o.date > today)
    assert not any(o.pharmacist_to_verify for o in orders if o.date <= today)


def test_a_change_of_a_verified_order_voids_the_verification(site_a, coordinator_a, pharmacist_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3, npo=True)
    tomorrow = today_of(participant) + dt.timedelta(days=1)
    order = Order.objects.get(participant=participant, date=tomorrow)
    services.order_verify(
        participant=participant, user=pharmacist_a, order_id=order.pk, password=TEST_PASSWORD
    )
    assert signing.current_signature(order) is not None
    services.weight_correct(
        participant=participant, user=coordinator_a, weight_kg=D("95"), reason="Weighed again"
    )
    order.refresh_from_db()
    assert order.pharmacist_to_verify
    assert signing.current_signature(order) is None


# --- adherence and monitoring ---------------------------------------------------------------


def test_adherence_per_participant_and_arm(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    entries = given_entries(participant, day)
    entries[1] = services.AdministrationInput(
        order_id=entries[1].order_id, number=2, status="refused", reason="Nausea"
    )
    services.administrations_record(
        participant=participant, user=coordinator_a, date=day, entries=entries
    )
    result = participant_adherence(participant)
    assert result.ordered == 8  # days 1-4, twice a day (today included)
    assert result.given == 1
    assert [(d.drug, d.given_mg, d.planned_mg) for d in result.drugs] == [
        ("cyclosporine", D("175"), D("1400"))
    ]
    rows = adherence_by_arm([site_a.pk])
    assert [(r["arm"], r["ordered"], r["given"]) for r in rows] == [("cyclosporine", 8, 1)]


def test_monitoring_values_saved_with_alerts(site_a, coordinator_a, investigator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=day,
        entries=given_entries(participant, day),
        monitoring=services.MonitoringInput(csa_trough_ng_ml=D("320"), systolic_mmhg=165),
    )
    daily = DailyMonitoring.objects.get(participant=participant, date=day)
    assert daily.csa_trough_ng_ml == D("320")
    kinds = set(Reminder.objects.filter(user=investigator_a).values_list("kind", flat=True))
    assert {"csa_trough_high", "systolic_high"} <= kinds


def test_recent_monitoring_for_the_assessment_form(site_a, coordinator_a):
    from dosing.administration_selectors import recent_monitoring

    participant, _ = started(site_a, coordinator_a, days_ago=3)
    day = yesterday(participant)
    services.administrations_record(
        participant=participant,
        user=coordinator_a,
        date=day,
        entries=given_entries(participant, day),
        monitoring=services.MonitoringInput(systolic_mmhg=170, diastolic_mmhg=95),
    )
    rows = recent_monitoring(participant)
    assert [r["monitoring"].date for r in rows] == [day]
    assert rows[0]["alerts"] == ["Systolic blood pressure high"]
