"""The one date of death from every source (issue 17): the visits' vital status, the
hospital course and the death report of a fatal adverse event, each stored as death
evidence on the enrollment floor and reconciled there (enrollment.deaths).

Table-driven over the pure rule (each source alone, agreeing sources, conflicting
sources, the AE report among them), a hypothesis property, then through the services
(outcomes' visit and hospital course, safety's death report and event correction), the
back-fill migration, the event page's warning and the exports' death date.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from demo.synthetic import seed_trial
from enrollment import deaths
from enrollment.deaths import Evidence
from enrollment.models import DeathEvidence, Participant
from outcomes import services as outcomes_services
from outcomes.models import HospitalCourse, Visit
from reports.exports import DATASETS, csv_lines
from safety import services as safety_services
from safety.models import AdverseEvent, DeathReport
from tests.safety.helpers import ae_input, recent_participant

D0 = dt.date(2026, 3, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def visit(n: int, vital: str = "alive", death: int | None = None) -> list[Evidence]:
    return deaths.visit_evidence(
        f"Day {n} visit", day(n), vital, day(death) if death is not None else None
    )


def hospital(death: int | None = None, discharge: int | None = None) -> list[Evidence]:
    return deaths.hospital_evidence(
        death_date=day(death) if death is not None else None,
        discharge_date=day(discharge) if discharge is not None else None,
    )


def report(n: int | None) -> list[Evidence]:
    return [e for e in deaths.death_report_items(day(n) if n is not None else None).values() if e]


# (evidence, reconciled date (study-day offset) or None, words the discrepancy contains)
CASES = {
    "no source": ([], None, ""),
    "visit alive only": (visit(7), None, ""),
    "visit gives the date alone": (visit(30, "dead", 25), 25, ""),
    "hospital course alone": (hospital(death=12), 12, ""),
    "AE death report alone": (report(18), 18, ""),
    "AE report retracted (event not fatal)": (report(None), None, ""),
    "visit and hospital agree": (visit(30, "dead", 20) + hospital(death=20), 20, ""),
    "AE report agrees with hospital": (hospital(death=20) + report(20), 20, ""),
    "AE report agrees with visit and hospital": (
        visit(30, "dead", 20) + hospital(death=20) + report(20),
        20,
        "",
    ),
    "AE report and alive before it": (visit(7) + hospital(discharge=10) + report(20), 20, ""),
    "AE report conflicts with hospital": (
        hospital(death=20) + report(22),
        None,
        "disagree: died 2026-03-21 (Hospital course); died 2026-03-23 (AE death report)",
    ),
    "AE report conflicts with visit": (
        visit(30, "dead", 25) + report(21),
        None,
        "died 2026-03-22 (AE death report); died 2026-03-26 (Day 30 visit)",
    ),
    "alive at a visit after the AE report's date": (
        report(20) + visit(30),
        None,
        "alive on 2026-03-31 (Day 30 visit) after the date of death: died 2026-03-21 "
        "(AE death report)",
    ),
    "dead without a date, then the AE report dates it later": (
        visit(30, "dead") + report(40),
        None,
        "before the date of death 2026-04-10",
    ),
    "dead without a date, the AE report dates it earlier": (
        visit(30, "dead") + report(25),
        25,
        "",
    ),
    "dead without a date alone": (visit(30, "dead"), None, "without a date"),
}


@pytest.mark.parametrize(("evidence", "died", "words"), CASES.values(), ids=list(CASES))
def test_reconcile(evidence, died, words):
    record = deaths.reconcile(evidence)
    assert record.died_on == (day(died) if died is not None else None)
    assert (words in record.discrepancy) if words else record.discrepancy == ""
    assert not (record.died_on and record.discrepancy)


@given(
    n=st.integers(min_value=0, max_value=200),
    copies=st.lists(st.sampled_from(["visit", "hospital", "report"]), min_size=1),
    alive_before=st.lists(st.integers(min_value=-30, max_value=0), max_size=4),
)
def test_agreeing_sources_in_any_order_give_their_date(n, copies, alive_before):
    makers = {
        "visit": lambda: visit(n + 2, "dead", n),
        "hospital": lambda: hospital(death=n),
        "report": lambda: report(n),
    }
    evidence = [e for name in copies for e in makers[name]()]
    evidence += [Evidence("Alive", day(n + k), dead=False) for k in alive_before]
    assert deaths.reconcile(evidence) == deaths.DeathRecord(day(n))
    assert deaths.reconcile(list(reversed(evidence))) == deaths.DeathRecord(day(n))


@given(a=st.integers(min_value=0, max_value=100), b=st.integers(min_value=0, max_value=100))
def test_two_different_dates_are_a_discrepancy_never_a_date(a, b):
    record = deaths.reconcile(hospital(death=a) + report(b))
    if a == b:
        assert record == deaths.DeathRecord(day(a))
    else:
        assert record.died_on is None and "AE death report" in record.discrepancy


def test_items_retract_what_a_source_no_longer_says():
    assert deaths.visit_items("Day 7 visit", None, "", None) == {"vital": None}
    assert deaths.hospital_items(death_date=None) == {
        "death": None,
        "discharge": None,
        "re-admission": None,
    }
    assert deaths.death_report_items(None) == {"death": None}


# --- Through the services --------------------------------------------------------------

DAY7 = {
    "organ_resolution": "no",
    "erythema_resolution": "yes",
    "fever": "no",
    "facial_oedema_resolved": "yes",
    "pruritus_resolved": "yes",
    "lymphadenopathy": "no",
    "eosinophil_count": "0.8",
    "vital_status": "alive",
}


@pytest.fixture
def participant(site_a, coordinator_a):
    """Consented 40 days ago, study day 1 the day after, with its visit schedule."""
    p = recent_participant(site_a, coordinator_a, days_ago=40)
    assert p.study_day_1 is not None
    outcomes_services.visit_schedule_start(participant=p, day1=p.study_day_1, user=coordinator_a)
    return p


def today(p: Participant) -> dt.date:
    return timezone.localdate(timezone=p.site.tz)


def fatal_event(p: Participant, user, *, died: dt.date) -> AdverseEvent:
    ae = safety_services.ae_create(
        participant=p,
        user=user,
        data=ae_input(
            p,
            onset_date=died - dt.timedelta(days=2),
            grade=5,
            outcome="fatal",
            criteria=frozenset({"death"}),
            ongoing=False,
            stop_date=died,
        ),
    )
    return ae


def death_report(ae: AdverseEvent, user, died: dt.date, reason: str = "") -> DeathReport:
    return safety_services.death_report_save(
        adverse_event=ae,
        user=user,
        death_date=died,
        primary_cause="Fulminant hepatitis",
        related_cyclosporine="possible",
        related_corticosteroids="not_related",
        autopsy="no",
        reason=reason,
    )


def reloaded(p: Participant) -> Participant:
    return Participant.objects.get(pk=p.pk)


@pytest.mark.django_db
def test_the_ae_death_report_alone_gives_the_date(participant, coordinator_a):
    died = today(participant) - dt.timedelta(days=3)
    ae = fatal_event(participant, coordinator_a, died=died)
    report_row = death_report(ae, coordinator_a, died)
    p = reloaded(participant)
    assert (p.died_on, p.death_discrepancy) == (died, "")
    row = DeathEvidence.objects.get(source="ae_death_report", source_id=report_row.pk)
    assert (row.participant_id, row.item, row.on, row.dead, row.label) == (
        p.pk,
        "death",
        died,
        True,
        "AE death report",
    )
    history = row.history.get()
    assert history.history_user == coordinator_a
    assert history.history_change_reason == "AE death report"
    assert p.history.order_by("-history_id").first().history_change_reason == "AE death report"
    assert p.current_status.state == "died"


@pytest.mark.django_db
def test_the_ae_report_agreeing_with_the_hospital_course(participant, coordinator_a):
    died = today(participant) - dt.timedelta(days=3)
    outcomes_services.hospital_course_save(
        participant=participant,
        user=coordinator_a,
        values={"death_date": died, "death_cause": "Liver failure"},
    )
    assert reloaded(participant).died_on == died
    ae = fatal_event(participant, coordinator_a, died=died)
    death_report(ae, coordinator_a, died)
    p = reloaded(participant)
    assert (p.died_on, p.death_discrepancy) == (died, "")
    assert set(DeathEvidence.objects.filter(participant=p).values_list("source", "on")) == {
        ("hospital_course", died),
        ("ae_death_report", died),
    }


@pytest.mark.django_db
def test_the_ae_report_conflicting_with_the_hospital_course_is_a_visible_discrepancy(
    login, participant, coordinator_a
):
    hospital_died = today(participant) - dt.timedelta(days=4)
    outcomes_services.hospital_course_save(
        participant=participant,
        user=coordinator_a,
        values={"death_date": hospital_died, "death_cause": "Sepsis"},
    )
    report_died = hospital_died + dt.timedelta(days=1)
    ae = fatal_event(participant, coordinator_a, died=report_died)
    death_report(ae, coordinator_a, report_died)
    p = reloaded(participant)
    assert p.died_on is None
    assert p.death_discrepancy.startswith("The dates of death disagree")
    assert "(AE death report)" in p.death_discrepancy and "(Hospital course)" in p.death_discrepancy
    assert p.current_status.state == "died"  # a death, its date in question
    page = login(coordinator_a).get(f"/safety/participants/{p.pk}/adverse-events/{ae.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "The sources of the date of death disagree" in body
    # The hospital course corrected to the report's date: the discrepancy is gone.
    outcomes_services.hospital_course_save(
        participant=p,
        user=coordinator_a,
        values={"death_date": report_died, "death_cause": "Sepsis"},
        reason="Date checked against the death certificate",
    )
    p = reloaded(participant)
    assert (p.died_on, p.death_discrepancy) == (report_died, "")


@pytest.mark.django_db
def test_a_visit_alive_after_the_ae_reports_date_is_a_discrepancy(participant, coordinator_a):
    day7 = Visit.objects.get(participant=participant, name="day7")
    died = day7.target_date - dt.timedelta(days=2)
    ae = fatal_event(participant, coordinator_a, died=died)
    death_report(ae, coordinator_a, died)
    assert reloaded(participant).died_on == died
    outcomes_services.visit_record(
        visit=day7, user=coordinator_a, completed_on=day7.target_date, endpoints=DAY7
    )
    p = reloaded(participant)
    assert p.died_on is None
    assert "after the date of death" in p.death_discrepancy
    assert "(AE death report)" in p.death_discrepancy


@pytest.mark.django_db
def test_an_event_no_longer_fatal_retracts_its_report(participant, coordinator_a):
    died = today(participant) - dt.timedelta(days=3)
    ae = fatal_event(participant, coordinator_a, died=died)
    report_row = death_report(ae, coordinator_a, died)
    assert reloaded(participant).died_on == died
    safety_services.ae_update(
        adverse_event=ae,
        user=coordinator_a,
        data=ae_input(participant, onset_date=died - dt.timedelta(days=2), outcome="recovering"),
        reason="Wrong patient: the death was another participant's",
    )
    p = reloaded(participant)
    assert (p.died_on, p.death_discrepancy) == (None, "")
    row = DeathEvidence.objects.get(source="ae_death_report", source_id=report_row.pk)
    assert row.on is None  # retracted; the history keeps what it said
    assert [h.on for h in row.history.order_by("history_id")] == [died, None]
    assert "Wrong patient" in row.history.order_by("-history_id").first().history_change_reason


@pytest.mark.django_db
def test_the_visit_and_hospital_course_evidence_is_stored_and_follows_corrections(
    participant, coordinator_a
):
    day7 = Visit.objects.get(participant=participant, name="day7")
    outcomes_services.visit_record(
        visit=day7,
        user=coordinator_a,
        completed_on=day7.target_date,
        endpoints={**DAY7, "vital_status": "dead"},
        death_date=day7.target_date - dt.timedelta(days=1),
    )
    p = reloaded(participant)
    assert p.died_on == day7.target_date - dt.timedelta(days=1)
    row = DeathEvidence.objects.get(source="visit", source_id=day7.pk)
    assert (row.item, row.dead, row.exact, row.label) == ("vital", True, True, "Day 7 visit")
    course = outcomes_services.hospital_course_save(
        participant=p,
        user=coordinator_a,
        values={"discharge_date": day7.target_date - dt.timedelta(days=3)},
    )
    discharge = DeathEvidence.objects.get(source="hospital_course", source_id=course.pk)
    assert (discharge.item, discharge.dead) == ("discharge", False)
    assert reloaded(p).died_on == day7.target_date - dt.timedelta(days=1)


@pytest.mark.django_db
def test_the_backfill_migration_stores_every_source_and_reconciles(site_a, coordinator_a):
    """Rows written before the evidence table (no service): the back-fill stores what they
    say, each with a history row, and reconciles the date with the AE report included."""
    p = recent_participant(site_a, coordinator_a, days_ago=40)
    visits = outcomes_services.visit_schedule_start(
        participant=p, day1=p.study_day_1, user=coordinator_a
    )
    died = today(p) - dt.timedelta(days=3)
    Visit.objects.filter(pk=visits[0].pk).update(
        completed_on=visits[0].target_date, vital_status="alive"
    )
    course = HospitalCourse.objects.create(participant=p, death_date=died, death_cause="Sepsis")
    ae = fatal_event(p, coordinator_a, died=died)
    other_date = died - dt.timedelta(days=1)
    DeathReport.objects.create(
        adverse_event=ae,
        death_date=other_date,
        primary_cause="Sepsis",
        related_cyclosporine="unlikely",
        related_corticosteroids="unlikely",
        autopsy="unknown",
        created_by=coordinator_a,
    )
    assert not DeathEvidence.objects.exists()  # as before the table existed
    migration = importlib.import_module("enrollment.migrations.0008_backfill_death_evidence")
    # the models as the migration sees them (no history signals: it writes its own rows)
    state = MigrationExecutor(connection).loader.project_state(
        ("enrollment", "0008_backfill_death_evidence")
    )
    migration.backfill(state.apps, None)
    rows = DeathEvidence.objects.filter(participant=p)
    assert {(r.source, r.item) for r in rows} == {
        ("visit", "vital"),
        ("hospital_course", "death"),
        ("ae_death_report", "death"),
    }
    for r in rows:
        (history,) = r.history.all()
        assert history.history_change_reason.startswith("Back-filled from the existing records")
    p = reloaded(p)
    assert p.died_on is None and "(AE death report)" in p.death_discrepancy
    assert course.pk in {r.source_id for r in rows if r.source == "hospital_course"}
    migration.backfill(state.apps, None)  # a second run adds nothing
    assert DeathEvidence.objects.filter(participant=p).count() == 3


# --- The exports ------------------------------------------------------------------------


def rows_of(name: str, site_ids: list[int]) -> list[dict[str, str]]:
    text = "".join(csv_lines(DATASETS[name], site_ids, None, None))
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_the_exports_death_date_comes_from_the_ae_report(site_a, trial_admin, coordinator_a):
    seed_trial(sites=[site_a], participants=12, user=trial_admin, seed=7)
    now = today(Participant.objects.filter(site=site_a).first())  # type: ignore[arg-type]
    candidates = [
        p
        for p in Participant.objects.filter(site=site_a, died_on__isnull=True).order_by("pk")
        if p.study_day_1 and p.study_day_1 >= now - dt.timedelta(days=60)
    ]
    assert candidates, "the seeded trial has a recent living participant"
    p = candidates[0]
    HospitalCourse.objects.filter(participant=p).update(death_date=None)
    ae = fatal_event(p, coordinator_a, died=now)
    death_report(ae, coordinator_a, now)
    assert reloaded(p).died_on == now
    row = next(r for r in rows_of("participants", [site_a.pk]) if r["study_id"] == p.study_id)
    assert row["died_on"] == now.isoformat()
    assert row["status"] == "died"
    assert row["vital_status_day90"] == "died"
    others = [r for r in rows_of("participants", [site_a.pk]) if r["study_id"] != p.study_id]
    assert all(r["died_on"] != now.isoformat() or r["status"] == "died" for r in others)
