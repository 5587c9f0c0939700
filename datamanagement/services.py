"""Writes of the data-management app (issue 18): queries and their threads, automatic
edit checks, source data verification, the casebook signature, freeze and database lock.

Role permissions (checked here as well as in the views and the API):
- open, close, cancel a query: data managers (statisticians) and monitors;
- answer a query: site coordinators and investigators;
- verify a form (SDV): monitors;
- sign a casebook: investigators (Part 11 signature through dressdb.signing);
- freeze / unfreeze a participant or the study: data managers (statisticians);
- lock the database, ask to unlock, approve the unlock: admins (the approver must be a
  second admin).
Site scope is the caller's: views and the API read the participant through
`enrollment.access.participant_for_user` first (404 outside the user's sites).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from datamanagement import catalogue, rules
from datamanagement.checks import case_facts
from datamanagement.config import sdv_sample_every
from datamanagement.models import Casebook, Query, QueryMessage, SdvRecord
from dressdb import signing
from dressdb.access import has_role
from dressdb.audit import save_clinical
from dressdb.models import EditFreeze, Role, SecurityEvent, Signature
from dressdb.security_log import log_event
from enrollment.models import Participant
from notifications import services as notify
from notifications.services import site_today

QUERY_MANAGERS = (Role.STATISTICIAN, Role.MONITOR)
QUERY_ANSWERERS = (Role.COORDINATOR, Role.INVESTIGATOR)
SDV_ROLES = (Role.MONITOR,)
FREEZE_ROLES = (Role.STATISTICIAN,)
LOCK_ROLES = (Role.ADMIN,)
TEXT_MAX = 2000

KIND_TO_ANSWER = "query_to_answer"
KIND_TO_CLOSE = "query_to_close"


def _require(user: Any, roles: Iterable[str], refusal: str) -> None:
    """`refusal`: the whole sentence, marked with gettext_noop, translated when raised."""
    if not has_role(user, *roles):
        raise PermissionDenied(gettext(refusal))


def _text(value: Any, field: str = "text", *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationError({field: gettext("Give a text.")})
    if required and not text:
        raise ValidationError({field: gettext("This field is required.")})
    if len(text) > TEXT_MAX:
        raise ValidationError({field: gettext("At most %(n)s characters.") % {"n": TEXT_MAX}})
    if "\0" in text:
        raise ValidationError({field: gettext("Null characters are not allowed.")})
    return text


def _message(query: Query, kind: str, user: Any, text: str) -> QueryMessage:
    message = QueryMessage(query=query, kind=kind, author=user, text=text)
    save_clinical(message, user=user, reason=f"Query {kind}")
    return message


def _participant_url(query: Query) -> str:
    return reverse("datamanagement:participant_queries", kwargs={"pk": query.participant_id})


def _query_text(query: Query, *, with_question: bool = False) -> notify.Text:
    """The to-do item of a query in each language (notifications.in_languages): the study
    ID, the record and field in words ('Day 7 visit · Eosinophil count (x10⁹/L)', not the
    codes) and, to answer, the question. The record is read once."""
    model = query.content_type.model_class()
    record = model._default_manager.filter(pk=query.object_id).first() if model else None

    def words() -> str:
        where = catalogue.where_label(query.form, record, query.field)
        text = f"{query.participant.study_id}, {where}"
        if not with_question:
            return text
        return gettext("%(place)s: %(question)s") % {"place": text, "question": query.text}

    return notify.in_languages(words)


def _notify_to_answer(query: Query) -> None:
    participant = query.participant
    notify.reminders_close(subject=query)
    notify.alert_raise(
        site=participant.site,
        subject=query,
        kind=KIND_TO_ANSWER,
        title=gettext_noop("Query to answer"),
        message=_query_text(query, with_question=True),
        roles=QUERY_ANSWERERS,
        label=participant.study_id,
        url=_participant_url(query),
    )


def _notify_to_close(query: Query) -> None:
    participant = query.participant
    notify.reminders_close(subject=query)
    if query.opened_by_id is not None:
        notify.reminders_raise(
            [
                notify.reminder_new(
                    user_id=query.opened_by_id,
                    subject=query,
                    kind=KIND_TO_CLOSE,
                    title=gettext_noop("Query answered: review and close"),
                    due_date=site_today(participant.site),
                    message=_query_text(query),
                    site_id=participant.site_id,
                    label=participant.study_id,
                    url=_participant_url(query),
                )
            ]
        )
    else:  # an automatic query: the site's monitors and the data managers
        notify.alert_raise(
            site=participant.site,
            subject=query,
            kind=KIND_TO_CLOSE,
            title=gettext_noop("Query answered: review and close"),
            message=_query_text(query),
            roles=QUERY_MANAGERS,
            label=participant.study_id,
            url=_participant_url(query),
        )


# --- Queries ---------------------------------------------------------------------


@transaction.atomic
def query_open(
    *,
    participant: Participant,
    user: Any,
    form: str,
    record_id: Any,
    field: str,
    text: str,
) -> Query:
    """A data manager or monitor raises a query on one field of one record."""
    _require(user, QUERY_MANAGERS, gettext_noop("Your role does not allow you to raise queries."))
    text = _text(text)
    record = catalogue.record_for(participant, form, record_id)
    if not isinstance(field, str) or not field:
        raise ValidationError({"field": gettext("Choose the field the query is about.")})
    catalogue.field_label(type(record), field)
    query = Query(
        participant=participant,
        form=form,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        field=field,
        text=text,
        opened_by=user,
    )
    save_clinical(query, user=user, reason="Query opened")
    _message(query, QueryMessage.Kind.OPENED, user, text)
    _notify_to_answer(query)
    return query


def _locked(query: Query) -> Query:
    return Query.objects.select_for_update().select_related("participant__site").get(pk=query.pk)


def correction_history_id(query: Query) -> int | None:
    """The record's newest history row after the query was opened that changed the field."""
    model = query.content_type.model_class()
    if model is None or not hasattr(model, "history"):
        return None
    rows = list(
        model.history.filter(id=query.object_id)
        .order_by("history_date", "history_id")
        .values("history_id", "history_date", query.field)
    )
    found = None
    for before, after in zip(rows, rows[1:], strict=False):
        if after["history_date"] >= query.opened_at and before[query.field] != after[query.field]:
            found = int(after["history_id"])
    return found


@transaction.atomic
def query_answer(*, query: Query, user: Any, text: str) -> Query:
    """A coordinator or investigator answers; a correction of the field made since the
    query was opened is linked to it (the record's history row)."""
    _require(user, QUERY_ANSWERERS, gettext_noop("Your role does not allow you to answer queries."))
    text = _text(text)
    locked = _locked(query)
    if locked.status not in (Query.Status.OPEN, Query.Status.ANSWERED):
        raise ValidationError(
            {
                "text": gettext("This query is %(status)s.")
                % {"status": locked.get_status_display().lower()}
            }
        )
    locked.status = Query.Status.ANSWERED
    locked.answered_at = timezone.now()
    correction = correction_history_id(locked)
    if correction is not None:
        locked.correction_history_id = correction
    save_clinical(locked, user=user, reason=f"Query answered: {text}"[:500])
    if correction is not None:
        text = f"{text} (correction: history row {correction})"
    _message(locked, QueryMessage.Kind.ANSWER, user, text)
    _notify_to_close(locked)
    return locked


def _finish(query: Query, user: Any, status: str, kind: str, text: str) -> Query:
    locked = _locked(query)
    if locked.status not in (Query.Status.OPEN, Query.Status.ANSWERED):
        raise ValidationError(
            {
                "text": gettext("This query is %(status)s.")
                % {"status": locked.get_status_display().lower()}
            }
        )
    locked.status = status
    locked.closed_at = timezone.now()
    locked.closed_by = user
    save_clinical(locked, user=user, reason=f"Query {kind}: {text}"[:500])
    _message(locked, kind, user, text)
    notify.reminders_close(subject=locked)
    return locked


@transaction.atomic
def query_close(*, query: Query, user: Any, text: str = "") -> Query:
    """The data manager or monitor accepts the answer (or the data) and closes."""
    _require(user, QUERY_MANAGERS, gettext_noop("Your role does not allow you to close queries."))
    text = _text(text, required=False) or "Closed"
    return _finish(query, user, Query.Status.CLOSED, QueryMessage.Kind.CLOSED, text)


@transaction.atomic
def query_cancel(*, query: Query, user: Any, text: str) -> Query:
    """Withdraw a query raised in error (a reason is required)."""
    _require(user, QUERY_MANAGERS, gettext_noop("Your role does not allow you to cancel queries."))
    text = _text(text)
    return _finish(query, user, Query.Status.CANCELLED, QueryMessage.Kind.CANCELLED, text)


# --- Automatic edit checks ---------------------------------------------------------


def _key(q: Query) -> tuple[str, str, int, str]:
    return (q.rule, q.form, int(q.object_id), q.field)


@transaction.atomic
def checks_run(*, participant: Participant) -> dict[str, int]:
    """Run every rule on the participant; open a query per new finding, close the
    automatic queries whose finding is gone. A finding whose query a person closed or
    cancelled is not raised again. Idempotent."""
    findings = {f.key: f for f in rules.evaluate(case_facts(participant))}
    autos = list(
        Query.objects.select_for_update()
        .filter(participant=participant, origin=Query.Origin.AUTO)
        .select_related("participant__site")
    )
    live = {_key(q): q for q in autos if q.is_live}
    settled = {_key(q) for q in autos if q.status == Query.Status.CANCELLED or q.closed_by_id}
    opened = closed = 0
    for key, finding in findings.items():
        if key in live or key in settled:
            continue
        spec = catalogue.FORMS[finding.form]
        query = Query(
            participant=participant,
            form=finding.form,
            content_type=ContentType.objects.get_for_model(spec.model),
            object_id=finding.record_id,
            field=finding.field,
            origin=Query.Origin.AUTO,
            rule=finding.rule,
            text=finding.message,
        )
        save_clinical(query, user=None, reason=f"Automatic edit check {finding.rule}")
        _message(query, QueryMessage.Kind.OPENED, None, finding.message)
        _notify_to_answer(query)
        opened += 1
    for key, query in live.items():
        if key in findings:
            continue
        query.status = Query.Status.CLOSED
        query.closed_at = timezone.now()
        query.correction_history_id = correction_history_id(query)
        save_clinical(query, user=None, reason=f"Automatic edit check {query.rule} passes")
        _message(query, QueryMessage.Kind.CLOSED, None, "The data were fixed: the check passes.")
        notify.reminders_close(subject=query)
        closed += 1
    return {"opened": opened, "closed": closed}


def checks_run_all(participant_ids: Iterable[int] | None = None) -> dict[str, int]:
    """The sweep (beat task and management command): every participant, or those given."""
    rows = Participant.objects.select_related("site", "screening").order_by("pk")
    if participant_ids is not None:
        rows = rows.filter(pk__in=list(participant_ids))
    total = {"participants": 0, "opened": 0, "closed": 0, "voided": 0}
    for participant in rows:
        result = checks_run(participant=participant)
        total["participants"] += 1
        total["opened"] += result["opened"]
        total["closed"] += result["closed"]
        total["voided"] += casebook_check(participant=participant)
        sdv_refresh(participant=participant)
    return total


# --- SDV ----------------------------------------------------------------------------


def _record_history_id(record: models.Model) -> int | None:
    if not hasattr(type(record), "history"):
        return None
    row = record.history.order_by("-history_date", "-history_id").first()  # type: ignore[attr-defined]
    return int(row.history_id) if row is not None else None


@transaction.atomic
def sdv_refresh(*, participant: Participant) -> list[SdvRecord]:
    """One SDV row per form record: 100% forms and sampled participants 'to verify',
    the others 'not required'; a verified record changed since is 'needs re-verification'."""
    existing = {
        (r.form, r.content_type_id, r.object_id): r
        for r in SdvRecord.objects.select_for_update().filter(participant=participant)
    }
    every = sdv_sample_every()
    result = []
    for item in catalogue.sdv_items(participant):
        ct = ContentType.objects.get_for_model(item.record)
        row = existing.get((item.form, ct.pk, item.record.pk))
        required = item.critical or rules.sdv_required(
            item.form, participant.site_sequence, sample_every=every
        )
        wanted = SdvRecord.Status.TO_VERIFY if required else SdvRecord.Status.NOT_REQUIRED
        if row is None:
            row = SdvRecord(
                participant=participant,
                form=item.form,
                content_type=ct,
                object_id=item.record.pk,
                status=wanted,
            )
            save_clinical(row, user=None, reason="SDV plan")
        elif row.status == SdvRecord.Status.VERIFIED:
            if row.verified_fingerprint != signing.fingerprint(item.record):
                row.status = SdvRecord.Status.REVERIFY
                save_clinical(row, user=None, reason="Changed after verification")
        elif row.status in (SdvRecord.Status.TO_VERIFY, SdvRecord.Status.NOT_REQUIRED):
            if row.status != wanted:
                row.status = wanted
                save_clinical(row, user=None, reason="SDV sample changed")
        result.append(row)
    return result


@transaction.atomic
def sdv_verify(*, participant: Participant, user: Any, form: str, record_id: Any) -> SdvRecord:
    """A monitor marks a form record verified against the source."""
    _require(user, SDV_ROLES, gettext_noop("Your role does not allow you to verify source data."))
    sdv_refresh(participant=participant)
    items = {(i.form, i.record.pk): i for i in catalogue.sdv_items(participant)}
    try:
        item = items[(form, int(record_id))]
    except (KeyError, TypeError, ValueError):
        raise ValidationError({"record_id": gettext("No such form record to verify.")}) from None
    row = SdvRecord.objects.select_for_update().get(
        form=form,
        content_type=ContentType.objects.get_for_model(item.record),
        object_id=item.record.pk,
    )
    row.status = SdvRecord.Status.VERIFIED
    row.verified_by = user
    row.verified_at = timezone.now()
    row.verified_fingerprint = signing.fingerprint(item.record)
    row.verified_history_id = _record_history_id(item.record)
    save_clinical(row, user=user, reason=f"Source data verified: {item.label}")
    return row


# --- Casebook signature ------------------------------------------------------------


def casebook_fingerprint(participant: Participant) -> str:
    """SHA-256 over the fingerprints of every form record of the participant."""
    parts = []
    for code, spec in catalogue.FORMS.items():
        for record in spec.records(participant):
            parts.append([code, record.pk, signing.fingerprint(record)])
    payload = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def casebook_summary(participant: Participant) -> list[tuple[str, str]]:
    """What the investigator signs: each form with its state, and the casebook's SHA-256."""
    rows = [("Participant", participant.study_id)]
    for item in catalogue.sdv_items(participant):
        record = item.record
        state = "recorded"
        if getattr(record, "missed", False):
            state = "missed"
        elif getattr(record, "completed_on", None):
            state = f"completed {record.completed_on:%Y-%m-%d}"  # type: ignore[attr-defined]
        rows.append((item.label, state))
    rows.append(("Casebook fingerprint (SHA-256)", casebook_fingerprint(participant)))
    return rows


def casebook_blockers(participant: Participant) -> list[str]:
    """Why the casebook cannot be signed yet (empty: it can)."""
    blockers = []
    visits = catalogue.FORMS["visit"].records(participant)
    if not visits:
        blockers.append(gettext("No visit schedule (not randomized)."))
    for visit in visits:
        if visit.completed_on is None and not visit.missed:
            blockers.append(
                gettext("Day %(day)s visit is not complete.") % {"day": visit.study_day}
            )
    if not catalogue.FORMS["hospital_course"].records(participant):
        blockers.append(gettext("The hospital course is not recorded."))
    live = Query.objects.filter(
        participant=participant, status__in=[Query.Status.OPEN, Query.Status.ANSWERED]
    ).count()
    if live:
        blockers.append(
            ngettext("%(n)s query is still open.", "%(n)s queries are still open.", live)
            % {"n": live}
        )
    return blockers


def casebook_sign(
    *, participant: Participant, user: Any, password: str, meaning: str, request: Any = None
) -> Signature:
    """The investigator signs the casebook (Part 11: password last, through dressdb.signing)."""
    _require(
        user, (Role.INVESTIGATOR,), gettext_noop("Your role does not allow you to sign casebooks.")
    )
    blockers = casebook_blockers(participant)
    if blockers:
        raise ValidationError({"casebook": blockers})
    summary = casebook_summary(participant)

    def write() -> Casebook:
        book, _ = Casebook.objects.select_for_update().get_or_create(participant=participant)
        book.content_fingerprint = casebook_fingerprint(participant)
        book.forms_signed = [[label, state] for label, state in summary]
        save_clinical(book, user=user, reason="Casebook signed")
        return book

    return signing.sign(
        user=user,
        password=password,
        record=write,
        meaning=meaning,
        summary=summary,
        request=request,
    )


def casebook_signature(participant: Participant) -> Signature | None:
    book = Casebook.objects.filter(participant=participant).first()
    return signing.current_signature(book) if book else None


@transaction.atomic
def casebook_check(*, participant: Participant, user: Any = None) -> int:
    """Void the casebook signature when the data changed since it was signed."""
    book = Casebook.objects.filter(participant=participant).first()
    if book is None or signing.current_signature(book) is None:
        return 0
    if casebook_fingerprint(participant) == book.content_fingerprint:
        return 0
    return signing.void_for(
        book,
        reason="The casebook changed after it was signed (fingerprint differs).",
        user=user,
    )


# --- Freeze and database lock ---------------------------------------------------------


def active_freezes(participant: Participant | None = None) -> list[EditFreeze]:
    rows = EditFreeze.objects.filter(active=True)
    if participant is not None:
        rows = rows.filter(
            models.Q(participant_id__isnull=True) | models.Q(participant_id=participant.pk)
        )
    return list(rows)


@transaction.atomic
def freeze(*, user: Any, reason: str, participant: Participant | None = None) -> EditFreeze:
    """A data manager freezes a participant (or the study, `participant=None`)."""
    _require(user, FREEZE_ROLES, gettext_noop("Your role does not allow you to freeze data."))
    reason = _text(reason, "reason")
    if EditFreeze.objects.filter(
        active=True, kind=EditFreeze.Kind.FREEZE, participant_id=getattr(participant, "pk", None)
    ).exists():
        raise ValidationError({"reason": gettext("Already frozen.")})
    row = EditFreeze(
        kind=EditFreeze.Kind.FREEZE,
        participant_id=participant.pk if participant else None,
        reason=reason,
        created_by=user,
    )
    save_clinical(row, user=user, reason=f"Frozen: {reason}")
    return row


@transaction.atomic
def unfreeze(*, row: EditFreeze, user: Any, reason: str) -> EditFreeze:
    _require(user, FREEZE_ROLES, gettext_noop("Your role does not allow you to unfreeze data."))
    reason = _text(reason, "reason")
    locked = EditFreeze.objects.select_for_update().get(pk=row.pk)
    if locked.kind != EditFreeze.Kind.FREEZE or not locked.active:
        raise ValidationError({"reason": gettext("This is not an active freeze.")})
    locked.active = False
    locked.released_by = user
    locked.released_at = timezone.now()
    locked.release_reason = reason
    save_clinical(locked, user=user, reason=f"Unfrozen: {reason}")
    return locked


def export_snapshot() -> dict[str, str]:
    """SHA-256 of each dataset's CSV as exported at lock time (every site, identified)."""
    from dressdb.models import Site
    from reports.exports import DATASETS, csv_lines

    site_ids = list(Site.objects.values_list("pk", flat=True))
    hashes: dict[str, str] = {}
    for name, dataset in DATASETS.items():
        digest = hashlib.sha256()
        for line in csv_lines(dataset, site_ids, None, None):
            digest.update(line.encode("utf-8", "surrogatepass"))
        hashes[f"{name}.csv"] = digest.hexdigest()
    return hashes


@transaction.atomic
def database_lock(*, user: Any, reason: str) -> EditFreeze:
    """An admin locks the whole study for analysis; the export snapshot's SHA-256 per file
    goes in the lock's history row and the security log."""
    _require(user, LOCK_ROLES, gettext_noop("Your role does not allow you to lock the database."))
    reason = _text(reason, "reason")
    if EditFreeze.objects.filter(active=True, kind=EditFreeze.Kind.LOCK).exists():
        raise ValidationError({"reason": gettext("The database is already locked.")})
    snapshot = export_snapshot()
    row = EditFreeze(kind=EditFreeze.Kind.LOCK, reason=reason, created_by=user, snapshot=snapshot)
    save_clinical(row, user=user, reason=f"Database locked: {reason}")
    log_event(SecurityEvent.Kind.EXPORT, user=user, lock=row.pk, snapshot=snapshot)
    return row


@transaction.atomic
def database_unlock_request(*, row: EditFreeze, user: Any, reason: str) -> EditFreeze:
    _require(
        user,
        LOCK_ROLES,
        gettext_noop("Your role does not allow you to ask to unlock the database."),
    )
    reason = _text(reason, "reason")
    locked = EditFreeze.objects.select_for_update().get(pk=row.pk)
    if locked.kind != EditFreeze.Kind.LOCK or not locked.active:
        raise ValidationError({"reason": gettext("This is not an active database lock.")})
    locked.release_requested_by = user
    locked.release_reason = reason
    save_clinical(locked, user=user, reason=f"Unlock requested: {reason}")
    return locked


@transaction.atomic
def database_unlock_approve(*, row: EditFreeze, user: Any) -> EditFreeze:
    """A second admin approves the unlock (not the one who asked)."""
    _require(
        user, LOCK_ROLES, gettext_noop("Your role does not allow you to approve a database unlock.")
    )
    locked = EditFreeze.objects.select_for_update().get(pk=row.pk)
    if locked.kind != EditFreeze.Kind.LOCK or not locked.active:
        raise ValidationError({"reason": gettext("This is not an active database lock.")})
    if locked.release_requested_by_id is None:
        raise ValidationError({"reason": gettext("No unlock was asked for, with a reason.")})
    if locked.release_requested_by_id == user.pk:
        raise ValidationError({"approver": gettext("A second admin must approve the unlock.")})
    locked.active = False
    locked.released_by = user
    locked.released_at = timezone.now()
    save_clinical(locked, user=user, reason=f"Unlock approved: {locked.release_reason}")
    return locked
