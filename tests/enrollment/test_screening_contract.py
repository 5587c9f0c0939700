"""The `eligibility_check` JSON contract: parsing the document, the output's shape, and
the same plausible ranges applied to a typed input (the screening form's path)."""

import dataclasses
from decimal import Decimal as D

import pytest

from enrollment.egfr import CreatinineUnit
from enrollment.screening_contract import (
    InputError,
    check_screening_input,
    parse_organs,
    parse_screening_input,
)
from tests.enrollment.test_eligibility import DELETE, EXAMPLE, check, doc


def test_output_has_exactly_the_contract_keys():
    assert set(check(EXAMPLE)) == {
        "regiscar_score",
        "regiscar_category",
        "egfr",
        "renal_impairment",
        "eligible",
        "reasons",
    }


def test_umol_input_equals_mg_input():
    by_umol = doc(creatinine_umol_l=97.24, creatinine_mg_dl=DELETE)
    assert check(by_umol)["egfr"] == check(EXAMPLE)["egfr"]


BAD = [
    ("fever", {"regiscar.fever": "maybe"}, "regiscar.fever"),
    ("missing fever", {"regiscar.fever": DELETE}, "regiscar.fever"),
    ("fever null", {"regiscar.fever": None}, "regiscar.fever"),
    ("missing age", {"age": DELETE}, "age"),
    ("negative age", {"age": -1}, "age"),
    ("absurd age", {"age": 200}, "age"),
    ("fractional age", {"age": 45.5}, "age"),
    ("age as bool", {"age": True}, "age"),
    ("sex", {"sex": "f"}, "sex"),
    ("weight 0", {"weight_kg": 0}, "weight_kg"),
    ("weight absurd", {"weight_kg": 2000}, "weight_kg"),
    ("weight text", {"weight_kg": "heavy"}, "weight_kg"),
    ("creatinine negative", {"creatinine_mg_dl": -1}, "creatinine_mg_dl"),
    ("creatinine absurd", {"creatinine_mg_dl": 90}, "creatinine_mg_dl"),
    ("no creatinine", {"creatinine_mg_dl": DELETE}, "creatinine_mg_dl"),
    ("both creatinines", {"creatinine_umol_l": 97}, "creatinine_mg_dl"),
    ("umol absurd", {"creatinine_mg_dl": DELETE, "creatinine_umol_l": 5}, "creatinine_umol_l"),
    ("dialysis text", {"on_dialysis": "no"}, "on_dialysis"),
    ("eosinophils negative", {"regiscar.eosinophil_count": -0.1}, "regiscar.eosinophil_count"),
    ("percent over 100", {"regiscar.eosinophil_percent": 101}, "regiscar.eosinophil_percent"),
    ("organ unknown", {"regiscar.organs_involved": ["spleen"]}, "regiscar.organs_involved[0]"),
    (
        "organ twice",
        {"regiscar.organs_involved": ["liver", "liver"]},
        "regiscar.organs_involved[1]",
    ),
    ("organs not a list", {"regiscar.organs_involved": "liver"}, "regiscar.organs_involved"),
    (
        "tests negative",
        {"regiscar.other_causes.negative_tests": -3},
        "regiscar.other_causes.negative_tests",
    ),
    ("missing exclusion", {"exclusions.sepsis": DELETE}, "exclusions.sepsis"),
    ("exclusion not bool", {"exclusions.sepsis": "no"}, "exclusions.sepsis"),
    ("unknown exclusion", {"exclusions.gout": True}, "exclusions.gout"),
    ("regiscar not object", {"regiscar": []}, "regiscar"),
]


@pytest.mark.parametrize(("changes", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_field(changes, field):
    with pytest.raises(InputError) as excinfo:
        parse_screening_input(doc(**changes))
    assert excinfo.value.field == field
    assert str(excinfo.value).startswith(field + ":")
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "NaN", "Infinity"])
def test_non_finite_numbers_are_refused(value):
    with pytest.raises(InputError):
        parse_screening_input(doc(weight_kg=value))


def test_not_an_object():
    with pytest.raises(InputError, match="input"):
        parse_screening_input([1, 2])


def test_umol_input_is_kept_as_entered_with_its_unit():
    parsed = parse_screening_input(doc(creatinine_umol_l=97.24, creatinine_mg_dl=DELETE))
    assert (parsed.creatinine, parsed.creatinine_unit) == (D("97.24"), CreatinineUnit.UMOL_L)
    assert parsed.creatinine_mg_dl == D("97.24") / D("88.4")
    mg = parse_screening_input(EXAMPLE)
    assert (mg.creatinine, mg.creatinine_unit, mg.creatinine_mg_dl) == (
        D("1.1"),
        CreatinineUnit.MG_DL,
        D("1.1"),
    )


# A typed input (as the screening form builds it) out of the document's ranges is
# refused with the field and message the document would get.
TYPED_OUT_OF_RANGE = [
    ("age", {"age": 121}, {"age": 121}),
    ("weight", {"weight_kg": D("24.9")}, {"weight_kg": 24.9}),
    ("mg/dL", {"creatinine": D("20.01")}, {"creatinine_mg_dl": 20.01}),
    (
        "umol/L",
        {"creatinine": D("8.8"), "creatinine_unit": CreatinineUnit.UMOL_L},
        {"creatinine_mg_dl": DELETE, "creatinine_umol_l": 8.8},
    ),
]


@pytest.mark.parametrize(
    ("typed_changes", "document_changes"),
    [t[1:] for t in TYPED_OUT_OF_RANGE],
    ids=[t[0] for t in TYPED_OUT_OF_RANGE],
)
def test_typed_input_gets_the_documents_ranges(typed_changes, document_changes):
    typed = dataclasses.replace(parse_screening_input(EXAMPLE), **typed_changes)
    with pytest.raises(InputError) as from_typed:
        check_screening_input(typed)
    with pytest.raises(InputError) as from_document:
        parse_screening_input(doc(**document_changes))
    assert from_typed.value.field == from_document.value.field
    assert str(from_typed.value) == str(from_document.value)


def test_typed_input_in_range_passes():
    typed = parse_screening_input(EXAMPLE)
    assert check_screening_input(typed) is typed


def test_organs_listed_twice_are_refused():
    assert parse_organs(["liver", "kidney"]) == {"liver", "kidney"}
    with pytest.raises(InputError) as excinfo:
        parse_organs(["liver", "liver"])
    assert str(excinfo.value) == "regiscar.organs_involved[1]: liver is listed twice"
