"""The error answers every JSON API route documents (dressdb.api makes them):

- 400: an object naming each offending field, with its messages;
- 403: a wrong role (`detail`);
- 404: an object outside the user's sites, or no such object (`detail`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

FIELD_ERRORS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Bad input: an object naming each offending field, with its messages "
    "(a list of strings); nothing is written.",
)
DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})


def with_errors(success: dict[int, Any], *, bad_input: bool = True) -> dict[int, Any]:
    """`success` plus the documented 400 (when the route reads a body), 403 and 404."""
    responses: dict[int, Any] = dict(success)
    if bad_input:
        responses[400] = FIELD_ERRORS
    responses[403] = OpenApiResponse(DETAIL, description="Your role may not do this.")
    responses[404] = OpenApiResponse(DETAIL, description="Not found, or not one of your sites.")
    return responses
