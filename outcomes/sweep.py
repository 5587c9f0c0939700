"""The reminder sweep: every participant, a constant number of queries.

Run by the beat (outcomes.tasks.reminder_sweep). For each site the "today" is the
site's local date. Reminders are rows with a unique key (user, subject, kind, due
date), so a sweep that runs twice creates nothing new and sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dressdb.models import Role, Site, StaffMembership
from outcomes.models import Reminder, Visit
from outcomes.services import enqueue_emails

ESCALATE_AFTER_DAYS = 2
WINDOW_NOTICE_DAYS = 2


def _site_dates(sites: list[Site]) -> dict[dt.date, list[int]]:
    """Site ids grouped by their local today (at most a few distinct dates)."""
    groups: dict[dt.date, list[int]] = defaultdict(list)
    for site in sites:
        groups[timezone.localdate(timezone=site.tz)].append(site.pk)
    return groups


def reminder_sweep() -> dict[str, int]:
    from dosing.models import Order, Regimen

    sites = list(Site.objects.filter(active=True))
    by_date = _site_dates(sites)
    today_of = {site_id: day for day, ids in by_date.items() for site_id in ids}
    staff: dict[tuple[int, str], list[int]] = defaultdict(list)
    for m in StaffMembership.objects.filter(
        active=True,
        user__is_active=True,
        role__in=[Role.COORDINATOR, Role.INVESTIGATOR, Role.PHARMACIST],
    ).values("site_id", "role", "user_id"):
        staff[(m["site_id"], m["role"])].append(m["user_id"])

    wanted: list[Reminder] = []

    def remind(site_id: int, role: str, **fields: Any) -> None:
        for user_id in staff.get((site_id, role), []):
            wanted.append(Reminder(user_id=user_id, **fields))

    # Visits: window opens in 2 days, due today, overdue (escalated after 2 days).
    visit_q = Q()
    for day, ids in by_date.items():
        visit_q |= Q(participant__site_id__in=ids) & (
            Q(window_opens=day + dt.timedelta(days=WINDOW_NOTICE_DAYS))
            | Q(target_date=day)
            | Q(window_closes__lt=day)
        )
    visits = (
        Visit.objects.filter(
            visit_q, completed_on__isnull=True, missed=False, participant__status="enrolled"
        )
        .filter(
            Q(participant__hospital_course__isnull=True)
            | Q(participant__hospital_course__death_date__isnull=True)
        )
        .select_related("participant")
        if by_date
        else Visit.objects.none()
    )
    for visit in visits:
        site_id = visit.participant.site_id
        today = today_of[site_id]
        common = {
            "participant_id": visit.participant_id,
            "visit_id": visit.pk,
            "subject": f"visit:{visit.pk}",
        }
        sid = visit.participant.study_id
        if visit.window_opens == today + dt.timedelta(days=WINDOW_NOTICE_DAYS):
            remind(
                site_id,
                Role.COORDINATOR,
                kind=Reminder.Kind.WINDOW_OPENS,
                due_date=today,
                message=f"{sid}: {visit.label} window opens on {visit.window_opens:%Y-%m-%d}.",
                **common,
            )
        if visit.target_date == today:
            remind(
                site_id,
                Role.COORDINATOR,
                kind=Reminder.Kind.VISIT_DUE,
                due_date=today,
                message=f"{sid}: {visit.label} visit is due today.",
                **common,
            )
        if visit.window_closes < today:
            # one overdue reminder per visit (dated when the window closed)
            overdue_since = visit.window_closes + dt.timedelta(days=1)
            remind(
                site_id,
                Role.COORDINATOR,
                kind=Reminder.Kind.VISIT_OVERDUE,
                due_date=overdue_since,
                message=f"{sid}: {visit.label} visit is overdue (window closed "
                f"{visit.window_closes:%Y-%m-%d}).",
                **common,
            )
            if (today - visit.window_closes).days > ESCALATE_AFTER_DAYS:
                remind(
                    site_id,
                    Role.INVESTIGATOR,
                    kind=Reminder.Kind.VISIT_OVERDUE_ESCALATED,
                    due_date=overdue_since + dt.timedelta(days=ESCALATE_AFTER_DAYS),
                    message=f"{sid}: {visit.label} visit overdue for more than "
                    f"{ESCALATE_AFTER_DAYS} days.",
                    **common,
                )

    # Dosing decisions due today (investigators).
    decision_q = Q()
    for day, ids in by_date.items():
        decision_q |= Q(participant__site_id__in=ids, next_decision_date=day)
    regimens = (
        Regimen.objects.filter(
            decision_q, state="awaiting_decision", participant__status="enrolled"
        ).select_related("participant")
        if by_date
        else Regimen.objects.none()
    )
    for regimen in regimens:
        p = regimen.participant
        remind(
            p.site_id,
            Role.INVESTIGATOR,
            kind=Reminder.Kind.DECISION_DUE,
            due_date=today_of[p.site_id],
            participant_id=p.pk,
            subject=f"decision:{p.pk}",
            message=f"{p.study_id}: dosing decision due today (study day "
            f"{regimen.next_decision_day}, {regimen.current_block}).",
        )

    # Tomorrow's orders (pharmacists): one reminder per site.
    orders_q = Q()
    for day, ids in by_date.items():
        orders_q |= Q(participant__site_id__in=ids, date=day + dt.timedelta(days=1))
    counts: dict[int, int] = defaultdict(int)
    if by_date:
        for row in Order.objects.filter(orders_q, participant__status="enrolled").values(
            "participant__site_id"
        ):
            counts[row["participant__site_id"]] += 1
    for site_id, n in counts.items():
        tomorrow = today_of[site_id] + dt.timedelta(days=1)
        remind(
            site_id,
            Role.PHARMACIST,
            kind=Reminder.Kind.ORDERS_TOMORROW,
            due_date=today_of[site_id],
            subject=f"orders:{site_id}",
            message=f"{n} order(s) to prepare for {tomorrow:%Y-%m-%d}.",
        )

    Reminder.objects.bulk_create(wanted, ignore_conflicts=True)
    unsent = list(
        Reminder.objects.filter(status=Reminder.Status.OPEN, emailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    enqueue_emails(unsent)
    return {"candidates": len(wanted), "unsent": len(unsent)}
