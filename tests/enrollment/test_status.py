"""The participant's one status (issue 15 item 3): a pure function of the facts and today,
table-driven for each state, then the transitions through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dosing.models import Order, Regimen
from enrollment.status import Facts, State, participant_status, withdrawal_allowed
from outcomes import services as outcomes_services
from outcomes.models import Visit
from randomization import services as randomization_services
from tests.dosing.helpers import started

TODAY = dt.date(2026, 5, 20)
R = TODAY - dt.timedelta(days=9)  # randomized 9 days ago: study day 10
BASE = Facts(randomized_on=R, randomized_arm="cyclosporine", current_arm="cyclosporine", day1=R)
YESTERDAY, TOMORROW = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)


def facts(**changes: object) -> Facts:
    return Facts(**{**BASE.__dict__, **changes})


STATES = [
    ("screened", Facts(enrolled=False), State.SCREENED, "Screened"),
    ("enrolled, not randomized", Facts(), State.ENROLLED, "Enrolled (not randomized)"),
    ("on treatment", BASE, State.ON_TREATMENT, "On treatment: cyclosporine, study day 10"),
    (
        "on treatment after a switch",
        facts(current_arm="steroids"),
        State.ON_TREATMENT,
        "On treatment: corticosteroids (switched from cyclosporine), study day 10",
    ),
    (
        "stop decided today: still its last dosing day",
        facts(treatment_stopped_on=TODAY),
        State.ON_TREATMENT,
        None,
    ),
    (
        "monitoring after stop",
        facts(treatment_stopped_on=YESTERDAY),
        State.MONITORING,
        "Monitoring after stop: for relapse",
    ),
    ("taper still running", facts(course_completed_on=TOMORROW), State.ON_TREATMENT, None),
    ("course completed", facts(course_completed_on=YESTERDAY), State.COURSE_COMPLETED, None),
    ("off protocol", facts(off_protocol_on=TODAY), State.OFF_PROTOCOL, "Off protocol"),
    (
        "stopped study treatment",
        facts(withdrawal_kind="treatment", withdrawn_on=TODAY),
        State.WITHDRAWN,
        "Withdrawn: stopped study treatment (follow-up continues)",
    ),
    ("follow-up complete", facts(follow_up_completed_on=YESTERDAY), State.FOLLOW_UP_COMPLETE, None),
    (
        "follow-up complete after treatment stop",
        facts(withdrawal_kind="treatment", withdrawn_on=R, follow_up_completed_on=YESTERDAY),
        State.FOLLOW_UP_COMPLETE,
        None,
    ),
    ("lost to follow-up", facts(lost_to_follow_up_on=YESTERDAY), State.LOST_TO_FOLLOW_UP, None),
    (
        "withdrew from follow-up",
        facts(withdrawal_kind="follow_up", withdrawn_on=TODAY),
        State.WITHDRAWN,
        "Withdrawn: withdrew from follow-up",
    ),
    (
        "withdrew consent",
        facts(withdrawal_kind="consent", withdrawn_on=TODAY),
        State.WITHDRAWN,
        "Withdrawn: withdrew consent for further data use",
    ),
    ("died", facts(died_on=YESTERDAY, off_protocol_on=R), State.DIED, f"Died: {YESTERDAY}"),
    ("died before randomization", Facts(died_on=YESTERDAY), State.DIED, None),
    (
        "death with a discrepancy",
        facts(death_discrepancy="dates disagree"),
        State.DIED,
        "Died: date of death in question (discrepancy)",
    ),
    (
        "died after withdrawing",
        facts(withdrawal_kind="follow_up", withdrawn_on=R, died_on=YESTERDAY),
        State.DIED,
        None,
    ),
]


@pytest.mark.parametrize(
    ("given", "state", "label"), [s[1:] for s in STATES], ids=[s[0] for s in STATES]
)
def test_each_state(given, state, label):
    status = participant_status(given, TODAY)
    assert status.state is state
    if label is not None:
        assert status.label == label


WITHDRAWALS = [
    ("first, treatment, randomized", "", "treatment", True, ""),
    ("treatment before randomization", "", "treatment", False, "Only a randomized"),
    ("consent before randomization", "", "consent", False, ""),
    ("treatment then follow-up", "treatment", "follow_up", True, ""),
    ("follow-up then treatment", "follow_up", "treatment", True, "already"),
    ("consent twice", "consent", "consent", True, "already"),
    ("unknown kind", "", "holiday", True, "Choose"),
]


@pytest.mark.parametrize(
    ("current", "new", "randomized", "message"),
    [w[1:] for w in WITHDRAWALS],
    ids=[w[0] for w in WITHDRAWALS],
)
def test_withdrawal_may_only_grow_stronger(current, new, randomized, message):
    answer = withdrawal_allowed(current, new, randomized=randomized)
    assert (message in answer) if message else answer == ""


# --- Transitions through the services -------------------------------------------------


def state_of(participant) -> State:
    participant.refresh_from_db()
    return participant.current_status.state


@pytest.mark.django_db
def test_randomization_then_treatment_withdrawal_then_follow_up(site_a, coordinator_a):
    participant, regimen = started(site_a, coordinator_a, days_ago=3)
    today = timezone.localdate(timezone=site_a.tz)
    participant.randomized_on = participant.study_day_1  # as the randomization service sets
    participant.randomized_arm = "cyclosporine"
    participant.save()
    assert state_of(participant) is State.ON_TREATMENT
    assert participant.current_status.study_day == 4
    future = Order.objects.filter(regimen=regimen, date__gt=today).count()
    assert future > 0
    randomization_services.participant_withdraw(
        participant=participant,
        user=coordinator_a,
        kind="treatment",
        withdrawn_on=today,
        reason="Side effects",
    )
    assert state_of(participant) is State.WITHDRAWN
    assert participant.status == "enrolled"  # follow-up continues: visits still due
    assert Order.objects.filter(regimen=regimen, date__gt=today).count() == 0
    regimen = Regimen.objects.get(pk=regimen.pk)
    assert regimen.next_decision_date is None
    with pytest.raises(ValidationError):  # not backwards
        randomization_services.participant_withdraw(
            participant=participant,
            user=coordinator_a,
            kind="treatment",
            withdrawn_on=today,
            reason="again",
        )
    randomization_services.participant_withdraw(
        participant=participant,
        user=coordinator_a,
        kind="follow_up",
        withdrawn_on=today,
        reason="Moved away",
    )
    assert state_of(participant) is State.WITHDRAWN
    assert participant.status == "withdrawn"
    assert participant.treatment_withdrawn_on == today
    page_visit = Visit.objects.get(participant=participant, name="day30")
    from outcomes.selectors import follow_up_ends, visit_status

    assert visit_status(page_visit, today, *follow_up_ends(participant)) == "not_expected"


@pytest.mark.django_db
def test_consent_withdrawal_refuses_new_data(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=40)
    participant.enrolled_at = timezone.now() - dt.timedelta(days=41)
    participant.save()
    today = timezone.localdate(timezone=site_a.tz)
    randomization_services.participant_withdraw(
        participant=participant,
        user=coordinator_a,
        kind="consent",
        withdrawn_on=today,
        reason="Withdrew consent",
    )
    visit = Visit.objects.get(participant=participant, name="day30")
    with pytest.raises(ValidationError, match="withdrew consent"):
        outcomes_services.visit_record(
            visit=visit, user=coordinator_a, completed_on=visit.target_date, endpoints={}
        )
    with pytest.raises(ValidationError, match="withdrew consent"):
        outcomes_services.hospital_course_save(
            participant=participant, user=coordinator_a, values={}
        )


DAY90 = {
    "vital_status": "alive",
    **{f"{v}_pcr": "negative" for v in ("hhv6", "hhv7", "ebv", "cmv")},
    "autoimmune_disease": "no",
}


@pytest.mark.django_db
def test_death_and_follow_up_complete_from_outcomes(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=100)
    participant.enrolled_at = timezone.now() - dt.timedelta(days=101)
    participant.randomized_on = participant.study_day_1
    participant.save()
    day90 = Visit.objects.get(participant=participant, name="day90")
    outcomes_services.visit_record(
        visit=day90, user=coordinator_a, completed_on=day90.target_date, endpoints=DAY90
    )
    assert state_of(participant) is State.FOLLOW_UP_COMPLETE
    assert participant.follow_up_completed_on == day90.target_date
    # a hospital death date before a visit that recorded the participant alive: discrepancy
    outcomes_services.hospital_course_save(
        participant=participant,
        user=coordinator_a,
        values={"death_date": day90.target_date - dt.timedelta(days=5), "death_cause": "MI"},
    )
    participant.refresh_from_db()
    assert participant.died_on is None
    assert "after the date of death" in participant.death_discrepancy
    assert participant.current_status.state is State.DIED
    # corrected: the visit was the day of death (alive that morning) -> one date
    outcomes_services.hospital_course_save(
        participant=participant,
        user=coordinator_a,
        values={"death_date": day90.target_date, "death_cause": "MI"},
        reason="Date corrected from the death certificate",
    )
    participant.refresh_from_db()
    assert (participant.died_on, participant.death_discrepancy) == (day90.target_date, "")
    assert participant.current_status.state is State.DIED


@pytest.mark.django_db
def test_visit_dead_needs_its_date_and_reconciles(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=31)
    participant.enrolled_at = timezone.now() - dt.timedelta(days=32)
    participant.save()
    day30 = Visit.objects.get(participant=participant, name="day30")
    endpoints = {
        "organ_resolution": "no",
        "erythema_resolution": "no",
        "fever": "no",
        "facial_oedema_resolved": "no",
        "pruritus_resolved": "no",
        "lymphadenopathy": "no",
        "eosinophil_count": "0.4",
        "vital_status": "dead",
        **{f"{v}_pcr": "not_done" for v in ("hhv6", "hhv7", "ebv", "cmv")},
        "autoimmune_disease": "no",
    }
    with pytest.raises(ValidationError) as error:
        outcomes_services.visit_record(
            visit=day30, user=coordinator_a, completed_on=day30.target_date, endpoints=endpoints
        )
    assert "death_date" in error.value.message_dict
    died = day30.target_date - dt.timedelta(days=2)
    outcomes_services.visit_record(
        visit=day30,
        user=coordinator_a,
        completed_on=day30.target_date,
        endpoints=endpoints,
        death_date=died,
    )
    participant.refresh_from_db()
    assert participant.died_on == died  # a "dead" vital status is no longer ignored
