"""Reads of the data-management app: panels, the ageing list, the rules page, SDV."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from datamanagement import catalogue, rules
from datamanagement.config import sdv_sample_every
from datamanagement.models import Casebook, Query, SdvRecord
from dressdb import signing
from dressdb.access import has_role
from dressdb.models import EditFreeze, Role
from enrollment.access import participants_visible_to
from enrollment.consent import reconsent_version
from enrollment.models import Participant

# Who reads queries (the monitor and the data manager raise them; the site answers).
READ_ROLES = (
    Role.COORDINATOR,
    Role.INVESTIGATOR,
    Role.STATISTICIAN,
    Role.MONITOR,
    Role.ADMIN,
)
MANAGE_ROLES = (Role.STATISTICIAN, Role.MONITOR)
ANSWER_ROLES = (Role.COORDINATOR, Role.INVESTIGATOR)
LIVE = (Query.Status.OPEN, Query.Status.ANSWERED)


def queries_visible_to(user: Any) -> QuerySet[Query]:
    """Queries of the participants the user may see (the site scope of enrollment.access)."""
    return Query.objects.filter(
        participant__in=participants_visible_to(user, roles=READ_ROLES)
    ).select_related("participant__site", "content_type", "opened_by")


def queries_for(participant: Participant) -> QuerySet[Query]:
    return (
        Query.objects.filter(participant=participant)
        .select_related("content_type", "opened_by", "closed_by")
        .prefetch_related("messages__author")
        .order_by("-opened_at", "-id")
    )


def live_counts_for_record(record: models.Model) -> dict[str, int]:
    """Live queries per field of one record (for the field icons)."""
    rows = Query.objects.filter(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        status__in=LIVE,
    ).values_list("field", flat=True)
    return dict(Counter(rows))


def label_query_rows(queries: list[Query]) -> list[Query]:
    """Give each query `where`, in words: "Day 7 visit · Eosinophil count (x10⁹/L)"
    (the form and field codes stay in the CSV exports). One read per kind of record."""
    records = catalogue.records_by_key([(q.form, q.content_type_id, q.object_id) for q in queries])
    for q in queries:
        record = records.get((q.content_type_id, int(q.object_id)))
        q.where = catalogue.where_label(q.form, record, q.field)  # type: ignore[attr-defined]
    return queries


def label_queries(participant: Participant, queries: list[Query]) -> list[Query]:
    """One participant's queries, labelled (label_query_rows)."""
    return label_query_rows([q for q in queries if q.participant_id == participant.pk])


def participant_panel(*, participant: Participant, user: Any) -> dict[str, object]:
    """The participant page's data-management panel (portal composes it)."""
    if not has_role(user, *READ_ROLES):
        return {}
    queries = label_queries(participant, list(queries_for(participant)))
    book = Casebook.objects.filter(participant=participant).first()
    freezes = EditFreeze.objects.filter(active=True).filter(
        models.Q(participant_id__isnull=True) | models.Q(participant_id=participant.pk)
    )
    sdv = Counter(
        SdvRecord.objects.filter(participant=participant).values_list("status", flat=True)
    )
    return {
        "dm_queries": queries,
        "dm_live_count": sum(1 for q in queries if q.is_live),
        "dm_can_manage": has_role(user, *MANAGE_ROLES),
        "dm_can_answer": has_role(user, *ANSWER_ROLES),
        "dm_casebook_signature": signing.current_signature(book) if book else None,
        "dm_freezes": list(freezes),
        "dm_sdv": {SdvRecord.Status(k).label: v for k, v in sorted(sdv.items())},
        "dm_reconsent": reconsent_version(participant),  # a consent-form version (issue 18)
    }


# --- Ageing -------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeingFilter:
    site: int | None = None
    status: str = ""
    form: str = ""
    min_days: int | None = None


def ageing(user: Any, flt: AgeingFilter) -> dict[str, Any]:
    rows = queries_visible_to(user)
    if flt.site:
        rows = rows.filter(participant__site_id=flt.site)
    if flt.status:
        rows = rows.filter(status=flt.status)
    if flt.form:
        rows = rows.filter(form=flt.form)
    now = timezone.now()
    if flt.min_days is not None:
        rows = rows.filter(opened_at__lte=now - dt.timedelta(days=flt.min_days))
    queries = label_query_rows(list(rows.order_by("opened_at", "id")[:1000]))
    closed_days = [
        (q.closed_at - q.opened_at).total_seconds() / 86400
        for q in queries
        if q.status == Query.Status.CLOSED and q.closed_at
    ]
    med = rules.median(closed_days)
    return {
        "queries": queries,
        "median_days_to_close": None if med is None else round(med, 1),
        "counts": [
            (Query.Status(status).label, n)
            for status, n in sorted(Counter(q.status for q in queries).items())
        ],
    }


# --- Rules page ------------------------------------------------------------------------


def rules_overview(user: Any) -> list[dict[str, Any]]:
    counts = Counter(
        queries_visible_to(user)
        .filter(origin=Query.Origin.AUTO, status__in=LIVE)
        .values_list("rule", flat=True)
    )
    return [
        {
            "code": r.code,
            "title": r.title,
            "form": catalogue.form_label(r.form),
            "doc": (r.check.__doc__ or "").strip(),
            "open": counts.get(r.code, 0),
        }
        for r in rules.RULES
    ]


# --- SDV dashboard -----------------------------------------------------------------------


def sdv_dashboard(user: Any) -> dict[str, Any]:
    participants = participants_visible_to(user, roles=READ_ROLES)
    rows = SdvRecord.objects.filter(participant__in=participants).values_list(
        "participant__site__code", "participant_id", "participant__study_id", "status"
    )
    by_site: dict[str, Counter[str]] = defaultdict(Counter)
    by_participant: dict[tuple[int, str, str], Counter[str]] = defaultdict(Counter)
    for site, pid, study_id, status in rows:
        by_site[site][status] += 1
        by_participant[(pid, study_id, site)][status] += 1
    return {
        "statuses": list(SdvRecord.Status),
        "sites": sorted(by_site.items()),
        "participants": sorted(by_participant.items(), key=lambda kv: kv[0][1]),
    }


def sdv_rows(participant: Participant) -> list[dict[str, Any]]:
    records = {
        (r.form, r.content_type_id, r.object_id): r
        for r in SdvRecord.objects.filter(participant=participant).select_related("verified_by")
    }
    out = []
    for item in catalogue.sdv_items(participant):
        ct = ContentType.objects.get_for_model(item.record)
        row = records.get((item.form, ct.pk, item.record.pk))
        status = row.status if row else ""
        if not status:  # not planned by the sweep yet: what the plan will say
            required = item.critical or rules.sdv_required(
                item.form, participant.site_sequence, sample_every=sdv_sample_every()
            )
            status = SdvRecord.Status.TO_VERIFY if required else SdvRecord.Status.NOT_REQUIRED
        if row and status == SdvRecord.Status.VERIFIED:
            if row.verified_fingerprint != signing.fingerprint(item.record):
                status = SdvRecord.Status.REVERIFY
        out.append(
            {
                "form": item.form,
                "label": catalogue.sdv_item_label(item),
                "record_id": item.record.pk,
                "critical": item.critical,
                "status": status,
                "status_label": SdvRecord.Status(status).label,
                "row": row,
            }
        )
    return out


def monitoring_report(user: Any, site_id: int | None, since: dt.date | None) -> dict[str, Any]:
    """The monitoring-visit report: what was verified, and which queries were raised, at the
    user's sites (or one of them) since a date."""
    participants = participants_visible_to(user, roles=READ_ROLES)
    if site_id:
        participants = participants.filter(site_id=site_id)
    verified = SdvRecord.objects.filter(
        participant__in=participants, status=SdvRecord.Status.VERIFIED
    ).select_related("participant__site", "verified_by")
    raised = queries_visible_to(user).filter(participant__in=participants)
    if since is not None:
        verified = verified.filter(verified_at__date__gte=since)
        raised = raised.filter(opened_at__date__gte=since)
    verified_rows = list(verified.order_by("participant__study_id", "form", "object_id"))
    records = catalogue.records_by_key(
        [(r.form, r.content_type_id, r.object_id) for r in verified_rows]
    )
    for r in verified_rows:
        record = records.get((r.content_type_id, int(r.object_id)))
        r.form_label = catalogue.sdv_form_label(r.form)  # type: ignore[attr-defined]
        r.record_label = catalogue.which_record(record)  # type: ignore[attr-defined]
    return {
        "verified": verified_rows,
        "raised": label_query_rows(list(raised.order_by("participant__study_id", "opened_at"))),
        "since": since,
    }


def freeze_rows(limit: int = 200) -> list[EditFreeze]:
    """The freezes and locks, newest first, each with `scope_label` in words ("Freeze of
    USC-003", "Database lock of the study"), not the participant's id."""
    rows = list(
        EditFreeze.objects.select_related("created_by", "released_by").order_by("-created_at")[
            :limit
        ]
    )
    study_ids = dict(
        Participant.objects.filter(
            pk__in={r.participant_id for r in rows if r.participant_id}
        ).values_list("pk", "study_id")
    )
    for r in rows:
        r.scope_label = (  # type: ignore[attr-defined]
            gettext("%(kind)s of %(study_id)s")
            % {"kind": r.get_kind_display(), "study_id": study_ids.get(r.participant_id, "?")}
            if r.participant_id
            else gettext("%(kind)s of the study") % {"kind": r.get_kind_display()}
        )
    return rows


# --- The record-status grid: "query open" ------------------------------------------

QUERY_OPEN = "query_open"


def register_grid_state() -> None:
    """The "query open" state in the grid's legend (called when the app is ready)."""
    from dressdb.grid import register_state

    register_state(QUERY_OPEN, gettext_noop("Query open"), "?")


def _grid_key(form: str, visit_name: str | None, assessment_number: int | None) -> str:
    """The grid column (portal/grid.py's sources) of a query's form record."""
    if form == "visit":
        return visit_name or ""
    if form == "assessment":
        return f"decision_{assessment_number}" if assessment_number else ""
    return {
        "participant": "consent",
        "screening": "screening",
        "hospital_course": "hospital_course",
        "adverse_event": "adverse_events",
    }.get(form, "")


def grid_query_overlay(participants: Any, cells: dict[int, dict[str, Any]]) -> None:
    """An overlay for portal.grid.OVERLAYS: a cell whose form record has an open or
    answered query shows "query open" (with the count). A cell still to do (due,
    overdue) keeps its state, so "next item due" is unchanged; the count goes in its
    note. One query, whatever the number of participants."""
    from django.db.models import OuterRef, Subquery
    from django.urls import reverse

    from dosing.models import Assessment
    from dressdb.grid import Cell, CellState
    from outcomes.models import Visit

    ids = [p.pk for p in participants]
    if not ids:
        return
    rows = (
        Query.objects.filter(participant_id__in=ids, status__in=LIVE)
        .annotate(
            visit_name=Subquery(Visit.objects.filter(pk=OuterRef("object_id")).values("name")[:1]),
            assessment_number=Subquery(
                Assessment.objects.filter(pk=OuterRef("object_id")).values("number")[:1]
            ),
        )
        .values_list("participant_id", "form", "visit_name", "assessment_number")
    )
    counts: Counter[tuple[int, str]] = Counter()
    for participant_id, form, visit_name, number in rows:
        key = _grid_key(form, visit_name if form == "visit" else None, number)
        if key:
            counts[(participant_id, key)] += 1
    for (participant_id, key), n in counts.items():
        note = f"{n} open quer{'y' if n == 1 else 'ies'}"
        url = reverse("datamanagement:participant_queries", kwargs={"pk": participant_id})
        cell = cells.setdefault(participant_id, {}).get(key)
        if cell is None:
            cells[participant_id][key] = Cell(QUERY_OPEN, url=url, note=note)
        elif cell.open or cell.state in (CellState.DUE, CellState.OVERDUE):
            cell.note = f"{cell.note}; {note}" if cell.note else note
        else:
            cell.note = "; ".join(part for part in (cell.label, cell.note, note) if part)
            cell.state = QUERY_OPEN
            cell.url = url
