"""JSON API of the data-management app: a participant's queries (GET list, POST open),
answer and close a query. The same services as the pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from datamanagement import selectors, services
from datamanagement.models import Query
from datamanagement.serializers import (
    QueryCloseSerializer,
    QueryOpenSerializer,
    QuerySerializer,
    QueryTextSerializer,
)
from dressdb.access import has_role
from dressdb.api_schema import with_errors
from enrollment.access import participant_for_user

READ = list(selectors.READ_ROLES)
MANAGE = list(selectors.MANAGE_ROLES)
ANSWER = list(selectors.ANSWER_ROLES)


def _body(request: Request, serializer_class: Any) -> Any:
    if not isinstance(request.data, dict):
        return Response({"input": ["must be a JSON object"]}, status=status.HTTP_400_BAD_REQUEST)
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
    return serializer.validated_data


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
    data = _body(request, QueryOpenSerializer)
    if isinstance(data, Response):
        return data
    try:
        query = services.query_open(participant=participant, user=request.user, **data)
    except ValidationError as exc:
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    return _done(query, status.HTTP_201_CREATED)


@extend_schema(
    request=QueryTextSerializer,
    responses=with_errors({200: QuerySerializer}),
    summary="Answer a query (site coordinators and investigators)",
)
@api_view(["POST"])
def query_answer(request: Request, query_pk: int) -> Response:
    query = _query_for(request, query_pk, ANSWER)
    data = _body(request, QueryTextSerializer)
    if isinstance(data, Response):
        return data
    try:
        query = services.query_answer(query=query, user=request.user, text=data["text"])
    except ValidationError as exc:
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
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
    data = _body(request, QueryCloseSerializer)
    if isinstance(data, Response):
        return data
    try:
        query = services.query_close(query=query, user=request.user, text=data.get("text", ""))
    except ValidationError as exc:
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
    return _done(query)
