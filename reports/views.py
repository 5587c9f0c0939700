from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format

from dressdb.access import dashboard_sites, has_role, require_role, site_ids_for
from dressdb.models import Role
from enrollment.status import STATE_BADGES, STATE_LABELS
from reports import analysis, selectors

DASHBOARD_ROLES = (Role.COORDINATOR, Role.INVESTIGATOR, Role.STATISTICIAN, Role.ADMIN)
ARM_LEVEL_ROLES = (Role.INVESTIGATOR, Role.STATISTICIAN, Role.ADMIN)
# Per-stratum, per-block or per-site allocation figures let a site guess the next arm
# near a block's end (issue 15): only statisticians and admins see them. Site staff see
# their own participants' arms and trial-level totals by arm at most.
ALLOCATION_DETAIL_ROLES = (Role.STATISTICIAN, Role.ADMIN)


def _scope(request: HttpRequest, *, by_arm: bool = False) -> dict[str, Any]:
    """The sites this user may see, narrowed by the ?site= filter.

    `by_arm`: the page splits figures by arm. Then site staff may narrow it only to
    their own sites (another site's figures by arm are per-stratum figures)."""
    sites = list(dashboard_sites(request.user).order_by("code"))
    allocation_detail = has_role(request.user, *ALLOCATION_DETAIL_ROLES)
    chosen = request.GET.get("site", "")
    if chosen:
        picked = [s for s in sites if str(s.pk) == chosen]
        if not picked:
            raise Http404("No such site.")
        if by_arm and not allocation_detail and picked[0].pk not in site_ids_for(request.user):
            raise PermissionDenied(
                "Figures by arm for another site are shown to statisticians and admins only."
            )
        active = picked
    else:
        active = sites
    return {
        "sites": sites,
        "chosen_site": chosen,
        "site_ids": [s.pk for s in active],
        "site_codes": [s.code for s in active],
        "today_by_site": {s.pk: timezone.localdate(timezone=s.tz) for s in active},
        "arm_level": has_role(request.user, *ARM_LEVEL_ROLES),
        "allocation_detail": allocation_detail,
    }


@require_role(*DASHBOARD_ROLES)
def dashboard_home(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    per_day, by_arm, screened = selectors.enrollment_counts(scope["site_ids"])
    states, screened_only = selectors.participant_states(scope["site_ids"])
    series = analysis.cumulative_from_counts(per_day)
    # Dates in the reader's language on the page (the series itself is ISO: CSV, JSON).
    days = [dt.date.fromisoformat(d) for d, _ in series]
    by_site = analysis.by_site_from_counts(by_arm, screened, scope["site_codes"])
    chart = {
        "cumulative": {
            "labels": [date_format(d, "SHORT_DATE_FORMAT") for d in days],
            "values": [n for _, n in series],
            "target": settings.TRIAL_TARGET_ENROLLMENT,
        },
        "by_site": {
            "labels": [r["site"] for r in by_site],
            "cyclosporine": [r["cyclosporine"] for r in by_site],
            "steroids": [r["steroids"] for r in by_site],
        }
        if scope["allocation_detail"]
        else {
            "labels": [r["site"] for r in by_site],
            "randomized": [r["randomized"] for r in by_site],
        },
    }
    if not scope["allocation_detail"]:
        for row in by_site:  # per-site arm counts are per-stratum figures: totals only
            row.pop("cyclosporine")
            row.pop("steroids")
    return render(
        request,
        "reports/enrollment.html",
        {
            **scope,
            "tab": "enrollment",
            "series": [(day, n) for day, (_, n) in zip(days, series, strict=True)],
            "by_site": by_site,
            "chart": chart,
            "randomized": sum(by_arm.values()),
            "arm_totals": {
                arm: sum(n for (_, a), n in by_arm.items() if a == arm) for arm in analysis.ARMS
            },
            "arm_labels": analysis.ARM_LABELS,
            "target": settings.TRIAL_TARGET_ENROLLMENT,
            "status_rows": [
                (STATE_LABELS[state], n, STATE_BADGES[state])
                for state, n in analysis.status_counts(states, screened_only)
            ],
        },
    )


@require_role(*DASHBOARD_ROLES)
def consort(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, by_arm=True)
    flow = analysis.consort(
        selectors.screening_rows(scope["site_ids"]), selectors.participant_rows(scope["site_ids"])
    )
    return render(
        request,
        "reports/consort.html",
        {**scope, "tab": "consort", "flow": flow, "arm_labels": analysis.ARM_LABELS},
    )


@require_role(*ALLOCATION_DETAIL_ROLES)
def balance(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    rows = analysis.balance(selectors.stratum_rows(scope["site_ids"]))
    return render(request, "reports/balance.html", {**scope, "tab": "balance", "rows": rows})


@require_role(*ARM_LEVEL_ROLES)
def endpoints(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, by_arm=True)
    result = analysis.endpoints_by_arm(selectors.participant_rows(scope["site_ids"]))
    chart = {
        "labels": [f"{r['endpoint']} {r['visit']}" for r in result["binary"]],
        "cyclosporine": [r["cyclosporine"]["pct"] for r in result["binary"]],
        "steroids": [r["steroids"]["pct"] for r in result["binary"]],
    }
    return render(
        request,
        "reports/endpoints.html",
        {**scope, "tab": "endpoints", "r": result, "chart": chart},
    )


@require_role(*DASHBOARD_ROLES)
def completeness(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    data = selectors.completeness(scope["site_ids"], scope["today_by_site"])
    return render(
        request, "reports/completeness.html", {**scope, "tab": "completeness", "data": data}
    )


@require_role(*ARM_LEVEL_ROLES)
def safety(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, by_arm=True)
    data = analysis.safety(selectors.participant_rows(scope["site_ids"]))
    return render(
        request,
        "reports/safety.html",
        {**scope, "tab": "safety", "data": data, "arm_labels": analysis.ARM_LABELS},
    )
