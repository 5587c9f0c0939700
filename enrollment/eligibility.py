"""Eligibility: inclusion, exclusions and reason codes (PROTOCOL.md section 1). Pure.

The rules only. The `eligibility_check` JSON document (CONTRACTS.md) is parsed and
written by enrollment/screening_contract.py; the screening form builds a
`ScreeningInput` directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from enrollment.egfr import (
    CreatinineUnit,
    Sex,
    creatinine_mg_dl,
    egfr_ckd_epi_2021,
    renal_impairment,
    round_egfr,
)
from enrollment.labels import gettext_noop
from enrollment.regiscar import (
    Category,
    RegiscarAnswers,
    regiscar_category,
    regiscar_score,
)


class Reason(StrEnum):
    """Reason codes of PROTOCOL.md section 1."""

    AGE_UNDER_18 = "age_under_18"
    CYCLOSPORINE_ALLERGY = "cyclosporine_allergy"
    EGFR_BELOW_30 = "egfr_below_30"
    HEPATITIS_B = "hepatitis_b"
    HEPATITIS_C = "hepatitis_c"
    REGISCAR_BELOW_THRESHOLD = "regiscar_below_threshold"
    SEPSIS = "sepsis"
    STEROID_ALLERGY = "steroid_allergy"
    TUBERCULOSIS = "tuberculosis"


# What a page shows for each reason code (the CSV exports keep the code).
REASON_LABELS: Mapping[str, str] = {
    Reason.AGE_UNDER_18: gettext_noop("Age under 18"),
    Reason.CYCLOSPORINE_ALLERGY: gettext_noop("Documented cyclosporine allergy"),
    Reason.EGFR_BELOW_30: gettext_noop("eGFR below 30 (not on dialysis)"),
    Reason.HEPATITIS_B: gettext_noop("Active hepatitis B"),
    Reason.HEPATITIS_C: gettext_noop("Active hepatitis C"),
    Reason.REGISCAR_BELOW_THRESHOLD: gettext_noop("RegiSCAR score below the threshold"),
    Reason.SEPSIS: gettext_noop("Active sepsis"),
    Reason.STEROID_ALLERGY: gettext_noop("Documented steroid allergy"),
    Reason.TUBERCULOSIS: gettext_noop("Active tuberculosis"),
}


# The yes/no exclusions, each its own reason code (in the order of the form).
EXCLUSION_REASONS: tuple[Reason, ...] = (
    Reason.SEPSIS,
    Reason.HEPATITIS_B,
    Reason.HEPATITIS_C,
    Reason.TUBERCULOSIS,
    Reason.STEROID_ALLERGY,
    Reason.CYCLOSPORINE_ALLERGY,
)
EXCLUSION_FIELDS: tuple[str, ...] = tuple(r.value for r in EXCLUSION_REASONS)


@dataclass(frozen=True)
class EligibilitySettings:
    """The [reading] values of PROTOCOL.md, as settings with their defaults."""

    inclusion_min_score: int = 5
    renal_impairment_egfr_below: Decimal = Decimal("60")
    exclusion_egfr_below: Decimal = Decimal("30")
    min_age: int = 18


@dataclass(frozen=True)
class ScreeningInput:
    """One patient's screening answers. The creatinine is kept as entered, with its unit."""

    age: int
    sex: Sex
    weight_kg: Decimal
    creatinine: Decimal
    creatinine_unit: CreatinineUnit
    on_dialysis: bool
    regiscar: RegiscarAnswers
    exclusions: Mapping[str, bool]

    @property
    def creatinine_mg_dl(self) -> Decimal:
        return creatinine_mg_dl(self.creatinine, self.creatinine_unit)


@dataclass(frozen=True)
class EligibilityResult:
    regiscar_score: int
    regiscar_category: Category
    egfr: Decimal
    renal_impairment: bool
    eligible: bool
    reasons: tuple[str, ...]


def assess_eligibility(
    screening: ScreeningInput, settings: EligibilitySettings | None = None
) -> EligibilityResult:
    settings = settings or EligibilitySettings()
    score = regiscar_score(screening.regiscar)
    egfr = round_egfr(
        egfr_ckd_epi_2021(
            creatinine_mg_dl=screening.creatinine_mg_dl, age=screening.age, sex=screening.sex
        )
    )
    reasons: set[str] = set()
    if screening.age < settings.min_age:
        reasons.add(Reason.AGE_UNDER_18)
    if score < settings.inclusion_min_score:
        reasons.add(Reason.REGISCAR_BELOW_THRESHOLD)
    for name in EXCLUSION_FIELDS:
        if screening.exclusions.get(name, False):
            reasons.add(name)
    # eGFR < 30 excludes, unless the patient is on dialysis.
    if egfr < settings.exclusion_egfr_below and not screening.on_dialysis:
        reasons.add(Reason.EGFR_BELOW_30)
    ordered = tuple(sorted(str(r) for r in reasons))
    return EligibilityResult(
        regiscar_score=score,
        regiscar_category=regiscar_category(score),
        egfr=egfr,
        renal_impairment=renal_impairment(
            egfr, screening.on_dialysis, settings.renal_impairment_egfr_below
        ),
        eligible=not ordered,
        reasons=ordered,
    )
