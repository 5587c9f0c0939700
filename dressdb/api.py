"""API plumbing: errors as JSON that name the field, never a traceback."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dressdb.text_safety import first_unsafe_in_json


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """A service's ValidationError is a 400 naming each field (or `detail` when it names
    none); Django's PermissionDenied and Http404 are DRF's 403 and 404, as DRF maps them.
    So a view lets a service's refusal propagate instead of catching it."""
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class StrictJSONParser(JSONParser):
    """JSON whose strings and keys hold no NUL byte or lone surrogate: else a 400 naming
    the field (dressdb.text_safety, the same rule the middleware applies to forms)."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        data = super().parse(stream, media_type, parser_context)
        found = first_unsafe_in_json(data)
        if found is not None:
            field, problem = found
            raise exceptions.ValidationError({field: [problem]})
        return data


def json_object(request: Request) -> dict[str, Any]:
    """The request's body, which must be a JSON object: else a 400 naming `input`."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"input": ["must be a JSON object"]})
    return request.data


def validated(request: Request, serializer_class: Any, **kwargs: Any) -> dict[str, Any]:
    """The request's JSON object checked by `serializer_class` (keyword arguments go to
    it): its validated data, else a 400 naming each field."""
    serializer = serializer_class(data=json_object(request), **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
