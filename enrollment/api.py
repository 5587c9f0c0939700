"""JSON API of the enrollment app."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from dressdb.access import has_role, sites_visible_to
from dressdb.api import json_object, validated
from dressdb.api_schema import with_errors
from dressdb.models import Role
from enrollment import services
from enrollment.access import participant_for_user, screening_for_user
from enrollment.models import SEX_CHOICES
from enrollment.screening_contract import InputError, parse_screening_input
from enrollment.serializers import (
    EnrolInputSerializer,
    NotConsentedInputSerializer,
    ParticipantSerializer,
    RenalImpairmentInputSerializer,
    ScreeningOutcomeSerializer,
)

SCREENING_OUTPUT = inline_serializer(
    "ScreeningResult",
    {
        "regiscar_score": serializers.IntegerField(),
        "regiscar_category": serializers.CharField(),
        "egfr": serializers.FloatField(),
        "renal_impairment": serializers.BooleanField(),
        "eligible": serializers.BooleanField(),
        "reasons": serializers.ListField(child=serializers.CharField()),
        "screening_id": serializers.IntegerField(),
    },
)


@extend_schema(
    request=inline_serializer(
        "ScreeningInput",
        {
            "site": serializers.CharField(help_text="Site code (or id)"),
            "initials": serializers.CharField(required=False),
            "screened_on": serializers.DateField(required=False),
            "age": serializers.IntegerField(),
            "sex": serializers.ChoiceField(choices=SEX_CHOICES),
            "weight_kg": serializers.FloatField(),
            "creatinine_mg_dl": serializers.FloatField(required=False),
            "creatinine_umol_l": serializers.FloatField(required=False),
            "on_dialysis": serializers.BooleanField(),
            "regiscar": serializers.DictField(),
            "exclusions": serializers.DictField(child=serializers.BooleanField()),
        },
    ),
    responses={201: SCREENING_OUTPUT},
    examples=[OpenApiExample("CONTRACTS.md eligibility_check input plus site", value={})],
    summary="Record a screening (the eligibility_check document plus the site)",
)
@api_view(["POST"])
def screening_create(request: Request) -> Response:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied("Only site coordinators screen patients.")
    data = json_object(request)
    raw_site = data.get("site")
    sites = sites_visible_to(request.user, roles=[Role.COORDINATOR])
    site = None
    if isinstance(raw_site, str) and raw_site:
        site = sites.filter(code=raw_site.upper()).first()
    elif isinstance(raw_site, int) and not isinstance(raw_site, bool):
        site = sites.filter(pk=raw_site).first()
    if site is None:
        return Response(
            {"site": ["unknown site, or not one of your sites"]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    screened_on = None
    if data.get("screened_on") is not None:
        try:
            screened_on = dt.date.fromisoformat(str(data["screened_on"]))
        except ValueError:
            return Response(
                {"screened_on": ["must be an ISO date (YYYY-MM-DD)"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
    document = {k: v for k, v in data.items() if k not in {"site", "initials", "screened_on"}}
    try:
        answers = parse_screening_input(document)
    except InputError as exc:
        return Response({exc.field: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    screening = services.screening_record(
        site=site,
        user=request.user,
        answers=answers,
        initials=str(data.get("initials") or ""),
        screened_on=screened_on,
    )
    return Response(services.screening_result_json(screening), status=status.HTTP_201_CREATED)


# --- API parity: one route per form, the same service as the page -------------------
# Errors: the role first (403), then the site scope (404), then the input (400 naming the
# field; a service's ValidationError becomes the same 400 in dressdb.api).


@extend_schema(
    request=EnrolInputSerializer,
    responses=with_errors({201: ParticipantSerializer}),
    summary="Record consent and enrol an eligible screening (the enrol form)",
)
@api_view(["POST"])
def screening_enrol(request: Request, pk: int) -> Response:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied("Only site coordinators enrol patients.")
    screening = screening_for_user(request.user, pk, roles=[Role.COORDINATOR])
    given = validated(request, EnrolInputSerializer, site_tz=screening.site.tz)
    participant = services.participant_enrol(screening=screening, user=request.user, **given)
    return Response(ParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)


@extend_schema(
    request=NotConsentedInputSerializer,
    responses=with_errors({200: ScreeningOutcomeSerializer}),
    summary="Record that an eligible screened patient was not enrolled, with the reason",
)
@api_view(["POST"])
def screening_not_consented(request: Request, pk: int) -> Response:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied("Only site coordinators record consent.")
    screening = screening_for_user(request.user, pk, roles=[Role.COORDINATOR])
    given = validated(request, NotConsentedInputSerializer)
    updated = services.screening_mark_not_consented(
        screening=screening, user=request.user, reason=given["reason"]
    )
    return Response(ScreeningOutcomeSerializer(updated).data)


@extend_schema(
    request=RenalImpairmentInputSerializer,
    responses=with_errors({200: ParticipantSerializer}),
    summary="Confirm or override the computed renal impairment (reason for change required)",
)
@api_view(["PUT"])
def participant_renal_impairment(request: Request, pk: int) -> Response:
    roles = [Role.INVESTIGATOR, Role.ADMIN]
    if not has_role(request.user, *roles):
        raise PermissionDenied("Only investigators and admins set renal impairment.")
    participant = participant_for_user(request.user, pk, roles=roles)
    given = RenalImpairmentInputSerializer(data=json_object(request))
    given.is_valid(raise_exception=True)
    updated = services.participant_set_renal_impairment(
        participant=participant,
        user=request.user,
        override=given.override(),
        reason=given.validated_data["reason_for_change"],
    )
    return Response(ParticipantSerializer(updated).data)
