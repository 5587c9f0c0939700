"""Loads the dashboard rows in a fixed number of queries, whatever the row count."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count
from django.utils import timezone

from dosing.models import Regimen
from dosing.selectors import adherence_by_arm
from enrollment.models import Participant, Screening
from enrollment.selectors import death_evidence_of
from enrollment.status import Facts, State
from outcomes.models import ENDPOINTS_BY_VISIT, HospitalCourse, Visit
from randomization.models import Allocation
from reports.analysis import ParticipantRow, ScreeningRow

VISIT_FIELDS = sorted({f for fields in ENDPOINTS_BY_VISIT.values() for f in fields})
# The participant's milestone facts (enrollment.status.Facts, besides day 1).
FACT_FIELDS = (
    "randomized_on",
    "randomized_arm",
    "current_arm",
    "treatment_stopped_on",
    "course_completed_on",
    "off_protocol_on",
    "follow_up_completed_on",
    "died_on",
    "death_discrepancy",
    "lost_to_follow_up_on",
    "withdrawal_kind",
    "withdrawn_on",
)


def screening_rows(site_ids: list[int]) -> list[ScreeningRow]:
    return [
        ScreeningRow(pk=r["pk"], site=r["site__code"], outcome=r["outcome"], reasons=r["reasons"])
        for r in Screening.objects.filter(site_id__in=site_ids).values(
            "pk", "site__code", "outcome", "reasons"
        )
    ]


def enrollment_counts(
    site_ids: list[int],
) -> tuple[dict[dt.date, int], dict[tuple[str, str], int], dict[str, int]]:
    """Counts only, aggregated in the database (3 queries, whatever the trial size):
    randomizations per site-local day (study day 1 is the randomization date at the
    site), randomizations per (site, arm), and screenings per site."""
    allocations = Allocation.objects.filter(participant__site_id__in=site_ids).order_by()
    per_day = {
        r["participant__study_day_1"]: r["n"]
        for r in allocations.values("participant__study_day_1").annotate(n=Count("id"))
        if r["participant__study_day_1"] is not None
    }
    by_arm = {
        (r["participant__site__code"], r["arm"]): r["n"]
        for r in allocations.values("participant__site__code", "arm").annotate(n=Count("id"))
    }
    screened = {
        r["site__code"]: r["n"]
        for r in Screening.objects.filter(site_id__in=site_ids)
        .order_by()
        .values("site__code")
        .annotate(n=Count("id"))
    }
    return per_day, by_arm, screened


def participant_states(site_ids: list[int]) -> tuple[list[State], int]:
    """Each participant's status today (derived from its facts in its site's time zone),
    and the number of screenings that did not become a participant: 3 queries. The
    status is counted in SQL (enrollment.expressions.participant_state, the pure rule
    written as a CASE and tested against it): no participant is read into Python."""
    from enrollment.expressions import participant_state, site_today

    states: list[State] = []
    counts = (
        Participant.objects.filter(site_id__in=site_ids)
        .annotate(state=participant_state(site_today(site_ids)))
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    for state, n in counts:
        states.extend([State(state)] * n)
    screened_only = Screening.objects.filter(site_id__in=site_ids, participant__isnull=True).count()
    return states, screened_only


def participant_rows(site_ids: list[int]) -> list[ParticipantRow]:
    """Every randomized participant of these sites with visits, hospital course and the
    vital-status evidence of every source (enrollment.selectors.death_evidence_of): 5
    queries."""
    allocations = list(
        Allocation.objects.filter(participant__site_id__in=site_ids).values(
            "participant_id",
            "participant__study_id",
            "participant__site__code",
            "participant__site__time_zone",
            "participant__status",
            "participant__withdrawn_on",
            "participant__study_day_1",
            *(f"participant__{name}" for name in FACT_FIELDS),
            "arm",
            "randomized_at",
        )
    )
    ids = [a["participant_id"] for a in allocations]
    visits: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for v in Visit.objects.filter(participant_id__in=ids).values(
        "participant_id",
        "name",
        "completed_on",
        "missed",
        "locked",
        "window_closes",
        "study_day",
        "death_date",
        *VISIT_FIELDS,
    ):
        visits[v["participant_id"]][v["name"]] = v
    courses = {
        c["participant_id"]: c
        for c in HospitalCourse.objects.filter(participant_id__in=ids).values()
    }
    regimens = {
        r["participant_id"]: r
        for r in Regimen.objects.filter(participant_id__in=ids).values(
            "participant_id", "switched_on_day", "state"
        )
    }
    evidence_of = death_evidence_of(ids)
    rows = []
    for a in allocations:
        pid = a["participant_id"]
        course: dict[str, Any] = dict(courses.get(pid, {}))
        regimen: dict[str, Any] = dict(regimens.get(pid, {}))
        tz = _tz(a["participant__site__time_zone"])
        randomized_on = timezone.localtime(a["randomized_at"], tz).date()
        facts = {name: a[f"participant__{name}"] for name in FACT_FIELDS}
        evidence = evidence_of.get(pid, [])
        rows.append(
            ParticipantRow(
                pk=pid,
                study_id=a["participant__study_id"],
                site=a["participant__site__code"],
                arm=a["arm"],
                day1=a["participant__study_day_1"] or randomized_on,
                randomized_on=randomized_on,
                status=a["participant__status"],
                withdrawn_on=a["participant__withdrawn_on"],
                switched_day=regimen.get("switched_on_day"),
                off_protocol=regimen.get("state") == "off_protocol",
                death_date=facts["died_on"],
                death_cause=course.get("death_cause", ""),
                admission_date=course.get("admission_date"),
                discharge_date=course.get("discharge_date"),
                readmitted=course.get("readmitted_within_30_days", ""),
                readmission_date=course.get("readmission_date"),
                readmission_reason=course.get("readmission_reason", ""),
                visits=visits.get(pid, {}),
                evidence=tuple(evidence),
                today=timezone.localdate(timezone=tz),
                facts=Facts(day1=a["participant__study_day_1"], **facts),
                withdrawal_kind=facts["withdrawal_kind"],
                death_discrepancy=facts["death_discrepancy"],
            )
        )
    return rows


def _tz(name: str) -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def stratum_rows(site_ids: list[int]) -> list[tuple[str, str]]:
    return list(
        Allocation.objects.filter(participant__site_id__in=site_ids).values_list(
            "stratum_key", "arm"
        )
    )


def completeness(site_ids: list[int], today_by_site: dict[int, dt.date]) -> dict[str, Any]:
    """Forms expected vs entered per site and visit, overdue visits, unsigned decisions,
    out-of-window visits, each linking to the record."""
    visits = list(
        Visit.objects.filter(
            participant__site_id__in=site_ids, participant__status="enrolled"
        ).values(
            "pk",
            "participant_id",
            "participant__study_id",
            "participant__site_id",
            "participant__site__code",
            "name",
            "window_opens",
            "window_closes",
            "completed_on",
            "missed",
            "out_of_window_reason",
            "study_day",
            "participant__died_on",
        )
    )
    table: dict[tuple[str, int, str], dict[str, int]] = defaultdict(
        lambda: {"expected": 0, "entered": 0}
    )
    overdue, out_of_window = [], []
    for v in visits:
        today = today_by_site.get(v["participant__site_id"], dt.date.today())  # noqa: DTZ011
        death = v["participant__died_on"]
        if death is not None and death <= v["window_closes"] and v["completed_on"] is None:
            continue  # not expected
        if v["window_opens"] > today and v["completed_on"] is None and not v["missed"]:
            continue  # not due yet
        key = (v["participant__site__code"], v["study_day"], v["name"])
        table[key]["expected"] += 1
        if v["completed_on"] is not None or v["missed"]:
            table[key]["entered"] += 1
        elif v["window_closes"] < today:
            overdue.append(v)
        if v["out_of_window_reason"]:
            out_of_window.append(v)
    unsigned = list(
        Regimen.objects.filter(
            participant__site_id__in=site_ids,
            state="awaiting_decision",
            participant__status="enrolled",
        ).values(
            "participant_id",
            "participant__study_id",
            "participant__site_id",
            "participant__site__code",
            "next_decision_date",
            "current_block",
        )
    )
    unsigned = [
        r
        for r in unsigned
        if r["next_decision_date"] is not None
        and r["next_decision_date"] < today_by_site.get(r["participant__site_id"], dt.date.max)
    ]
    rows = [
        {
            "site": site,
            "visit": visit,
            **counts,
            "pct": 100 * counts["entered"] / counts["expected"] if counts["expected"] else None,
        }
        for (site, _day, visit), counts in sorted(table.items())  # day 7 before day 30
    ]
    death_discrepancies = list(
        Participant.objects.filter(site_id__in=site_ids)
        .exclude(death_discrepancy="")
        .order_by("study_id")
        .values("pk", "study_id", "death_discrepancy")
    )
    return {
        "rows": rows,
        "overdue": overdue,
        "out_of_window": out_of_window,
        "unsigned": unsigned,
        "death_discrepancies": death_discrepancies,
        "adherence_by_arm": adherence_by_arm(site_ids),  # issue 19: doses given / ordered
    }
