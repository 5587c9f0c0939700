"""Statistics against published worked examples.

Wilson intervals: Newcombe RG, Two-sided confidence intervals for the single
proportion, Stat Med 1998;17:857-872, Table I (method 3, score without correction).
Differences: Newcombe RG, Interval estimation for the difference between independent
proportions, Stat Med 1998;17:873-890, Table II (method 10, hybrid score).
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.stats import median_iqr, newcombe_diff_ci, proportion, wilson_ci


@pytest.mark.parametrize(
    ("x", "n", "lower", "upper"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
        (0, 1, 0.0000, 0.7935),
        (1, 1, 0.2065, 1.0000),
    ],
)
def test_wilson_published_examples(x, n, lower, upper):
    lo, hi = wilson_ci(x, n)
    assert (round(lo, 4), round(hi, 4)) == (lower, upper)


@pytest.mark.parametrize(
    ("counts", "diff", "lower", "upper"),
    [
        ((56, 70, 48, 80), 0.2000, 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.6000, 0.1705, 0.8090),
        ((6, 7, 2, 7), 0.5714, 0.0582, 0.8062),
        ((5, 56, 0, 29), 0.0893, -0.0381, 0.1926),
        ((0, 10, 0, 20), 0.0000, -0.1611, 0.2775),
        ((0, 10, 0, 10), 0.0000, -0.2775, 0.2775),
        ((10, 10, 0, 20), 1.0000, 0.6791, 1.0000),
        ((10, 10, 0, 10), 1.0000, 0.6075, 1.0000),
    ],
)
def test_newcombe_method_10_published_examples(counts, diff, lower, upper):
    result = newcombe_diff_ci(*counts)
    assert (round(result.estimate, 4), round(result.lower, 4), round(result.upper, 4)) == (
        diff,
        lower,
        upper,
    )


def test_empty_group_has_no_interval():
    empty = proportion(0, 0)
    assert (empty.estimate, empty.lower, empty.upper) == (None, None, None)
    with pytest.raises(ValueError):
        wilson_ci(0, 0)


@pytest.mark.parametrize(("x", "n"), [(-1, 5), (6, 5), (1, -1)])
def test_bad_counts(x, n):
    with pytest.raises(ValueError):
        wilson_ci(x, n)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4], (2.5, 1.75, 3.25)),  # R: quantile(1:4) -> 1.75 2.5 3.25
        ([7], (7, 7, 7)),
        ([3, 1, 2], (2, 1.5, 2.5)),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], (5.5, 3.25, 7.75)),
    ],
)
def test_median_iqr_type_7(values, expected):
    assert median_iqr(values) == pytest.approx(expected)


def test_median_iqr_empty():
    assert median_iqr([]) is None


counts = st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@given(counts)
def test_wilson_contains_p_and_stays_in_0_1(xn):
    x, n = xn
    lo, hi = wilson_ci(x, n)
    assert 0 <= lo <= x / n <= hi <= 1


@given(counts, counts)
def test_newcombe_contains_difference_and_stays_in_range(a, b):
    result = newcombe_diff_ci(a[0], a[1], b[0], b[1])
    assert -1 <= result.lower <= result.estimate <= result.upper <= 1
    assert math.isclose(result.estimate, a[0] / a[1] - b[0] / b[1])
