"""Core views: health probe, and the server-error page. (The home page per role is the
portal's.)"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

DATABASE_DOWN = (
    "The database is not reachable just now; nothing of this request was saved. "
    "Try again in a moment."
)

SERVER_ERROR = "Server error. It was logged; nothing was saved."


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A lost database connection (restart, failover, network) is a 503 that
    says nothing was saved and to retry (each write is one transaction: it rolled back);
    any other error is a 500. Under /api/ the answer is JSON. Called inside Django's
    exception handling, so sys.exc_info() is the error; renders without the database."""
    error = sys.exc_info()[1]
    api = request.path.startswith("/api/")
    if isinstance(error, OperationalError | InterfaceError):
        logger.warning(
            "event=database_unavailable path=%s error=%s", request.path, type(error).__name__
        )
        response: HttpResponse
        if api:
            response = JsonResponse({"detail": DATABASE_DOWN}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
    if api:
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return HttpResponseServerError(render_to_string("500.html"))


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and readiness: the database answers, and the broker is reachable."""
    checks: dict[str, str] = {}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, never crash the probe
        checks["database"] = f"error: {exc.__class__.__name__}"
        status = 503
    try:
        from dressdb.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {exc.__class__.__name__}"
        status = 503
    from dressdb.models import WorkerHeartbeat

    beat = WorkerHeartbeat.objects.filter(name="beat").values_list("last_seen", flat=True).first()
    checks["worker_last_seen"] = beat.isoformat() if beat else "never"
    return JsonResponse({"status": "ok" if status == 200 else "error", **checks}, status=status)
