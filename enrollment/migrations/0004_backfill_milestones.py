"""Existing participants get their milestone facts from the rows that record them.

Mirrors what the services now set at each event:
- withdrawn rows: kind "follow_up" (the old withdrawal stopped data collection and kept
  the data), and study treatment ended on the same date;
- randomization: date (site-local) and arm; the regimen's current arm;
- dosing: last dosing day before monitoring, last dosing day of a completed course,
  off-protocol date;
- outcomes: the reconciled date of death (or its discrepancy), follow-up complete
  (last visit done), lost to follow-up (last visit missed, alive).
Rows are saved one by one (no bulk update), without new history rows: the facts are
derived, the source rows keep their history.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import migrations

# A frozen copy of outcomes/deaths.py's reconciliation, as it was when this migration was
# written: a migration must not import live code from a higher floor (outcomes), and must
# give the same result whenever it runs.

@dataclass(frozen=True)
class Evidence:
    source: str  # "Day 30 visit", "Hospital course", "AE death report"
    on: dt.date
    dead: bool  # True: died on `on` (or on or before it, if not exact); False: alive on `on`
    exact: bool = True  # False: a "dead" answer without a date of death

    def describe(self) -> str:
        if not self.dead:
            return f"alive on {self.on:%Y-%m-%d} ({self.source})"
        if self.exact:
            return f"died {self.on:%Y-%m-%d} ({self.source})"
        return f"dead by {self.on:%Y-%m-%d}, no date of death ({self.source})"


@dataclass(frozen=True)
class DeathRecord:
    died_on: dt.date | None
    discrepancy: str = ""

    @property
    def died(self) -> bool:
        return self.died_on is not None


def reconcile(evidence: Iterable[Evidence]) -> DeathRecord:
    items = list(evidence)
    deaths = [e for e in items if e.dead]
    if not deaths:
        return DeathRecord(None)
    dated = sorted({e.on for e in deaths if e.exact})
    if len(dated) > 1:
        listed = "; ".join(e.describe() for e in sorted(deaths, key=lambda e: (e.on, e.source)))
        return DeathRecord(None, f"The dates of death disagree: {listed}.")
    undated = [e for e in deaths if not e.exact]
    if not dated:
        return DeathRecord(None, f"Death reported without a date: {undated[0].describe()}.")
    died_on = dated[0]
    late = [e for e in undated if e.on < died_on]
    if late:
        return DeathRecord(
            None,
            f"{late[0].describe()} is before the date of death {died_on:%Y-%m-%d}.",
        )
    after = sorted((e for e in items if not e.dead and e.on > died_on), key=lambda e: e.on)
    if after:
        source = next(e for e in deaths if e.exact)
        return DeathRecord(
            None,
            f"Recorded {after[0].describe()} after the date of death: {source.describe()}.",
        )
    return DeathRecord(died_on)


def visit_evidence(
    label: str, completed_on: dt.date | None, vital_status: str, death_date: dt.date | None
) -> list[Evidence]:
    """What one visit says: nothing if not completed."""
    if completed_on is None:
        return []
    if vital_status == "dead":
        if death_date is not None:
            return [Evidence(label, death_date, dead=True)]
        return [Evidence(label, completed_on, dead=True, exact=False)]
    return [Evidence(label, completed_on, dead=False)]


def hospital_evidence(
    *,
    death_date: dt.date | None,
    discharge_date: dt.date | None = None,
    readmission_date: dt.date | None = None,
    label: str = "Hospital course",
) -> list[Evidence]:
    items = []
    if death_date is not None:
        items.append(Evidence(label, death_date, dead=True))
    for what, day in (("discharge", discharge_date), ("re-admission", readmission_date)):
        if day is not None and (death_date is None or day < death_date):
            items.append(Evidence(f"{label}: {what}", day, dead=False))
    return items


deaths = SimpleNamespace(
    visit_evidence=visit_evidence, hospital_evidence=hospital_evidence, reconcile=reconcile
)


def backfill(apps, schema_editor):
    Participant = apps.get_model("enrollment", "Participant")
    Allocation = apps.get_model("randomization", "Allocation")
    Regimen = apps.get_model("dosing", "Regimen")
    Order = apps.get_model("dosing", "Order")
    RegimenEvent = apps.get_model("dosing", "RegimenEvent")
    Visit = apps.get_model("outcomes", "Visit")
    HospitalCourse = apps.get_model("outcomes", "HospitalCourse")
    for p in Participant.objects.select_related("site").iterator():
        changed = {}
        if p.status == "withdrawn" and not p.withdrawal_kind:
            changed["withdrawal_kind"] = "follow_up"
            changed["treatment_withdrawn_on"] = p.withdrawn_on
        allocation = Allocation.objects.filter(participant_id=p.pk).first()
        if allocation is not None:
            tz = zoneinfo.ZoneInfo(p.site.time_zone)
            changed["randomized_on"] = allocation.randomized_at.astimezone(tz).date()
            changed["randomized_arm"] = allocation.arm
            changed["current_arm"] = allocation.arm
        regimen = Regimen.objects.filter(participant_id=p.pk).first()
        if regimen is not None:
            changed["current_arm"] = regimen.current_arm
            events = RegimenEvent.objects.filter(regimen_id=regimen.pk).order_by("day")
            if regimen.state == "monitoring":
                stop = events.filter(type="stop").last()
                changed["treatment_stopped_on"] = stop.date if stop else None
            if regimen.state == "completed":
                last = Order.objects.filter(regimen_id=regimen.pk).order_by("-date").first()
                changed["course_completed_on"] = last.date if last else None
            off = events.filter(type="off_protocol").first()
            changed["off_protocol_on"] = off.date if off else None
        visits = list(Visit.objects.filter(participant_id=p.pk).order_by("study_day"))
        course = HospitalCourse.objects.filter(participant_id=p.pk).first()
        evidence = []
        for v in visits:
            evidence += deaths.visit_evidence(
                f"Day {v.study_day} visit", v.completed_on, v.vital_status, v.death_date
            )
        if course is not None:
            evidence += deaths.hospital_evidence(
                death_date=course.death_date,
                discharge_date=course.discharge_date,
                readmission_date=course.readmission_date,
            )
        record = deaths.reconcile(evidence)
        changed["died_on"] = record.died_on
        changed["death_discrepancy"] = record.discrepancy
        if visits:
            last_visit = visits[-1]
            changed["follow_up_completed_on"] = last_visit.completed_on
            if last_visit.missed and not record.died and not record.discrepancy:
                changed["lost_to_follow_up_on"] = last_visit.window_closes
        if any(getattr(p, k) != v for k, v in changed.items()):
            for k, v in changed.items():
                setattr(p, k, v)
            p.save(update_fields=list(changed))


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0003_participant_milestones"),
        ("randomization", "0001_initial"),
        ("dosing", "0003_order_date_index"),
        ("outcomes", "0005_visit_missed_reason_death_date"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
