"""Eligibility: inclusion, exclusions and reason codes (the rules).

The JSON document's parsing and output shape: tests/enrollment/test_screening_contract.py.
"""

import copy
import json
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.eligibility import EligibilitySettings, assess_eligibility
from enrollment.screening_contract import parse_screening_input, result_to_json

# CONTRACTS.md's example input.
EXAMPLE: dict[str, Any] = {
    "age": 45,
    "sex": "female",
    "weight_kg": 70,
    "creatinine_mg_dl": 1.1,
    "on_dialysis": False,
    "regiscar": {
        "fever": "yes",
        "lymph_nodes": "no",
        "atypical_lymphocytes": "unknown",
        "eosinophil_count": 1.6,
        "eosinophil_percent": None,
        "leukocyte_count": 9.1,
        "rash_extent_over_50": "yes",
        "rash_suggestive": "yes",
        "biopsy": "unknown",
        "organs_involved": ["liver", "kidney"],
        "resolution_15_days": "unknown",
        "other_causes": {"negative_tests": 3, "positive_tests": 0},
    },
    "exclusions": {
        "sepsis": False,
        "hepatitis_b": False,
        "hepatitis_c": False,
        "tuberculosis": False,
        "steroid_allergy": False,
        "cyclosporine_allergy": False,
    },
}


def doc(**changes: Any) -> dict[str, Any]:
    """EXAMPLE with dotted-path changes, e.g. doc(**{"regiscar.fever": "no"})."""
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = data
        for p in parents:
            target = target[p]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return data


DELETE = object()


def check(data: dict[str, Any], settings: EligibilitySettings | None = None) -> dict[str, Any]:
    return result_to_json(assess_eligibility(parse_screening_input(data), settings))


def test_example_by_the_protocol_table():
    # By PROTOCOL.md's table the CONTRACTS example scores 0+0+0+2+1+1+0+2-1+1 = 6
    # (definite) and CKD-EPI 2021 gives 63.1 for a 45-year-old woman at 1.1 mg/dL.
    assert check(EXAMPLE) == {
        "regiscar_score": 6,
        "regiscar_category": "definite",
        "egfr": 63.1,
        "renal_impairment": False,
        "eligible": True,
        "reasons": [],
    }


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({"age": 18}, []),
        ({"age": 17}, ["age_under_18"]),
        # score 5 (eligible) vs 4 (below threshold): drop the other-causes point then one more
        (
            {
                "regiscar.atypical_lymphocytes": "yes",
                "regiscar.other_causes.negative_tests": 0,
                "regiscar.rash_extent_over_50": "no",
            },
            [],
        ),
        (
            {"regiscar.other_causes.negative_tests": 0, "regiscar.rash_extent_over_50": "no"},
            ["regiscar_below_threshold"],
        ),
        ({"exclusions.sepsis": True}, ["sepsis"]),
        ({"exclusions.hepatitis_b": True}, ["hepatitis_b"]),
        ({"exclusions.hepatitis_c": True}, ["hepatitis_c"]),
        ({"exclusions.tuberculosis": True}, ["tuberculosis"]),
        ({"exclusions.steroid_allergy": True}, ["steroid_allergy"]),
        ({"exclusions.cyclosporine_allergy": True}, ["cyclosporine_allergy"]),
        ({"exclusions.sepsis": True, "age": 16}, ["age_under_18", "sepsis"]),
    ],
    ids=[
        "age 18",
        "age 17",
        "score 5",
        "score 4",
        "sepsis",
        "hep B",
        "hep C",
        "TB",
        "steroid allergy",
        "CsA allergy",
        "two reasons sorted",
    ],
)
def test_reason_codes(changes, reasons):
    result = check(doc(**changes))
    assert result["reasons"] == reasons
    assert result["eligible"] is (reasons == [])


def test_score_cut_off_both_sides():
    five = check(
        doc(
            **{
                "regiscar.atypical_lymphocytes": "yes",
                "regiscar.other_causes.negative_tests": 0,
                "regiscar.rash_extent_over_50": "no",
            }
        )
    )
    four = check(
        doc(**{"regiscar.other_causes.negative_tests": 0, "regiscar.rash_extent_over_50": "no"})
    )
    assert (five["regiscar_score"], four["regiscar_score"]) == (5, 4)


# Male, 70 y: creatinine 2.5 gives 27.0; 2.3 gives about 29.8; 2.2 gives about 31.5.
@pytest.mark.parametrize(
    ("creatinine", "dialysis", "excluded", "renal"),
    [
        (2.5, False, True, True),
        (2.5, True, False, True),
        (2.2, False, False, True),
    ],
    ids=["eGFR 27 excluded", "eGFR 27 on dialysis: included", "eGFR 31.5 included"],
)
def test_egfr_30_and_dialysis_exception(creatinine, dialysis, excluded, renal):
    result = check(doc(age=70, sex="male", creatinine_mg_dl=creatinine, on_dialysis=dialysis))
    assert ("egfr_below_30" in result["reasons"]) is excluded
    assert result["renal_impairment"] is renal


def test_egfr_exactly_at_30_is_not_excluded():
    settings = EligibilitySettings(exclusion_egfr_below=D("27.0"))
    result = check(doc(age=70, sex="male", creatinine_mg_dl=2.5), settings)
    assert result["egfr"] == 27.0
    assert "egfr_below_30" not in result["reasons"]


def test_threshold_settings_are_used():
    strict = EligibilitySettings(inclusion_min_score=7)
    assert check(EXAMPLE, strict)["reasons"] == ["regiscar_below_threshold"]
    lenient_renal = EligibilitySettings(renal_impairment_egfr_below=D("70"))
    assert check(EXAMPLE, lenient_renal)["renal_impairment"] is True


exclusion_flags = st.fixed_dictionaries({k: st.booleans() for k in EXAMPLE["exclusions"]})


@given(
    age=st.integers(0, 120),
    creatinine=st.decimals(min_value=D("0.1"), max_value=D("20"), places=2),
    dialysis=st.booleans(),
    exclusions=exclusion_flags,
    fever=st.sampled_from(["yes", "no", "unknown"]),
)
def test_eligible_exactly_when_no_reasons_and_reasons_sorted(
    age, creatinine, dialysis, exclusions, fever
):
    data = doc(
        age=age,
        creatinine_mg_dl=float(creatinine),
        on_dialysis=dialysis,
        exclusions=exclusions,
        **{"regiscar.fever": fever},
    )
    result = check(data)
    assert result["eligible"] is (result["reasons"] == [])
    assert result["reasons"] == sorted(result["reasons"])
    assert len(set(result["reasons"])) == len(result["reasons"])
    for name, flagged in exclusions.items():
        assert (name in result["reasons"]) is flagged
    json.dumps(result)
