from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from dressdb.access import sites_visible_to, user_roles
from dressdb.models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from enrollment.access import participants_visible_to

    roles = user_roles(request.user)
    participants = (
        participants_visible_to(request.user).select_related("site").order_by("-enrolled_at")[:20]
    )
    context: dict[str, object] = {
        "roles": roles,
        "is_coordinator": Role.COORDINATOR in roles,
        "is_investigator": Role.INVESTIGATOR in roles,
        "is_pharmacist": Role.PHARMACIST in roles,
        "is_statistician": Role.STATISTICIAN in roles,
        "is_admin": Role.ADMIN in roles,
        "sites": list(sites_visible_to(request.user)),
        "participants": list(participants),
    }
    from dosing import selectors as dosing_selectors
    from notifications import selectors as notifications_selectors
    from randomization import selectors as randomization_selectors

    context |= randomization_selectors.home_panel(user=request.user)
    context |= dosing_selectors.home_panel(user=request.user)
    context |= notifications_selectors.home_panel(user=request.user)
    return render(request, "home.html", context)


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
