"""RegiSCAR, table-driven against PROTOCOL.md section 1, plus properties."""

from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.regiscar import (
    Category,
    Organ,
    RegiscarAnswers,
    YesNoUnknown,
    item_points,
    points_eosinophilia,
    rash_suggestive_from_features,
    regiscar_category,
    regiscar_score,
)

Y, N, U = YesNoUnknown.YES, YesNoUnknown.NO, YesNoUnknown.UNKNOWN

# A baseline whose every item scores 0, so each row below changes one item only.
ZERO = RegiscarAnswers(
    fever=Y,
    lymph_nodes=N,
    atypical_lymphocytes=N,
    eosinophil_count=None,
    eosinophil_percent=None,
    leukocyte_count=None,
    rash_extent_over_50=N,
    rash_suggestive=U,
    biopsy=U,
    organs_involved=frozenset(),
    resolution_15_days=Y,
    other_causes_negative_tests=0,
    other_causes_positive_tests=0,
)


def test_baseline_scores_zero():
    assert regiscar_score(ZERO) == 0


ROWS = [
    # item, change, points
    ("fever no", {"fever": N}, -1),
    ("fever unknown", {"fever": U}, -1),
    ("fever yes", {"fever": Y}, 0),
    ("lymph nodes no", {"lymph_nodes": N}, 0),
    ("lymph nodes unknown", {"lymph_nodes": U}, 0),
    ("lymph nodes yes", {"lymph_nodes": Y}, 1),
    ("atypical lymphocytes no", {"atypical_lymphocytes": N}, 0),
    ("atypical lymphocytes unknown", {"atypical_lymphocytes": U}, 0),
    ("atypical lymphocytes yes", {"atypical_lymphocytes": Y}, 1),
    ("rash extent no", {"rash_extent_over_50": N}, 0),
    ("rash extent unknown", {"rash_extent_over_50": U}, 0),
    ("rash extent yes", {"rash_extent_over_50": Y}, 1),
    ("rash suggestive no", {"rash_suggestive": N}, -1),
    ("rash suggestive unknown", {"rash_suggestive": U}, 0),
    ("rash suggestive yes", {"rash_suggestive": Y}, 1),
    ("biopsy no", {"biopsy": N}, -1),
    ("biopsy unknown / not done", {"biopsy": U}, 0),
    ("biopsy yes", {"biopsy": Y}, 0),
    ("organs none", {"organs_involved": frozenset()}, 0),
    ("organs one", {"organs_involved": frozenset({Organ.LIVER})}, 1),
    ("organs two", {"organs_involved": frozenset({Organ.LIVER, Organ.KIDNEY})}, 2),
    ("organs six", {"organs_involved": frozenset(Organ)}, 2),
    ("resolution no", {"resolution_15_days": N}, -1),
    ("resolution unknown", {"resolution_15_days": U}, -1),
    ("resolution yes", {"resolution_15_days": Y}, 0),
    ("other causes 3 negative", {"other_causes_negative_tests": 3}, 1),
    ("other causes 2 negative", {"other_causes_negative_tests": 2}, 0),
    (
        "other causes 5 negative 1 positive",
        {"other_causes_negative_tests": 5, "other_causes_positive_tests": 1},
        0,
    ),
    ("eosinophils none", {"eosinophil_count": None}, 0),
    ("eosinophils 0.69", {"eosinophil_count": D("0.69")}, 0),
    ("eosinophils 0.7", {"eosinophil_count": D("0.7")}, 1),
    ("eosinophils 1.499", {"eosinophil_count": D("1.499")}, 1),
    ("eosinophils 1.5", {"eosinophil_count": D("1.5")}, 2),
]


@pytest.mark.parametrize(
    ("change", "points"), [(r[1], r[2]) for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_each_row_of_the_table(change, points):
    assert regiscar_score(replace(ZERO, **change)) == points


EOSINOPHILIA = [
    # count, percent, leukocytes, points
    ("percent 9.9 leukopenic", None, D("9.9"), D("3.9"), 0),
    ("percent 10 leukopenic", None, D("10"), D("3.9"), 1),
    ("percent 19.9 leukopenic", None, D("19.9"), D("3.9"), 1),
    ("percent 20 leukopenic", None, D("20"), D("3.9"), 2),
    ("percent 20 leukocytes 4.0 (path closed)", None, D("20"), D("4.0"), 0),
    ("percent 20 leukocytes 3.99", None, D("20"), D("3.99"), 2),
    ("percent 20 leukocytes unknown", None, D("20"), None, 0),
    ("higher path wins: count 0.8 vs percent 25", D("0.8"), D("25"), D("2.0"), 2),
    ("higher path wins: count 1.6 vs percent 12", D("1.6"), D("12"), D("2.0"), 2),
    ("count 0.7 and percent 12 leukopenic", D("0.7"), D("12"), D("2.0"), 1),
    ("nothing known", None, None, None, 0),
]


@pytest.mark.parametrize(
    ("count", "percent", "leukocytes", "points"),
    [r[1:] for r in EOSINOPHILIA],
    ids=[r[0] for r in EOSINOPHILIA],
)
def test_eosinophilia_paths(count, percent, leukocytes, points):
    assert points_eosinophilia(count, percent, leukocytes) == points


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (-4, Category.NO_CASE),
        (1, Category.NO_CASE),
        (2, Category.POSSIBLE),
        (3, Category.POSSIBLE),
        (4, Category.PROBABLE),
        (5, Category.PROBABLE),
        (6, Category.DEFINITE),
        (9, Category.DEFINITE),
    ],
)
def test_categories(score, category):
    assert regiscar_category(score) == category


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        ((Y, Y, N, N), Y),
        ((Y, Y, Y, Y), Y),
        ((Y, N, N, N), N),
        ((N, N, N, N), N),
        ((Y, U, N, N), U),
        ((U, U, N, N), U),
        ((U, N, N, N), N),
    ],
)
def test_rash_suggestive_from_features(features, expected):
    assert rash_suggestive_from_features(*features) == expected


def test_maximum_and_minimum():
    best = RegiscarAnswers(
        fever=Y,
        lymph_nodes=Y,
        atypical_lymphocytes=Y,
        eosinophil_count=D("2"),
        eosinophil_percent=None,
        leukocyte_count=None,
        rash_extent_over_50=Y,
        rash_suggestive=Y,
        biopsy=Y,
        organs_involved=frozenset({Organ.LIVER, Organ.LUNG}),
        resolution_15_days=Y,
        other_causes_negative_tests=3,
        other_causes_positive_tests=0,
    )
    worst = RegiscarAnswers(
        fever=N,
        lymph_nodes=N,
        atypical_lymphocytes=N,
        eosinophil_count=None,
        eosinophil_percent=None,
        leukocyte_count=None,
        rash_extent_over_50=N,
        rash_suggestive=N,
        biopsy=N,
        organs_involved=frozenset(),
        resolution_15_days=N,
        other_causes_negative_tests=0,
        other_causes_positive_tests=2,
    )
    assert regiscar_score(best) == 9
    assert regiscar_score(worst) == -4
    assert sum(item_points(best).values()) == 9


answers_strategy = st.builds(
    RegiscarAnswers,
    fever=st.sampled_from(YesNoUnknown),
    lymph_nodes=st.sampled_from(YesNoUnknown),
    atypical_lymphocytes=st.sampled_from(YesNoUnknown),
    eosinophil_count=st.none() | st.decimals(min_value=0, max_value=50, places=3),
    eosinophil_percent=st.none() | st.decimals(min_value=0, max_value=100, places=1),
    leukocyte_count=st.none() | st.decimals(min_value=0, max_value=500, places=2),
    rash_extent_over_50=st.sampled_from(YesNoUnknown),
    rash_suggestive=st.sampled_from(YesNoUnknown),
    biopsy=st.sampled_from(YesNoUnknown),
    organs_involved=st.frozensets(st.sampled_from(Organ)),
    resolution_15_days=st.sampled_from(YesNoUnknown),
    other_causes_negative_tests=st.integers(0, 20),
    other_causes_positive_tests=st.integers(0, 20),
)

YES_NO_ITEMS = [
    "fever",
    "lymph_nodes",
    "atypical_lymphocytes",
    "rash_extent_over_50",
    "rash_suggestive",
    "biopsy",
    "resolution_15_days",
]


@given(answers_strategy)
def test_score_stays_in_range(answers):
    assert -4 <= regiscar_score(answers) <= 9


@given(answers_strategy, st.sampled_from(YES_NO_ITEMS))
def test_yes_instead_of_no_never_lowers_the_score(answers, item):
    with_no = replace(answers, **{item: N})
    with_yes = replace(answers, **{item: Y})
    assert regiscar_score(with_yes) >= regiscar_score(with_no)


@given(answers_strategy, st.sampled_from(YES_NO_ITEMS))
def test_unknown_scores_between_no_and_yes(answers, item):
    scores = [regiscar_score(replace(answers, **{item: v})) for v in (N, U, Y)]
    assert scores[0] <= scores[1] <= scores[2]
