"""The dosing reminder rules, run by the beat (dosing.tasks.reminder_sweep), and the
dosing alerts (arm switch, off protocol).

Decisions due today go to the site's investigators; tomorrow's orders, one reminder per
site, to its pharmacists. Raised through the notifications services: their unique key
(user, subject, kind, due date) makes a second sweep a no-op. Constant queries whatever
the number of participants.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, ngettext

from dosing.administration_rules import DISCREPANCY_LABELS, MONITORING_LABELS
from dosing.models import Order, Regimen
from dosing.protocol import BLOCK_LABELS, label_of
from dressdb.models import Role
from enrollment.models import Participant
from notifications.models import Reminder
from notifications.selectors import sweep_context
from notifications.services import (
    Text,
    alert_raise,
    in_languages,
    reminder_new,
    reminders_close,
    reminders_raise,
)

# The kinds this app raises, and the title each shows on the to-do list (stored in
# English, translated when shown).
DECISION_DUE = "decision_due"
ORDERS_TOMORROW = "orders_tomorrow"
SWITCH = "switch"
OFF_PROTOCOL = "off_protocol"
TITLES = {
    DECISION_DUE: gettext_noop("Dosing decision due today"),
    ORDERS_TOMORROW: gettext_noop("Orders for tomorrow"),
    SWITCH: gettext_noop("Arm switch"),
    OFF_PROTOCOL: gettext_noop("Off protocol"),
}


def _participant_url(participant_id: int) -> str:
    return reverse("participant_detail", kwargs={"pk": participant_id})


def _decision_message(regimen: Regimen) -> str:
    return gettext("%(study_id)s: dosing decision due today (study day %(day)s, %(block)s).") % {
        "study_id": regimen.participant.study_id,
        "day": regimen.next_decision_day,
        "block": gettext(label_of(regimen.current_block, BLOCK_LABELS)),
    }


def _orders_message(n: int, tomorrow: dt.date) -> str:
    return ngettext(
        "%(n)s order to prepare for %(date)s.", "%(n)s orders to prepare for %(date)s.", n
    ) % {"n": n, "date": date_format(tomorrow, "SHORT_DATE_FORMAT")}


def dosing_reminders_sweep() -> dict[str, int]:
    context = sweep_context([Role.INVESTIGATOR, Role.PHARMACIST])
    wanted: list[Reminder] = []

    # Dosing decisions due today (investigators).
    decision_q = Q()
    for day, ids in context.by_date.items():
        decision_q |= Q(participant__site_id__in=ids, next_decision_date=day)
    regimens = (
        Regimen.objects.filter(
            decision_q,
            state="awaiting_decision",
            participant__status="enrolled",
            participant__died_on__isnull=True,
        ).select_related("participant")
        if context.by_date
        else Regimen.objects.none()
    )
    for regimen in regimens:
        p = regimen.participant
        message = in_languages(_decision_message, regimen)
        wanted += [
            reminder_new(
                user_id=user_id,
                site_id=p.site_id,
                subject=p,
                kind=DECISION_DUE,
                title=TITLES[DECISION_DUE],
                due_date=context.today[p.site_id],
                message=message,
                label=p.study_id,
                url=reverse("assessment_new", kwargs={"pk": p.pk}),  # the form that closes it
            )
            for user_id in context.users(p.site_id, Role.INVESTIGATOR)
        ]

    # Tomorrow's orders (pharmacists): one reminder per site.
    orders_q = Q()
    for day, ids in context.by_date.items():
        orders_q |= Q(participant__site_id__in=ids, date=day + dt.timedelta(days=1))
    counts: dict[int, int] = {}
    if context.by_date:
        counts = dict(
            Order.objects.filter(
                orders_q, participant__status="enrolled", participant__died_on__isnull=True
            )
            .order_by()
            .values("participant__site_id")
            .annotate(n=Count("id"))
            .values_list("participant__site_id", "n")
        )
    for site_id, n in counts.items():
        site = context.sites[site_id]
        tomorrow = context.today[site_id] + dt.timedelta(days=1)
        orders_message = in_languages(_orders_message, n, tomorrow)
        wanted += [
            reminder_new(
                user_id=user_id,
                site_id=site_id,
                subject=site,
                kind=ORDERS_TOMORROW,
                title=TITLES[ORDERS_TOMORROW],
                due_date=context.today[site_id],
                message=orders_message,
                label=site.code,
                url=reverse("todays_orders"),
            )
            for user_id in context.users(site_id, Role.PHARMACIST)
        ]
    return reminders_raise(wanted)


def decision_reminders_close(participant: Participant) -> int:
    """A signed decision closes the participant's "decision due" reminders."""
    return reminders_close(subject=participant, kind=DECISION_DUE)


def regimen_alert(participant: Participant, kind: str, message: str | Text) -> None:
    """An immediate alert to the site's investigators (arm switch, off protocol)."""
    alert_raise(
        site=participant.site,
        subject=participant,
        kind=kind,
        title=TITLES[kind],
        message=message,
        roles=(Role.INVESTIGATOR,),
        label=participant.study_id,
        url=_participant_url(participant.pk),
    )


# --- Administration discrepancies and monitoring alerts (issue 19) -----------------------

ADMINISTRATION_TITLES = {
    **{str(k): v for k, v in DISCREPANCY_LABELS.items()},
    **{str(k): v for k, v in MONITORING_LABELS.items()},
}


def administration_alert(
    participant: Participant, *, subject: models.Model, kind: str, message: str | Text
) -> None:
    """A discrepancy of an administration: to the site's investigators and pharmacists."""
    alert_raise(
        site=participant.site,
        subject=subject,
        kind=kind,
        title=ADMINISTRATION_TITLES[kind],
        message=message,
        roles=(Role.INVESTIGATOR, Role.PHARMACIST),
        label=participant.study_id,
        url=_participant_url(participant.pk),
    )


def monitoring_alert(
    participant: Participant, *, subject: models.Model, kind: str, message: str | Text
) -> None:
    """A cyclosporine monitoring value past its threshold: to the site's investigators."""
    alert_raise(
        site=participant.site,
        subject=subject,
        kind=kind,
        title=ADMINISTRATION_TITLES[kind],
        message=message,
        roles=(Role.INVESTIGATOR,),
        label=participant.study_id,
        url=_participant_url(participant.pk),
    )
