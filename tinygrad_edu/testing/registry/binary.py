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


def _add_sub_alpha(a, b):
    return a.add(b, alpha=2.5).sub(b, alpha=-0.5)


def _add_sub_alpha_reference(a, b):
    return a + 2.5 * b + 0.5 * b


def _mul_div(a, b, c):
    return a.mul(b).div(c)


def _mul_div_reference(a, b, c):
    return a * b / c


def _scalar_right(a):
    """Python numbers on the right; the same arithmetic serves as the NumPy reference."""
    return ((a + 1.5) * 2.0 - 0.25) / 4.0


def _scalar_reflected(a):
    """Python numbers on the left (``__rsub__``, ...); the same arithmetic serves as the reference."""
    return (1.5 - a) * (2.5 + a) + 0.5 * a + 3.0 / a + 2 * a


def _same_tensor_twice(a):
    """One tensor feeding one op twice: the engine adds both contributions."""
    return a * a + a / (a.exp() + 1)


def _same_tensor_twice_reference(a):
    return a * a + a / (np.exp(a) + 1)


def _max_tensor(a, b):
    """``x.max(other)`` is maximum (and ``x.min(other)`` minimum)."""
    return a.max(b) - b.min(a)


def _max_tensor_reference(a, b):
    return np.maximum(a, b) - np.minimum(b, a)


_int_exponents = unary_with(nonzero, p=st.sampled_from([0, 1, 2, 3, -1, -2]))
_float_exponents = unary_with(positive, p=st.sampled_from([0.5, 1.5, -0.5, 2.5, 1 / 3, 0.0]))
_bases = unary_with(real, c=st.sampled_from([2.0, 0.5, 3, math.e]))
_operators = ["__add__", "__mul__", "__sub__", "__truediv__"]
_reflected_operators = ["__rsub__", "__radd__", "__rmul__", "__rtruediv__"]
_twice_operators = ["__mul__", "__truediv__", "__add__"]

# the same call in PyTorch: (name, fn, cases, methods, reference)
SAME_IN_PYTORCH = (
    ("add", lambda a, b: a + b, broadcasting(real, real), ["__add__"], np.add),
    ("sub", lambda a, b: a - b, broadcasting(real, real), ["__sub__"], np.subtract),
    ("mul", lambda a, b: a * b, broadcasting(real, real), ["__mul__"], np.multiply),
    ("div", lambda a, b: a / b, broadcasting(real, nonzero), ["__truediv__"], np.divide),
    ("add_sub_alpha", _add_sub_alpha, broadcasting(real, real), ["add", "sub"], _add_sub_alpha_reference),
    ("mul_div_methods", _mul_div, broadcasting(real, real, nonzero), ["mul", "div"], _mul_div_reference),
    ("pow_tensor", lambda a, b: a**b, broadcasting(positive, real), ["__pow__"], np.power),
    ("pow_method_tensor", lambda a, b: a.pow(b), broadcasting(positive, real), ["pow"], np.power),
    ("pow_int_exponent", lambda a, p: a**p, _int_exponents, ["__pow__"], lambda a, p: a ** float(p)),
    ("pow_float_exponent", lambda a, p: a.pow(p), _float_exponents, ["pow"], lambda a, p: a**p),
    ("rpow", lambda a, c: c**a, _bases, ["__rpow__"], lambda a, c: np.power(float(c), a)),
    ("scalar_right", _scalar_right, unary(real), _operators, _scalar_right),
    ("scalar_reflected", _scalar_reflected, unary(nonzero), _reflected_operators, _scalar_reflected),
    ("same_tensor_twice", _same_tensor_twice, unary(real), _twice_operators, _same_tensor_twice_reference),
    ("maximum", lambda a, b: a.maximum(b), broadcasting(grid_odd, grid_even), ["maximum"], np.maximum),
    ("max_tensor", _max_tensor, broadcasting(grid_odd, grid_even), ["max", "min"], _max_tensor_reference),
)
for _name, _fn, _cases, _methods, _reference in SAME_IN_PYTORCH:
    op(_name, _fn, _cases, _fn, _methods, reference=_reference)


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
