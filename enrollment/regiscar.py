"""RegiSCAR score for DRESS (Kardaun et al., Br J Dermatol 2007;156:609).

Pure rules, no Django. PROTOCOL.md section 1 is the authority:

| item                        | points                                               |
|-----------------------------|------------------------------------------------------|
| fever >= 38.5 C             | no/unknown -1; yes 0                                 |
| enlarged lymph nodes        | no/unknown 0; yes +1                                 |
| eosinophilia                | count 0.7-1.499 +1, >= 1.5 +2; or, only if           |
|                             | leukocytes < 4.0, percent 10-19.9 +1, >= 20 +2;      |
|                             | the higher of the two paths; none/unknown 0          |
| atypical lymphocytes        | no/unknown 0; yes +1                                 |
| rash extent > 50%           | no/unknown 0; yes +1                                 |
| rash suggesting DRESS       | no -1; unknown 0; yes +1                             |
| biopsy suggesting DRESS     | no -1; yes/unknown 0                                 |
| organ involvement           | none 0; one +1; two or more +2 (distinct organs)     |
| resolution >= 15 days       | no/unknown -1; yes 0                                 |
| other causes excluded       | +1 if none positive and >= 3 negative; else 0        |

Range -4..9. Category: < 2 no_case; 2-3 possible; 4-5 probable; >= 6 definite.
"unknown" is a real answer; a missing answer is an input error (see eligibility.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from enrollment.labels import gettext_noop

SCORE_MIN = -4
SCORE_MAX = 9


class YesNoUnknown(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Organ(StrEnum):
    LIVER = "liver"
    KIDNEY = "kidney"
    LUNG = "lung"
    HEART_MUSCLE = "heart_muscle"
    PANCREAS = "pancreas"
    OTHER = "other"


class Category(StrEnum):
    NO_CASE = "no_case"
    POSSIBLE = "possible"
    PROBABLE = "probable"
    DEFINITE = "definite"


CATEGORY_LABELS: Mapping[Category, str] = {
    Category.NO_CASE: gettext_noop("No case"),
    Category.POSSIBLE: gettext_noop("Possible"),
    Category.PROBABLE: gettext_noop("Probable"),
    Category.DEFINITE: gettext_noop("Definite"),
}
YES_NO_UNKNOWN_LABELS: Mapping[YesNoUnknown, str] = {
    YesNoUnknown.YES: gettext_noop("Yes"),
    YesNoUnknown.NO: gettext_noop("No"),
    YesNoUnknown.UNKNOWN: gettext_noop("Unknown"),
}
ORGAN_LABELS: Mapping[Organ, str] = {
    Organ.LIVER: gettext_noop("Liver"),
    Organ.KIDNEY: gettext_noop("Kidney"),
    Organ.LUNG: gettext_noop("Lung"),
    Organ.HEART_MUSCLE: gettext_noop("Muscle / heart"),
    Organ.PANCREAS: gettext_noop("Pancreas"),
    Organ.OTHER: gettext_noop("Other organ"),
}


# Cut-offs (x10^9/L and %), from the table above.
EOSINOPHIL_COUNT_LOW = Decimal("0.7")
EOSINOPHIL_COUNT_HIGH = Decimal("1.5")
EOSINOPHIL_PERCENT_LOW = Decimal("10")
EOSINOPHIL_PERCENT_HIGH = Decimal("20")
LEUKOPENIA_BELOW = Decimal("4.0")
OTHER_CAUSES_MIN_NEGATIVE = 3


@dataclass(frozen=True)
class RegiscarAnswers:
    fever: YesNoUnknown
    lymph_nodes: YesNoUnknown
    atypical_lymphocytes: YesNoUnknown
    eosinophil_count: Decimal | None
    eosinophil_percent: Decimal | None
    leukocyte_count: Decimal | None
    rash_extent_over_50: YesNoUnknown
    rash_suggestive: YesNoUnknown
    biopsy: YesNoUnknown
    organs_involved: frozenset[Organ]
    resolution_15_days: YesNoUnknown
    other_causes_negative_tests: int
    other_causes_positive_tests: int


def points_fever(answer: YesNoUnknown) -> int:
    return 0 if answer is YesNoUnknown.YES else -1


def points_lymph_nodes(answer: YesNoUnknown) -> int:
    return 1 if answer is YesNoUnknown.YES else 0


def _points_eosinophil_count(count: Decimal | None) -> int:
    if count is None:
        return 0
    if count >= EOSINOPHIL_COUNT_HIGH:
        return 2
    if count >= EOSINOPHIL_COUNT_LOW:
        return 1
    return 0


def _points_eosinophil_percent(percent: Decimal | None, leukocytes: Decimal | None) -> int:
    # The percent path counts only when leukocytes are known to be < 4.0 x10^9/L.
    if percent is None or leukocytes is None or leukocytes >= LEUKOPENIA_BELOW:
        return 0
    if percent >= EOSINOPHIL_PERCENT_HIGH:
        return 2
    if percent >= EOSINOPHIL_PERCENT_LOW:
        return 1
    return 0


def points_eosinophilia(
    count: Decimal | None, percent: Decimal | None, leukocytes: Decimal | None
) -> int:
    """The higher of the count path and the (leukopenic) percent path."""
    return max(_points_eosinophil_count(count), _points_eosinophil_percent(percent, leukocytes))


def points_atypical_lymphocytes(answer: YesNoUnknown) -> int:
    return 1 if answer is YesNoUnknown.YES else 0


def points_rash_extent(answer: YesNoUnknown) -> int:
    return 1 if answer is YesNoUnknown.YES else 0


def points_rash_suggestive(answer: YesNoUnknown) -> int:
    return {YesNoUnknown.YES: 1, YesNoUnknown.UNKNOWN: 0, YesNoUnknown.NO: -1}[answer]


def points_biopsy(answer: YesNoUnknown) -> int:
    return -1 if answer is YesNoUnknown.NO else 0


def points_organs(organs: frozenset[Organ]) -> int:
    return min(len(organs), 2)


def points_resolution(answer: YesNoUnknown) -> int:
    return 0 if answer is YesNoUnknown.YES else -1


def points_other_causes(negative_tests: int, positive_tests: int) -> int:
    excluded = positive_tests == 0 and negative_tests >= OTHER_CAUSES_MIN_NEGATIVE
    return 1 if excluded else 0


def rash_suggestive_from_features(
    facial_oedema: YesNoUnknown,
    infiltration: YesNoUnknown,
    purpura: YesNoUnknown,
    scaling: YesNoUnknown,
) -> YesNoUnknown:
    """ "Rash suggesting DRESS" means at least 2 of the 4 features.

    yes when >= 2 features are yes; no when even counting every unknown as yes there
    could not be 2; otherwise unknown.
    """
    features = (facial_oedema, infiltration, purpura, scaling)
    yes = sum(1 for f in features if f is YesNoUnknown.YES)
    unknown = sum(1 for f in features if f is YesNoUnknown.UNKNOWN)
    if yes >= 2:
        return YesNoUnknown.YES
    if yes + unknown < 2:
        return YesNoUnknown.NO
    return YesNoUnknown.UNKNOWN


def item_points(answers: RegiscarAnswers) -> dict[str, int]:
    """Each item's points, in table order (for forms that show them item by item)."""
    return {
        "fever": points_fever(answers.fever),
        "lymph_nodes": points_lymph_nodes(answers.lymph_nodes),
        "eosinophilia": points_eosinophilia(
            answers.eosinophil_count, answers.eosinophil_percent, answers.leukocyte_count
        ),
        "atypical_lymphocytes": points_atypical_lymphocytes(answers.atypical_lymphocytes),
        "rash_extent_over_50": points_rash_extent(answers.rash_extent_over_50),
        "rash_suggestive": points_rash_suggestive(answers.rash_suggestive),
        "biopsy": points_biopsy(answers.biopsy),
        "organs_involved": points_organs(answers.organs_involved),
        "resolution_15_days": points_resolution(answers.resolution_15_days),
        "other_causes": points_other_causes(
            answers.other_causes_negative_tests, answers.other_causes_positive_tests
        ),
    }


def regiscar_score(answers: RegiscarAnswers) -> int:
    return sum(item_points(answers).values())


def regiscar_category(score: int) -> Category:
    if score < 2:
        return Category.NO_CASE
    if score <= 3:
        return Category.POSSIBLE
    if score <= 5:
        return Category.PROBABLE
    return Category.DEFINITE
