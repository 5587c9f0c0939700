"""The deviation proposals that need data from several floor-3 apps (issue 17).

Why here: the deviation log belongs to `safety`, but the facts come from `outcomes`
(visits), `dosing` (decisions, orders, and the administrations' discrepancies of
`dosing.selectors.administration_discrepancies`: dose beyond the tolerance, missed dose,
given after a stop or after off protocol) and `enrollment` (randomization, eligibility).
safety, dosing and outcomes are siblings and may not import each other, so the one
module that reads them all sits on the top floor (this app, beside reports and portal):
it turns rows into the pure facts of `safety.deviations`, applies its rules and stores
the proposals through `safety.services.deviations_propose` (one per participant, kind
and key: a nightly re-run proposes nothing twice, and a dismissed one stays dismissed).

A constant number of queries for the reading (at most seven), whatever the number of
participants.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from dosing.models import Assessment, Order
from dosing.selectors import administration_discrepancies
from enrollment.models import Participant
from outcomes.models import Visit
from safety import deviations
from safety.deviations import AdministrationFact, DecisionFact, Proposal, VisitFact
from safety.services import deviations_propose


def gather() -> dict[int, list[Proposal]]:
    found: dict[int, list[Proposal]] = defaultdict(list)
    participants = {
        p.pk: p
        for p in Participant.objects.filter(study_day_1__isnull=False).select_related(
            "site", "screening"
        )
    }
    visits: dict[int, list[VisitFact]] = defaultdict(list)
    for v in Visit.objects.filter(
        participant_id__in=list(participants), completed_on__isnull=False
    ).only("id", "participant_id", "name", "window_opens", "window_closes", "completed_on"):
        visits[v.participant_id].append(
            VisitFact(v.pk, v.label, v.window_opens, v.window_closes, v.completed_on)
        )
    decisions: dict[int, list[DecisionFact]] = defaultdict(list)
    for a in Assessment.objects.filter(participant_id__in=list(participants)).only(
        "id", "participant_id", "number", "study_day", "signed_at"
    ):
        p = participants[a.participant_id]
        day1 = p.study_day_1 or dt.date.min  # filtered above: never None
        due_on = day1 + dt.timedelta(days=a.study_day - 1)
        signed_on = timezone.localtime(a.signed_at, p.site.tz).date()
        decisions[p.pk].append(DecisionFact(a.pk, a.number, due_on, signed_on))
    off = {pk: p.off_protocol_on for pk, p in participants.items() if p.off_protocol_on}
    orders: dict[int, list[dt.date]] = defaultdict(list)
    for row in Order.objects.filter(participant_id__in=list(off)).values("participant_id", "date"):
        orders[row["participant_id"]].append(row["date"])
    given: dict[int, list[AdministrationFact]] = defaultdict(list)
    for d in administration_discrepancies(participants=list(participants.values())):
        given[d.participant_id].append(
            AdministrationFact(
                administration_id=d.administration_id,
                discrepancy=d.kind,
                date=d.date,
                study_day=d.study_day,
                drug=d.drug,
                ordered_mg=d.ordered_mg,
                given_mg=d.given_mg,
                reason=d.reason,
            )
        )
    for pk, p in participants.items():
        found[pk] += deviations.visits_out_of_window(visits.get(pk, []))
        found[pk] += deviations.administration_deviations(given.get(pk, []))
        found[pk] += deviations.decisions_late(decisions.get(pk, []))
        found[pk] += deviations.treatment_after_off_protocol(off.get(pk), orders.get(pk, []))
        screening = p.screening
        if screening is not None:
            found[pk] += deviations.randomized_ineligible(
                p.randomized_on or p.study_day_1,
                screening.eligible,
                ", ".join(str(r) for r in screening.reasons or []),
            )
    return {pk: items for pk, items in found.items() if items}


def deviation_sweep() -> dict[str, int]:
    proposals = gather()
    participants = Participant.objects.in_bulk(list(proposals))
    created = 0
    for pk, items in proposals.items():
        created += deviations_propose(participant=participants[pk], proposals=items)
    return {"participants": len(proposals), "created": created}
