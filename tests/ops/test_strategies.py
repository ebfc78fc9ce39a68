"""The registry's recipes drawn without hypothesis (what ``selfcheck`` uses): valid, and repeatable."""

import numpy as np
import pytest

from tinygrad_edu.testing import strategies as st
from tinygrad_edu.testing.registry import REGISTRY


@pytest.mark.parametrize("seed", range(20))
def test_broadcastable_shapes_broadcast(seed):
    shapes = st.broadcastable_shapes(3, min_dims=1, max_dims=3).example(np.random.default_rng(seed))
    assert len(shapes) == 3 and all(len(s) >= 1 for s in shapes)
    np.broadcast_shapes(*shapes)  # raises if they do not


@pytest.mark.parametrize("seed", range(20))
def test_lists_respect_sizes_and_uniqueness(seed):
    drawn = st.lists(st.integers(0, 3), min_size=2, max_size=4, unique=True).example(
        np.random.default_rng(seed)
    )
    assert 2 <= len(drawn) <= 4 and len(set(drawn)) == len(drawn)


def test_composite_draws_through_the_recipes():
    @st.composite
    def pair(draw, low):
        first = draw(st.integers(low, low + 2))
        return first, draw(st.sampled_from([first, -first]))

    first, second = pair(5).example(np.random.default_rng(0))
    assert 5 <= first <= 7 and abs(second) == first


def test_each_entry_draws_the_same_example_for_the_same_seed():
    for entry in REGISTRY:
        one, two = entry.example(3), entry.example(3)
        assert all(np.array_equal(a, b) for a, b in zip(one.arrays, two.arrays)), entry.name
        assert repr(one.params) == repr(two.params), entry.name
