"""Reads of administrations, verification and adherence (issue 19).

Re-exported by dosing.selectors (`administration_discrepancies`, `participant_adherence`,
`adherence_by_arm`). Every read here takes participants already scoped by the caller
(enrollment.access) or site ids already scoped; the number of queries is constant.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dosing import administration_rules as rules
from dosing.config import admin_dose_tolerance_pct
from dosing.models import Administration, DailyMonitoring, Order, RegimenEvent
from dressdb import signing
from enrollment.models import Participant


def verification_status(orders: Sequence[Order]) -> dict[int, Any]:
    """The live pharmacist signature of each flagged order (by order pk): one query."""
    flagged = [o for o in orders if o.pharmacist_to_verify]
    return signing.current_signatures(flagged)


def mark_orders(orders: Sequence[Order]) -> list[Order]:
    """Set `blocked` (flagged, not verified), `verification` (the signature) and
    `recorded` (administrations recorded) on each order: two queries."""
    signatures = verification_status(orders)
    records: dict[int, list[Administration]] = defaultdict(list)
    if orders:
        for a in Administration.objects.filter(order__in=[o.pk for o in orders]).order_by(
            "order_id", "number"
        ):
            records[a.order_id].append(a)
    for o in orders:
        o.verification = signatures.get(o.pk)  # type: ignore[attr-defined]
        o.blocked = o.pharmacist_to_verify and o.pk not in signatures  # type: ignore[attr-defined]
        o.records = records.get(o.pk, [])  # type: ignore[attr-defined]
        o.recorded = len(records.get(o.pk, []))  # type: ignore[attr-defined]
    return list(orders)


@dataclass
class Slot:
    """One ordered administration of the day screen."""

    order: Order
    number: int
    scheduled: dt.datetime  # aware, site zone
    record: Administration | None
    blocked: bool


def day_slots(participant: Participant, date: dt.date) -> list[Slot]:
    """The day's ordered administrations with what was recorded: three queries."""
    tz = participant.site.tz
    orders = list(Order.objects.filter(participant=participant, date=date).order_by("drug"))
    mark_orders(orders)
    records = {
        (a.order_id, a.number): a
        for a in Administration.objects.filter(order__in=[o.pk for o in orders])
    }
    slots = []
    for o in orders:
        for n, time in enumerate(rules.slot_times(o.times_per_day), start=1):
            slots.append(
                Slot(
                    order=o,
                    number=n,
                    scheduled=dt.datetime.combine(date, time, tzinfo=tz),
                    record=records.get((o.pk, n)),
                    blocked=bool(getattr(o, "blocked", False)),
                )
            )
    return slots


def day_monitoring(participant: Participant, date: dt.date) -> DailyMonitoring | None:
    return DailyMonitoring.objects.filter(participant=participant, date=date).first()


def _orders_to_date(participant_ids: Iterable[int], today_by_site: dict[int, dt.date]) -> Q:
    q = Q()
    for site_id, today in today_by_site.items():
        q |= Q(participant__site_id=site_id, date__lte=today)
    return Q(participant_id__in=list(participant_ids)) & q


def participant_adherence(participant: Participant) -> rules.Adherence:
    """Doses given / doses ordered to date, and mg per drug against the plan: 2 queries."""
    today = timezone.localdate(timezone=participant.site.tz)
    # One participant: their Meta ordering without its join to the participant and site.
    orders = Order.objects.filter(participant=participant, date__lte=today).order_by("day", "drug")
    ordered = [
        rules.OrderedDoses(drug=o["drug"], dose_mg=o["dose_mg"], times_per_day=o["times_per_day"])
        for o in orders.values("drug", "dose_mg", "times_per_day")
    ]
    given = [
        rules.GivenDose(drug=a["order__drug"], status=a["status"], dose_mg=a["dose_mg"])
        for a in Administration.objects.filter(participant=participant, order__date__lte=today)
        .order_by("order__date", "order__drug", "number")
        .values("order__drug", "status", "dose_mg")
    ]
    return rules.adherence(ordered, given)


def adherence_by_arm(site_ids: list[int]) -> list[dict[str, Any]]:
    """Adherence per randomized arm (ITT) at these sites, each site's own today: 3 queries."""
    from dressdb.models import Site

    today_by_site = {
        s.pk: timezone.localdate(timezone=s.tz) for s in Site.objects.filter(pk__in=site_ids)
    }
    if not today_by_site:
        return []
    arm_of = dict(
        Participant.objects.filter(site_id__in=site_ids, regimen__isnull=False).values_list(
            "pk", "regimen__randomized_arm"
        )
    )
    ordered: dict[str, list[rules.OrderedDoses]] = defaultdict(list)
    given: dict[str, list[rules.GivenDose]] = defaultdict(list)
    scope = _orders_to_date(arm_of, today_by_site)
    for o in Order.objects.filter(scope).values(
        "participant_id", "drug", "dose_mg", "times_per_day"
    ):
        ordered[arm_of[o["participant_id"]]].append(
            rules.OrderedDoses(o["drug"], o["dose_mg"], o["times_per_day"])
        )
    a_scope = Q()
    for site_id, today in today_by_site.items():
        a_scope |= Q(participant__site_id=site_id, order__date__lte=today)
    for a in Administration.objects.filter(a_scope, participant_id__in=list(arm_of)).values(
        "participant_id", "order__drug", "status", "dose_mg"
    ):
        given[arm_of[a["participant_id"]]].append(
            rules.GivenDose(a["order__drug"], a["status"], a["dose_mg"])
        )
    rows = []
    for arm in sorted(set(ordered) | set(given)):
        result = rules.adherence(ordered[arm], given[arm])
        rows.append(
            {
                "arm": arm,
                "participants": sum(1 for v in arm_of.values() if v == arm),
                "ordered": result.ordered,
                "given": result.given,
                "pct": result.pct,
                "drugs": result.drugs,
            }
        )
    return rows


@dataclass(frozen=True)
class AdministrationDiscrepancy:
    """One discrepancy, for the safety app's proposed protocol deviations (issue 14)."""

    participant_id: int
    study_id: str
    site_id: int
    administration_id: int
    order_id: int
    date: dt.date  # the order's site-local date
    study_day: int
    drug: str
    kind: str  # administration_rules.Discrepancy value
    label: str
    ordered_mg: Decimal
    given_mg: Decimal | None
    status: str
    reason: str
    recorded_at: dt.datetime


def administration_discrepancies(
    *,
    participants: Iterable[Participant] | None = None,
    site_ids: Iterable[int] | None = None,
    since: dt.date | None = None,
) -> list[AdministrationDiscrepancy]:
    """Every administration discrepancy (dose beyond the tolerance, missed dose, given
    after a stop or after off protocol) of these participants or sites, oldest first.

    The caller scopes: pass participants read through enrollment.access, or site ids from
    dressdb.access.sites_visible_to. Three queries whatever the number of rows."""
    rows = Administration.objects.select_related("order", "participant__site")
    if participants is not None:
        rows = rows.filter(participant__in=[p.pk for p in participants])
    if site_ids is not None:
        rows = rows.filter(participant__site_id__in=list(site_ids))
    if since is not None:
        rows = rows.filter(order__date__gte=since)
    records = list(rows.order_by("order__date", "participant_id", "order__drug", "number"))
    ids = {r.participant_id for r in records}
    events: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for pid, kind, date in RegimenEvent.objects.filter(
        participant_id__in=ids, type__in=["stop", "relapse"]
    ).values_list("participant_id", "type", "date"):
        events[pid].append((kind, date))
    tolerance = admin_dose_tolerance_pct()
    found = []
    for r in records:
        p = r.participant
        course = rules.Course(
            stops=tuple(d for k, d in events[p.pk] if k == "stop"),
            relapses=tuple(d for k, d in events[p.pk] if k == "relapse"),
            off_protocol_on=p.off_protocol_on,
            treatment_withdrawn_on=p.treatment_withdrawn_on,
        )
        given_on = (
            timezone.localtime(r.given_at, p.site.tz).date() if r.given_at is not None else None
        )
        for kind in rules.discrepancies(
            status=r.status,
            ordered_mg=r.order.dose_mg,
            given_mg=r.dose_mg,
            given_on=given_on,
            course=course,
            tolerance_pct=tolerance,
        ):
            found.append(
                AdministrationDiscrepancy(
                    participant_id=p.pk,
                    study_id=p.study_id,
                    site_id=p.site_id,
                    administration_id=r.pk,
                    order_id=r.order_id,
                    date=r.order.date,
                    study_day=r.order.day,
                    drug=r.order.drug,
                    kind=str(kind),
                    label=rules.DISCREPANCY_LABELS[kind],
                    ordered_mg=r.order.dose_mg,
                    given_mg=r.dose_mg,
                    status=r.status,
                    reason=r.reason,
                    recorded_at=r.recorded_at,
                )
            )
    return found


def recent_monitoring(participant: Participant, days: int = 14) -> list[dict[str, Any]]:
    """The cyclosporine monitoring of the last `days` site days, newest first, each with
    the thresholds it crosses (for the assessment form to show): 2 queries."""
    from dosing.services import monitoring_alerts_of

    today = timezone.localdate(timezone=participant.site.tz)
    rows = DailyMonitoring.objects.filter(
        participant=participant, date__gt=today - dt.timedelta(days=days)
    ).order_by("-date")
    return [
        {
            "monitoring": m,
            "alerts": [rules.MONITORING_LABELS[a] for a in monitoring_alerts_of(participant, m)],
        }
        for m in rows
    ]
