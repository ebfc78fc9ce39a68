"""Recipes for random test inputs, drawn two ways: by hypothesis, or from a seeded NumPy generator.

The registry describes its inputs with these functions (named as in ``hypothesis.strategies``:
``integers``, ``lists``, ``composite``, ...). The test suite turns each recipe into a hypothesis
strategy (``recipe.hypothesis()``: many examples, shrinking of failures); ``selfcheck`` draws one
example from a seeded generator (``recipe.example(rng)``), so an installed package runs it without
hypothesis, which stays a test-only dependency (it is imported only by ``hypothesis()``).
"""

from __future__ import annotations

import functools


def _hypothesis():
    """hypothesis's ``strategies`` and ``extra.numpy``, imported on first use (tests only)."""
    from hypothesis import strategies
    from hypothesis.extra import numpy

    return strategies, numpy


class Strategy:
    """A recipe: ``example(rng)`` draws a value from a NumPy generator; ``hypothesis()`` is the same
    recipe as a hypothesis strategy (built once, on first use)."""

    def __init__(self, example, build_hypothesis):
        self._example = example
        self._build_hypothesis = build_hypothesis
        self._hypothesis = None

    def example(self, rng):
        return self._example(rng)

    def hypothesis(self):
        if self._hypothesis is None:
            self._hypothesis = self._build_hypothesis(*_hypothesis())
        return self._hypothesis


def integers(min_value, max_value):
    """An int in ``[min_value, max_value]``."""
    return Strategy(
        lambda rng: int(rng.integers(min_value, max_value, endpoint=True)),
        lambda st, hnp: st.integers(min_value, max_value),
    )


def booleans():
    return Strategy(lambda rng: bool(rng.integers(2)), lambda st, hnp: st.booleans())


def none():
    return Strategy(lambda rng: None, lambda st, hnp: st.none())


def just(value):
    return Strategy(lambda rng: value, lambda st, hnp: st.just(value))


def tuples(*strategies):
    """A tuple with one value of each of ``strategies``."""
    return Strategy(
        lambda rng: tuple(s.example(rng) for s in strategies),
        lambda st, hnp: st.tuples(*(s.hypothesis() for s in strategies)),
    )


def sampled_from(values):
    """One of ``values``."""
    values = list(values)
    return Strategy(lambda rng: values[rng.integers(len(values))], lambda st, hnp: st.sampled_from(values))


def one_of(*strategies):
    """A value of one of ``strategies``."""
    return Strategy(
        lambda rng: strategies[rng.integers(len(strategies))].example(rng),
        lambda st, hnp: st.one_of(*(s.hypothesis() for s in strategies)),
    )


def lists(elements, min_size=0, max_size=None, unique=False):
    """A list of ``min_size`` to ``max_size`` values of ``elements`` (distinct ones if ``unique``)."""
    largest = min_size + 4 if max_size is None else max_size

    def example(rng):
        size = int(rng.integers(min_size, largest, endpoint=True))
        drawn = []
        for _ in range(100 * (size + 1)):  # retries: a unique list may repeat a value on the way
            if len(drawn) == size:
                break
            value = elements.example(rng)
            if not (unique and value in drawn):
                drawn.append(value)
        return drawn

    return Strategy(
        example,
        lambda st, hnp: st.lists(elements.hypothesis(), min_size=min_size, max_size=max_size, unique=unique),
    )


def permutations(values):
    """``values`` in a random order."""
    values = list(values)
    return Strategy(
        lambda rng: [values[i] for i in rng.permutation(len(values))],
        lambda st, hnp: st.permutations(values),
    )


def builds(target, *args):
    """``target(*drawn args)``."""
    return Strategy(
        lambda rng: target(*(a.example(rng) for a in args)),
        lambda st, hnp: st.builds(target, *(a.hypothesis() for a in args)),
    )


def composite(function):
    """Like ``hypothesis.strategies.composite``: ``function(draw, *args, **kwargs)`` calls
    ``draw(recipe)`` for each value it needs; calling the result with ``*args, **kwargs`` gives a recipe."""

    @functools.wraps(function)
    def recipe(*args, **kwargs):
        def build_hypothesis(st, hnp):
            return st.composite(lambda draw: function(lambda s: draw(s.hypothesis()), *args, **kwargs))()

        return Strategy(lambda rng: function(lambda s: s.example(rng), *args, **kwargs), build_hypothesis)

    return recipe


def array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4):
    """A shape: ``min_dims`` to ``max_dims`` sides, each in ``[min_side, max_side]``."""

    def example(rng):
        ndim = int(rng.integers(min_dims, max_dims, endpoint=True))
        return tuple(int(n) for n in rng.integers(min_side, max_side, size=ndim, endpoint=True))

    return Strategy(
        example,
        lambda st, hnp: hnp.array_shapes(
            min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
        ),
    )


def broadcastable_shapes(num_shapes, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """``num_shapes`` shapes that broadcast together (hypothesis's ``mutually_broadcastable_shapes``):
    each is a common shape with some leading dims dropped and some sides set to 1."""

    def example(rng):
        common = array_shapes(min_dims, max_dims, min_side, max_side).example(rng)
        shapes = []
        for _ in range(num_shapes):
            kept = common[int(rng.integers(0, len(common) - min_dims, endpoint=True)) :]
            shapes.append(tuple(1 if rng.random() < 1 / 3 else n for n in kept))
        return tuple(shapes)

    def build_hypothesis(st, hnp):
        drawn = hnp.mutually_broadcastable_shapes(
            num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
        )
        return drawn.map(lambda result: result.input_shapes)

    return Strategy(example, build_hypothesis)
