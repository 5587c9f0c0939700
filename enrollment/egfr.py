"""eGFR by CKD-EPI 2021 (race-free), mL/min/1.73m2. Pure, no Django.

eGFR = 142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x 0.9938^age x (1.012 if female)
k = 0.7 female / 0.9 male; a = -0.241 female / -0.302 male; Scr in mg/dL.
Check values (PROTOCOL.md): Scr 1.0, 50 y, F -> 68.6; M -> 91.7; Scr 2.5, 70 y, M -> 27.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from enrollment.labels import gettext_noop

UMOL_PER_MG = Decimal("88.4")
DEFAULT_RENAL_IMPAIRMENT_BELOW = Decimal("60")


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class CreatinineUnit(StrEnum):
    MG_DL = "mg_dl"
    UMOL_L = "umol_l"


SEX_LABELS: Mapping[Sex, str] = {Sex.FEMALE: gettext_noop("Female"), Sex.MALE: gettext_noop("Male")}
CREATININE_UNIT_LABELS: Mapping[CreatinineUnit, str] = {
    CreatinineUnit.MG_DL: gettext_noop("mg/dL"),
    CreatinineUnit.UMOL_L: gettext_noop("µmol/L"),
}


def creatinine_mg_dl_from_umol_l(umol_l: Decimal) -> Decimal:
    return umol_l / UMOL_PER_MG


def creatinine_mg_dl(value: Decimal, unit: CreatinineUnit) -> Decimal:
    """A creatinine as entered, in mg/dL (the unit of the equation)."""
    return value if unit is CreatinineUnit.MG_DL else creatinine_mg_dl_from_umol_l(value)


def egfr_ckd_epi_2021(*, creatinine_mg_dl: Decimal, age: int, sex: Sex) -> float:
    """Unrounded eGFR; creatinine must be > 0."""
    if creatinine_mg_dl <= 0:
        raise ValueError("creatinine must be > 0")
    female = sex is Sex.FEMALE
    k = 0.7 if female else 0.9
    a = -0.241 if female else -0.302
    ratio = float(creatinine_mg_dl) / k
    value: float = 142.0 * min(ratio, 1.0) ** a * max(ratio, 1.0) ** -1.200 * 0.9938**age
    if female:
        value *= 1.012
    return value


def round_egfr(value: float) -> Decimal:
    """One decimal, half-up (the value shown, stored and compared)."""
    return Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def renal_impairment(
    egfr: Decimal, on_dialysis: bool, threshold: Decimal = DEFAULT_RENAL_IMPAIRMENT_BELOW
) -> bool:
    """Renal impairment [reading]: eGFR < threshold (default 60) or on dialysis."""
    return on_dialysis or egfr < threshold
