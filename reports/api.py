"""JSON API of the reports app: CSV exports with the same options and permissions."""

from __future__ import annotations

import datetime as dt

from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from dressdb.access import has_role, sites_visible_to
from dressdb.api_schema import with_errors
from reports.export_views import EXPORT_ROLES, stream_csv, stream_odm
from reports.exports import DATASETS
from reports.services import parse_options


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: object, accepted_media_type: str | None = None, renderer_context: object = None
    ) -> bytes:
        # A CSV body is streamed by the view; what reaches a renderer is an error (403, 400,
        # 404, 401): JSON with its own content type, never a Python printout.
        response = renderer_context.get("response") if isinstance(renderer_context, dict) else None
        if response is not None:
            response["Content-Type"] = "application/json"
        if data is None:
            return b""
        return JSONRenderer().render(data)


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: ["must be an ISO date (YYYY-MM-DD)"]}) from None


OPTION_PARAMETERS = [
    OpenApiParameter("site", OpenApiTypes.STR, many=True, description="Site code(s)"),
    OpenApiParameter("start", OpenApiTypes.DATE),
    OpenApiParameter("end", OpenApiTypes.DATE),
    OpenApiParameter("deidentify", OpenApiTypes.BOOL),
]


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() in ("1", "true", "on", "yes")


def _options(request: Request) -> dict[str, object]:
    """The export options of the query string, within the user's sites (403 otherwise)."""
    if not has_role(request.user, *EXPORT_ROLES):
        raise PermissionDenied("Only statisticians and admins export data.")
    allowed = sites_visible_to(request.user, EXPORT_ROLES)
    codes = [c.upper() for c in request.query_params.getlist("site")]
    sites = list(allowed.filter(code__in=codes)) if codes else list(allowed)
    if codes and len(sites) != len(set(codes)):
        raise ValidationError({"site": ["unknown site code"]})
    start = _date(request.query_params.get("start"), "start")
    end = _date(request.query_params.get("end"), "end")
    return parse_options(
        [s.pk for s in sites], start, end, _flag(request, "deidentify"), _flag(request, "bom")
    )


@extend_schema(
    parameters=[
        OpenApiParameter("dataset", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(DATASETS)),
        *OPTION_PARAMETERS,
        OpenApiParameter("bom", OpenApiTypes.BOOL),
    ],
    responses={
        (200, "text/csv"): OpenApiTypes.STR,
        **{(code, "application/json"): answer for code, answer in with_errors({}).items()},
    },
    summary="Download a dataset as CSV (statistician/admin)",
)
@api_view(["GET"])
@renderer_classes([CSVRenderer, JSONRenderer])
def export_dataset(request: Request, dataset: str) -> HttpResponseBase:
    options = _options(request)
    if dataset not in DATASETS:
        raise NotFound("No such dataset.")
    return stream_csv(request.user, dataset, options, f"{dataset}.csv")


class XMLRenderer(CSVRenderer):
    media_type = "application/xml"
    format = "xml"


@extend_schema(
    parameters=[
        *OPTION_PARAMETERS,
        OpenApiParameter("audit", OpenApiTypes.BOOL, description="Add the audit dataset"),
    ],
    responses={
        (200, "application/xml"): OpenApiTypes.STR,
        **{(code, "application/json"): answer for code, answer in with_errors({}).items()},
    },
    summary="Download the clinical data as CDISC ODM 1.3.2 XML (statistician/admin)",
)
@api_view(["GET"])
@renderer_classes([XMLRenderer, JSONRenderer])
def export_odm(request: Request) -> HttpResponseBase:
    options = _options(request)
    return stream_odm(request.user, options, include_audit=_flag(request, "audit"))
