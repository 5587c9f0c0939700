"""Model and form choices built from the pure cores' enums (which import no Django).

The vocabulary (arms, blocks, states...) is defined once, as enums in the cores; a model
field's `choices` is `choices(Arm, ARM_LABELS)`: the stored value is the enum's value,
the label comes from the core's label table, in the enum's order, translated lazily into
the reader's language (the cores mark their labels with `enrollment.labels.gettext_noop`,
so `makemessages` puts them in the catalogue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

E = TypeVar("E", bound=StrEnum)


def choices(enum: Iterable[E], labels: Mapping[E, str]) -> list[tuple[str, str | Promise]]:
    return [(member.value, gettext_lazy(labels[member])) for member in enum]
