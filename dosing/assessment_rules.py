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

from dosing.protocol import IMPROVEMENT_LABELS, LABS_TREND_LABELS, Improvement, LabsTrend

UPPER_NORMAL: Mapping[str, Decimal] = {
    "alt": Decimal("40"),
    "ast": Decimal("40"),
    "bilirubin": Decimal("1.2"),
    "creatinine": Decimal("1.2"),
    "eosinophils": Decimal("0.5"),
}
RISE_THRESHOLD = Decimal("0.10")
MARKER_NAMES: Mapping[str, str] = {
    "alt": "ALT",
    "ast": "AST",
    "bilirubin": "Bilirubin",
    "creatinine": "Creatinine",
    "eosinophils": "Eosinophils",
}


@dataclass(frozen=True)
class Suggestion:
    improvement: Improvement | None
    labs_trend: LabsTrend | None
    per_marker: Mapping[str, Decimal]  # improvement as a fraction, by marker
    notes: tuple[str, ...] = ()  # each marker in plain words (marker_note)

    @property
    def improvement_label(self) -> str:
        return IMPROVEMENT_LABELS[self.improvement] if self.improvement else ""

    @property
    def labs_trend_label(self) -> str:
        return LABS_TREND_LABELS[self.labs_trend] if self.labs_trend else ""


def _percent(value: Decimal) -> int:
    return int((abs(value) * 100).quantize(Decimal("1")))


def marker_note(name: str, today: Decimal, baseline: Decimal) -> str:
    """One marker against its baseline, in words a clinician reads at a glance:
    "ALT fell 75% of the way back to normal", "ALT rose 20% above baseline"."""
    label, uln = MARKER_NAMES.get(name, name), UPPER_NORMAL[name]
    if baseline <= uln:
        return f"{label} was within normal limits at baseline (not counted)."
    if today <= uln:
        return f"{label} is back to normal (at or below {uln})."
    if today > baseline:
        return f"{label} rose {_percent((today - baseline) / baseline)}% above baseline."
    if today == baseline:
        return f"{label} is unchanged since baseline."
    share = (baseline - today) / (baseline - uln)
    return f"{label} fell {_percent(share)}% of the way back to normal."


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
    notes = tuple(
        marker_note(name, now, base)
        for name in UPPER_NORMAL
        if (now := today.get(name)) is not None and (base := baseline.get(name)) is not None
    )
    return Suggestion(improvement, trend, per_marker, notes)
