"""JSON API of the safety app: a participant's adverse events (GET list, POST create)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from dressdb.access import has_role
from dressdb.api_schema import with_errors
from enrollment.access import participant_for_user
from safety import selectors, services
from safety.serializers import (
    AdverseEventInputSerializer,
    AdverseEventSerializer,
    ConmedInputSerializer,
    ConmedSerializer,
)

READ = list(selectors.READ_ROLES)
EDIT = list(selectors.EDIT_ROLES)


def _list(request: Request, pk: int) -> Response:
    if not has_role(request.user, *READ):
        raise PermissionDenied("Your role does not give access to adverse events.")
    participant = participant_for_user(request.user, pk, roles=READ)
    events = selectors.events_for(participant).order_by("onset_date", "id")
    return Response(AdverseEventSerializer(events, many=True).data)


def _create(request: Request, pk: int) -> Response:
    if not has_role(request.user, *EDIT):
        raise PermissionDenied("Only site coordinators and investigators record adverse events.")
    participant = participant_for_user(request.user, pk, roles=EDIT)
    if not isinstance(request.data, dict):
        return Response({"input": ["must be a JSON object"]}, status=status.HTTP_400_BAD_REQUEST)
    with timezone.override(participant.site.tz):  # a time without offset: the site's zone
        serializer = AdverseEventInputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
    data: dict[str, Any] = serializer.validated_data
    aware_at: dt.datetime = data["aware_at"]
    try:
        ae = services.ae_create(
            participant=participant,
            user=request.user,
            data=services.AeInput(
                term=data.get("term"),
                term_other=data.get("term_other") or "",
                soc=data.get("soc"),
                onset_date=data["onset_date"],
                stop_date=data.get("stop_date"),
                ongoing=bool(data.get("ongoing")),
                grade=int(data["grade"]),
                serious=bool(data.get("serious")),
                criteria=frozenset(data.get("criteria") or ()),
                related_cyclosporine=data["related_cyclosporine"],
                related_corticosteroids=data["related_corticosteroids"],
                action_cyclosporine=data["action_cyclosporine"],
                action_corticosteroids=data["action_corticosteroids"],
                outcome=data["outcome"],
                aware_at=aware_at,
            ),
        )
    except ValidationError as exc:
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
    ae = selectors.events_for(participant).get(pk=ae.pk)
    return Response(AdverseEventSerializer(ae).data, status=status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: AdverseEventSerializer(many=True)}, bad_input=False),
    summary="A participant's adverse events (SAE clock: report_due_at, UTC; SUSAR flag)",
)
@extend_schema(
    methods=["POST"],
    request=AdverseEventInputSerializer,
    responses=with_errors({201: AdverseEventSerializer}),
    summary="Record an adverse event (a serious one starts its SAE clock and alerts the "
    "investigators at once)",
)
@api_view(["GET", "POST"])
def participant_adverse_events(request: Request, pk: int) -> Response:
    if request.method == "POST":
        return _create(request, pk)
    return _list(request, pk)


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: ConmedSerializer(many=True)}, bad_input=False),
    summary="A participant's concomitant medications (culprit latency, CYP3A4 interaction)",
)
@extend_schema(
    methods=["POST"],
    request=ConmedInputSerializer,
    responses=with_errors({201: ConmedSerializer}),
    summary="Add a drug to the participant's concomitant medications",
)
@api_view(["GET", "POST"])
def participant_conmeds(request: Request, pk: int) -> Response:
    roles = READ if request.method == "GET" else EDIT
    if not has_role(request.user, *roles):
        raise PermissionDenied("Your role does not give access to concomitant medications.")
    participant = participant_for_user(request.user, pk, roles=roles)
    if request.method == "GET":
        return Response(ConmedSerializer(selectors.conmeds_for(participant), many=True).data)
    if not isinstance(request.data, dict):
        return Response({"input": ["must be a JSON object"]}, status=status.HTTP_400_BAD_REQUEST)
    serializer = ConmedInputSerializer(data=request.data)
    if not serializer.is_valid():
        return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
    data: dict[str, Any] = serializer.validated_data
    try:
        row = services.conmed_save(
            participant=participant,
            user=request.user,
            data=services.ConmedInput(
                drug=data["drug"],
                indication=data["indication"],
                dose=data.get("dose"),
                unit=data.get("unit") or "",
                route=data["route"],
                frequency=data.get("frequency") or "",
                start_date=data["start_date"],
                stop_date=data.get("stop_date"),
                ongoing=bool(data.get("ongoing")),
                culprit=bool(data.get("culprit")),
                reaction_onset_date=data.get("reaction_onset_date"),
            ),
        )
    except ValidationError as exc:
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
    return Response(ConmedSerializer(row).data, status=status.HTTP_201_CREATED)
