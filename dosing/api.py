"""JSON API of the dosing app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from dosing import services
from dosing.config import dosing_settings
from dosing.models import Order, Regimen
from dosing.protocol import ProtocolError
from dosing.protocol_contract import preview
from dosing.serializers import (
    CourseChangeSerializer,
    NpoInputSerializer,
    PreviewInputSerializer,
    PreviewResultSerializer,
    RelapseInputSerializer,
    WeightInputSerializer,
)
from dressdb.access import has_role
from dressdb.api_schema import with_errors
from dressdb.models import Role
from enrollment.access import participant_for_user


def _number(value: Any) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def order_json(o: Order) -> dict[str, Any]:
    """The CONTRACTS.md order fields."""
    return {
        "day": o.day,
        "date": o.date.isoformat(),
        "drug": o.drug,
        "route": o.route,
        "dose_mg": _number(o.dose_mg),
        "calculated_dose_mg": float(o.calculated_dose_mg),
        "times_per_day": o.times_per_day,
        "daily_dose_mg": _number(o.daily_dose_mg),
        "block": o.block,
        "pharmacist_to_verify": o.pharmacist_to_verify,
    }


ORDER_LIST = inline_serializer(
    "Order",
    {
        "day": serializers.IntegerField(),
        "date": serializers.DateField(),
        "drug": serializers.CharField(),
        "route": serializers.CharField(),
        "dose_mg": serializers.FloatField(),
        "calculated_dose_mg": serializers.FloatField(),
        "times_per_day": serializers.IntegerField(),
        "daily_dose_mg": serializers.FloatField(),
        "block": serializers.CharField(),
        "pharmacist_to_verify": serializers.BooleanField(),
    },
    many=True,
)


@extend_schema(responses={200: ORDER_LIST}, summary="A participant's orders, by day (a list)")
@api_view(["GET"])
def participant_orders(request: Request, pk: int) -> Response:
    roles = [Role.COORDINATOR, Role.INVESTIGATOR, Role.PHARMACIST, Role.ADMIN]
    if not has_role(request.user, *roles):
        raise PermissionDenied("Your role does not give access to orders.")
    participant = participant_for_user(request.user, pk, roles=roles)
    orders = Order.objects.filter(participant=participant).order_by("day", "drug")
    return Response([order_json(o) for o in orders])


@extend_schema(
    request=inline_serializer(
        "AssessmentInput",
        {
            "improvement": serializers.ChoiceField(choices=["complete", "gt25", "le25", "none"]),
            "labs_trend": serializers.ChoiceField(choices=["down", "flat", "up"]),
            "password": serializers.CharField(
                help_text="The investigator's password: the e-signature"
            ),
        },
    ),
    responses={
        201: inline_serializer(
            "AssessmentResult",
            {
                "number": serializers.IntegerField(),
                "study_day": serializers.IntegerField(),
                "result": serializers.CharField(),
                "signed_at": serializers.DateTimeField(),
                "signed_by": serializers.CharField(),
            },
        )
    },
    summary="Sign a dosing decision (password re-entry is the e-signature)",
)
@api_view(["POST"])
def participant_assessment(request: Request, pk: int) -> Response:
    if not has_role(request.user, Role.INVESTIGATOR):
        raise PermissionDenied("Only investigators sign dosing decisions.")
    participant = participant_for_user(request.user, pk, roles=[Role.INVESTIGATOR])
    data: Any = request.data
    if not isinstance(data, dict):
        return Response({"input": ["must be a JSON object"]}, status=status.HTTP_400_BAD_REQUEST)
    missing = {
        k: ["is required"] for k in ("improvement", "labs_trend", "password") if not data.get(k)
    }
    if missing:
        return Response(missing, status=status.HTTP_400_BAD_REQUEST)
    try:
        assessment = services.assessment_sign(
            participant=participant,
            user=request.user,
            password=str(data["password"]),
            improvement=str(data["improvement"]),
            labs_trend=str(data["labs_trend"]),
            request=request,
        )
    except ValidationError as exc:
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
    return Response(
        {
            "number": assessment.number,
            "study_day": assessment.study_day,
            "result": assessment.result,
            "signed_at": assessment.signed_at.isoformat(),
            "signed_by": assessment.printed_name,
        },
        status=status.HTTP_201_CREATED,
    )


# --- API parity: the course changes and the preview, the same services as the pages --
# Errors: the role first (403), then the site scope (404), then the input (400 naming the
# field; a service's ValidationError becomes the same 400 in dressdb.api).

COURSE_ROLES = [Role.INVESTIGATOR, Role.COORDINATOR]


def _course_participant(request: Request, pk: int) -> Any:
    if not has_role(request.user, *COURSE_ROLES):
        raise PermissionDenied("Only investigators and site coordinators change the course.")
    return participant_for_user(request.user, pk, roles=COURSE_ROLES)


def _course_json(participant: Any) -> dict[str, Any]:
    regimen = Regimen.objects.filter(participant=participant).first()
    return dict(CourseChangeSerializer({"participant": participant, "regimen": regimen}).data)


@extend_schema(
    request=RelapseInputSerializer,
    responses=with_errors({200: CourseChangeSerializer}),
    summary="Record a relapse while monitoring: retreatment orders follow (the relapse form)",
)
@api_view(["POST"])
def participant_relapse(request: Request, pk: int) -> Response:
    participant = _course_participant(request, pk)
    given = RelapseInputSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    if not Regimen.objects.filter(participant=participant).exists():
        # The service reads the regimen; before randomization there is none to relapse.
        return Response(
            {"relapse_on": ["The participant has no regimen (not randomized)."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    services.relapse_record(
        participant=participant,
        user=request.user,
        relapse_on=given.validated_data["relapse_on"],
        reason=given.validated_data["reason_for_change"],
    )
    return Response(_course_json(participant))


@extend_schema(
    request=NpoInputSerializer,
    responses=with_errors({200: CourseChangeSerializer}),
    summary="Set NPO on or off: future cyclosporine orders change route (the NPO form)",
)
@api_view(["PUT"])
def participant_npo(request: Request, pk: int) -> Response:
    participant = _course_participant(request, pk)
    given = NpoInputSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    updated = services.npo_set(
        participant=participant,
        user=request.user,
        npo=given.validated_data["npo"],
        reason=given.validated_data["reason_for_change"],
    )
    return Response(_course_json(updated))


@extend_schema(
    request=WeightInputSerializer,
    responses=with_errors({200: CourseChangeSerializer}),
    summary="Correct the baseline weight: future orders are recomputed (the weight form)",
)
@api_view(["PUT"])
def participant_weight(request: Request, pk: int) -> Response:
    participant = _course_participant(request, pk)
    given = WeightInputSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    updated = services.weight_correct(
        participant=participant,
        user=request.user,
        weight_kg=given.validated_data["weight_kg"],
        reason=given.validated_data["reason_for_change"],
    )
    return Response(_course_json(updated))


@extend_schema(
    request=PreviewInputSerializer,
    responses=with_errors({200: PreviewResultSerializer}),
    summary="The protocol preview for a hypothetical patient (CONTRACTS.md protocol_preview)",
)
@api_view(["POST"])
def protocol_preview(request: Request) -> Response:
    if not has_role(request.user, Role.INVESTIGATOR, Role.PHARMACIST):
        raise PermissionDenied("Only investigators and pharmacists use the protocol preview.")
    try:
        result = preview(request.data, dosing_settings())
    except ProtocolError as exc:
        return Response({exc.field: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(result)
