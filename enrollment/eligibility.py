"""Eligibility: inclusion, exclusions and reason codes (PROTOCOL.md section 1). Pure.

Also the parser of the `eligibility_check` JSON document (CONTRACTS.md), used by the
command, the API and (through the same checks) the screening form.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from enrollment.egfr import (
    UMOL_PER_MG,
    Sex,
    creatinine_mg_dl_from_umol_l,
    egfr_ckd_epi_2021,
    renal_impairment,
    round_egfr,
)
from enrollment.regiscar import (
    Category,
    Organ,
    RegiscarAnswers,
    YesNoUnknown,
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


# The yes/no exclusions, each with its own reason code.
EXCLUSION_FIELDS: tuple[str, ...] = (
    "sepsis",
    "hepatitis_b",
    "hepatitis_c",
    "tuberculosis",
    "steroid_allergy",
    "cyclosporine_allergy",
)


@dataclass(frozen=True)
class EligibilitySettings:
    """The [reading] values of PROTOCOL.md, as settings with their defaults."""

    inclusion_min_score: int = 5
    renal_impairment_egfr_below: Decimal = Decimal("60")
    exclusion_egfr_below: Decimal = Decimal("30")
    min_age: int = 18


@dataclass(frozen=True)
class ScreeningInput:
    age: int
    sex: Sex
    weight_kg: Decimal
    creatinine_mg_dl: Decimal
    on_dialysis: bool
    regiscar: RegiscarAnswers
    exclusions: Mapping[str, bool]


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


def result_to_json(result: EligibilityResult) -> dict[str, Any]:
    """The CONTRACTS.md output document."""
    return {
        "regiscar_score": result.regiscar_score,
        "regiscar_category": str(result.regiscar_category),
        "egfr": float(result.egfr),
        "renal_impairment": result.renal_impairment,
        "eligible": result.eligible,
        "reasons": list(result.reasons),
    }


# --- Parsing the CONTRACTS.md input -----------------------------------------------


class InputError(ValueError):
    """Bad input; `str()` is one line naming the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# Plausible ranges: (low, high) inclusive.
RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "age": (Decimal(0), Decimal(120)),
    "weight_kg": (Decimal(25), Decimal(350)),
    "creatinine_mg_dl": (Decimal("0.1"), Decimal(20)),
    "creatinine_umol_l": (Decimal("0.1") * UMOL_PER_MG, Decimal(20) * UMOL_PER_MG),
    "regiscar.eosinophil_count": (Decimal(0), Decimal(50)),
    "regiscar.eosinophil_percent": (Decimal(0), Decimal(100)),
    "regiscar.leukocyte_count": (Decimal(0), Decimal(500)),
    "regiscar.other_causes.negative_tests": (Decimal(0), Decimal(20)),
    "regiscar.other_causes.positive_tests": (Decimal(0), Decimal(20)),
}

YES_NO_ITEMS = (
    "fever",
    "lymph_nodes",
    "atypical_lymphocytes",
    "rash_extent_over_50",
    "rash_suggestive",
    "biopsy",
    "resolution_15_days",
)


def _require_mapping(data: object, field: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise InputError(field, "must be a JSON object")
    return data


def _get(data: Mapping[str, Any], key: str, field: str) -> Any:
    if key not in data:
        raise InputError(field, "is required")
    return data[key]


def _number(value: Any, field: str, *, nullable: bool = False) -> Decimal | None:
    if value is None:
        if nullable:
            return None
        raise InputError(field, "must be a number, not null")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(field, "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(field, "must be a finite number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InputError(field, "must be a number") from None
    if not number.is_finite():
        raise InputError(field, "must be a finite number")
    low, high = RANGES[field]
    if number < low or number > high:
        raise InputError(field, f"must be between {low.normalize():f} and {high.normalize():f}")
    return number


def _integer(value: Any, field: str) -> int:
    number = _number(value, field)
    assert number is not None  # noqa: S101  (non-nullable above)
    if number != number.to_integral_value():
        raise InputError(field, "must be a whole number")
    return int(number)


def _boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(field, "must be true or false")
    return value


def _choice(value: Any, field: str, enum: type[StrEnum]) -> Any:
    allowed = [str(m) for m in enum]
    if not isinstance(value, str) or value not in allowed:
        raise InputError(field, "must be one of " + ", ".join(allowed))
    return enum(value)


def parse_regiscar(data: object, prefix: str = "regiscar") -> RegiscarAnswers:
    obj = _require_mapping(data, prefix)
    answers: dict[str, YesNoUnknown] = {}
    for item in YES_NO_ITEMS:
        field = f"{prefix}.{item}"
        answers[item] = _choice(_get(obj, item, field), field, YesNoUnknown)
    numbers: dict[str, Decimal | None] = {}
    for item in ("eosinophil_count", "eosinophil_percent", "leukocyte_count"):
        field = f"{prefix}.{item}"
        numbers[item] = _number(_get(obj, item, field), field, nullable=True)
    organs_field = f"{prefix}.organs_involved"
    raw_organs = _get(obj, "organs_involved", organs_field)
    if not isinstance(raw_organs, list):
        raise InputError(organs_field, "must be a list of organ names")
    organs: set[Organ] = set()
    for i, raw in enumerate(raw_organs):
        organ = _choice(raw, f"{organs_field}[{i}]", Organ)
        if organ in organs:
            raise InputError(f"{organs_field}[{i}]", f"{organ} is listed twice")
        organs.add(organ)
    causes_field = f"{prefix}.other_causes"
    causes = _require_mapping(_get(obj, "other_causes", causes_field), causes_field)
    negative = _integer(
        _get(causes, "negative_tests", f"{causes_field}.negative_tests"),
        f"{causes_field}.negative_tests",
    )
    positive = _integer(
        _get(causes, "positive_tests", f"{causes_field}.positive_tests"),
        f"{causes_field}.positive_tests",
    )
    return RegiscarAnswers(
        fever=answers["fever"],
        lymph_nodes=answers["lymph_nodes"],
        atypical_lymphocytes=answers["atypical_lymphocytes"],
        eosinophil_count=numbers["eosinophil_count"],
        eosinophil_percent=numbers["eosinophil_percent"],
        leukocyte_count=numbers["leukocyte_count"],
        rash_extent_over_50=answers["rash_extent_over_50"],
        rash_suggestive=answers["rash_suggestive"],
        biopsy=answers["biopsy"],
        organs_involved=frozenset(organs),
        resolution_15_days=answers["resolution_15_days"],
        other_causes_negative_tests=negative,
        other_causes_positive_tests=positive,
    )


def parse_screening_input(data: object) -> ScreeningInput:
    """Validate the CONTRACTS.md `eligibility_check` document; raise InputError."""
    obj = _require_mapping(data, "input")
    age = _integer(_get(obj, "age", "age"), "age")
    sex = _choice(_get(obj, "sex", "sex"), "sex", Sex)
    weight = _number(_get(obj, "weight_kg", "weight_kg"), "weight_kg")
    assert weight is not None  # noqa: S101
    has_mg = obj.get("creatinine_mg_dl") is not None
    has_umol = obj.get("creatinine_umol_l") is not None
    if has_mg and has_umol:
        raise InputError("creatinine_mg_dl", "give creatinine_mg_dl or creatinine_umol_l, not both")
    if not has_mg and not has_umol:
        raise InputError("creatinine_mg_dl", "is required (or creatinine_umol_l)")
    if has_mg:
        creatinine = _number(obj["creatinine_mg_dl"], "creatinine_mg_dl")
    else:
        umol = _number(obj["creatinine_umol_l"], "creatinine_umol_l")
        assert umol is not None  # noqa: S101
        creatinine = creatinine_mg_dl_from_umol_l(umol)
    assert creatinine is not None  # noqa: S101
    on_dialysis = _boolean(_get(obj, "on_dialysis", "on_dialysis"), "on_dialysis")
    regiscar = parse_regiscar(_get(obj, "regiscar", "regiscar"))
    excl_obj = _require_mapping(_get(obj, "exclusions", "exclusions"), "exclusions")
    exclusions = {
        name: _boolean(_get(excl_obj, name, f"exclusions.{name}"), f"exclusions.{name}")
        for name in EXCLUSION_FIELDS
    }
    unknown = sorted(set(excl_obj) - set(EXCLUSION_FIELDS))
    if unknown:
        raise InputError(f"exclusions.{unknown[0]}", "is not a known exclusion")
    return ScreeningInput(
        age=age,
        sex=sex,
        weight_kg=weight,
        creatinine_mg_dl=creatinine,
        on_dialysis=on_dialysis,
        regiscar=regiscar,
        exclusions=exclusions,
    )
