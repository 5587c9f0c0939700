"""Statistics for the endpoints-by-arm dashboard. Pure, no Django.

- `wilson_ci`: Wilson score interval for one proportion (Newcombe 1998a, method 3).
- `newcombe_diff_ci`: difference of two independent proportions, p1 - p2, with
  Newcombe's hybrid score interval (Newcombe 1998b, method 10), built from the two
  Wilson intervals.
- `median_iqr`: median and quartiles by linear interpolation between order statistics
  (Hyndman-Fan type 7: R's and NumPy's default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    successes: int
    n: int
    estimate: float | None  # None when n == 0
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Difference:
    estimate: float
    lower: float
    upper: float


def _check_counts(successes: int, n: int) -> None:
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")


def wilson_ci(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval; n must be >= 1."""
    _check_counts(successes, n)
    if n == 0:
        raise ValueError("n must be >= 1 for a confidence interval")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == n else min(1.0, centre + half)
    return lower, upper


def proportion(successes: int, n: int, z: float = Z_95) -> Proportion:
    """n/N with its Wilson interval; an empty group gives None, never a division error."""
    _check_counts(successes, n)
    if n == 0:
        return Proportion(successes, n, None, None, None)
    lower, upper = wilson_ci(successes, n, z)
    return Proportion(successes, n, successes / n, lower, upper)


def newcombe_diff_ci(x1: int, n1: int, x2: int, n2: int, z: float = Z_95) -> Difference:
    """p1 - p2 with Newcombe's hybrid score interval (method 10)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_ci(x1, n1, z)
    l2, u2 = wilson_ci(x2, n2, z)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Difference(d, max(-1.0, lower), min(1.0, upper))


def _quantile_type7(ordered: Sequence[float], q: float) -> float:
    position = (len(ordered) - 1) * q
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction


def median_iqr(values: Sequence[float]) -> tuple[float, float, float] | None:
    """(median, first quartile, third quartile), or None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return (
        _quantile_type7(ordered, 0.5),
        _quantile_type7(ordered, 0.25),
        _quantile_type7(ordered, 0.75),
    )
