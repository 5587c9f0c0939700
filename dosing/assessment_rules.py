"""Suggested answers for the assessment form, from organ labs. Pure, no Django.

The investigator chooses the answers; these are only suggestions, shown beside them.

- Each lab with a baseline and a value today is an organ marker (ALT, AST and
  bilirubin for the liver, creatinine for the kidney, eosinophils systemically).
- Improvement of a marker = (baseline - today) / (baseline - upper normal limit),
  i.e. the share of the abnormal excess that has gone; a baseline already within
  normal limits is not counted.
- improvement: `complete` when every counted marker is back within normal limits;
  `gt25` when every counted marker improved by more than 25%; `none` when none
  improved at all; otherwise `le25`.
- labs_trend against the previous assessment (or baseline): `up` when any marker rose
  by more than 10%, `down` when all fell, else `flat`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from dosing.protocol import Improvement, LabsTrend

UPPER_NORMAL: Mapping[str, Decimal] = {
    "alt": Decimal("40"),
    "ast": Decimal("40"),
    "bilirubin": Decimal("1.2"),
    "creatinine": Decimal("1.2"),
    "eosinophils": Decimal("0.5"),
}
RISE_THRESHOLD = Decimal("0.10")


@dataclass(frozen=True)
class Suggestion:
    improvement: Improvement | None
    labs_trend: LabsTrend | None
    per_marker: Mapping[str, Decimal]  # improvement as a fraction, by marker


def suggest(
    today: Mapping[str, Decimal | None],
    baseline: Mapping[str, Decimal | None],
    previous: Mapping[str, Decimal | None] | None = None,
) -> Suggestion:
    per_marker: dict[str, Decimal] = {}
    within_normal: list[bool] = []
    for name, uln in UPPER_NORMAL.items():
        now, base = today.get(name), baseline.get(name)
        if now is None or base is None or base <= uln:
            continue
        per_marker[name] = (base - now) / (base - uln)
        within_normal.append(now <= uln)
    improvement: Improvement | None = None
    if per_marker:
        values = list(per_marker.values())
        if all(within_normal):
            improvement = Improvement.COMPLETE
        elif all(v > Decimal("0.25") for v in values):
            improvement = Improvement.GT25
        elif all(v <= 0 for v in values):
            improvement = Improvement.NONE
        else:
            improvement = Improvement.LE25
    reference = previous or baseline
    changes = []
    for name in UPPER_NORMAL:
        now, before = today.get(name), reference.get(name)
        if now is None or before is None or before == 0:
            continue
        changes.append((now - before) / before)
    trend: LabsTrend | None = None
    if changes:
        if any(c > RISE_THRESHOLD for c in changes):
            trend = LabsTrend.UP
        elif all(c < 0 for c in changes):
            trend = LabsTrend.DOWN
        else:
            trend = LabsTrend.FLAT
    return Suggestion(improvement, trend, per_marker)
