"""The trial's two arms: the one definition (pure, no Django).

It sits on the enrollment floor because the participant carries its arm (randomized and
current) and its derived status names it; randomization allocates it and dosing treats
it (dosing.protocol re-exports it). Stored values are the enum values.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from enrollment.labels import gettext_noop


class Arm(StrEnum):
    CYCLOSPORINE = "cyclosporine"
    STEROIDS = "steroids"


ARM_LABELS: Mapping[Arm, str] = {
    Arm.CYCLOSPORINE: gettext_noop("Cyclosporine"),
    Arm.STEROIDS: gettext_noop("Corticosteroids"),
}


def arm_label(value: str) -> str:
    """The human label of a stored arm value ("" or an unknown value comes back as is)."""
    try:
        return ARM_LABELS[Arm(value)]
    except ValueError:
        return value
