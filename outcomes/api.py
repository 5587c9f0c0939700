"""JSON API of the outcomes app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from dressdb import signing
from dressdb.access import has_role
from dressdb.api import json_object, validated
from dressdb.api_schema import with_errors
from dressdb.models import Role
from enrollment.access import participant_for_user
from outcomes import selectors, services
from outcomes.models import ENDPOINTS_BY_VISIT, MISSED_REASON_CHOICES, Visit
from outcomes.serializers import (
    HospitalCourseInputSerializer,
    HospitalCourseSerializer,
    UnlockInputSerializer,
)

READ_ROLES = [Role.COORDINATOR, Role.INVESTIGATOR, Role.ADMIN]


def visit_json(v: Visit, status_value: str) -> dict[str, Any]:
    endpoints: dict[str, Any] = {}
    for name in v.endpoint_names:
        value = getattr(v, name)
        endpoints[name] = float(value) if hasattr(value, "as_tuple") else value
    return {
        "id": v.pk,
        "visit": v.name,
        "study_day": v.study_day,
        "target_date": v.target_date.isoformat(),
        "window_opens": v.window_opens.isoformat(),
        "window_closes": v.window_closes.isoformat(),
        "status": status_value,
        "completed_on": v.completed_on.isoformat() if v.completed_on else None,
        "missed": v.missed,
        "missed_reason": v.missed_reason,
        "missed_reason_code": v.missed_reason_code,
        "missed_label": v.missed_label,
        "death_date": v.death_date.isoformat() if v.death_date else None,
        "locked": v.locked,
        "endpoints": endpoints,
    }


VISIT_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.IntegerField(),
    "visit": serializers.CharField(),
    "study_day": serializers.IntegerField(),
    "target_date": serializers.DateField(),
    "window_opens": serializers.DateField(),
    "window_closes": serializers.DateField(),
    "status": serializers.CharField(),
    "completed_on": serializers.DateField(allow_null=True),
    "missed": serializers.BooleanField(),
    "missed_reason": serializers.CharField(),
    "missed_reason_code": serializers.ChoiceField(choices=MISSED_REASON_CHOICES, allow_blank=True),
    "missed_label": serializers.CharField(),
    "death_date": serializers.DateField(allow_null=True),
    "locked": serializers.BooleanField(),
    "endpoints": serializers.DictField(),
}
VISIT = inline_serializer("Visit", VISIT_FIELDS)
VISIT_LIST = inline_serializer("Visit", VISIT_FIELDS, many=True)


def _status(participant: Any, visit: Visit) -> str:
    today = timezone.localdate(timezone=participant.site.tz)
    return selectors.visit_status(visit, today, *selectors.follow_up_ends(participant))


@extend_schema(
    responses={200: VISIT_LIST},
    summary="A participant's visits, with status and endpoints",
)
@api_view(["GET"])
def participant_visits(request: Request, pk: int) -> Response:
    if not has_role(request.user, *READ_ROLES):
        raise PermissionDenied("Your role does not give access to visits.")
    participant = participant_for_user(request.user, pk, roles=READ_ROLES)
    visits = Visit.objects.filter(participant=participant).order_by("study_day")
    return Response([visit_json(v, _status(participant, v)) for v in visits])


@extend_schema(
    request=inline_serializer(
        "VisitEndpointsInput",
        {
            "completed_on": serializers.DateField(),
            "endpoints": serializers.DictField(),
            "out_of_window_reason": serializers.CharField(required=False),
            "reason_for_change": serializers.CharField(required=False),
        },
    ),
    parameters=[
        OpenApiParameter(
            "visit", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(ENDPOINTS_BY_VISIT)
        )
    ],
    responses={200: VISIT},
    summary="Enter or correct a visit's endpoints (a reason is needed for a correction)",
)
@api_view(["PUT"])
def visit_endpoints(request: Request, pk: int, visit: str) -> Response:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied("Only site coordinators enter visits.")
    participant = participant_for_user(request.user, pk, roles=[Role.COORDINATOR])
    row = get_object_or_404(Visit, participant=participant, name=visit)
    data = json_object(request)
    try:
        completed_on = dt.date.fromisoformat(str(data.get("completed_on")))
    except ValueError:
        return Response(
            {"completed_on": ["must be an ISO date (YYYY-MM-DD)"]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    death_date = None
    if data.get("death_date") not in (None, ""):
        try:
            death_date = dt.date.fromisoformat(str(data.get("death_date")))
        except ValueError:
            return Response(
                {"death_date": ["must be an ISO date (YYYY-MM-DD)"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
    endpoints = data.get("endpoints")
    if not isinstance(endpoints, dict):
        return Response(
            {"endpoints": ["must be an object of endpoint values"]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    updated = services.visit_record(
        visit=row,
        user=request.user,
        completed_on=completed_on,
        endpoints=endpoints,
        out_of_window_reason=str(data.get("out_of_window_reason") or ""),
        reason=str(data.get("reason_for_change") or ""),
        death_date=death_date,
    )
    return Response(visit_json(updated, _status(participant, updated)))


@extend_schema(
    request=inline_serializer(
        "VisitMissedInput",
        {
            "reason_code": serializers.ChoiceField(choices=MISSED_REASON_CHOICES, required=False),
            "missed_reason": serializers.CharField(required=False),
        },
    ),
    parameters=[
        OpenApiParameter(
            "visit", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(ENDPOINTS_BY_VISIT)
        )
    ],
    responses={200: VISIT},
    summary="Record a visit as missed: after its window has closed (site date), or earlier "
    "with reason_code died, withdrew or unreachable (the last with a note)",
)
@api_view(["PUT"])
def visit_missed(request: Request, pk: int, visit: str) -> Response:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied("Only site coordinators enter visits.")
    participant = participant_for_user(request.user, pk, roles=[Role.COORDINATOR])
    row = get_object_or_404(Visit, participant=participant, name=visit)
    data = json_object(request)
    updated = services.visit_mark_missed(
        visit=row,
        user=request.user,
        reason=str(data.get("missed_reason") or ""),
        reason_code=str(data.get("reason_code") or ""),
    )
    return Response(visit_json(updated, _status(participant, updated)))


# --- API parity: the hospital course and the visit unlock, the same services as the pages
# Errors: the role first (403), then the site scope (404), then the input (400 naming the
# field; a service's ValidationError becomes the same 400 in dressdb.api).


@extend_schema(
    request=HospitalCourseInputSerializer,
    responses=with_errors({200: HospitalCourseSerializer}),
    summary="Enter or correct the hospital course (the whole form; a correction needs a "
    "reason for change)",
)
@api_view(["PUT"])
def participant_hospital_course(request: Request, pk: int) -> Response:
    roles = [Role.COORDINATOR, Role.INVESTIGATOR]
    if not has_role(request.user, *roles):
        raise PermissionDenied("Only site coordinators and investigators enter the course.")
    participant = participant_for_user(request.user, pk, roles=roles)
    given = validated(request, HospitalCourseInputSerializer)
    values = {name: given.get(name) for name in services.HOSPITAL_FIELDS}
    course = services.hospital_course_save(
        participant=participant,
        user=request.user,
        values=values,
        reason=given.get("reason_for_change") or "",
    )
    return Response(HospitalCourseSerializer(course).data)


@extend_schema(
    request=UnlockInputSerializer,
    parameters=[
        OpenApiParameter(
            "visit", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(ENDPOINTS_BY_VISIT)
        )
    ],
    responses=with_errors({200: VISIT}),
    summary="Unlock a signed-off visit (its signature is voided with the reason)",
)
@api_view(["POST"])
def visit_unlock(request: Request, pk: int, visit: str) -> Response:
    if not has_role(request.user, Role.INVESTIGATOR):
        raise PermissionDenied("Only investigators unlock visits.")
    participant = participant_for_user(request.user, pk, roles=[Role.INVESTIGATOR])
    row = get_object_or_404(Visit, participant=participant, name=visit)
    given = validated(request, UnlockInputSerializer)
    updated = services.visit_unlock(visit=row, user=request.user, reason=given["reason_for_change"])
    return Response(visit_json(updated, _status(participant, updated)))


@extend_schema(
    request=inline_serializer(
        "VisitSignOffInput",
        {
            "meaning": serializers.ChoiceField(choices=list(services.SIGN_OFF_MEANINGS)),
            "password": serializers.CharField(
                help_text="The investigator's password: the e-signature (checked last)"
            ),
        },
    ),
    parameters=[
        OpenApiParameter(
            "visit", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(ENDPOINTS_BY_VISIT)
        )
    ],
    responses={
        200: inline_serializer(
            "VisitSignOff",
            {
                "visit": VISIT,
                "signature": inline_serializer(
                    "Signature",
                    {
                        "printed_name": serializers.CharField(),
                        "signed_at": serializers.DateTimeField(),
                        "meaning": serializers.CharField(),
                    },
                ),
            },
        )
    },
    summary="Sign off a visit (Part 11: meaning + password re-entry; locks the visit)",
)
@api_view(["POST"])
def visit_sign_off(request: Request, pk: int, visit: str) -> Response:
    if not has_role(request.user, Role.INVESTIGATOR):
        raise PermissionDenied("Only investigators sign off visits.")
    participant = participant_for_user(request.user, pk, roles=[Role.INVESTIGATOR])
    row = get_object_or_404(Visit, participant=participant, name=visit)
    data = json_object(request)
    missing = {k: ["is required"] for k in ("meaning", "password") if not data.get(k)}
    if missing:
        return Response(missing, status=status.HTTP_400_BAD_REQUEST)
    signed = services.visit_sign_off(
        visit=row,
        user=request.user,
        password=str(data["password"]),
        meaning=str(data["meaning"]),
        request=request,
    )
    signature = signing.current_signature(signed)
    return Response(
        {
            "visit": visit_json(signed, _status(participant, signed)),
            "signature": {
                "printed_name": signature.printed_name if signature else "",
                "signed_at": signature.signed_at.isoformat() if signature else None,
                "meaning": signature.meaning if signature else "",
            },
        }
    )
