"""Every duty of the delegation log, checked by every service that does it (issue 21).

Per duty and service: an undelegated user is refused with a message naming the field and
nothing is written; an ended or an unsigned delegation does not count; a signed delegation
in force lets the same call through. Refusals reach the security log although the
service's transaction rolled back (dressdb.delegation: collected, written afterwards).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dosing import services as dosing_services
from dosing.models import Administration, Assessment, Order, Regimen
from dressdb import delegation, signing
from dressdb.models import Delegation, Duty, Role, SecurityEvent, Signature
from enrollment.models import Participant
from outcomes import services as outcomes_services
from outcomes.models import HospitalCourse, Visit
from safety import services as safety_services
from safety.models import AdverseEvent, ConcomitantMedication, DeathReport, ProtocolDeviation
from tests.dosing.helpers import started
from tests.dosing.test_administrations import given_entries, yesterday
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from tests.safety.helpers import ae_input
from trialadmin import services as trialadmin_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def doer(site_a):
    """A coordinator of site A with no line on the delegation log yet."""
    user = UserFactory.create(username="doer")
    MembershipFactory.create(user=user, site=site_a, role=Role.COORDINATOR, delegated=False)
    return user


def delegate(
    admin: Any,
    investigator: Any,
    user: Any,
    duty: str,
    *,
    signed: bool = True,
    end_on: dt.date | None = None,
) -> Delegation:
    site = investigator.memberships.get(role=Role.INVESTIGATOR).site
    line = trialadmin_services.delegation_add(
        by=admin,
        site=site,
        user=user,
        duty=duty,
        start_on=timezone.localdate(timezone=site.tz) - dt.timedelta(days=60),
        end_on=None,
        reason="Trained on the protocol",
    )
    if signed:
        trialadmin_services.delegation_sign(
            by=investigator, delegation=line, password=TEST_PASSWORD
        )
        line.refresh_from_db()
    if end_on is not None:
        line = trialadmin_services.delegation_end(
            by=admin, delegation=line, end_on=end_on, reason="Left the study team"
        )
    return line


@dataclass(frozen=True)
class Case:
    duty: str
    field: str
    setup: Callable[[Any, Any], Any]  # (site, coordinator) -> the world
    act: Callable[[Any, Any], Any]  # (world, user) -> the service call
    written: Callable[[], int]  # rows the call writes


def _started(days_ago: int = 3, **fields: Any) -> Callable[[Any, Any], Any]:
    def setup(site: Any, coordinator: Any) -> Any:
        return started(site, coordinator, days_ago=days_ago, **fields)[0]

    return setup


def _assessment(p: Any, user: Any) -> Any:
    return dosing_services.assessment_sign(
        participant=p, user=user, password=TEST_PASSWORD, improvement="gt25", labs_trend="down"
    )


def _monitoring(site: Any, coordinator: Any) -> Any:
    p, _ = started(site, coordinator, days_ago=30)
    dosing_services.assessment_sign(
        participant=p,
        user=coordinator,
        password=TEST_PASSWORD,
        improvement="complete",
        labs_trend="down",
    )
    return p


def _relapse(p: Any, user: Any) -> Any:
    regimen = Regimen.objects.get(participant=p)
    return dosing_services.relapse_record(
        participant=p,
        user=user,
        relapse_on=regimen.day1 + dt.timedelta(days=14),
        reason="Rash back",
    )


def _verify(p: Any, user: Any) -> Any:
    order = Order.objects.filter(participant=p, pharmacist_to_verify=True).first()
    return dosing_services.order_verify(
        participant=p,
        user=user,
        order_id=order.pk,  # type: ignore[union-attr]
        password=TEST_PASSWORD,
    )


def _administer(p: Any, user: Any) -> Any:
    return dosing_services.administrations_record(
        participant=p, user=user, date=yesterday(p), entries=given_entries(p, yesterday(p))
    )


def _visit_setup(site: Any, coordinator: Any) -> Any:
    p, _ = started(site, coordinator, days_ago=40)
    return Visit.objects.get(participant=p, name="day30")


def _visit_missed(visit: Any, user: Any) -> Any:
    return outcomes_services.visit_mark_missed(visit=visit, user=user, reason="Window closed")


def _ae_setup(site: Any, coordinator: Any) -> Any:
    p = started(site, coordinator, days_ago=10)[0]
    return safety_services.ae_create(participant=p, user=coordinator, data=ae_input(p))


def _ae_update(ae: Any, user: Any) -> Any:
    data = ae_input(ae.participant, grade=4)
    return safety_services.ae_update(
        adverse_event=ae, user=user, data=data, reason="Grade corrected"
    )


def _fatal_setup(site: Any, coordinator: Any) -> Any:
    p = started(site, coordinator, days_ago=10)[0]
    today = timezone.localdate(timezone=site.tz)
    data = ae_input(
        p, grade=5, outcome="fatal", ongoing=False, stop_date=today, criteria=frozenset({"death"})
    )
    return safety_services.ae_create(participant=p, user=coordinator, data=data)


def _death_report(ae: Any, user: Any) -> Any:
    return safety_services.death_report_save(
        adverse_event=ae,
        user=user,
        death_date=timezone.localdate(timezone=ae.participant.site.tz),
        primary_cause="Liver failure",
        related_cyclosporine="not_related",
        related_corticosteroids="not_related",
        autopsy="no",
    )


def _conmed(p: Any, user: Any) -> Any:
    return safety_services.conmed_save(
        participant=p,
        user=user,
        data=safety_services.ConmedInput(
            drug="Paracetamol",
            indication="Fever",
            route="po",
            start_date=p.study_day_1,
            ongoing=True,
        ),
    )


def _deviation(p: Any, user: Any) -> Any:
    return safety_services.deviation_save(
        participant=p,
        user=user,
        data=safety_services.DeviationInput(
            kind="other",
            occurred_on=p.study_day_1,
            description="Dose given two hours late",
        ),
    )


CASES = [
    pytest.param(
        Case(
            Duty.DOSING_DECISIONS,
            "improvement",
            _started(120),
            _assessment,
            Assessment.objects.count,
        ),
        id="dosing-assessment_sign",
    ),
    pytest.param(
        Case(
            Duty.DOSING_DECISIONS,
            "relapse_on",
            _monitoring,
            _relapse,
            lambda: Regimen.history.count(),
        ),
        id="dosing-relapse_record",
    ),
    pytest.param(
        Case(
            Duty.DRUG_DISPENSING,
            "order_id",
            _started(3, npo=True),
            _verify,
            lambda: Signature.objects.filter(meaning=signing.Meaning.REVIEWED_APPROVED).count(),
        ),
        id="dispensing-order_verify",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "administrations",
            _started(3),
            _administer,
            Administration.objects.count,
        ),
        id="entry-administrations_record",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "npo",
            _started(3),
            lambda p, u: dosing_services.npo_set(participant=p, user=u, npo=True, reason="NPO"),
            lambda: Participant.history.count(),
        ),
        id="entry-npo_set",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "weight_kg",
            _started(3),
            lambda p, u: dosing_services.weight_correct(
                participant=p, user=u, weight_kg=Decimal("72.0"), reason="Reweighed"
            ),
            lambda: Participant.history.count(),
        ),
        id="entry-weight_correct",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "missed_reason",
            _visit_setup,
            _visit_missed,
            lambda: Visit.history.count(),
        ),
        id="entry-visit_mark_missed",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "admission_date",
            _started(10),
            lambda p, u: outcomes_services.hospital_course_save(
                participant=p, user=u, values={"admission_date": p.study_day_1}
            ),
            lambda: HospitalCourse.history.count(),
        ),
        id="entry-hospital_course_save",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "participant",
            _started(10),
            lambda p, u: safety_services.ae_create(participant=p, user=u, data=ae_input(p)),
            AdverseEvent.objects.count,
        ),
        id="entry-ae_create",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "participant",
            _ae_setup,
            _ae_update,
            lambda: AdverseEvent.history.count(),
        ),
        id="entry-ae_update",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "death_date",
            _fatal_setup,
            _death_report,
            DeathReport.objects.count,
        ),
        id="entry-death_report_save",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "participant",
            _started(10),
            _conmed,
            ConcomitantMedication.objects.count,
        ),
        id="entry-conmed_save",
    ),
    pytest.param(
        Case(
            Duty.DATA_ENTRY,
            "participant",
            _started(10),
            _deviation,
            ProtocolDeviation.objects.count,
        ),
        id="entry-deviation_save",
    ),
]


def _refused(case: Case, world: Any, user: Any) -> str:
    before = case.written()
    with pytest.raises(ValidationError) as refused:
        with transaction.atomic():  # as a view: the refusal rolls the service back
            case.act(world, user)
    assert case.written() == before
    message = refused.value.message_dict[case.field][0]
    assert f"doer is not delegated {Duty(case.duty).label.lower()} at SITEA" in message
    return message


@pytest.mark.parametrize("case", CASES)
def test_each_service_refuses_an_undelegated_user_and_accepts_a_delegated_one(
    case, site_a, coordinator_a, investigator_a, trial_admin, doer
):
    world = case.setup(site_a, coordinator_a)
    # No line; an unsigned line; an ended line; a line of another duty: all refused.
    _refused(case, world, doer)
    unsigned = delegate(trial_admin, investigator_a, doer, case.duty, signed=False)
    _refused(case, world, doer)
    unsigned.delete()
    yesterday_ = timezone.localdate(timezone=site_a.tz) - dt.timedelta(days=1)
    delegate(trial_admin, investigator_a, doer, case.duty, end_on=yesterday_)
    _refused(case, world, doer)
    other = next(d for d in Duty.values if d != case.duty)
    delegate(trial_admin, investigator_a, doer, other)
    _refused(case, world, doer)
    # Signed and in force: the same call goes through and writes.
    delegate(trial_admin, investigator_a, doer, case.duty)
    before = case.written()
    case.act(world, doer)
    assert case.written() > before


def test_every_checked_duty_is_in_the_table():
    checked = {case.values[0].duty for case in CASES}  # type: ignore[union-attr]
    assert checked == {Duty.DOSING_DECISIONS, Duty.DRUG_DISPENSING, Duty.DATA_ENTRY}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refusal_outside_a_collector_and_transaction_is_logged_at_once(site_a, doer):
    with pytest.raises(ValidationError):
        delegation.require_duty(doer, site_a, Duty.DATA_ENTRY, field="npo")
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.DUTY_REFUSED)
    assert event.user == doer
    assert event.detail["duty"] == "data_entry" and event.detail["field"] == "npo"


def test_a_collected_refusal_is_written_after_the_rollback(site_a, coordinator_a, doer):
    participant = started(site_a, coordinator_a, days_ago=3)[0]
    with delegation.refusals_logged() as refusals:
        with pytest.raises(ValidationError):
            dosing_services.npo_set(participant=participant, user=doer, npo=True, reason="NPO")
        assert len(refusals) == 1  # collected, not yet written
        assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DUTY_REFUSED).exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.DUTY_REFUSED)
    assert (event.username, event.detail["site"], event.detail["field"]) == (
        "doer",
        "SITEA",
        "npo",
    )
    assert not Participant.objects.get(pk=participant.pk).npo


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_page_post_reaches_the_security_log_though_the_service_rolled_back(
    site_a, coordinator_a, doer, login
):
    """Real transactions (SQLite locally, PostgreSQL in CI): the service's atomic block
    rolls back, and the refusal is still in the security log after the request."""
    participant = started(site_a, coordinator_a, days_ago=3)[0]
    client = login(doer)
    url = reverse("npo_change", kwargs={"pk": participant.pk})
    response = client.post(url, {"npo": "on", "reason_for_change": "Nil by mouth for endoscopy"})
    assert response.status_code in (200, 302)
    assert not Participant.objects.get(pk=participant.pk).npo
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.DUTY_REFUSED)
    assert event.user == doer and event.detail["duty"] == "data_entry"
    assert event.detail["path"] == url
    assert not Participant.history.filter(id=participant.pk, history_user=doer).exists()


def test_a_refused_api_call_is_a_400_naming_the_field_and_is_logged(
    site_a, coordinator_a, doer, login
):
    participant = started(site_a, coordinator_a, days_ago=10)[0]
    client = login(doer)
    today = timezone.localdate(timezone=site_a.tz)
    response = client.put(
        reverse("api-participant-hospital-course", kwargs={"pk": participant.pk}),
        {"admission_date": (today - dt.timedelta(days=9)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "not delegated data entry" in str(response.json())
    assert not HospitalCourse.objects.exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.DUTY_REFUSED, user=doer, detail__field="admission_date"
    ).exists()


def test_ending_a_delegation_voids_its_signature_and_keeps_what_the_user_signed(
    site_a, coordinator_a, investigator_a, trial_admin, doer
):
    participant = started(site_a, coordinator_a, days_ago=3, npo=True)[0]
    line = delegate(trial_admin, investigator_a, doer, Duty.DRUG_DISPENSING)
    line_signature = signing.current_signature(line)
    assert line_signature is not None and line_signature.signer == investigator_a
    order = _verify(participant, doer)  # signed while delegated
    verified = signing.current_signature(order)
    assert verified is not None and verified.signer == doer
    today = timezone.localdate(timezone=site_a.tz)
    trialadmin_services.delegation_end(
        by=trial_admin, delegation=line, end_on=today, reason="Moved to another ward"
    )
    line_signature.refresh_from_db()
    assert line_signature.voided_at is not None
    assert line_signature.voided_reason == "Delegation ended: Moved to another ward"
    assert signing.current_signature(line) is None
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.SIGNATURE_VOIDED, detail__signature_id=line_signature.pk
    ).exists()
    # What the pharmacist verified while delegated stays valid.
    assert signing.current_signature(order) == verified
    verified.refresh_from_db()
    assert verified.voided_at is None
    # The ended line counts up to its end date (today), then no longer.
    assert delegation.has_duty(doer, site_a, Duty.DRUG_DISPENSING)
    trialadmin_services.delegation_end(
        by=trial_admin,
        delegation=line,
        end_on=today - dt.timedelta(days=1),
        reason="Ended a day earlier",
    )
    assert not delegation.has_duty(doer, site_a, Duty.DRUG_DISPENSING)
