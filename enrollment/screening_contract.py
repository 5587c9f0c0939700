"""The `eligibility_check` JSON contract (CONTRACTS.md): document in, document out. Pure.

`parse_screening_input` validates the document into the core's `ScreeningInput` (an
`InputError` names the offending field); `result_to_json` writes the output document.
`check_screening_input` applies the same plausible ranges to a `ScreeningInput` built
elsewhere (the screening form), with the same field names and messages. The rules
themselves live in enrollment/eligibility.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from enrollment.egfr import UMOL_PER_MG, CreatinineUnit, Sex
from enrollment.eligibility import (
    EXCLUSION_FIELDS,
    EligibilityResult,
    ScreeningInput,
)
from enrollment.regiscar import Organ, RegiscarAnswers, YesNoUnknown


class InputError(ValueError):
    """Bad input; `str()` is one line naming the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# --- Out ---------------------------------------------------------------------------


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


# --- In ----------------------------------------------------------------------------

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

# The contract's creatinine key for each unit.
CREATININE_FIELDS: Mapping[CreatinineUnit, str] = {
    CreatinineUnit.MG_DL: "creatinine_mg_dl",
    CreatinineUnit.UMOL_L: "creatinine_umol_l",
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


def _in_range(number: Decimal, field: str) -> Decimal:
    low, high = RANGES[field]
    if number < low or number > high:
        raise InputError(field, f"must be between {low.normalize():f} and {high.normalize():f}")
    return number


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
    return _in_range(number, field)


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
    organs = parse_organs(raw_organs, organs_field)
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


def parse_organs(raw_organs: list[Any], field: str = "regiscar.organs_involved") -> set[Organ]:
    """Distinct organ names (also used by the screening form for its checkboxes)."""
    organs: set[Organ] = set()
    for i, raw in enumerate(raw_organs):
        organ = _choice(raw, f"{field}[{i}]", Organ)
        if organ in organs:
            raise InputError(f"{field}[{i}]", f"{organ} is listed twice")
        organs.add(organ)
    return organs


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
    unit = CreatinineUnit.MG_DL if has_mg else CreatinineUnit.UMOL_L
    field = CREATININE_FIELDS[unit]
    creatinine = _number(obj[field], field)
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
        creatinine=creatinine,
        creatinine_unit=unit,
        on_dialysis=on_dialysis,
        regiscar=regiscar,
        exclusions=exclusions,
    )


def check_screening_input(screening: ScreeningInput) -> ScreeningInput:
    """The document's plausible ranges, applied to a typed input; raise InputError.

    Checked in the order `parse_screening_input` checks them, so the first problem
    reported is the one the document would report.
    """
    _in_range(Decimal(screening.age), "age")
    _in_range(screening.weight_kg, "weight_kg")
    _in_range(screening.creatinine, CREATININE_FIELDS[screening.creatinine_unit])
    r = screening.regiscar
    for item, value in (
        ("eosinophil_count", r.eosinophil_count),
        ("eosinophil_percent", r.eosinophil_percent),
        ("leukocyte_count", r.leukocyte_count),
    ):
        if value is not None:
            _in_range(value, f"regiscar.{item}")
    _in_range(Decimal(r.other_causes_negative_tests), "regiscar.other_causes.negative_tests")
    _in_range(Decimal(r.other_causes_positive_tests), "regiscar.other_causes.positive_tests")
    return screening
