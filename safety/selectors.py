"""Reads of the safety app: the participant panel, the event list and detail, the
death-report consistency check. Constant queries whatever the number of events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from dressdb import signing
from dressdb.access import has_role
from dressdb.grid import Cell, CellState, Column, cell_url
from dressdb.models import Role, Signature
from enrollment.models import Participant
from safety import rules
from safety.models import AdverseEvent, ConcomitantMedication, DeathReport, ProtocolDeviation
from safety.terms import SPECIAL_INTEREST

EDIT_ROLES = (Role.COORDINATOR, Role.INVESTIGATOR)
READ_ROLES = (Role.COORDINATOR, Role.INVESTIGATOR, Role.ADMIN)


@dataclass(frozen=True)
class EventRow:
    ae: AdverseEvent
    clock: rules.Clock | None
    signature: Signature | None
    susar_days: int | None


def events_for(participant: Participant) -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.filter(participant=participant).select_related(
        "term", "soc", "death_report"
    )


def event_rows(events: list[AdverseEvent]) -> list[EventRow]:
    now = timezone.now()
    signatures = signing.current_signatures(events)
    rows = []
    for ae in events:
        state = (
            rules.clock(ae.report_due_at, now, ae.reported_at)
            if ae.serious and ae.report_due_at
            else None
        )
        rows.append(
            EventRow(
                ae=ae,
                clock=state,
                signature=signatures.get(ae.pk),
                susar_days=rules.susar_days(ae.criteria, ae.outcome) if ae.susar else None,
            )
        )
    return rows


def event_row(ae: AdverseEvent) -> EventRow:
    return event_rows([ae])[0]


def death_consistency(participant: Participant, report: DeathReport | None) -> str:
    """A warning when the AE death report and the participant's reconciled date of death
    differ: the report feeds the date (enrollment's death evidence), so a difference means
    the sources disagree (the discrepancy names them) or the event is not fatal now."""
    if report is None:
        return ""
    if participant.death_discrepancy:
        return f"The sources of the date of death disagree. {participant.death_discrepancy}"
    if participant.died_on is None:
        return (
            f"The death report gives {report.death_date:%Y-%m-%d}, but it does not count: "
            "the event's outcome is not fatal."
        )
    if participant.died_on != report.death_date:
        return (
            f"The death report gives {report.death_date:%Y-%m-%d}, the participant's "
            f"reconciled date of death is {participant.died_on:%Y-%m-%d}."
        )
    return ""


def conmeds_for(participant: Participant) -> list[ConcomitantMedication]:
    return list(ConcomitantMedication.objects.filter(participant=participant))


def interaction_warnings(
    participant: Participant, conmeds: list[ConcomitantMedication]
) -> list[ConcomitantMedication]:
    """Strong CYP3A4 inhibitors/inducers taken during study treatment (ongoing, or
    stopped on or after study day 1): they change cyclosporine levels."""
    day1 = participant.study_day_1
    return [
        c
        for c in conmeds
        if c.cyp3a4
        and (c.ongoing or (day1 is not None and c.stop_date is not None and c.stop_date >= day1))
    ]


CYCLOSPORINE = "cyclosporine"  # dosing's Drug value (safety may not import dosing)


def interactions_for_orders(orders: Sequence[Any]) -> dict[int, list[ConcomitantMedication]]:
    """For the pharmacist's orders (today's orders, the order sheet): by participant, the
    strong CYP3A4 inhibitors and inducers taken while that participant has cyclosporine
    orders in the list (started on or before the last such order's date, and ongoing or
    stopped on or after the first). One query, whatever the number of orders. The orders
    are already scoped by the caller's page (enrollment.access)."""
    span: dict[int, tuple[Any, Any]] = {}
    for o in orders:
        if o.drug != CYCLOSPORINE:
            continue
        first, last = span.get(o.participant_id, (o.date, o.date))
        span[o.participant_id] = (min(first, o.date), max(last, o.date))
    if not span:
        return {}
    found: dict[int, list[ConcomitantMedication]] = {}
    for c in ConcomitantMedication.objects.filter(participant_id__in=list(span)).exclude(cyp3a4=""):
        first, last = span[c.participant_id]
        if c.start_date <= last and (c.ongoing or (c.stop_date and c.stop_date >= first)):
            found.setdefault(c.participant_id, []).append(c)
    return found


def interactions_between(
    participant: Participant, start: Any, end: Any
) -> list[ConcomitantMedication]:
    """The order sheet's warning: the strong CYP3A4 inhibitors and inducers taken between
    `start` and `end` by a participant on cyclosporine (the current arm). One query."""
    if participant.current_arm != CYCLOSPORINE:
        return []
    return [
        c
        for c in ConcomitantMedication.objects.filter(participant=participant).exclude(cyp3a4="")
        if c.start_date <= end and (c.ongoing or (c.stop_date and c.stop_date >= start))
    ]


def participant_panel(*, participant: Participant, user: Any) -> dict[str, object]:
    """The participant page's safety panel (portal composes it)."""
    if not has_role(user, *READ_ROLES):
        return {}
    rows = event_rows(list(events_for(participant)))
    conmeds = conmeds_for(participant)
    return {
        "safety_conmeds": conmeds,
        "safety_interactions": interaction_warnings(participant, conmeds),
        "safety_deviations_open": ProtocolDeviation.objects.filter(
            participant=participant,
            status__in=[ProtocolDeviation.Status.PROPOSED, ProtocolDeviation.Status.OPEN],
        ).count(),
        "safety_rows": rows,
        "safety_open_clocks": sum(1 for r in rows if r.clock and not r.clock.reported),
        "safety_can_edit": has_role(user, *EDIT_ROLES),
        "safety_can_sign": has_role(user, Role.INVESTIGATOR),
    }


# --- Record-status grid (portal/grid.py composes the apps' cells) -----------------------


def grid_columns() -> list[Column]:
    return [Column("adverse_events", gettext("Adverse events"), gettext("Safety"))]


def grid_cells(participants: Sequence[Participant]) -> dict[int, dict[str, Cell]]:
    """One cell: the events recorded, overdue if an SAE report is late. One query."""
    now = timezone.now()
    rows: dict[int, list[dict[str, Any]]] = {p.pk: [] for p in participants}
    for row in AdverseEvent.objects.filter(participant_id__in=list(rows)).values(
        "participant_id", "serious", "report_due_at", "reported_at"
    ):
        rows[row["participant_id"]].append(dict(row))
    cells: dict[int, dict[str, Cell]] = {}
    for pk, events in rows.items():
        url = cell_url("safety:ae_list", pk)
        pending = [
            e for e in events if e["serious"] and e["report_due_at"] and not e["reported_at"]
        ]
        count = f"{len(events)} event{'s' if len(events) != 1 else ''}"
        if pending:
            due = min(e["report_due_at"] for e in pending)
            cell = Cell(
                CellState.OVERDUE if due < now else CellState.DUE,
                url,
                f"{count}, SAE report pending",
                due=due.date(),
                what="SAE report",
            )
        elif events:
            cell = Cell(CellState.COMPLETE, url, count)
        else:
            cell = Cell(CellState.NOT_DUE, url, "none recorded")
        cells[pk] = {"adverse_events": cell}
    return cells


# --- Safety dashboard by arm (DSMB) ---------------------------------------------

ARMS = (("cyclosporine", "Cyclosporine"), ("steroids", "Corticosteroids"))


def dashboard(participants: QuerySet[Participant]) -> dict[str, Any]:
    """Participants with at least one AE by arm (ITT: the randomized arm), by worst grade,
    serious, related; AEs of special interest; open SAE clocks. Three queries."""
    arms = dict(participants.exclude(randomized_arm="").values_list("pk", "randomized_arm"))
    n = {arm: 0 for arm, _ in ARMS}
    for arm in arms.values():
        if arm in n:
            n[arm] += 1
    events = list(
        AdverseEvent.objects.filter(participant_id__in=list(arms))
        .select_related("term", "soc")
        .only(
            "participant_id",
            "grade",
            "serious",
            "related_cyclosporine",
            "related_corticosteroids",
            "term__code",
            "soc__code",
        )
    )
    groups: dict[str, dict[str, set[int]]] = {arm: {} for arm, _ in ARMS}

    def add(arm: str, key: str, pk: int) -> None:
        groups[arm].setdefault(key, set()).add(pk)

    worst: dict[int, int] = {}
    for ae in events:
        arm = arms[ae.participant_id]
        if arm not in groups:
            continue
        add(arm, "any", ae.participant_id)
        worst[ae.participant_id] = max(worst.get(ae.participant_id, 0), ae.grade)
        if ae.serious:
            add(arm, "serious", ae.participant_id)
        if rules.is_related(ae.related_cyclosporine) or rules.is_related(
            ae.related_corticosteroids
        ):
            add(arm, "related", ae.participant_id)
        term = ae.term.code if ae.term else ""
        for name in rules.special_interest(term, ae.soc.code, ae.serious):
            add(arm, f"aesi:{name}", ae.participant_id)
    for pk, grade in worst.items():
        add(arms[pk], f"grade:{grade}", pk)

    def line(label: str, key: str) -> dict[str, Any]:
        cells = []
        for arm, _ in ARMS:
            count = len(groups[arm].get(key, set()))
            pct = round(100 * count / n[arm]) if n[arm] else None
            cells.append({"count": count, "pct": pct})
        return {"label": label, "cells": cells}

    table = [
        line(gettext("At least one adverse event"), "any"),
        *(line(gettext("Worst grade %(grade)s") % {"grade": g}, f"grade:{g}") for g in range(1, 6)),
        line(gettext("At least one serious adverse event"), "serious"),
        line(
            gettext("At least one related adverse event (possible or more, either drug)"),
            "related",
        ),
    ]
    # The groups' names are marked in safety/terms.py; the key stays English.
    aesi = [line(gettext(name), f"aesi:{name}") for name in SPECIAL_INTEREST]
    now = timezone.now()
    clocks = [
        (ae, rules.clock(ae.report_due_at, now, None))
        for ae in AdverseEvent.objects.filter(
            participant__in=participants, serious=True, reported_at__isnull=True
        )
        .select_related("participant", "term")
        .order_by("report_due_at")
        if ae.report_due_at is not None
    ]
    return {
        "arms": [{"value": a, "label": label, "n": n[a]} for a, label in ARMS],
        "table": table,
        "aesi": aesi,
        "clocks": clocks,
        "generated_at": now,
    }
