"""Dashboard figures from plain rows. Pure, no Django: the selectors load the rows
(a fixed number of queries) and these functions count.

Analyses are by randomized arm (intention to treat). The risk difference is
cyclosporine minus corticosteroids.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from enrollment.deaths import Evidence, VitalStatus, status_on
from enrollment.status import Facts, State, participant_status
from reports.stats import median_iqr, newcombe_diff_ci, proportion

ARMS = ("cyclosporine", "steroids")
ARM_LABELS = {"cyclosporine": "Cyclosporine", "steroids": "Corticosteroids"}


@dataclass(frozen=True)
class ParticipantRow:
    """One randomized participant, as the dashboards need it."""

    pk: int
    study_id: str
    site: str
    arm: str
    day1: dt.date
    randomized_on: dt.date
    status: str  # enrolled / withdrawn
    withdrawn_on: dt.date | None = None
    switched_day: int | None = None
    off_protocol: bool = False
    death_date: dt.date | None = None
    death_cause: str = ""
    admission_date: dt.date | None = None
    discharge_date: dt.date | None = None
    readmitted: str = ""
    readmission_date: dt.date | None = None
    readmission_reason: str = ""
    visits: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Every source on vital status (enrollment.deaths), the site's today, the status facts.
    evidence: tuple[Evidence, ...] = ()
    today: dt.date | None = None
    facts: Facts | None = None
    withdrawal_kind: str = ""
    death_discrepancy: str = ""

    def date_of_day(self, day: int) -> dt.date:
        return self.day1 + dt.timedelta(days=day - 1)

    def vital_status_by(self, day: int) -> VitalStatus:
        """Died on or before study day `day`, known alive at or after it, or unknown."""
        return status_on(self.evidence, self.date_of_day(day))

    @property
    def state(self) -> State | None:
        if self.facts is None or self.today is None:
            return None
        return participant_status(self.facts, self.today).state


@dataclass(frozen=True)
class ScreeningRow:
    pk: int
    site: str
    outcome: str
    reasons: Sequence[str]


# --- CONSORT -------------------------------------------------------------------


def consort(
    screenings: Sequence[ScreeningRow], participants: Sequence[ParticipantRow]
) -> dict[str, Any]:
    reason_counts: Counter[str] = Counter()
    for s in screenings:
        for reason in set(s.reasons):
            reason_counts[reason] += 1
    ineligible = [s for s in screenings if s.outcome == "ineligible"]
    not_consented = [s for s in screenings if s.outcome == "eligible_not_consented"]
    pending = [s for s in screenings if s.outcome == "eligible_pending"]
    per_arm: dict[str, dict[str, Any]] = {}
    for arm in ARMS:
        rows = [p for p in participants if p.arm == arm]
        vital90 = Counter(p.vital_status_by(90) for p in rows)
        per_arm[arm] = {
            "allocated": len(rows),
            "switched": sum(1 for p in rows if p.switched_day is not None),
            "off_protocol": sum(1 for p in rows if p.off_protocol),
            "withdrawn": sum(1 for p in rows if p.status == "withdrawn"),
            "stopped_treatment": sum(1 for p in rows if p.withdrawal_kind == "treatment"),
            "withdrew_follow_up": sum(1 for p in rows if p.withdrawal_kind == "follow_up"),
            "withdrew_consent": sum(1 for p in rows if p.withdrawal_kind == "consent"),
            "died": sum(1 for p in rows if p.death_date is not None or p.death_discrepancy),
            "death_discrepancy": sum(1 for p in rows if p.death_discrepancy),
            "lost_to_follow_up": sum(1 for p in rows if _lost(p)),
            "analysed_day7": sum(1 for p in rows if _completed(p, "day7")),
            "analysed_day30": sum(1 for p in rows if _completed(p, "day30")),
            "vital_known_day90": vital90[VitalStatus.DIED] + vital90[VitalStatus.ALIVE],
            "vital_unknown_day90": vital90[VitalStatus.UNKNOWN],
            "status": dict(Counter(str(p.state) for p in rows if p.state is not None)),
        }
    return {
        "assessed": len(screenings),
        "excluded": len(ineligible) + len(not_consented),
        "ineligible": len(ineligible),
        "not_consented": len(not_consented),
        "consent_pending": len(pending),
        "reasons": sorted(reason_counts.items()),
        "enrolled_not_randomized": sum(1 for s in screenings if s.outcome == "enrolled")
        - len(participants),
        "randomized": len(participants),
        "arms": per_arm,
    }


def _completed(p: ParticipantRow, visit: str) -> bool:
    return p.visits.get(visit, {}).get("completed_on") is not None


def _lost(p: ParticipantRow) -> bool:
    """Lost to follow-up: the status says so (moved or unreachable, or day 90 missed alive);
    without status facts: alive, not withdrawn, and the day 90 visit recorded as missed."""
    if p.state is not None:
        return p.state is State.LOST_TO_FOLLOW_UP
    day90 = p.visits.get("day90", {})
    return p.death_date is None and p.status != "withdrawn" and bool(day90.get("missed"))


# --- Enrollment -------------------------------------------------------------------


def status_counts(states: Iterable[State], screened_only: int) -> list[tuple[State, int]]:
    """Participants per status, every status in the protocol's order (zeros shown).
    "Screened" counts the screenings that did not become a participant."""
    counted = Counter(states)
    counted[State.SCREENED] = screened_only
    return [(state, counted[state]) for state in State]


def cumulative_by_date(participants: Iterable[ParticipantRow]) -> list[tuple[str, int]]:
    return cumulative_from_counts(Counter(p.randomized_on for p in participants))


def cumulative_from_counts(per_day: Mapping[dt.date, int]) -> list[tuple[str, int]]:
    """Randomizations per site-local day -> the cumulative series, in date order."""
    total = 0
    series = []
    for day in sorted(per_day):
        total += per_day[day]
        series.append((day.isoformat(), total))
    return series


def by_site_and_arm(
    participants: Sequence[ParticipantRow], screenings: Sequence[ScreeningRow], sites: Sequence[str]
) -> list[dict[str, Any]]:
    return by_site_from_counts(
        Counter((p.site, p.arm) for p in participants),
        Counter(s.site for s in screenings),
        sites,
    )


def by_site_from_counts(
    by_arm: Mapping[tuple[str, str], int], screened: Mapping[str, int], sites: Sequence[str]
) -> list[dict[str, Any]]:
    """Per site: screened, randomized per arm, and screened per randomized."""
    rows = []
    for site in sites:
        cyclosporine = by_arm.get((site, "cyclosporine"), 0)
        steroids = by_arm.get((site, "steroids"), 0)
        randomized = cyclosporine + steroids
        rows.append(
            {
                "site": site,
                "screened": screened.get(site, 0),
                "cyclosporine": cyclosporine,
                "steroids": steroids,
                "randomized": randomized,
                "ratio": (screened.get(site, 0) / randomized) if randomized else None,
            }
        )
    return rows


# --- Endpoints by arm -------------------------------------------------------------

BINARY_ENDPOINTS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    # (field, label, visits, value counted as a "yes")
    (
        "organ_resolution",
        "Complete/near-complete resolution of organ involvement (primary)",
        ("day7", "day30"),
        "yes",
    ),
    ("erythema_resolution", "Erythema resolution (primary)", ("day7", "day30"), "yes"),
    ("fever", "Fever present", ("day7", "day30"), "yes"),
    ("facial_oedema_resolved", "Facial oedema resolved", ("day7", "day30"), "yes"),
    ("pruritus_resolved", "Pruritus resolved", ("day7", "day30"), "yes"),
    ("lymphadenopathy", "Lymphadenopathy present", ("day7", "day30"), "yes"),
)
VIRUSES = ("hhv6", "hhv7", "ebv", "cmv")


def _arm_rows(participants: Sequence[ParticipantRow]) -> dict[str, list[ParticipantRow]]:
    grouped: dict[str, list[ParticipantRow]] = defaultdict(list)
    for p in participants:
        grouped[p.arm].append(p)
    return grouped


def compare(
    counts: Mapping[str, tuple[int, int]], unknown: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """n/N, %, Wilson 95% CI per arm; risk difference with Newcombe 95% CI.

    `unknown`: per arm, the participants left out of N because their status is not known
    (shown beside the figure)."""
    result: dict[str, Any] = {}
    for arm in ARMS:
        x, n = counts.get(arm, (0, 0))
        prop = proportion(x, n)
        result[arm] = {
            "x": x,
            "n": n,
            "unknown": (unknown or {}).get(arm, 0),
            "pct": None if prop.estimate is None else 100 * prop.estimate,
            "lower": None if prop.lower is None else 100 * prop.lower,
            "upper": None if prop.upper is None else 100 * prop.upper,
        }
    (x1, n1), (x2, n2) = counts.get(ARMS[0], (0, 0)), counts.get(ARMS[1], (0, 0))
    if n1 and n2:
        diff = newcombe_diff_ci(x1, n1, x2, n2)
        result["difference"] = {
            "estimate": 100 * diff.estimate,
            "lower": 100 * diff.lower,
            "upper": 100 * diff.upper,
        }
    else:
        result["difference"] = None
    return result


def endpoints_by_arm(participants: Sequence[ParticipantRow]) -> dict[str, Any]:
    arms = _arm_rows(participants)
    binary = []
    for name, label, visits, yes in BINARY_ENDPOINTS:
        for visit in visits:
            counts = {}
            for arm in ARMS:
                values = [p.visits.get(visit, {}).get(name) for p in arms.get(arm, [])]
                # "unknown" and "not assessed" are answers without a status: left out
                # of N and counted beside it, like a blank (issue 16 item 2).
                answered = [v for v in values if v not in (None, "", "unknown", "not_assessed")]
                counts[arm] = (sum(1 for v in answered if v == yes), len(answered))
            unknown = {arm: len(arms.get(arm, [])) - counts[arm][1] for arm in ARMS}
            binary.append(
                {"endpoint": name, "label": label, "visit": visit, **compare(counts, unknown)}
            )
    eosinophils = []
    for visit in ("day7", "day30"):
        row: dict[str, Any] = {"visit": visit}
        for arm in ARMS:
            counts_eos: list[float] = [
                float(p.visits[visit]["eosinophil_count"])
                for p in arms.get(arm, [])
                if p.visits.get(visit, {}).get("eosinophil_count") is not None
            ]
            summary = median_iqr(counts_eos)
            row[arm] = {
                "n": len(counts_eos),
                "median": summary[0] if summary else None,
                "q1": summary[1] if summary else None,
                "q3": summary[2] if summary else None,
            }
        eosinophils.append(row)
    hospital: dict[str, Any] = {}
    for arm in ARMS:
        days: list[float] = []
        for p in arms.get(arm, []):
            if p.admission_date is not None and p.discharge_date is not None:
                days.append(float((p.discharge_date - p.admission_date).days))
        summary = median_iqr(days)
        hospital[arm] = {
            "n": len(days),
            "median": summary[0] if summary else None,
            "q1": summary[1] if summary else None,
            "q3": summary[2] if summary else None,
        }
    mortality = []
    for day in (7, 30, 90):
        # Only participants whose status at day N is known count in N: died on or
        # before day N, or known alive at or after it (enrollment.deaths.status_on).
        counts, unknown = {}, {}
        for arm in ARMS:
            status = Counter(p.vital_status_by(day) for p in arms.get(arm, []))
            died = status[VitalStatus.DIED]
            counts[arm] = (died, died + status[VitalStatus.ALIVE])
            unknown[arm] = status[VitalStatus.UNKNOWN]
        mortality.append(
            {"label": f"Mortality by day {day}", "visit": f"day{day}", **compare(counts, unknown)}
        )
    viral = []
    for visit in ("day30", "day60", "day90"):
        counts = {}
        for arm in ARMS:
            tested = positive = 0
            for p in arms.get(arm, []):
                results = [p.visits.get(visit, {}).get(f"{v}_pcr") for v in VIRUSES]
                done = [r for r in results if r in ("positive", "negative")]
                if done:
                    tested += 1
                    positive += 1 if "positive" in done else 0
            counts[arm] = (positive, tested)
        unknown = {arm: len(arms.get(arm, [])) - counts[arm][1] for arm in ARMS}
        viral.append(
            {
                "label": f"Viral reactivation (any of HHV-6/7, EBV, CMV) at {visit}",
                "visit": visit,
                **compare(counts, unknown),
            }
        )
    autoimmune = []
    for visit in ("day30", "day90"):
        # By day N: yes if reported at any visit up to N; no only if the day-N visit
        # (asking "since randomization") says no; otherwise unknown.
        counts, unknown = {}, {}
        for arm in ARMS:
            statuses = [_autoimmune_by(p, visit) for p in arms.get(arm, [])]
            counts[arm] = (statuses.count("yes"), statuses.count("yes") + statuses.count("no"))
            unknown[arm] = statuses.count("unknown")
        autoimmune.append(
            {"label": f"Autoimmune disease by {visit}", "visit": visit, **compare(counts, unknown)}
        )
    readmission_counts, readmission_unknown = {}, {}
    for arm in ARMS:
        discharged = [p for p in arms.get(arm, []) if p.discharge_date is not None]
        statuses = [_readmission(p) for p in discharged]
        readmission_counts[arm] = (
            statuses.count("yes"),
            statuses.count("yes") + statuses.count("no"),
        )
        readmission_unknown[arm] = statuses.count("unknown")
    return {
        "binary": binary,
        "eosinophils": eosinophils,
        "hospital_days": hospital,
        "mortality": mortality,
        "viral": viral,
        "autoimmune": autoimmune,
        "readmission": {
            "label": "Re-admission within 30 days of discharge",
            **compare(readmission_counts, readmission_unknown),
        },
        "n": {arm: len(arms.get(arm, [])) for arm in ARMS},
    }


AUTOIMMUNE_VISITS = ("day30", "day90")


def _autoimmune_by(p: ParticipantRow, visit: str) -> str:
    upto = AUTOIMMUNE_VISITS[: AUTOIMMUNE_VISITS.index(visit) + 1]
    answers = [p.visits.get(v, {}).get("autoimmune_disease") for v in upto]
    if "yes" in answers:
        return "yes"
    if answers[-1] == "no":
        return "no"
    return "unknown"


def _readmission(p: ParticipantRow) -> str:
    """Re-admitted within 30 days of discharge: yes; no only once the 30 days have
    passed (by the site's today, or alive evidence after them); otherwise unknown."""
    if p.readmitted == "yes":
        return "yes"
    if p.readmitted == "no" and p.discharge_date is not None:
        end = p.discharge_date + dt.timedelta(days=30)
        seen_after = any(not e.dead and e.on >= end for e in p.evidence)
        died_before = any(e.dead and e.on < end for e in p.evidence)
        if died_before or seen_after or (p.today is not None and p.today > end):
            return "no"
    return "unknown"


# --- Balance, safety ------------------------------------------------------------------


def balance(rows: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """(stratum, arm) per allocation -> counts per stratum."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for stratum, arm in rows:
        table[stratum][arm] += 1
    return [
        {
            "stratum": s,
            "cyclosporine": c["cyclosporine"],
            "steroids": c["steroids"],
            "total": c["cyclosporine"] + c["steroids"],
            "imbalance": c["cyclosporine"] - c["steroids"],
        }
        for s, c in sorted(table.items())
    ]


def safety(participants: Sequence[ParticipantRow]) -> dict[str, list[dict[str, Any]]]:
    deaths = [
        {
            "study_id": p.study_id,
            "pk": p.pk,
            "arm": p.arm,
            "date": p.death_date,
            "study_day": (p.death_date - p.day1).days + 1,
            "detail": p.death_cause,
        }
        for p in participants
        if p.death_date is not None
    ]
    readmissions = [
        {
            "study_id": p.study_id,
            "pk": p.pk,
            "arm": p.arm,
            "date": p.readmission_date,
            "study_day": (p.readmission_date - p.day1).days + 1,
            "detail": p.readmission_reason,
        }
        for p in participants
        if p.readmitted == "yes" and p.readmission_date is not None
    ]
    switches = [
        {
            "study_id": p.study_id,
            "pk": p.pk,
            "arm": p.arm,
            "date": p.day1 + dt.timedelta(days=p.switched_day - 1),
            "study_day": p.switched_day,
            "detail": "switched arm" + ("; then off protocol" if p.off_protocol else ""),
        }
        for p in participants
        if p.switched_day is not None
    ]
    return {
        "deaths": sorted(deaths, key=lambda r: r["date"]),
        "readmissions": sorted(readmissions, key=lambda r: r["date"]),
        "switches": sorted(switches, key=lambda r: r["date"]),
    }
