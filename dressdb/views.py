"""Core views: health probe. (The home page per role is the portal's.)"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache


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
