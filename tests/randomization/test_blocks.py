"""Permuted blocks: balance, bounded imbalance, reproducibility (PROTOCOL.md section 2)."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from randomization.blocks import (
    Arm,
    generate_blocks,
    generate_sequence,
    imbalance,
    new_seed,
    stratum_key,
)

seeds = st.text(alphabet="0123456789abcdef", min_size=8, max_size=32)
size_sets = st.lists(st.sampled_from([2, 4, 6, 8, 10]), min_size=1, max_size=4, unique=True)


@given(seeds, st.integers(1, 120), size_sets)
def test_every_complete_block_is_balanced(seed, length, sizes):
    slots = generate_sequence(seed=seed, stratum="S|r=no", length=length, block_sizes=sizes)
    by_block: dict[int, list[Arm]] = {}
    for slot in slots:
        by_block.setdefault(slot.block_number, []).append(slot.arm)
    for number, arms in by_block.items():
        size = {s.block_size for s in slots if s.block_number == number}
        assert len(size) == 1 and len(arms) == size.pop()
        assert Counter(arms)[Arm.CYCLOSPORINE] == Counter(arms)[Arm.STEROIDS]
        assert slots[0].block_size in sizes


@given(seeds, st.integers(1, 120), size_sets)
def test_imbalance_after_any_prefix_is_at_most_half_the_largest_block(seed, length, sizes):
    slots = generate_sequence(seed=seed, stratum="S", length=length, block_sizes=sizes)
    arms = [s.arm for s in slots]
    for n in range(len(arms) + 1):
        assert abs(imbalance(arms[:n])) <= max(sizes) // 2


@given(seeds, st.integers(1, 60))
def test_same_seed_same_list(seed, length):
    a = generate_sequence(seed=seed, stratum="USC|renal_impairment=no", length=length)
    b = generate_sequence(seed=seed, stratum="USC|renal_impairment=no", length=length)
    assert a == b


@given(seeds, st.integers(1, 40), st.integers(1, 40))
def test_a_longer_list_extends_a_shorter_one(seed, short, extra):
    first = generate_sequence(seed=seed, stratum="S", length=short)
    longer = generate_sequence(seed=seed, stratum="S", length=short + extra)
    assert longer[: len(first)] == first


def test_list_never_ends_mid_block():
    slots = generate_sequence(seed="abc", stratum="S", length=7, block_sizes=[6])
    assert len(slots) == 12
    assert [s.position for s in slots] == list(range(1, 13))


def test_strata_get_different_sequences():
    a = [s.arm for s in generate_sequence(seed="f00d", stratum="A|r=no", length=60)]
    b = [s.arm for s in generate_sequence(seed="f00d", stratum="A|r=yes", length=60)]
    assert a != b


def test_block_sizes_drawn_from_the_setting():
    slots = generate_blocks(seed="seed", stratum="S", blocks=200)
    assert {s.block_size for s in slots} == {2, 4, 6}


@pytest.mark.parametrize("sizes", [[], [3], [0], [2, 5], [-2]])
def test_bad_block_sizes(sizes):
    with pytest.raises(ValueError, match="block_sizes"):
        generate_sequence(seed="x", stratum="S", length=4, block_sizes=sizes)


def test_bad_length():
    with pytest.raises(ValueError, match="length"):
        generate_sequence(seed="x", stratum="S", length=0)


def test_seed_is_random_and_long():
    seeds_made = {new_seed() for _ in range(50)}
    assert len(seeds_made) == 50
    assert all(len(s) == 32 for s in seeds_made)


def test_stratum_key_is_stable_and_readable():
    key = stratum_key("USC", {"renal_impairment": "yes", "age_group": "old"})
    assert key == "USC|age_group=old|renal_impairment=yes"
