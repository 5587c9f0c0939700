"""Existing rows get their death evidence (issue 17): what each completed visit, each
hospital course and each death report of a fatal adverse event says about vital status,
as the services now store it (enrollment.services.death_evidence_sync), each row with a
history row ("Back-filled from the existing records"). Then the participant's one date
of death is reconciled again from every source, the AE death reports included; a
participant whose date (or discrepancy) changes gets a history row too.

The rules are frozen copies of enrollment/deaths.py as it was when this migration was
written (migrations must give the same result whenever they run).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import migrations
from django.utils import timezone

REASON = "Back-filled from the existing records (death evidence, issue 17)"


@dataclass(frozen=True)
class Evidence:
    source: str
    on: dt.date
    dead: bool
    exact: bool = True

    def describe(self) -> str:
        if not self.dead:
            return f"alive on {self.on:%Y-%m-%d} ({self.source})"
        if self.exact:
            return f"died {self.on:%Y-%m-%d} ({self.source})"
        return f"dead by {self.on:%Y-%m-%d}, no date of death ({self.source})"


def reconcile(items):
    items = list(items)
    dead = [e for e in items if e.dead]
    if not dead:
        return None, ""
    dated = sorted({e.on for e in dead if e.exact})
    if len(dated) > 1:
        listed = "; ".join(e.describe() for e in sorted(dead, key=lambda e: (e.on, e.source)))
        return None, f"The dates of death disagree: {listed}."
    undated = [e for e in dead if not e.exact]
    if not dated:
        return None, f"Death reported without a date: {undated[0].describe()}."
    died_on = dated[0]
    late = [e for e in undated if e.on < died_on]
    if late:
        return None, f"{late[0].describe()} is before the date of death {died_on:%Y-%m-%d}."
    after = sorted((e for e in items if not e.dead and e.on > died_on), key=lambda e: e.on)
    if after:
        source = next(e for e in dead if e.exact)
        return (
            None,
            f"Recorded {after[0].describe()} after the date of death: {source.describe()}.",
        )
    return died_on, ""


def visit_items(label, completed_on, vital_status, death_date):
    if completed_on is None:
        return {}
    if vital_status == "dead":
        if death_date is not None:
            return {"vital": Evidence(label, death_date, dead=True)}
        return {"vital": Evidence(label, completed_on, dead=True, exact=False)}
    return {"vital": Evidence(label, completed_on, dead=False)}


def hospital_items(death_date, discharge_date, readmission_date, label="Hospital course"):
    items = {}
    if death_date is not None:
        items["death"] = Evidence(label, death_date, dead=True)
    for what, day in (("discharge", discharge_date), ("re-admission", readmission_date)):
        if day is not None and (death_date is None or day < death_date):
            items[what] = Evidence(f"{label}: {what}", day, dead=False)
    return items


def _history(historical, row, model, now, kind):
    values = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
    historical.objects.create(
        **values,
        history_date=now,
        history_type=kind,
        history_change_reason=REASON,
        history_user_id=None,
    )


def backfill(apps, schema_editor):
    Participant = apps.get_model("enrollment", "Participant")
    HistoricalParticipant = apps.get_model("enrollment", "HistoricalParticipant")
    DeathEvidence = apps.get_model("enrollment", "DeathEvidence")
    HistoricalDeathEvidence = apps.get_model("enrollment", "HistoricalDeathEvidence")
    Visit = apps.get_model("outcomes", "Visit")
    HospitalCourse = apps.get_model("outcomes", "HospitalCourse")
    DeathReport = apps.get_model("safety", "DeathReport")
    now = timezone.now()
    sources = []  # (participant id, source, source id, items)
    for v in Visit.objects.order_by("participant_id", "study_day", "pk"):
        items = visit_items(
            f"Day {v.study_day} visit", v.completed_on, v.vital_status, v.death_date
        )
        sources.append((v.participant_id, "visit", v.pk, items))
    for c in HospitalCourse.objects.order_by("participant_id", "pk"):
        items = hospital_items(c.death_date, c.discharge_date, c.readmission_date)
        sources.append((c.participant_id, "hospital_course", c.pk, items))
    for r in DeathReport.objects.select_related("adverse_event").order_by("pk"):
        if r.adverse_event.outcome == "fatal":
            items = {"death": Evidence("AE death report", r.death_date, dead=True)}
            sources.append((r.adverse_event.participant_id, "ae_death_report", r.pk, items))
    evidence = {}
    for participant_id, source, source_id, items in sources:
        for item, e in items.items():
            row, created = DeathEvidence.objects.get_or_create(
                source=source,
                source_id=source_id,
                item=item,
                defaults={
                    "participant_id": participant_id,
                    "label": e.source,
                    "on": e.on,
                    "dead": e.dead,
                    "exact": e.exact,
                },
            )
            if created:
                _history(HistoricalDeathEvidence, row, DeathEvidence, now, "+")
            if row.on is not None:
                evidence.setdefault(participant_id, []).append(
                    Evidence(row.label, row.on, row.dead, row.exact)
                )
    for p in Participant.objects.all():
        died_on, discrepancy = reconcile(evidence.get(p.pk, []))
        changed = {"died_on": died_on, "death_discrepancy": discrepancy}
        if died_on is not None or discrepancy:
            changed["lost_to_follow_up_on"] = None
        if all(getattr(p, k) == v for k, v in changed.items()):
            continue
        for k, v in changed.items():
            setattr(p, k, v)
        p.save(update_fields=list(changed))
        _history(HistoricalParticipant, p, Participant, now, "~")


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0007_death_evidence"),
        ("outcomes", "0007_yes_no_unknown_not_assessed"),
        ("safety", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
