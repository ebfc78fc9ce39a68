"""Entries of ``ops/binary.py``: Add, Sub, Mul, Div, Pow, Maximum, Minimum, Where (operators,
their reflected forms and method spellings)."""

from __future__ import annotations

import math

import numpy as np

import tinygrad_edu as tg

from .. import strategies as st
from .cases import (
    MAX_DIMS,
    MAX_SIDE,
    as_float64,
    broadcasting,
    grid_even,
    grid_odd,
    nonzero,
    positive,
    real,
    seeded_rng,
    unary,
    unary_with,
)
from .entry import Case, op, torch


@st.composite
def where_case(draw, scalar_other=False):
    count = 2 if scalar_other else 3
    drawn = draw(st.broadcastable_shapes(count, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = seeded_rng(draw)
    condition = np.asarray(rng.random(drawn[0]) < 0.5)
    arrays = tuple(real(rng, s) for s in drawn[1:])
    return Case(arrays, {"condition": condition})


@st.composite
def clamp_tensor_case(draw):
    """x between tensor bounds: x on the odd grid, bounds on the even grid (never equal)."""
    drawn = draw(st.broadcastable_shapes(3, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = seeded_rng(draw)
    x_shape, lo_shape, hi_shape = drawn
    low, high = grid_even(rng, lo_shape) - 0.6, grid_even(rng, hi_shape) + 0.6
    return Case((grid_odd(rng, x_shape), as_float64(low, lo_shape), as_float64(high, hi_shape)), {})


@st.composite
def const_array_case(draw, domain=real):
    """A tensor and a NumPy array (the left operand of reflected operators), broadcastable."""
    drawn = draw(st.broadcastable_shapes(2, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = seeded_rng(draw)
    return Case((domain(rng, drawn[0]),), {"c": positive(rng, drawn[1])})


op("add", lambda a, b: a + b, broadcasting(real, real), lambda a, b: a + b, ["__add__"], reference=np.add)


op(
    "sub",
    lambda a, b: a - b,
    broadcasting(real, real),
    lambda a, b: a - b,
    ["__sub__"],
    reference=np.subtract,
)


op(
    "mul",
    lambda a, b: a * b,
    broadcasting(real, real),
    lambda a, b: a * b,
    ["__mul__"],
    reference=np.multiply,
)


op(
    "div",
    lambda a, b: a / b,
    broadcasting(real, nonzero),
    lambda a, b: a / b,
    ["__truediv__"],
    reference=np.divide,
)


op(
    "add_sub_alpha",
    lambda a, b: a.add(b, alpha=2.5).sub(b, alpha=-0.5),
    broadcasting(real, real),
    lambda a, b: a.add(b, alpha=2.5).sub(b, alpha=-0.5),
    ["add", "sub"],
    reference=lambda a, b: a + 2.5 * b + 0.5 * b,
)


op(
    "mul_div_methods",
    lambda a, b, c: a.mul(b).div(c),
    broadcasting(real, real, nonzero),
    lambda a, b, c: a.mul(b).div(c),
    ["mul", "div"],
    reference=lambda a, b, c: a * b / c,
)


op(
    "pow_tensor",
    lambda a, b: a**b,
    broadcasting(positive, real),
    lambda a, b: a**b,
    ["__pow__"],
    reference=np.power,
)


op(
    "pow_method_tensor",
    lambda a, b: a.pow(b),
    broadcasting(positive, real),
    lambda a, b: a.pow(b),
    ["pow"],
    reference=np.power,
)


op(
    "pow_int_exponent",
    lambda a, p: a**p,
    unary_with(nonzero, p=st.sampled_from([0, 1, 2, 3, -1, -2])),
    lambda a, p: a**p,
    ["__pow__"],
    reference=lambda a, p: a ** float(p),
)


op(
    "pow_float_exponent",
    lambda a, p: a.pow(p),
    unary_with(positive, p=st.sampled_from([0.5, 1.5, -0.5, 2.5, 1 / 3, 0.0])),
    lambda a, p: a.pow(p),
    ["pow"],
    reference=lambda a, p: a**p,
)


op(
    "rpow",
    lambda a, c: c**a,
    unary_with(real, c=st.sampled_from([2.0, 0.5, 3, math.e])),
    lambda a, c: c**a,
    ["__rpow__"],
    reference=lambda a, c: np.power(float(c), a),
)


op(
    "scalar_right",
    lambda a: ((a + 1.5) * 2.0 - 0.25) / 4.0,
    unary(real),
    lambda a: ((a + 1.5) * 2.0 - 0.25) / 4.0,
    ["__add__", "__mul__", "__sub__", "__truediv__"],
    reference=lambda a: ((a + 1.5) * 2.0 - 0.25) / 4.0,
)


op(
    "scalar_reflected",
    lambda a: (1.5 - a) * (2.5 + a) + 0.5 * a + 3.0 / a + 2 * a,
    unary(nonzero),
    lambda a: (1.5 - a) * (2.5 + a) + 0.5 * a + 3.0 / a + 2 * a,
    ["__rsub__", "__radd__", "__rmul__", "__rtruediv__"],
    reference=lambda a: (1.5 - a) * (2.5 + a) + 0.5 * a + 3.0 / a + 2 * a,
)


op(
    "array_reflected",
    lambda a, c: (c - a) * (c + a) + c * a + c / a + c**a,
    const_array_case(nonzero),
    lambda a, c: (
        (torch.from_numpy(c) - a) * (torch.from_numpy(c) + a)
        + torch.from_numpy(c) * a
        + torch.from_numpy(c) / a
        + torch.from_numpy(c) ** a
    ),
    ["__rsub__", "__radd__", "__rmul__", "__rtruediv__", "__rpow__"],
    reference=lambda a, c: (c - a) * (c + a) + c * a + c / a + c**a,
)


op(
    "same_tensor_twice",  # one tensor feeding one op twice: the engine adds both contributions
    lambda a: a * a + a / (a.exp() + 1),
    unary(real),
    lambda a: a * a + a / (a.exp() + 1),
    ["__mul__", "__truediv__", "__add__"],
    reference=lambda a: a * a + a / (np.exp(a) + 1),
)


op(
    "clamp_tensor_bounds",
    lambda a, lo, hi: a.clamp(lo, hi),
    clamp_tensor_case(),
    # clamp's own definition: PyTorch's clamp backward fails when the bounds broadcast the input
    # to a larger shape ("output with shape [] doesn't match the broadcast shape [1]")
    lambda a, lo, hi: torch.minimum(torch.maximum(a, lo), hi),
    ["clamp"],
    reference=lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi),
)


op(
    "maximum",
    lambda a, b: a.maximum(b),
    broadcasting(grid_odd, grid_even),
    lambda a, b: a.maximum(b),
    ["maximum"],
    reference=np.maximum,
)


op(
    "minimum",
    lambda a, b: tg.minimum(a, b),
    broadcasting(grid_even, grid_odd),
    lambda a, b: torch.minimum(a, b),
    ["minimum", "tg.minimum"],
    reference=np.minimum,
)


op(
    "maximum_function",
    lambda a, b: tg.maximum(a, b),
    broadcasting(grid_even, grid_odd),
    lambda a, b: torch.maximum(a, b),
    ["tg.maximum"],
    reference=np.maximum,
)


# a tie between two inputs: each gets half, which is also what central differences measure; the
# first derivative jumps there, so it is not twice differentiable at the tie
op(
    "maximum_ties",
    lambda a, b: a.maximum(b) + a.minimum(b) * 2,
    st.builds(lambda c: Case((c.arrays[0], c.arrays[0].copy()), {}), unary(real)),
    lambda a, b: a.maximum(b) + a.minimum(b) * 2,
    ["maximum", "minimum"],
    twice=False,
    reference=lambda a, b: np.maximum(a, b) + 2 * np.minimum(a, b),
)


op(
    "where",
    lambda a, b, condition: tg.where(tg.tensor(condition), a, b),
    where_case(),
    lambda a, b, condition: torch.where(torch.from_numpy(condition), a, b),
    ["tg.where"],
    reference=lambda a, b, condition: np.where(condition, a, b),
)


op(
    "where_method",
    lambda a, b, condition: a.where(tg.tensor(condition), b),
    where_case(),
    lambda a, b, condition: a.where(torch.from_numpy(condition), b),
    ["where"],
    reference=lambda a, b, condition: np.where(condition, a, b),
)


op(
    "where_scalar",
    lambda a, condition: tg.where(tg.tensor(condition), a, 0.5),
    where_case(scalar_other=True),
    lambda a, condition: torch.where(torch.from_numpy(condition), a, 0.5),
    ["tg.where"],
    reference=lambda a, condition: np.where(condition, a, 0.5),
)


op(
    "max_tensor",  # x.max(other) is maximum
    lambda a, b: a.max(b) - b.min(a),
    broadcasting(grid_odd, grid_even),
    lambda a, b: a.max(b) - b.min(a),
    ["max", "min"],
    reference=lambda a, b: np.maximum(a, b) - np.minimum(b, a),
)
