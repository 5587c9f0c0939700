"""The API's one way to refuse (dressdb.api): a body that is not a JSON object, a
serializer's field errors, and a service's ValidationError or PermissionDenied all become
JSON answers naming the field (400) or the refusal (403), never a 500."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from dressdb.api import json_object, validated


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=20)


@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def _view(request: Request) -> Response:
    data = validated(request, ReasonInput)
    reason = data["reason"]
    if reason == "field":
        raise ValidationError({"reason_for_change": "A reason is required."})
    if reason == "plain":
        raise ValidationError("The database is locked.")
    if reason == "role":
        raise PermissionDenied("Only investigators sign.")
    return Response({"reason": reason, "object": sorted(json_object(request))})


def _post(body: object) -> Response:
    request = APIRequestFactory().post("/api/x/", json.dumps(body), content_type="application/json")
    return _view(request)


@pytest.mark.parametrize("body", [[1, 2], "text", 3, None])
def test_a_body_that_is_not_an_object_names_input(body):
    response = _post(body)
    assert response.status_code == 400
    assert response.data == {"input": ["must be a JSON object"]}


def test_field_errors_name_the_field():
    response = _post({"reason": "x" * 21})
    assert response.status_code == 400
    assert list(response.data) == ["reason"]
    response = _post({})
    assert response.status_code == 400
    assert "reason" in response.data


def test_a_services_field_error_is_a_400_naming_it():
    response = _post({"reason": "field"})
    assert response.status_code == 400
    assert response.data == {"reason_for_change": ["A reason is required."]}


def test_a_services_refusal_naming_no_field_is_a_400_with_detail():
    response = _post({"reason": "plain"})
    assert response.status_code == 400
    assert response.data == {"detail": ["The database is locked."]}


def test_a_services_permission_refusal_is_a_403_with_its_words():
    response = _post({"reason": "role"})
    assert response.status_code == 403
    assert response.data == {"detail": "Only investigators sign."}


def test_a_valid_body_passes():
    response = _post({"reason": "ok", "extra": 1})
    assert response.status_code == 200
    assert response.data == {"reason": "ok", "object": ["extra", "reason"]}
