"""What the entries share: value domains (``(rng, shape) -> float64 array``) and case strategies.

Shapes are drawn (at most 3 dims of size at most 4, broadcasting included); values come from a NumPy
generator seeded by the draw, in the op's domain (positive for ``log``/``sqrt``, away from 0 for
``relu``/``abs``, distinct for ``max``, away from the bounds for ``clamp``, ...), so that the finite
differences of gradcheck never straddle a kink."""

from __future__ import annotations

import math

import numpy as np

from .. import strategies as st
from .entry import Case

MAX_DIMS = 3
MAX_SIDE = 4


def as_float64(values, shape):
    """``values`` as a float64 array of ``shape`` (a 0-d array for ``()``)."""
    return np.asarray(values, dtype=np.float64).reshape(shape)


def real(rng, shape):
    return as_float64(rng.uniform(-2.0, 2.0, shape), shape)


def wide(rng, shape):
    """Far enough out to reach the saturated parts of sigmoid/tanh/softplus."""
    return as_float64(rng.uniform(-6.0, 6.0, shape), shape)


def positive(rng, shape):
    return as_float64(rng.uniform(0.5, 2.0, shape), shape)


def nonzero(rng, shape):
    """Away from the kink at 0 (relu, abs, sign, leaky_relu, elu, ...)."""
    return as_float64(rng.choice((-1.0, 1.0), shape) * rng.uniform(0.2, 2.0, shape), shape)


def large(rng, shape):
    """Logits around +-1000 (one common offset): softmax and logsumexp must not overflow."""
    return as_float64(rng.uniform(-3.0, 3.0, shape) + rng.choice((-1000.0, 1000.0)), shape)


def saturating(rng, shape):
    """Far into the flat tails of sigmoid/tanh/softplus (clear of softplus's threshold at 20)."""
    return as_float64(rng.choice((-1.0, 1.0), shape) * rng.uniform(25.0, 45.0, shape), shape)


def above_minus_one(rng, shape):
    return as_float64(rng.uniform(-0.5, 2.0, shape), shape)


def distinct(rng, shape):
    """All elements at least 0.06 apart: max/min/argmax have one clear winner along every dim."""
    n = math.prod(shape)
    spread = (rng.permutation(n) - (n - 1) / 2) * 0.1 + rng.uniform(-0.02, 0.02, n)
    return as_float64(spread, shape)


def distinct_abs(rng, shape):
    """Non-zero, with distinct absolute values (the inf-norm's winner is clear)."""
    n = math.prod(shape)
    magnitude = 0.3 + rng.permutation(n) * 0.1 + rng.uniform(-0.02, 0.02, n)
    return as_float64(rng.choice((-1.0, 1.0), n) * magnitude, shape)


def grid_odd(rng, shape):
    """Near 0.2·k + 0.1: at least 0.04 away from any ``grid_even`` value (maximum, clamp bounds)."""
    return as_float64(0.2 * rng.integers(-8, 8, shape) + 0.1 + rng.uniform(-0.03, 0.03, shape), shape)


def grid_even(rng, shape):
    """Near 0.2·k."""
    return as_float64(0.2 * rng.integers(-8, 8, shape) + rng.uniform(-0.03, 0.03, shape), shape)


def unit_scale(rng, shape):
    """Non-zero, of magnitude near 1: products of up to 64 of them stay moderate."""
    return as_float64(rng.choice((-1.0, 1.0), shape) * rng.uniform(0.6, 1.4, shape), shape)


def with_zeros(rng, shape):
    """``unit_scale`` with one or two elements set to exactly 0 (prod's zero-safe gradient)."""
    values = unit_scale(rng, shape).reshape(-1)
    values[rng.choice(values.size, size=min(values.size, int(rng.integers(1, 3))), replace=False)] = 0.0
    return values.reshape(shape)


def shapes(min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE):
    return st.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def seeded_rng(draw):
    """A NumPy generator whose seed is drawn: the values of a case follow from its draws."""
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@st.composite
def unary(draw, domain=real, **shape_kw):
    """One input of any shape (0-d included)."""
    shape = draw(shapes(**shape_kw))
    return Case((domain(seeded_rng(draw), shape),), {})


@st.composite
def broadcasting(draw, *domains):
    """One input per domain, with mutually broadcastable shapes."""
    drawn = draw(st.broadcastable_shapes(len(domains), max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = seeded_rng(draw)
    return Case(tuple(d(rng, s) for d, s in zip(domains, drawn)), {})


@st.composite
def unary_with(draw, domain=real, shape_kw=None, **params):
    """One input and keyword parameters drawn from the given strategies."""
    shape = draw(shapes(**(shape_kw or {})))
    return Case((domain(seeded_rng(draw), shape),), {k: draw(v) for k, v in params.items()})


@st.composite
def dims(draw, ndim, allow_none=True, allow_tuple=True):
    """A ``dim`` argument: None, an int, or a tuple of distinct dims (negative forms included)."""
    kinds = ["int"] + (["none"] if allow_none else []) + (["tuple"] if allow_tuple else [])
    kind = draw(st.sampled_from(kinds))
    n = max(ndim, 1)
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    axes = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    return tuple(d - n if draw(st.booleans()) else d for d in axes)


def reduced_dims(dim, ndim):
    """``dim`` (None, an int or a tuple) as the set of reduced dims."""
    if dim is None or ndim == 0:
        return set(range(ndim))
    items = dim if isinstance(dim, tuple) else (dim,)
    return {d % ndim for d in items}


@st.composite
def reduction(draw, domain=real, keepdim=True, allow_none=True, allow_tuple=True, **shape_kw):
    """One input with a drawn ``dim`` (and ``keepdim``)."""
    shape = draw(shapes(**shape_kw))
    params = {"dim": draw(dims(len(shape), allow_none, allow_tuple))}
    if keepdim:
        params["keepdim"] = draw(st.booleans())
    return Case((domain(seeded_rng(draw), shape),), params)


def along_one_dim(domain=real, **shape_kw):
    """One input with one drawn int ``dim`` and no ``keepdim`` (softmax, cumsum, unbind)."""
    return reduction(domain, keepdim=False, allow_none=False, allow_tuple=False, **shape_kw)


@st.composite
def with_ones(draw, min_dims=0):
    """A shape with many dims of size 1 (squeeze, expand)."""
    return tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=min_dims, max_size=MAX_DIMS)))


bools = st.booleans()


@st.composite
def same_shape(draw, *domains):
    shape = draw(shapes())
    rng = seeded_rng(draw)
    return Case(tuple(d(rng, shape) for d in domains), {})


def extreme(rng, shape):
    """Logits of ±10⁴ (plus a spread): softmax underflows to exact zeros, exp(10⁴) would overflow."""
    return as_float64(rng.choice((-1e4, 1e4), shape) + rng.uniform(-3.0, 3.0, shape), shape)
