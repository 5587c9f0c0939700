"""Reads of the dosing app (participant scope through enrollment.access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from dosing import administration_rules as admin_rules
from dosing.administration_selectors import (  # noqa: F401  (re-exported: issue 19)
    adherence_by_arm,
    administration_discrepancies,
    mark_orders,
    participant_adherence,
)
from dosing.models import Administration, Assessment, Order, Regimen, RegimenEvent
from dosing.protocol import BLOCK_LABELS, DRUG_LABELS, Drug, State, label_of
from dressdb.access import has_role
from dressdb.grid import Cell, CellState, Column, cell_url_maker
from dressdb.models import Role
from enrollment.access import participants_visible_to
from enrollment.models import Participant

DRUG_COLOURS = {
    Drug.CYCLOSPORINE: "#0d6efd",
    Drug.METHYLPREDNISOLONE: "#dc3545",
    Drug.PREDNISONE: "#fd7e14",
}


def order_rows(orders: list[Order]) -> list[dict[str, Any]]:
    return [
        {"day": o.day, "drug": o.drug, "daily_dose_mg": float(o.daily_dose_mg), "block": o.block}
        for o in orders
    ]


def chart_data(rows: list[dict[str, Any]], decision_days: list[int]) -> dict[str, Any]:
    """Daily dose (mg/day) by drug and study day, for Chart.js (and the table beside it)."""
    days = sorted({r["day"] for r in rows})
    drugs = [d for d in DRUG_COLOURS if any(r["drug"] == d for r in rows)]
    by_key = {(r["day"], r["drug"]): float(r["daily_dose_mg"]) for r in rows}
    return {
        "labels": days,
        "datasets": [
            {
                "label": gettext(label_of(drug, DRUG_LABELS)),  # the legend, in words
                "data": [by_key.get((day, drug)) for day in days],
                "borderColor": DRUG_COLOURS[drug],
                "backgroundColor": DRUG_COLOURS[drug],
            }
            for drug in drugs
        ],
        "decision_days": decision_days,
    }


def block_runs(orders: list[Order]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    for o in orders:
        if runs and runs[-1]["block"] == o.block and runs[-1]["last"] >= o.day - 1:
            runs[-1]["last"] = o.day
            runs[-1]["last_date"] = o.date
        elif not runs or runs[-1]["block"] != o.block:
            runs.append(
                {
                    "block": o.block,
                    "first": o.day,
                    "last": o.day,
                    "first_date": o.date,
                    "last_date": o.date,
                }
            )
    return runs


def participant_panel(*, participant: Participant, user: Any) -> dict[str, object]:
    regimen = Regimen.objects.filter(participant=participant).first()
    if regimen is None:
        return {"regimen": None}
    orders = list(Order.objects.filter(participant=participant).order_by("day", "drug"))
    assessments = list(
        Assessment.objects.filter(participant=participant)
        .select_related("signed_by")
        .order_by("number")
    )
    events = list(RegimenEvent.objects.filter(participant=participant).order_by("day", "id"))
    today = timezone.localdate(timezone=participant.site.tz)
    return {
        "regimen": regimen,
        "orders": orders,
        "assessments": assessments,
        "regimen_events": events,
        "blocks": block_runs(orders),
        "chart": chart_data(order_rows(orders), [a.study_day for a in assessments]),
        "today": today,
        "today_study_day": (today - regimen.day1).days + 1,
        "decision_due_now": regimen.state == State.AWAITING_DECISION
        and regimen.next_decision_date is not None
        and regimen.next_decision_date <= today,
        "can_sign": has_role(user, Role.INVESTIGATOR),
        "can_change_course": has_role(user, Role.INVESTIGATOR, Role.COORDINATOR),
        "adherence": participant_adherence(participant),
        "can_record_doses": has_role(user, Role.COORDINATOR, Role.INVESTIGATOR),
        "can_verify": has_role(user, Role.PHARMACIST),
    }


def _site_dates(user: Any, roles: list[str]) -> dict[int, dt.date]:
    from dressdb.access import sites_visible_to

    return {s.pk: timezone.localdate(timezone=s.tz) for s in sites_visible_to(user, roles)}


def decisions_due(user: Any) -> list[Regimen]:
    """Regimens awaiting a decision due today or earlier, at the user's sites."""
    visible = participants_visible_to(user, [Role.INVESTIGATOR]).values("pk")
    regimens = (
        Regimen.objects.filter(
            participant__in=visible, state=State.AWAITING_DECISION, participant__status="enrolled"
        )
        .select_related("participant__site")
        .order_by("next_decision_date", "participant__study_id")
    )
    dates = _site_dates(user, [Role.INVESTIGATOR])
    due = []
    for r in regimens:
        today = dates.get(r.participant.site_id, timezone.localdate())
        r.is_overdue = r.next_decision_date is not None and r.next_decision_date < today  # type: ignore[attr-defined]
        if r.next_decision_date is not None and r.next_decision_date <= today:
            due.append(r)
    return due


def todays_orders(user: Any, roles: list[str]) -> tuple[list[Order], dict[int, dt.date]]:
    """Today's orders at each of the user's sites (each site's own today)."""
    dates = _site_dates(user, roles)
    visible = participants_visible_to(user, roles).filter(status="enrolled").values("pk")
    q = Q()
    for site_id, day in dates.items():
        q |= Q(participant__site_id=site_id, date=day)
    if not dates:
        return [], {}
    orders = list(
        Order.objects.filter(q, participant__in=visible)
        .select_related("participant__site")
        .order_by("participant__site__code", "participant__study_id", "drug")
    )
    return orders, dates


def orders_between(participant: Participant, start: dt.date, end: dt.date) -> QuerySet[Order]:
    return Order.objects.filter(participant=participant, date__gte=start, date__lte=end).order_by(
        "date", "drug"
    )


def home_panel(*, user: Any) -> dict[str, object]:
    context: dict[str, object] = {}
    if has_role(user, Role.INVESTIGATOR):
        context["decisions_due"] = decisions_due(user)
    if has_role(user, Role.PHARMACIST):
        orders, _ = todays_orders(user, [Role.PHARMACIST])
        context["todays_orders_count"] = len(orders)
        context["orders_to_verify"] = sum(1 for o in orders if o.pharmacist_to_verify)
    return context


# --- Record-status grid (portal/grid.py composes the apps' cells) -----------------------


def grid_columns(cells: dict[int, dict[str, Cell]]) -> list[Column]:
    """One column per decision, as many as the participants on the page have."""
    most = max((len(row) for row in cells.values()), default=0)
    return [
        Column(f"decision_{n}", gettext("Decision %(n)s") % {"n": n}, gettext("Dosing"))
        for n in range(1, max(most, 1) + 1)
    ]


def _awaiting(participants: Sequence[Participant]) -> list[Regimen]:
    """Regimens awaiting a decision; no query when the caller select_related("regimen")."""
    descriptor: Any = Participant.regimen
    if participants and all(descriptor.is_cached(p) for p in participants):
        found = [getattr(p, "regimen", None) for p in participants]
        return [
            r
            for r in found
            if r is not None
            and r.state == State.AWAITING_DECISION
            and r.next_decision_date is not None
        ]
    return list(
        Regimen.objects.filter(
            participant_id__in=[p.pk for p in participants],
            state=State.AWAITING_DECISION,
            next_decision_date__isnull=False,
        ).only("participant_id", "next_decision_date", "next_decision_day", "current_block")
    )


def grid_cells(
    participants: Sequence[Participant], *, open_only: bool = False
) -> dict[int, dict[str, Cell]]:
    """Each signed decision, and the next one if one is awaited: two queries (one, or
    none with select_related("regimen"), when `open_only`: the awaited decision only)."""
    ids = [p.pk for p in participants]
    by_pk = {p.pk: p for p in participants}
    cells: dict[int, dict[str, Cell]] = {pk: {} for pk in ids}
    signed: Iterable[tuple[int, int, int, str, str]] = (
        ()
        if open_only
        else Assessment.objects.filter(participant_id__in=ids)
        .values_list("participant_id", "number", "study_day", "block", "printed_name")
        .order_by("participant_id", "number")
    )
    participant_url = cell_url_maker("participant_detail", 1)
    for pk, number, study_day, block, printed_name in signed:
        cells[pk][f"decision_{number}"] = Cell(
            CellState.SIGNED,
            participant_url(pk) + "#assessments",
            f"study day {study_day}, {label_of(block, BLOCK_LABELS)}, signed by {printed_name}",
        )
    new_url = cell_url_maker("assessment_new", 1)
    for r in _awaiting(participants):
        p = by_pk[r.participant_id]
        if p.status != "enrolled" or p.died_on is not None:
            continue
        today = timezone.localdate(timezone=p.site.tz)
        due = r.next_decision_date
        if due is None:  # filtered out by the query; for the type checker
            continue
        state = CellState.NOT_DUE
        if due < today:
            state = CellState.OVERDUE
        elif due == today:
            state = CellState.DUE
        n = len(cells[p.pk]) + 1
        cells[p.pk][f"decision_{n}"] = Cell(
            state,
            new_url(p.pk),
            f"study day {r.next_decision_day}, {label_of(r.current_block, BLOCK_LABELS)}",
            due=due,
            what=gettext("Dosing decision")
            if open_only
            else gettext("Dosing decision %(n)s") % {"n": n},
        )
    return cells


# --- Order sheet as a medication administration record (issue 16 item 6) ---------------


@dataclass
class MarCell:
    """One ordered administration (dose `number` of the day's order of a drug)."""

    order: Order
    number: int
    scheduled: dt.time  # site-local
    record: Administration | None  # what was recorded (issue 19), else a blank cell
    blocked: bool  # flagged for the pharmacist and not verified: not to be given


@dataclass
class MarTotal:
    ordered: Decimal | None  # mg ordered that day: the sum of the day's doses (None: no order)
    given: Decimal | None  # mg recorded as given that day (None: nothing recorded)


@dataclass
class MarDrug:
    """A drug's rows in a week: one row per administration of the day, then the total."""

    drug: str
    label: str
    rows: list[list[MarCell | None]]  # rows[n-1][weekday]: dose n, None if not ordered
    totals: list[MarTotal]  # one per day of the week


@dataclass
class MarDay:
    date: dt.date
    study_day: int | None
    decision: str  # "" | "signed" | "due": a dosing decision taken or due that day
    blocks: list[str]


@dataclass
class MarWeek:
    number: int
    start: dt.date
    end: dt.date
    days: list[MarDay]
    drugs: list[MarDrug]


def order_sheet(
    participant: Participant, regimen: Regimen | None, start: dt.date, end: dt.date
) -> list[MarWeek]:
    """The MAR of `start`..`end` cut into weeks of 7 site days from `start`: a row per
    ordered administration of each drug, the administrations recorded against them, a
    daily total per drug and the decision days. Four queries however many weeks
    (orders, pharmacist signatures, administrations, signed decisions)."""
    orders = list(orders_between(participant, start, end)) if regimen else []
    mark_orders(orders)  # blocked / verification / records: two queries
    decisions: dict[dt.date, str] = {}
    if regimen is not None:
        for study_day in Assessment.objects.filter(participant=participant).values_list(
            "study_day", flat=True
        ):
            decisions[regimen.day1 + dt.timedelta(days=study_day - 1)] = "signed"
        if regimen.state == State.AWAITING_DECISION and regimen.next_decision_date is not None:
            decisions.setdefault(regimen.next_decision_date, "due")
    by_day: dict[tuple[dt.date, str], Order] = {(o.date, o.drug): o for o in orders}
    weeks: list[MarWeek] = []
    first = start
    while first <= end:
        last = min(first + dt.timedelta(days=6), end)
        dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        week_orders = [o for o in orders if first <= o.date <= last]
        days = [
            MarDay(
                date=d,
                study_day=(d - regimen.day1).days + 1 if regimen is not None else None,
                decision=decisions.get(d, ""),
                blocks=sorted(
                    {label_of(o.block, BLOCK_LABELS) for o in week_orders if o.date == d}
                ),
            )
            for d in dates
        ]
        drugs = [d for d in DRUG_COLOURS if any(o.drug == d for o in week_orders)]
        weeks.append(
            MarWeek(
                number=len(weeks) + 1,
                start=first,
                end=last,
                days=days,
                drugs=[_mar_drug(drug, dates, by_day) for drug in drugs],
            )
        )
        first = last + dt.timedelta(days=1)
    return weeks


def _mar_drug(drug: str, dates: list[dt.date], by_day: dict[tuple[dt.date, str], Order]) -> MarDrug:
    orders = [by_day.get((d, drug)) for d in dates]
    most = max((o.times_per_day for o in orders if o is not None), default=0)
    rows: list[list[MarCell | None]] = [[] for _ in range(most)]
    totals: list[MarTotal] = []
    for o in orders:
        times = admin_rules.slot_times(o.times_per_day) if o is not None else ()
        records = {a.number: a for a in getattr(o, "records", [])}
        cells: list[MarCell | None] = []
        for n in range(1, most + 1):
            cells.append(
                MarCell(
                    order=o,
                    number=n,
                    scheduled=times[n - 1],
                    record=records.get(n),
                    blocked=bool(getattr(o, "blocked", False)),
                )
                if o is not None and n <= o.times_per_day
                else None
            )
            rows[n - 1].append(cells[-1])
        doses = [
            a.dose_mg
            for a in records.values()
            if a.status in admin_rules.GIVEN_STATUSES and a.dose_mg is not None
        ]
        totals.append(
            MarTotal(
                ordered=sum((c.order.dose_mg for c in cells if c), Decimal(0)) if o else None,
                given=sum(doses, Decimal(0)) if records else None,
            )
        )
    return MarDrug(drug=drug, label=label_of(drug, DRUG_LABELS), rows=rows, totals=totals)
