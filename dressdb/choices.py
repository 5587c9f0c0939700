"""Model and form choices built from the pure cores' enums (no Django here).

The vocabulary (arms, blocks, states...) is defined once, as enums in the cores; a model
field's `choices` is `choices(Arm, ARM_LABELS)`: the stored value is the enum's value,
the label comes from the core's label table, in the enum's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def choices(enum: Iterable[E], labels: Mapping[E, str]) -> list[tuple[str, str]]:
    return [(member.value, labels[member]) for member in enum]
