"""Read a participant's records into the pure rules' `CaseFacts` (datamanagement/rules.py).

A constant number of queries per participant.
"""

from __future__ import annotations

from datamanagement.catalogue import PRIMARY_ENDPOINTS
from datamanagement.rules import AdverseEventFacts, CaseFacts, VisitFacts
from enrollment.models import Participant
from outcomes.models import ENDPOINTS_BY_VISIT, OPTIONAL_ENDPOINTS, HospitalCourse, Visit
from safety.models import AdverseEvent


def case_facts(participant: Participant) -> CaseFacts:
    course = HospitalCourse.objects.filter(participant=participant).first()
    visits = list(Visit.objects.filter(participant=participant).order_by("study_day"))
    visit_facts = []
    death_record: tuple[str, int] | None = None
    for v in visits:
        names = ENDPOINTS_BY_VISIT.get(v.name, ())
        visit_facts.append(
            VisitFacts(
                record_id=v.pk,
                name=v.name,
                study_day=v.study_day,
                completed_on=v.completed_on,
                missed=v.missed,
                endpoints={n: getattr(v, n) for n in names},
                required=tuple(n for n in names if n not in OPTIONAL_ENDPOINTS),
                primary=tuple(n for n in names if n in PRIMARY_ENDPOINTS),
                eosinophil_count=v.eosinophil_count,
            )
        )
        if v.death_date is not None and death_record is None:
            death_record = ("visit", v.pk)
    if death_record is None and course is not None and course.death_date is not None:
        death_record = ("hospital_course", course.pk)
    weights = {w for w in participant.history.values_list("weight_kg", flat=True) if w is not None}
    screening = participant.screening if participant.screening_id else None
    return CaseFacts(
        participant_id=participant.pk,
        hospital_course_id=course.pk if course else None,
        admission_date=course.admission_date if course else None,
        discharge_date=course.discharge_date if course else None,
        death_date=participant.died_on,
        death_record=death_record,
        visits=tuple(visit_facts),
        screening_weight_kg=getattr(screening, "weight_kg", None),
        baseline_weight_kg=participant.weight_kg,
        weight_change_recorded=len(weights) > 1,
        adverse_events=tuple(
            AdverseEventFacts(record_id=pk, onset_date=onset)
            for pk, onset in AdverseEvent.objects.filter(participant=participant).values_list(
                "pk", "onset_date"
            )
        ),
    )
