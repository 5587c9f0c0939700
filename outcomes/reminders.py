"""The visit reminder rules, run by the beat (outcomes.tasks.reminder_sweep).

For each site the "today" is the site's local date. The reminders are raised through the
notifications services; their unique key (user, subject, kind, due date) makes a sweep
that runs twice create nothing new and send nothing twice. Constant queries whatever
the number of participants.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from dressdb.models import Role
from notifications.models import Reminder
from notifications.selectors import SweepContext, sweep_context
from notifications.services import Text, in_languages, reminder_new, reminders_raise
from outcomes.models import Visit

ESCALATE_AFTER_DAYS = 2
WINDOW_NOTICE_DAYS = 2

# The kinds this app raises, and the title each shows on the to-do list (stored in
# English, translated when shown).
WINDOW_OPENS = "window_opens"
VISIT_DUE = "visit_due"
VISIT_OVERDUE = "visit_overdue"
VISIT_OVERDUE_ESCALATED = "visit_overdue_escalated"
TITLES = {
    WINDOW_OPENS: gettext_noop("Visit window opens in 2 days"),
    VISIT_DUE: gettext_noop("Visit due today"),
    VISIT_OVERDUE: gettext_noop("Visit overdue"),
    VISIT_OVERDUE_ESCALATED: gettext_noop("Visit overdue 2+ days (escalated)"),
}

# The message of each kind, in the language in force (notifications.in_languages).
MESSAGES = {
    WINDOW_OPENS: gettext_noop("%(study_id)s: Day %(day)s window opens on %(date)s."),
    VISIT_DUE: gettext_noop("%(study_id)s: Day %(day)s visit is due today."),
    VISIT_OVERDUE: gettext_noop(
        "%(study_id)s: Day %(day)s visit is overdue (window closed %(date)s)."
    ),
    VISIT_OVERDUE_ESCALATED: gettext_noop(
        "%(study_id)s: Day %(day)s visit overdue for more than %(days)s days."
    ),
}


def _message(kind: str, visit: Visit) -> str:
    date = visit.window_opens if kind == WINDOW_OPENS else visit.window_closes
    return gettext(MESSAGES[kind]) % {
        "study_id": visit.participant.study_id,
        "day": visit.study_day,
        "date": date_format(date, "SHORT_DATE_FORMAT"),
        "days": ESCALATE_AFTER_DAYS,
    }


# What the rules read of a visit and its participant (a lighter row than the whole model).
VISIT_FIELDS = (
    "participant_id",
    "study_day",
    "window_opens",
    "target_date",
    "window_closes",
    "participant__site_id",
    "participant__study_id",
)


def _reminders(
    context: SweepContext, visit: Visit, role: str, kind: str, due_date: dt.date
) -> list[Reminder]:
    """One reminder about the visit for each user with `role` at its site."""
    site_id = visit.participant.site_id
    users = context.users(site_id, role)
    message: Text | str = in_languages(_message, kind, visit) if users else ""
    # The form that closes it: the visit form.
    url = reverse("visit_edit", kwargs={"pk": visit.participant_id, "visit_pk": visit.pk})
    return [
        reminder_new(
            user_id=user_id,
            site_id=site_id,
            subject=visit,
            kind=kind,
            title=TITLES[kind],
            due_date=due_date,
            message=message,
            label=visit.participant.study_id,
            url=url,
        )
        for user_id in users
    ]


def visit_reminders_sweep() -> dict[str, int]:
    """Window opens in 2 days, due today, overdue (escalated to investigators after 2 days)."""
    context = sweep_context([Role.COORDINATOR, Role.INVESTIGATOR])
    wanted: list[Reminder] = []
    visit_q = Q()
    for day, ids in context.by_date.items():
        visit_q |= Q(participant__site_id__in=ids) & (
            Q(window_opens=day + dt.timedelta(days=WINDOW_NOTICE_DAYS))
            | Q(target_date=day)
            | Q(window_closes__lt=day)
        )
    visits = (
        Visit.objects.filter(
            visit_q, completed_on__isnull=True, missed=False, participant__status="enrolled"
        )
        # No visit reminders once a death is recorded, from any source (the reconciled
        # date of death), nor while sources disagree about one.
        .filter(participant__died_on__isnull=True, participant__death_discrepancy="")
        .select_related("participant")
        .only(*VISIT_FIELDS)
        if context.by_date
        else Visit.objects.none()
    )
    for visit in visits:
        today = context.today[visit.participant.site_id]

        if visit.window_opens == today + dt.timedelta(days=WINDOW_NOTICE_DAYS):
            wanted += _reminders(
                context,
                visit,
                Role.COORDINATOR,
                WINDOW_OPENS,
                today,
            )
        if visit.target_date == today:
            wanted += _reminders(
                context,
                visit,
                Role.COORDINATOR,
                VISIT_DUE,
                today,
            )
        if visit.window_closes < today:
            # one overdue reminder per visit (dated when the window closed)
            overdue_since = visit.window_closes + dt.timedelta(days=1)
            wanted += _reminders(
                context,
                visit,
                Role.COORDINATOR,
                VISIT_OVERDUE,
                overdue_since,
            )
            if (today - visit.window_closes).days > ESCALATE_AFTER_DAYS:
                wanted += _reminders(
                    context,
                    visit,
                    Role.INVESTIGATOR,
                    VISIT_OVERDUE_ESCALATED,
                    overdue_since + dt.timedelta(days=ESCALATE_AFTER_DAYS),
                )
    return reminders_raise(wanted)
