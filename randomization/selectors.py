"""Reads of the randomization app.

Concealment: functions that return slots or lists are for statisticians/admins only
and their views check that role; the others return allocations that have happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from dressdb.access import has_role
from dressdb.grid import Cell, CellState, Column, cell_url
from dressdb.models import Role
from enrollment.access import participants_visible_to
from enrollment.models import Participant
from randomization.blocks import Arm, ListKind
from randomization.models import Allocation, AllocationList, Stratum

LIST_ROLES = (Role.STATISTICIAN, Role.ADMIN)


def allocated_arm(participant: Participant) -> str | None:
    allocation = Allocation.objects.filter(participant=participant).only("arm").first()
    return allocation.arm if allocation else None


def strata_with_counts(allocation_list: AllocationList) -> QuerySet[Stratum]:
    return (
        allocation_list.strata.select_related("site")
        .annotate(
            total=Count("slots"),
            used=Count("slots", filter=Q(slots__allocation__isnull=False)),
        )
        .order_by("key")
    )


def low_slot_warnings(allocation_list: AllocationList | None = None) -> list[dict[str, Any]]:
    """Strata of the active LIVE list with fewer unused slots than the setting."""
    alist = (
        allocation_list or AllocationList.objects.filter(kind=ListKind.LIVE, active=True).first()
    )
    if alist is None:
        return []
    limit = settings.TRIAL_MIN_UNUSED_SLOTS_WARNING
    warnings = []
    for stratum in strata_with_counts(alist):
        unused = stratum.total - stratum.used  # type: ignore[attr-defined]
        if unused < limit:
            warnings.append({"key": stratum.key, "site": stratum.site, "unused": unused})
    return warnings


def allocation_counts(user: Any) -> list[dict[str, Any]]:
    """Allocations done, per stratum and arm: counts only, never the future."""
    visible = participants_visible_to(user).values("pk")
    rows = (
        Allocation.objects.filter(participant__in=visible)
        .values("stratum_key", "arm")
        .annotate(n=Count("id"))
        .order_by("stratum_key", "arm")
    )
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["stratum_key"], {a.value: 0 for a in Arm})[row["arm"]] = row["n"]
    return [{"stratum": k, **v, "total": sum(v.values())} for k, v in sorted(table.items())]


def participant_panel(*, participant: Participant, user: Any) -> dict[str, object]:
    allocation = (
        Allocation.objects.filter(participant=participant).select_related("randomized_by").first()
    )
    return {
        "allocation": allocation,
        "can_randomize": allocation is None
        and participant.status == Participant.Status.ENROLLED
        and has_role(user, Role.COORDINATOR),
    }


def home_panel(*, user: Any) -> dict[str, object]:
    if not has_role(user, *LIST_ROLES):
        return {}
    return {
        "active_lists": list(AllocationList.objects.filter(active=True).order_by("kind")),
        "slot_warnings": low_slot_warnings(),
    }


# --- Record-status grid (portal/grid.py composes the apps' cells) -----------------------


def grid_columns() -> list[Column]:
    return [Column("randomization", gettext("Randomization"), gettext("Enrolment"))]


def grid_cells(participants: Sequence[Participant]) -> dict[int, dict[str, Cell]]:
    """The randomization cell, from the participant's milestones: no query."""
    cells: dict[int, dict[str, Cell]] = {}
    for p in participants:
        if p.randomized_on is not None:
            cell = Cell(
                CellState.COMPLETE,
                cell_url("randomization_result", p.pk),
                f"{p.randomized_on:%Y-%m-%d}",
            )
        elif p.status != "enrolled" or p.died_on is not None:
            cell = Cell(CellState.NOT_APPLICABLE, cell_url("participant_detail", p.pk))
        else:
            today = timezone.localdate(timezone=p.site.tz)
            cell = Cell(
                CellState.DUE,
                cell_url("randomize", p.pk),
                due=today,
                what="Randomization",
            )
        cells[p.pk] = {"randomization": cell}
    return cells
