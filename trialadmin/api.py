"""JSON API of trial administration (issue 21): a person's training records.

The same services and scope as the pages (trialadmin.training_views): every role with a
site reads the people of its sites (404 otherwise); only an admin records a course (403).
The certificate is uploaded as multipart/form-data.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from dressdb.access import has_role
from dressdb.api import validated
from dressdb.api_schema import with_errors
from dressdb.models import Role, TrainingRecord
from trialadmin import training
from trialadmin.training_views import TRAINING_READ_ROLES


class TrainingRecordSerializer(serializers.ModelSerializer[TrainingRecord]):
    entered_by = serializers.CharField(source="entered_by.username", read_only=True)
    has_certificate = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRecord
        fields = ["id", "course", "completed_on", "valid_until", "has_certificate", "entered_by"]

    def get_has_certificate(self, obj: TrainingRecord) -> bool:
        return bool(obj.certificate)


class TrainingInputSerializer(serializers.Serializer[Any]):
    course = serializers.CharField(max_length=100)
    completed_on = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True)
    certificate = serializers.FileField(required=False, allow_null=True)


class TrainingListSerializer(serializers.Serializer[Any]):
    user = serializers.CharField()
    state = serializers.CharField(help_text="current, no duties, or what is lapsed/missing")
    records = TrainingRecordSerializer(many=True)


def _person(request: Request, pk: int) -> Any:
    if not has_role(request.user, *TRAINING_READ_ROLES):
        raise PermissionDenied("Your role does not read training records.")
    person = training.people_visible_to(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404("No such person at your sites.")
    return person


def _listing(person: Any) -> dict[str, Any]:
    state = training.training_states([person])[person.pk]
    return {
        "user": person.get_username(),
        "state": state.label,
        "records": TrainingRecordSerializer(training.training_of(person), many=True).data,
    }


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: TrainingListSerializer}, bad_input=False),
    summary="A person's training records and their state against the person's duties",
)
@extend_schema(
    methods=["POST"],
    request={"multipart/form-data": TrainingInputSerializer},
    responses=with_errors({201: TrainingRecordSerializer}),
    summary="Record a course a person completed (admins; certificate PDF/PNG/JPEG, 5 MB)",
)
@api_view(["GET", "POST"])
@parser_classes([MultiPartParser, FormParser])
def person_training(request: Request, pk: int) -> Response:
    person = _person(request, pk)
    if request.method == "GET":
        return Response(_listing(person))
    if not has_role(request.user, Role.ADMIN):
        raise PermissionDenied("Only an admin enters training records.")
    data = validated(request, TrainingInputSerializer)
    record = training.training_record_save(
        by=request.user,
        user=person,
        course=data["course"],
        completed_on=data["completed_on"],
        valid_until=data.get("valid_until"),
        certificate=data.get("certificate"),
    )
    return Response(TrainingRecordSerializer(record).data, status=status.HTTP_201_CREATED)
