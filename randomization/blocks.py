"""Stratified permuted blocks, 1:1 (PROTOCOL.md section 2). Pure, no Django.

Each stratum gets its own sequence of blocks. A block of size n holds n/2 of each arm
in random order; block sizes are drawn at random from the setting (default {2, 4, 6}).

Reproducibility: the seed comes from `secrets` (so nobody can predict it) and is
recorded with the list; the same seed, stratum and block sizes regenerate the same
sequence. The generator is `random.Random(f"{seed}:{stratum}")`: the stdlib PRNG is
acceptable here because the secrecy lies in the secret 128-bit seed, not in the
generator, and a seeded deterministic generator is what makes the list auditable.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from dosing.protocol import Arm as Arm  # the one arm vocabulary (re-exported here)
from enrollment.labels import gettext_noop

DEFAULT_BLOCK_SIZES: tuple[int, ...] = (2, 4, 6)
DEFAULT_STRATA_FACTORS: tuple[str, ...] = ("site", "renal_impairment")


class ListKind(StrEnum):
    """A TEST list trains staff and is never used for real participants."""

    TEST = "test"
    LIVE = "live"


LIST_KIND_LABELS: Mapping[ListKind, str] = {
    ListKind.TEST: gettext_noop("TEST (training, never for real participants)"),
    ListKind.LIVE: gettext_noop("LIVE"),
}


@dataclass(frozen=True)
class RandomizationSettings:
    """The [reading] values of PROTOCOL.md section 2, as settings with their defaults."""

    block_sizes: tuple[int, ...] = DEFAULT_BLOCK_SIZES
    strata_factors: tuple[str, ...] = DEFAULT_STRATA_FACTORS

    @property
    def factors_besides_site(self) -> list[str]:
        """Every stratum is within a site; these are the other factors."""
        return [f for f in self.strata_factors if f != "site"]


@dataclass(frozen=True)
class Slot:
    position: int  # 1-based, in allocation order within the stratum
    block_number: int  # 1-based
    block_size: int
    arm: Arm


def new_seed() -> str:
    return secrets.token_hex(16)


def validate_block_sizes(block_sizes: Sequence[int]) -> tuple[int, ...]:
    sizes = tuple(block_sizes)
    if not sizes:
        raise ValueError("block_sizes: give at least one block size")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size < 2 or size % 2:
            raise ValueError(f"block_sizes: {size!r} is not an even size >= 2")
    return tuple(sorted(set(sizes)))


def _blocks(seed: str, stratum: str, sizes: tuple[int, ...]) -> Iterator[tuple[int, list[Arm]]]:
    """The stratum's endless sequence of (block size, arms in order)."""
    rng = random.Random(f"{seed}:{stratum}")  # noqa: S311  (see module docstring)
    while True:
        size = rng.choice(sizes)
        arms = [Arm.CYCLOSPORINE] * (size // 2) + [Arm.STEROIDS] * (size // 2)
        rng.shuffle(arms)
        yield size, arms


def generate_blocks(
    *, seed: str, stratum: str, blocks: int, block_sizes: Sequence[int] = DEFAULT_BLOCK_SIZES
) -> list[Slot]:
    """The first `blocks` whole blocks of the stratum's sequence."""
    sizes = validate_block_sizes(block_sizes)
    if blocks < 1:
        raise ValueError("blocks: must be >= 1")
    slots: list[Slot] = []
    for number, (size, arms) in enumerate(_blocks(seed, stratum, sizes), start=1):
        if number > blocks:
            break
        first = len(slots) + 1
        slots.extend(Slot(first + i, number, size, arm) for i, arm in enumerate(arms))
    return slots


def generate_sequence(
    *, seed: str, stratum: str, length: int, block_sizes: Sequence[int] = DEFAULT_BLOCK_SIZES
) -> list[Slot]:
    """Whole blocks until there are at least `length` slots: never ends mid-block.

    The result may be longer than `length` (by less than the largest block), so that
    every block in the list is balanced. It is a prefix of any longer sequence with the
    same seed, stratum and sizes, so appending slots later continues the same list.
    """
    sizes = validate_block_sizes(block_sizes)
    if length < 1:
        raise ValueError("length: must be >= 1")
    slots: list[Slot] = []
    for number, (size, arms) in enumerate(_blocks(seed, stratum, sizes), start=1):
        if len(slots) >= length:
            break
        first = len(slots) + 1
        slots.extend(Slot(first + i, number, size, arm) for i, arm in enumerate(arms))
    return slots


def stratum_key(site_code: str, factors: Mapping[str, str]) -> str:
    """A stable, readable key, e.g. "USC|renal_impairment=yes"."""
    parts = [site_code] + [f"{name}={factors[name]}" for name in sorted(factors)]
    return "|".join(parts)


# Human labels of the stratification factors and their values (stratum_label).
FACTOR_LABELS: Mapping[str, str] = {"renal_impairment": gettext_noop("renal impairment")}
FACTOR_VALUE_LABELS: Mapping[str, str] = {"yes": gettext_noop("yes"), "no": gettext_noop("no")}


def stratum_label(key: str) -> str:
    """ "USC|renal_impairment=yes" -> "USC, renal impairment: yes" (unknown parts as they are)."""
    site, *factors = key.split("|")
    parts = [site]
    for factor in factors:
        name, _, value = factor.partition("=")
        parts.append(
            f"{FACTOR_LABELS.get(name, name.replace('_', ' '))}: "
            f"{FACTOR_VALUE_LABELS.get(value, value)}"
        )
    return ", ".join(parts)


def imbalance(arms: Sequence[Arm]) -> int:
    """Cyclosporine minus steroids."""
    return sum(1 if a is Arm.CYCLOSPORINE else -1 for a in arms)
