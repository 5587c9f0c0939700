"""The SAE clock's reminder rule, run by the beat (safety.tasks.sae_clock_sweep, every 15
minutes; beat entry in migration safety 0003).

Each serious adverse event whose initial report is not signed yet puts an item on its
site's investigators' to-do lists, once per site day: "due" with the time left while the
clock runs, "OVERDUE" (escalated) once it has run out. The notifications unique key (user,
subject, kind, day) makes a repeated sweep a no-op; signing the report closes them.
Two queries for the events, two for the context, whatever the number of events.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

from dressdb.models import Role
from notifications.models import Reminder
from notifications.selectors import sweep_context
from notifications.services import in_languages, reminder_new, reminders_raise
from safety import rules
from safety.models import AdverseEvent
from safety.services import SAE_DUE, SAE_OVERDUE, TITLES, ae_url, clock_words, due_utc_words


def open_clocks() -> list[AdverseEvent]:
    return list(
        AdverseEvent.objects.filter(
            serious=True, reported_at__isnull=True, participant__site__active=True
        ).select_related("participant", "term")
    )


def _clock_message(ae: AdverseEvent, state: rules.Clock) -> str:
    return gettext(
        "%(study_id)s: initial report of the serious adverse event %(term)s due %(due)s "
        "(%(clock)s)."
    ) % {
        "study_id": ae.participant.study_id,
        "term": ae.term_name,
        "due": due_utc_words(ae.report_due_at) if ae.report_due_at else "—",
        "clock": clock_words(state),
    }


def sae_clock_sweep() -> dict[str, int]:
    context = sweep_context([Role.INVESTIGATOR])
    now = timezone.now()
    wanted: list[Reminder] = []
    for ae in open_clocks():
        p = ae.participant
        if p.site_id not in context.today or ae.report_due_at is None:
            continue
        state = rules.clock(ae.report_due_at, now, None)
        kind = SAE_OVERDUE if state.overdue else SAE_DUE
        message = in_languages(_clock_message, ae, state)
        wanted += [
            reminder_new(
                user_id=user_id,
                site_id=p.site_id,
                subject=ae,
                kind=kind,
                title=TITLES[kind],
                due_date=context.today[p.site_id],
                message=message,
                label=p.study_id,
                url=ae_url(ae),
            )
            for user_id in context.users(p.site_id, Role.INVESTIGATOR)
        ]
    return reminders_raise(wanted)
