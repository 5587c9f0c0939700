"""JSON API of the dosing app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from dosing import administration_selectors, services
from dosing.config import dosing_settings
from dosing.models import (
    ADMIN_STATUS_CHOICES,
    IMPROVEMENT_CHOICES,
    ROUTE_CHOICES,
    TREND_CHOICES,
    Order,
    Regimen,
)
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
from dressdb import signing
from dressdb.access import has_role
from dressdb.api import json_object, validated
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
            "improvement": serializers.ChoiceField(choices=IMPROVEMENT_CHOICES),
            "labs_trend": serializers.ChoiceField(choices=TREND_CHOICES),
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
    data = json_object(request)
    missing = {
        k: ["is required"] for k in ("improvement", "labs_trend", "password") if not data.get(k)
    }
    if missing:
        return Response(missing, status=status.HTTP_400_BAD_REQUEST)
    assessment = services.assessment_sign(
        participant=participant,
        user=request.user,
        password=str(data["password"]),
        improvement=str(data["improvement"]),
        labs_trend=str(data["labs_trend"]),
        request=request,
    )
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
    given = validated(request, RelapseInputSerializer)
    services.relapse_record(
        participant=participant,
        user=request.user,
        relapse_on=given["relapse_on"],
        reason=given["reason_for_change"],
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
    given = validated(request, NpoInputSerializer)
    updated = services.npo_set(
        participant=participant,
        user=request.user,
        npo=given["npo"],
        reason=given["reason_for_change"],
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
    given = validated(request, WeightInputSerializer)
    updated = services.weight_correct(
        participant=participant,
        user=request.user,
        weight_kg=given["weight_kg"],
        reason=given["reason_for_change"],
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


# --- Administrations and pharmacist verification (issue 19) ------------------------------

ADMIN_READ_ROLES = [Role.COORDINATOR, Role.INVESTIGATOR, Role.PHARMACIST, Role.ADMIN]
ADMIN_WRITE_ROLES = [Role.COORDINATOR, Role.INVESTIGATOR]


def _money(value: Any) -> float | None:
    return None if value is None else float(value)


def administrations_json(participant: Any, date: dt.date) -> dict[str, Any]:
    tz = participant.site.tz
    slots = administration_selectors.day_slots(participant, date)
    monitoring = administration_selectors.day_monitoring(participant, date)
    adherence = administration_selectors.participant_adherence(participant)
    rows = []
    for s in slots:
        r = s.record
        rows.append(
            {
                "order_id": s.order.pk,
                "number": s.number,
                "drug": s.order.drug,
                "ordered_dose_mg": float(s.order.dose_mg),
                "ordered_route": s.order.route,
                "scheduled_at": s.scheduled.isoformat(),
                "blocked": s.blocked,
                "status": r.status if r else None,
                "dose_mg": _money(r.dose_mg) if r else None,
                "route": r.route if r else "",
                "given_at": timezone.localtime(r.given_at, tz).isoformat()
                if r and r.given_at
                else None,
                "given_by": r.given_by if r else "",
                "reason": r.reason if r else "",
            }
        )
    return {
        "date": date.isoformat(),
        "zone": tz.key,
        "administrations": rows,
        "monitoring": (
            {f: _money(getattr(monitoring, f)) for f in services.MONITORING_FIELDS}
            if monitoring
            else None
        ),
        "adherence": {
            "doses_ordered": adherence.ordered,
            "doses_given": adherence.given,
            "drugs": [
                {"drug": d.drug, "planned_mg": float(d.planned_mg), "given_mg": float(d.given_mg)}
                for d in adherence.drugs
            ],
        },
    }


class AdministrationEntrySerializer(serializers.Serializer):
    order_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    number = serializers.IntegerField(min_value=1, max_value=24)
    status = serializers.ChoiceField(choices=ADMIN_STATUS_CHOICES)
    dose_mg = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    route = serializers.ChoiceField(choices=ROUTE_CHOICES, required=False, allow_blank=True)
    given_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="ISO 8601 with its offset"
    )
    given_by = serializers.CharField(required=False, allow_blank=True, max_length=150)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class MonitoringSerializer(serializers.Serializer):
    csa_trough_ng_ml = serializers.DecimalField(
        max_digits=6, decimal_places=1, required=False, allow_null=True, min_value=0
    )
    systolic_mmhg = serializers.IntegerField(
        required=False, allow_null=True, min_value=40, max_value=300
    )
    diastolic_mmhg = serializers.IntegerField(
        required=False, allow_null=True, min_value=20, max_value=200
    )
    creatinine_mg_dl = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, min_value=0
    )


class AdministrationDayInputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The site-local day of the orders")
    administrations = AdministrationEntrySerializer(many=True)
    monitoring = MonitoringSerializer(required=False)
    reason_for_change = serializers.CharField(required=False, allow_blank=True, max_length=500)


ADMIN_DAY = inline_serializer(
    "AdministrationDay",
    {
        "date": serializers.DateField(),
        "zone": serializers.CharField(),
        "administrations": inline_serializer(
            "AdministrationSlot",
            {
                "order_id": serializers.IntegerField(),
                "number": serializers.IntegerField(),
                "drug": serializers.CharField(),
                "ordered_dose_mg": serializers.FloatField(),
                "ordered_route": serializers.CharField(),
                "scheduled_at": serializers.DateTimeField(),
                "blocked": serializers.BooleanField(),
                "status": serializers.CharField(allow_null=True),
                "dose_mg": serializers.FloatField(allow_null=True),
                "route": serializers.CharField(),
                "given_at": serializers.DateTimeField(allow_null=True),
                "given_by": serializers.CharField(),
                "reason": serializers.CharField(),
            },
            many=True,
        ),
        "monitoring": serializers.DictField(allow_null=True),
        "adherence": serializers.DictField(),
    },
)


@extend_schema(
    methods=["GET"],
    parameters=[
        OpenApiParameter(
            "date", OpenApiTypes.DATE, description="The site-local day (default: the site's today)"
        )
    ],
    responses=with_errors({200: ADMIN_DAY}),
    summary="A day's ordered administrations and what was given (by date)",
)
@extend_schema(
    methods=["POST"],
    request=AdministrationDayInputSerializer,
    responses=with_errors({200: ADMIN_DAY}),
    summary="Record a day's administrations (given, held, refused, missed, given late)",
)
@api_view(["GET", "POST"])
def participant_administrations(request: Request, pk: int) -> Response:
    roles = ADMIN_READ_ROLES if request.method == "GET" else ADMIN_WRITE_ROLES
    if not has_role(request.user, *roles):
        raise PermissionDenied("Your role does not give access to administrations.")
    participant = participant_for_user(request.user, pk, roles=roles)
    if request.method == "GET":
        raw = request.query_params.get("date", "")
        today = timezone.localdate(timezone=participant.site.tz)
        try:
            date = dt.date.fromisoformat(raw) if raw else today
        except ValueError:
            return Response(
                {"date": ["Give the date as YYYY-MM-DD."]}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(administrations_json(participant, date))
    data = validated(request, AdministrationDayInputSerializer)
    services.administrations_record(
        participant=participant,
        user=request.user,
        date=data["date"],
        entries=[services.AdministrationInput(**e) for e in data["administrations"]],
        monitoring=services.MonitoringInput(**data.get("monitoring", {})),
        reason_for_change=data.get("reason_for_change", ""),
    )
    return Response(administrations_json(participant, data["date"]))


class VerifyInputSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    password = serializers.CharField(
        max_length=512,
        trim_whitespace=False,
        help_text="The pharmacist's password: the e-signature",
    )


@extend_schema(
    request=VerifyInputSerializer,
    responses=with_errors(
        {
            200: inline_serializer(
                "OrderVerified",
                {
                    "order_id": serializers.IntegerField(),
                    "verified_by": serializers.CharField(),
                    "verified_at": serializers.DateTimeField(),
                    "meaning": serializers.CharField(),
                },
            )
        }
    ),
    summary="Verify a flagged order for dispensing (pharmacist e-signature, password re-entry)",
)
@api_view(["POST"])
def participant_order_verify(request: Request, pk: int) -> Response:
    if not has_role(request.user, Role.PHARMACIST):
        raise PermissionDenied("Only pharmacists verify orders.")
    participant = participant_for_user(request.user, pk, roles=[Role.PHARMACIST])
    given = validated(request, VerifyInputSerializer)
    order = services.order_verify(
        participant=participant,
        user=request.user,
        order_id=given["order_id"],
        password=given["password"],
        request=request,
    )
    signature = signing.current_signature(order)
    return Response(
        {
            "order_id": order.pk,
            "verified_by": signature.printed_name if signature else "",
            "verified_at": signature.signed_at.isoformat() if signature else None,
            "meaning": signature.meaning if signature else "",
        }
    )
