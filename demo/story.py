"""A living demo trial: 2 sites and about a dozen participants at every stage, built
through the real services (screening, consent, randomization, signed decisions, visits,
withdrawal, hospital course), so history, statuses and reminders are what staff would
see. Demo mode only (`manage.py seed_demo` refuses otherwise).

Dates are relative to today: each step runs on the day it would have happened (the
clock is moved with time-machine, at 10:00 site time, then put back), so the demo never
goes stale and every history row carries a believable time. Running it again does
nothing (the demo screenings are found by their initials).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from datamanagement import services as datamanagement_services
from dosing import services as dosing_services
from dosing.models import Regimen
from dosing.protocol import State as RegimenState
from dosing.reminders import dosing_reminders_sweep
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import Site
from enrollment import services as enrollment_services
from enrollment.models import Participant, Screening
from enrollment.screening_contract import parse_screening_input
from outcomes import services as outcomes_services
from outcomes.models import ENDPOINTS_BY_VISIT, Visit
from outcomes.reminders import visit_reminders_sweep
from randomization import services as randomization_services
from randomization.models import AllocationList

DEMO_INITIALS = "DM"  # every demo screening; how a second run knows it ran
# Baseline organ labs recorded once at enrolment (creatinine and eosinophils come from
# the screening), so the assessment form reads them instead of asking again.
DEMO_BASELINE = {"alt": Decimal("412"), "ast": Decimal("268"), "bilirubin": Decimal("1.8")}
REASON_PREFIX = "Demo story"

BASE_DOCUMENT: dict[str, Any] = {
    "age": 45,
    "sex": "female",
    "weight_kg": 70,
    "creatinine_mg_dl": 1.0,
    "on_dialysis": False,
    "regiscar": {
        "fever": "yes",
        "lymph_nodes": "yes",
        "atypical_lymphocytes": "unknown",
        "eosinophil_count": 1.6,
        "eosinophil_percent": None,
        "leukocyte_count": 9.1,
        "rash_extent_over_50": "yes",
        "rash_suggestive": "yes",
        "biopsy": "unknown",
        "organs_involved": ["liver", "kidney"],
        "resolution_15_days": "unknown",
        "other_causes": {"negative_tests": 3, "positive_tests": 0},
    },
    "exclusions": {
        "sepsis": False,
        "hepatitis_b": False,
        "hepatitis_c": False,
        "tuberculosis": False,
        "steroid_allergy": False,
        "cyclosporine_allergy": False,
    },
}

# A decision policy: (study day of the decision) -> (improvement, labs trend), or None
# to leave that decision unsigned.
Policy = Callable[[int], tuple[str, str] | None]


def responder(day: int) -> tuple[str, str] | None:
    return ("gt25", "down")


def slow_responder(day: int) -> tuple[str, str] | None:
    return ("le25", "flat")


def non_responder(day: int) -> tuple[str, str] | None:
    return ("none", "flat")


def switch_then_respond(day: int) -> tuple[str, str] | None:
    return ("none", "flat") if day <= 7 else ("gt25", "down")


def unsigned(day: int) -> tuple[str, str] | None:
    return None


@dataclass(frozen=True)
class Story:
    """One participant's path, in days relative to today (site date)."""

    key: str
    site: str
    title: str
    screened_days_ago: int
    eligible: bool = True
    exclusion: str = ""
    low_score: bool = False
    consented: bool = True
    randomized_days_ago: int | None = None
    policy: Policy = unsigned
    visits_done: tuple[str, ...] = ()
    visit_missed: tuple[str, ...] = ()
    signed_off: tuple[str, ...] = ()
    hospital_days: int | None = None  # discharged on study day N
    died_on_day: int | None = None
    withdrawn_on_day: int | None = None
    sex: str = "female"
    age: int = 45
    weight: int = 70
    changes: dict[str, Any] = field(default_factory=dict)


STORIES: tuple[Story, ...] = (
    Story("fail-score", "USC", "screening failure (RegiSCAR too low)", 20, low_score=True),
    Story("fail-sepsis", "PAR", "screening failure (active sepsis)", 12, exclusion="sepsis"),
    Story("no-consent", "USC", "eligible, did not consent", 5, consented=False),
    Story("enrolled", "USC", "enrolled today, not randomized yet", 0, sex="male", age=61),
    Story(
        "decision-today",
        "USC",
        "awaiting a dosing decision today (study day 10)",
        10,
        randomized_days_ago=9,
        policy=lambda day: ("le25", "flat") if day < 10 else None,
        visits_done=("day7",),
        weight=82,
    ),
    Story(
        "visit-today",
        "USC",
        "day 30 visit due today",
        30,
        randomized_days_ago=29,
        policy=responder,
        visits_done=("day7",),
        hospital_days=12,
        sex="male",
        age=38,
    ),
    Story(
        "overdue",
        "USC",
        "overdue: decision and day 7 visit not done",
        13,
        randomized_days_ago=12,
        policy=unsigned,
        age=67,
    ),
    Story(
        "switched",
        "USC",
        "switched arm after no response",
        17,
        randomized_days_ago=16,
        policy=switch_then_respond,
        visits_done=("day7",),
        hospital_days=14,
    ),
    Story(
        "off-protocol",
        "PAR",
        "off protocol (a second switch)",
        21,
        randomized_days_ago=20,
        policy=non_responder,
        visits_done=("day7",),
        sex="male",
        age=52,
    ),
    Story(
        "completed",
        "PAR",
        "course completed; day 60 visit missed",
        76,
        randomized_days_ago=75,
        policy=responder,
        visits_done=("day7", "day30"),
        visit_missed=("day60",),
        signed_off=("day7",),
        hospital_days=9,
    ),
    Story(
        "follow-up-complete",
        "USC",
        "follow-up complete (day 90 done and signed off)",
        96,
        randomized_days_ago=95,
        policy=responder,
        visits_done=("day7", "day30", "day60", "day90"),
        signed_off=("day7", "day30", "day60", "day90"),
        hospital_days=11,
        age=29,
    ),
    Story(
        "died",
        "PAR",
        "died on study day 20 (hospital course)",
        36,
        randomized_days_ago=35,
        policy=responder,
        visits_done=("day7",),
        died_on_day=20,
        age=78,
        sex="male",
    ),
    Story(
        "withdrawn",
        "PAR",
        "withdrew from follow-up on study day 15",
        26,
        randomized_days_ago=25,
        policy=responder,
        visits_done=("day7",),
        withdrawn_on_day=15,
    ),
)


@contextmanager
def on_day(site: Site, day: dt.date, hour: int = 10) -> Iterator[None]:
    """Run the block as if it were `hour`:00 on `day` at the site (clock moved back)."""
    import time_machine  # demo and tests only (the dev extra); never imported by the app

    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(site.time_zone))
    if moment >= timezone.now():  # never into the future: stay now
        yield
        return
    with time_machine.travel(moment, tick=False):
        yield


def _document(story: Story) -> Any:
    doc: dict[str, Any] = {
        **BASE_DOCUMENT,
        "age": story.age,
        "sex": story.sex,
        "weight_kg": story.weight,
        "regiscar": dict(BASE_DOCUMENT["regiscar"]),
        "exclusions": dict(BASE_DOCUMENT["exclusions"]),
    }
    if story.low_score:
        doc["regiscar"].update(
            fever="no",
            lymph_nodes="no",
            eosinophil_count=0.3,
            rash_extent_over_50="no",
            rash_suggestive="no",
            organs_involved=[],
        )
    if story.exclusion:
        doc["exclusions"][story.exclusion] = True
    return parse_screening_input(doc)


def _endpoints(visit: Visit) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ENDPOINTS_BY_VISIT[visit.name]:
        if name == "vital_status":
            values[name] = "alive"
        elif name.endswith("_pcr"):
            values[name] = "negative"
        elif name == "eosinophil_count":
            values[name] = Decimal("0.30")
        elif name == "autoimmune_disease" or name == "fever" or name == "lymphadenopathy":
            values[name] = "no"
        elif name.endswith("_load") or name in ("autoimmune_type", "autoimmune_other"):
            continue
        else:
            values[name] = "yes"
    return values


@dataclass
class Cast:
    coordinators: dict[str, User]
    investigator: User
    admin: User


def _cast() -> Cast:
    return Cast(
        coordinators={
            "USC": User.objects.get(username="coordinator"),
            "PAR": User.objects.get(username="coordinator-par"),
        },
        investigator=User.objects.get(username="investigator"),
        admin=User.objects.get(username="admin"),
    )


def already_seeded() -> bool:
    return Screening.objects.filter(initials=DEMO_INITIALS, site__code__in=["USC", "PAR"]).exists()


def _ensure_allocation_list(cast: Cast) -> None:
    if not AllocationList.objects.filter(kind="live", active=True).exists():
        randomization_services.allocation_list_generate(
            user=cast.admin, kind="live", slots_per_stratum=40
        )


def _play(story: Story, site: Site, cast: Cast, today: dt.date) -> str:
    coordinator = cast.coordinators[story.site]
    screened_on = today - dt.timedelta(days=story.screened_days_ago)
    with on_day(site, screened_on, 9):
        screening = enrollment_services.screening_record(
            site=site, user=coordinator, answers=_document(story), initials=DEMO_INITIALS
        )
    if not screening.eligible:
        return f"{story.title}: screening {screening.label}"
    if not story.consented:
        with on_day(site, screened_on, 15):
            enrollment_services.screening_mark_not_consented(
                screening=screening,
                user=coordinator,
                reason="Declined: prefers standard care with prednisone.",
            )
        return f"{story.title}: screening {screening.label}"
    with on_day(site, screened_on, 10):
        participant = enrollment_services.participant_enrol(
            screening=screening,
            user=coordinator,
            consent_at=timezone.now() - dt.timedelta(minutes=30),
            consent_form_version="v2.1",
            consent_obtained_by=coordinator.get_full_name(),
            baseline=DEMO_BASELINE,
        )
    if story.randomized_days_ago is None:
        return f"{story.title}: {participant.study_id}"
    day1 = today - dt.timedelta(days=story.randomized_days_ago)
    with on_day(site, day1, 11):
        randomization_services.participant_randomize(participant=participant, user=coordinator)
    participant.refresh_from_db()
    if story.hospital_days is not None:
        with on_day(site, day1 + dt.timedelta(days=story.hospital_days - 1), 16):
            outcomes_services.hospital_course_save(
                participant=participant,
                user=coordinator,
                values={
                    "admission_date": day1 - dt.timedelta(days=1),
                    "discharge_date": day1 + dt.timedelta(days=story.hospital_days - 1),
                    "readmitted_within_30_days": "no",
                },
            )
    stop_day = story.randomized_days_ago + 1  # today's study day
    if story.died_on_day:
        stop_day = min(stop_day, story.died_on_day)
    if story.withdrawn_on_day:
        stop_day = min(stop_day, story.withdrawn_on_day)
    for study_day in range(1, stop_day + 1):
        date = day1 + dt.timedelta(days=study_day - 1)
        _decide(participant, site, cast, date, story.policy)
        for visit in Visit.objects.filter(participant=participant, target_date=date):
            if visit.name in story.visits_done and date <= today:
                _record_visit(visit, site, cast, coordinator, date, story)
    for visit in Visit.objects.filter(participant=participant, name__in=story.visit_missed):
        with on_day(site, visit.window_closes + dt.timedelta(days=1), 9):
            outcomes_services.visit_mark_missed(
                visit=visit,
                user=coordinator,
                reason="Could not be reached by phone (three attempts).",
                reason_code="window_closed",
            )
    if story.died_on_day:
        death = day1 + dt.timedelta(days=story.died_on_day - 1)
        with on_day(site, death, 18):
            outcomes_services.hospital_course_save(
                participant=participant,
                user=coordinator,
                values={
                    "admission_date": day1 - dt.timedelta(days=1),
                    "readmitted_within_30_days": "no",
                    "death_date": death,
                    "death_cause": "Multi-organ failure",
                },
            )
    if story.withdrawn_on_day:
        withdrawn = day1 + dt.timedelta(days=story.withdrawn_on_day - 1)
        with on_day(site, withdrawn, 14):
            randomization_services.participant_withdraw(
                participant=participant,
                user=coordinator,
                kind="follow_up",
                withdrawn_on=withdrawn,
                reason="Moved abroad; agrees to the use of data collected so far.",
            )
    return f"{story.title}: {participant.study_id}"


def _decide(
    participant: Participant, site: Site, cast: Cast, date: dt.date, policy: Policy
) -> None:
    """Sign each decision due on `date` that the story's policy answers."""
    for _ in range(3):  # at most one decision a day; a guard, not a loop
        regimen = Regimen.objects.filter(participant=participant).first()
        if (
            regimen is None
            or regimen.state != RegimenState.AWAITING_DECISION
            or regimen.next_decision_date != date
            or regimen.next_decision_day is None
        ):
            return
        answer = policy(regimen.next_decision_day)
        if answer is None:
            return
        with on_day(site, date, 12):
            dosing_services.assessment_sign(
                participant=participant,
                user=cast.investigator,
                password=DEMO_PASSWORD,
                improvement=answer[0],
                labs_trend=answer[1],
                other_findings="Demo: decision from the bedside review.",
            )


def _record_visit(
    visit: Visit, site: Site, cast: Cast, coordinator: User, date: dt.date, story: Story
) -> None:
    with on_day(site, date, 13):
        outcomes_services.visit_record(
            visit=visit, user=coordinator, completed_on=date, endpoints=_endpoints(visit)
        )
    if visit.name in story.signed_off:
        with on_day(site, date, 17):
            outcomes_services.visit_sign_off(
                visit=visit,
                user=cast.investigator,
                password=DEMO_PASSWORD,
                meaning=outcomes_services.SIGN_OFF_MEANINGS[0],
            )


def _open_query(site: Site) -> str:
    """The monitor's open query on a day 7 visit: the grid's "query open" cell, the data
    management list and the coordinator's to-do item have something to show."""
    visit = Visit.objects.select_related("participant").get(
        participant__study_id="USC-005", name="day7"
    )
    with on_day(site, timezone.localdate(timezone=site.tz) - dt.timedelta(days=2), 15):
        datamanagement_services.query_open(
            participant=visit.participant,
            user=User.objects.get(username="monitor"),
            form="visit",
            record_id=visit.pk,
            field="eosinophil_count",
            text="The source document reads 1.2 x10⁹/L; please check the entry.",
        )
    return f"query open on the day 7 eosinophils: {visit.participant.study_id}"


def seed_stories() -> list[str]:
    """Play every story once (nothing if the demo trial is there already)."""
    if already_seeded():
        return []
    cast = _cast()
    sites = {s.code: s for s in Site.objects.filter(code__in=["USC", "PAR"])}
    done: list[str] = []
    with transaction.atomic():
        _ensure_allocation_list(cast)
        for story in STORIES:
            site = sites[story.site]
            today = timezone.localdate(timezone=site.tz)
            try:
                done.append(_play(story, site, cast, today))
            except ValidationError as exc:  # a rule changed under the demo: say which
                raise ValidationError(f"demo story {story.key!r}: {exc}") from exc
        done.append(_open_query(sites["USC"]))
    dosing_reminders_sweep()
    visit_reminders_sweep()
    return done
