"""Reads of the enrollment app (site scope through dressdb.access and enrollment.access)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from dressdb.access import sites_visible_to
from dressdb.grid import Cell, CellState, Column, cell_url
from enrollment import deaths
from enrollment.access import participants_visible_to, screenings_visible_to
from enrollment.egfr import Sex, creatinine_mg_dl_from_umol_l, egfr_ckd_epi_2021, round_egfr
from enrollment.models import DeathEvidence, Participant, Screening
from enrollment.regiscar import (
    Organ,
    YesNoUnknown,
    points_atypical_lymphocytes,
    points_biopsy,
    points_eosinophilia,
    points_fever,
    points_lymph_nodes,
    points_organs,
    points_other_causes,
    points_rash_extent,
    points_rash_suggestive,
    points_resolution,
    rash_suggestive_from_features,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScreeningLogFilter(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(
        choices=Screening.Outcome.choices,
        label=gettext_lazy("Outcome"),
        empty_label=gettext_lazy("Any outcome"),
    )
    screened_from = django_filters.DateFilter(
        field_name="screened_on",
        lookup_expr="gte",
        label=gettext_lazy("Screened from"),
        widget=DATE,
    )
    screened_to = django_filters.DateFilter(
        field_name="screened_on",
        lookup_expr="lte",
        label=gettext_lazy("Screened to"),
        widget=DATE,
    )
    site = django_filters.ModelChoiceFilter(
        queryset=None, label=gettext_lazy("Site"), empty_label=gettext_lazy("All my sites")
    )

    class Meta:
        model = Screening
        fields = ["site", "outcome", "screened_from", "screened_to"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["site"].queryset = sites_visible_to(user)


def screening_log(user: Any, params: Any) -> tuple[ScreeningLogFilter, QuerySet[Screening]]:
    base = screenings_visible_to(user).select_related("site", "screener", "participant")
    log = ScreeningLogFilter(params, queryset=base, user=user)
    return log, log.qs


def outcome_counts(rows: QuerySet[Screening]) -> dict[str, int]:
    counts = {value: 0 for value, _ in Screening.Outcome.choices}
    for row in rows.order_by().values("outcome").annotate(n=Count("id")):
        counts[row["outcome"]] = row["n"]
    return counts


def _decimal(value: Any) -> Decimal | None:
    """A finite, non-negative number typed so far, or None (NaN, inf, text, negatives)."""
    try:
        number = Decimal(str(value).strip()) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None
    if number is None or not number.is_finite() or number < 0 or number > Decimal("1e9"):
        return None
    return number


def _answer(data: Any, name: str) -> YesNoUnknown | None:
    value = data.get(name)
    return YesNoUnknown(value) if value in ("yes", "no", "unknown") else None


def live_points(data: Any) -> dict[str, Any]:
    """Item points for whatever is answered so far (the live panel while typing)."""
    items: list[tuple[str, int | None]] = []

    def add(label: str, answer: YesNoUnknown | None, rule: Any) -> None:
        items.append((label, rule(answer) if answer is not None else None))

    add(gettext("Fever"), _answer(data, "fever"), points_fever)
    add(gettext("Lymph nodes"), _answer(data, "lymph_nodes"), points_lymph_nodes)
    items.append(
        (
            gettext("Eosinophilia"),
            points_eosinophilia(
                _decimal(data.get("eosinophil_count")),
                _decimal(data.get("eosinophil_percent")),
                _decimal(data.get("leukocyte_count")),
            ),
        )
    )
    add(
        gettext("Atypical lymphocytes"),
        _answer(data, "atypical_lymphocytes"),
        points_atypical_lymphocytes,
    )
    add(gettext("Rash > 50%"), _answer(data, "rash_extent_over_50"), points_rash_extent)
    features = [
        _answer(data, n)
        for n in ("rash_facial_oedema", "rash_infiltration", "rash_purpura", "rash_scaling")
    ]
    suggestive = (
        rash_suggestive_from_features(*features)  # type: ignore[arg-type]
        if all(f is not None for f in features)
        else None
    )
    add(gettext("Rash suggesting DRESS"), suggestive, points_rash_suggestive)
    add(gettext("Biopsy"), _answer(data, "biopsy"), points_biopsy)
    organs = frozenset(Organ(o) for o in data.getlist("organs_involved") if o in set(Organ))
    items.append((gettext("Organ involvement"), points_organs(organs)))
    add(gettext("Resolution >= 15 days"), _answer(data, "resolution_15_days"), points_resolution)
    try:
        negative = int(data.get("other_causes_negative_tests", ""))
        positive = int(data.get("other_causes_positive_tests", ""))
        if not (0 <= negative <= 100 and 0 <= positive <= 100):
            raise ValueError("out of range")
        items.append((gettext("Other causes excluded"), points_other_causes(negative, positive)))
    except ValueError:
        items.append((gettext("Other causes excluded"), None))
    answered = [p for _, p in items if p is not None]
    egfr = None
    creatinine = _decimal(data.get("creatinine"))
    try:
        age = int(data.get("age", ""))
        sex = Sex(data.get("sex"))
        if creatinine is not None and creatinine > 0 and 0 < age <= 130:
            mg = (
                creatinine
                if data.get("creatinine_unit") != "umol_l"
                else (creatinine_mg_dl_from_umol_l(creatinine))
            )
            egfr = round_egfr(egfr_ckd_epi_2021(creatinine_mg_dl=mg, age=age, sex=sex))
    except (ValueError, ArithmeticError):
        egfr = None
    return {
        "items": items,
        "partial_score": sum(answered),
        "complete": len(answered) == len(items),
        "suggestive": suggestive,
        "egfr": egfr,
    }


def home_panel(*, user: Any) -> dict[str, object]:
    """The home page's participant table: the 20 newest at the user's sites."""
    participants = (
        participants_visible_to(user).select_related("site").order_by("-enrolled_at")[:20]
    )
    return {"participants": list(participants)}


# --- Record-status grid (portal/grid.py composes the apps' cells) -----------------------


def grid_columns() -> list[Column]:
    return [
        Column("screening", gettext("Screening"), gettext("Enrolment")),
        Column("consent", gettext("Consent"), gettext("Enrolment")),
    ]


def grid_cells(participants: Sequence[Participant]) -> dict[int, dict[str, Cell]]:
    """Screening and consent cells; no query (participants come with their site)."""
    cells: dict[int, dict[str, Cell]] = {}
    for p in participants:
        detail = cell_url("participant_detail", p.pk)
        screening = (
            Cell(CellState.COMPLETE, cell_url("screening_detail", p.screening_id))
            if p.screening_id
            else Cell(CellState.NOT_APPLICABLE, detail, "enrolled without a screening record")
        )
        consent_day = timezone.localtime(p.consent_at, p.site.tz).date()
        cells[p.pk] = {
            "screening": screening,
            "consent": Cell(CellState.COMPLETE, detail + "#consent", f"{consent_day:%Y-%m-%d}"),
        }
    return cells


# --- Death evidence (issue 17) ---------------------------------------------------------


def death_evidence_of(participant_ids: Sequence[int]) -> dict[int, list[deaths.Evidence]]:
    """Every live piece of vital-status evidence of these participants (retracted items
    left out), by participant: one query, whatever the number of participants."""
    found: dict[int, list[deaths.Evidence]] = {pk: [] for pk in participant_ids}
    rows = DeathEvidence.objects.filter(
        participant_id__in=list(participant_ids), on__isnull=False
    ).order_by("participant_id", "on", "source", "id")
    for row in rows:
        if row.evidence is not None:
            found.setdefault(row.participant_id, []).append(row.evidence)
    return found


def death_record(participant: Participant) -> deaths.DeathRecord:
    """The participant's one date of death (or the discrepancy), reconciled from every
    source's stored evidence (enrollment.deaths.reconcile): one query."""
    return deaths.reconcile(death_evidence_of([participant.pk])[participant.pk])
