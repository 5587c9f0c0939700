"""The participant rules of `enrollment.status` and `enrollment.deaths` as SQL.

The exports compute a participant's status and vital status in the database, on SQLite
and PostgreSQL alike, so that COPY can write them (reports/datasets.py). Each is the
pure rule written in SQL; tests/enrollment/test_participant_expressions.py holds it to
the pure function for a table of cases and for generated ones.

`prefix` is the lookup of the participant from the query's model ("participant__" on
an Allocation query, "" on a Participant query).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    Exists,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from dressdb.models import Site
from enrollment.deaths import VitalStatus
from enrollment.models import DeathEvidence
from enrollment.status import State, WithdrawalKind


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def by_site_time_zone(site_ids: Iterable[int], prefix: str, make: Any, output_field: Any) -> Any:  # noqa: ANN401
    """One expression per site time zone (`make(zone)`), chosen by the row's site; a
    single zone needs no CASE."""
    zones: dict[str, list[int]] = {}
    for pk, zone in Site.objects.filter(pk__in=list(site_ids)).values_list("pk", "time_zone"):
        zones.setdefault(zone, []).append(pk)
    if not zones:
        return make(zoneinfo.ZoneInfo("UTC"))
    items = sorted(zones.items())
    if len(items) == 1:
        return make(zoneinfo.ZoneInfo(items[0][0]))
    whens = [
        When(Q(**{f"{prefix}site_id__in": pks}), then=make(zoneinfo.ZoneInfo(zone)))
        for zone, pks in items[1:]
    ]
    return Case(*whens, default=make(zoneinfo.ZoneInfo(items[0][0])), output_field=output_field)


def site_today(site_ids: Iterable[int], prefix: str = "") -> Any:  # noqa: ANN401
    """Today's date at the row's site."""

    def today(zone: zoneinfo.ZoneInfo) -> Value:
        return Value(timezone.localdate(timezone=zone), output_field=DateField())

    return by_site_time_zone(site_ids, prefix, today, DateField())


def site_local_date(lookup: str, site_ids: Iterable[int], prefix: str = "") -> Any:  # noqa: ANN401
    """A datetime's date at the row's site."""

    def local(zone: zoneinfo.ZoneInfo) -> TruncDate:
        return TruncDate(lookup, tzinfo=zone)

    return by_site_time_zone(site_ids, prefix, local, DateField())


def participant_state(today: Any, prefix: str = "") -> Case:  # noqa: ANN401
    """`status.participant_status(...).state` for an enrolled participant (the first
    rule that applies; a fact dated after `today` does not apply yet)."""
    p = prefix

    def on_or_before(field: str) -> Q:
        return Q(**{f"{p}{field}__lte": today})

    def before(field: str) -> Q:
        return Q(**{f"{p}{field}__lt": today})

    leaving = Q(**{f"{p}withdrawal_kind__in": [WithdrawalKind.FOLLOW_UP, WithdrawalKind.CONSENT]})
    not_randomized = Q(**{f"{p}randomized_on__isnull": True}) | Q(
        **{f"{p}randomized_on__gt": today}
    )
    stopped = Q(**{f"{p}withdrawal_kind": WithdrawalKind.TREATMENT})
    return Case(
        When(on_or_before("died_on"), then=_text(State.DIED)),
        When(~Q(**{f"{p}death_discrepancy": ""}), then=_text(State.DIED)),
        When(leaving & on_or_before("withdrawn_on"), then=_text(State.WITHDRAWN)),
        When(on_or_before("lost_to_follow_up_on"), then=_text(State.LOST_TO_FOLLOW_UP)),
        When(on_or_before("follow_up_completed_on"), then=_text(State.FOLLOW_UP_COMPLETE)),
        When(not_randomized, then=_text(State.ENROLLED)),
        When(stopped & on_or_before("withdrawn_on"), then=_text(State.WITHDRAWN)),
        When(on_or_before("off_protocol_on"), then=_text(State.OFF_PROTOCOL)),
        When(before("course_completed_on"), then=_text(State.COURSE_COMPLETED)),
        When(before("treatment_stopped_on"), then=_text(State.MONITORING)),
        default=_text(State.ON_TREATMENT),
        output_field=CharField(),
    )


def vital_status_on(on: Any, participant: str = "pk") -> Case:  # noqa: ANN401
    """`deaths.status_on(evidence, on)` over the participant's live evidence rows:
    died if some source says dead by then and none says alive at or after it (an exact
    death date after it counts as alive); alive in the mirror case; else unknown.
    `participant` is the outer query's lookup of the participant's id."""
    mine = DeathEvidence.objects.filter(participant_id=OuterRef(participant), on__isnull=False)
    died_by = Exists(mine.filter(dead=True, on__lte=on))
    alive_at = Exists(mine.filter(Q(dead=False, on__gte=on) | Q(dead=True, exact=True, on__gt=on)))
    return Case(
        When(died_by & ~alive_at, then=_text(VitalStatus.DIED)),
        When(alive_at & ~died_by, then=_text(VitalStatus.ALIVE)),
        default=_text(VitalStatus.UNKNOWN),
        output_field=CharField(),
    )


def is_equal(lookup: str, value: str) -> Case:
    """true when the field equals `value`, else false (NULL too)."""
    return Case(
        When(Q(**{lookup: value}), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
