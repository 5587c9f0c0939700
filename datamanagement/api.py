"""JSON API of the data-management app: a participant's queries (GET list, POST open),
answer and close a query; source data verification, the casebook signature, freeze and
unfreeze (a participant, the study), the database lock and its two-person unlock. The
same services and roles as the pages; the participant's routes are site-scoped (404)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from datamanagement import selectors, services
from datamanagement.models import Casebook, Query, SdvRecord
from datamanagement.serializers import (
    CasebookSignatureSerializer,
    CasebookSignSerializer,
    EditFreezeSerializer,
    QueryCloseSerializer,
    QueryOpenSerializer,
    QuerySerializer,
    QueryTextSerializer,
    ReasonSerializer,
    SdvRecordSerializer,
    SdvVerifySerializer,
)
from dressdb.access import has_role
from dressdb.api import validated
from dressdb.api_schema import with_errors
from dressdb.models import EditFreeze, Role
from enrollment.access import participant_for_user

READ = list(selectors.READ_ROLES)
MANAGE = list(selectors.MANAGE_ROLES)
ANSWER = list(selectors.ANSWER_ROLES)
SDV = list(services.SDV_ROLES)
FREEZE = list(services.FREEZE_ROLES)
LOCK = list(services.LOCK_ROLES)


def _query_for(request: Request, query_pk: int, roles: Sequence[str]) -> Query:
    if not has_role(request.user, *roles):
        raise PermissionDenied("Your role does not allow this on a query.")
    query = Query.objects.filter(pk=query_pk).first()
    if query is None:
        raise Http404("No such query.")
    participant_for_user(request.user, query.participant_id, roles=roles)  # 404 off-site
    return query


def _done(query: Query, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.queries_for(query.participant).get(pk=query.pk)
    return Response(QuerySerializer(fresh).data, status=code)


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: QuerySerializer(many=True)}, bad_input=False),
    summary="A participant's queries (discrepancy notes) with their message threads",
)
@extend_schema(
    methods=["POST"],
    request=QueryOpenSerializer,
    responses=with_errors({201: QuerySerializer}),
    summary="Raise a query on one field of one record (data managers and monitors)",
)
@api_view(["GET", "POST"])
def participant_queries(request: Request, pk: int) -> Response:
    if request.method == "GET":
        if not has_role(request.user, *READ):
            raise PermissionDenied("Your role does not give access to queries.")
        participant = participant_for_user(request.user, pk, roles=READ)
        return Response(QuerySerializer(selectors.queries_for(participant), many=True).data)
    if not has_role(request.user, *MANAGE):
        raise PermissionDenied("Only data managers and monitors raise queries.")
    participant = participant_for_user(request.user, pk, roles=MANAGE)
    data = validated(request, QueryOpenSerializer)
    query = services.query_open(participant=participant, user=request.user, **data)
    return _done(query, status.HTTP_201_CREATED)


@extend_schema(
    request=QueryTextSerializer,
    responses=with_errors({200: QuerySerializer}),
    summary="Answer a query (site coordinators and investigators)",
)
@api_view(["POST"])
def query_answer(request: Request, query_pk: int) -> Response:
    query = _query_for(request, query_pk, ANSWER)
    data = validated(request, QueryTextSerializer)
    query = services.query_answer(query=query, user=request.user, text=data["text"])
    services.checks_run(participant=query.participant)
    return _done(query)


@extend_schema(
    request=QueryCloseSerializer,
    responses=with_errors({200: QuerySerializer}),
    summary="Close a query (data managers and monitors)",
)
@api_view(["POST"])
def query_close(request: Request, query_pk: int) -> Response:
    query = _query_for(request, query_pk, MANAGE)
    data = validated(request, QueryCloseSerializer)
    query = services.query_close(query=query, user=request.user, text=data.get("text", ""))
    return _done(query)


# --- SDV, casebook signature, freeze and database lock (the pages' services) ----------


def _participant(request: Request, pk: int, roles: Sequence[str], what: str) -> Any:
    """The role first (403), then the site scope (404 outside the user's sites)."""
    if not has_role(request.user, *roles):
        raise PermissionDenied(f"Your role does not allow you to {what}.")
    return participant_for_user(request.user, pk, roles=roles)


def _role(request: Request, roles: Sequence[str], what: str) -> None:
    if not has_role(request.user, *roles):
        raise PermissionDenied(f"Your role does not allow you to {what}.")


def _freeze_answer(row: Any, code: int = status.HTTP_200_OK) -> Response:
    fresh = EditFreeze.objects.select_related(
        "created_by", "release_requested_by", "released_by"
    ).get(pk=row.pk)
    return Response(EditFreezeSerializer(fresh).data, status=code)


@extend_schema(
    request=SdvVerifySerializer,
    responses=with_errors({200: SdvRecordSerializer}),
    summary="Mark a form record source-data verified (monitors of the participant's site)",
)
@api_view(["POST"])
def participant_sdv_verify(request: Request, pk: int) -> Response:
    participant = _participant(request, pk, SDV, "verify source data")
    data = validated(request, SdvVerifySerializer)
    row = services.sdv_verify(
        participant=participant,
        user=request.user,
        form=data["form"],
        record_id=data["record_id"],
    )
    fresh = SdvRecord.objects.select_related("verified_by").get(pk=row.pk)
    return Response(SdvRecordSerializer(fresh).data)


@extend_schema(
    request=CasebookSignSerializer,
    responses=with_errors({200: CasebookSignatureSerializer}),
    summary="Sign the participant's casebook (investigator's Part 11 e-signature, "
    "password checked last); refused while a form is incomplete or a query open",
)
@api_view(["POST"])
def participant_casebook_sign(request: Request, pk: int) -> Response:
    participant = _participant(request, pk, [Role.INVESTIGATOR], "sign casebooks")
    data = validated(request, CasebookSignSerializer)
    signature = services.casebook_sign(
        participant=participant,
        user=request.user,
        password=data["password"],
        meaning=data["meaning"],
        request=request,
    )
    book = Casebook.objects.get(participant=participant)
    return Response(
        {
            "participant": participant.study_id,
            "signed_by": signature.printed_name,
            "signed_at": signature.signed_at,
            "meaning": signature.meaning,
            "fingerprint": book.content_fingerprint,
        }
    )


@extend_schema(
    request=ReasonSerializer,
    responses=with_errors({201: EditFreezeSerializer}),
    summary="Freeze a participant: no edit is saved until unfrozen (data managers)",
)
@api_view(["POST"])
def participant_freeze(request: Request, pk: int) -> Response:
    participant = _participant(request, pk, FREEZE, "freeze data")
    data = validated(request, ReasonSerializer)
    row = services.freeze(user=request.user, reason=data["reason"], participant=participant)
    return _freeze_answer(row, status.HTTP_201_CREATED)


def _active(kind: str, participant_id: int | None, message: str) -> EditFreeze:
    row = EditFreeze.objects.filter(active=True, kind=kind, participant_id=participant_id).first()
    if row is None:
        raise ValidationError({"reason": message})
    return row


@extend_schema(
    request=ReasonSerializer,
    responses=with_errors({200: EditFreezeSerializer}),
    summary="Unfreeze a participant, with a reason (data managers)",
)
@api_view(["POST"])
def participant_unfreeze(request: Request, pk: int) -> Response:
    participant = _participant(request, pk, FREEZE, "unfreeze data")
    data = validated(request, ReasonSerializer)
    row = services.unfreeze(
        row=_active(EditFreeze.Kind.FREEZE, participant.pk, "This participant is not frozen."),
        user=request.user,
        reason=data["reason"],
    )
    return _freeze_answer(row)


@extend_schema(
    request=ReasonSerializer,
    responses=with_errors({201: EditFreezeSerializer}),
    summary="Freeze the whole study: no edit is saved until unfrozen (data managers)",
)
@api_view(["POST"])
def study_freeze(request: Request) -> Response:
    _role(request, FREEZE, "freeze data")
    data = validated(request, ReasonSerializer)
    row = services.freeze(user=request.user, reason=data["reason"])
    return _freeze_answer(row, status.HTTP_201_CREATED)


@extend_schema(
    request=ReasonSerializer,
    responses=with_errors({200: EditFreezeSerializer}),
    summary="Unfreeze the whole study, with a reason (data managers)",
)
@api_view(["POST"])
def study_unfreeze(request: Request) -> Response:
    _role(request, FREEZE, "unfreeze data")
    data = validated(request, ReasonSerializer)
    row = services.unfreeze(
        row=_active(EditFreeze.Kind.FREEZE, None, "The study is not frozen."),
        user=request.user,
        reason=data["reason"],
    )
    return _freeze_answer(row)


@extend_schema(
    request=ReasonSerializer,
    responses=with_errors({201: EditFreezeSerializer}),
    summary="Lock the database for analysis; the export snapshot's SHA-256 per file is "
    "recorded (admins)",
)
@api_view(["POST"])
def database_lock(request: Request) -> Response:
    _role(request, LOCK, "lock the database")
    data = validated(request, ReasonSerializer)
    row = services.database_lock(user=request.user, reason=data["reason"])
    return _freeze_answer(row, status.HTTP_201_CREATED)


@extend_schema(
    request=ReasonSerializer,
    responses=with_errors({200: EditFreezeSerializer}),
    summary="Ask to unlock the database, with a reason (admins; a second admin approves)",
)
@api_view(["POST"])
def database_unlock_request(request: Request) -> Response:
    _role(request, LOCK, "ask to unlock the database")
    data = validated(request, ReasonSerializer)
    row = services.database_unlock_request(
        row=_active(EditFreeze.Kind.LOCK, None, "The database is not locked."),
        user=request.user,
        reason=data["reason"],
    )
    return _freeze_answer(row)


@extend_schema(
    request=None,
    responses=with_errors({200: EditFreezeSerializer}),
    summary="Approve the asked unlock of the database (a second admin, not the one who asked)",
)
@api_view(["POST"])
def database_unlock_approve(request: Request) -> Response:
    _role(request, LOCK, "approve a database unlock")
    row = services.database_unlock_approve(
        row=_active(EditFreeze.Kind.LOCK, None, "The database is not locked."),
        user=request.user,
    )
    return _freeze_answer(row)
