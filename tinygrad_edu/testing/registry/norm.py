"""Entries of ``ops/norm.py``: layer normalisation (``F.layer_norm``)."""

from __future__ import annotations

import math

from tinygrad_edu.nn import functional as F

from .. import strategies as st
from . import reference as ref
from .cases import distinct, real, seeded_rng, shapes
from .entry import Case, op, torch


@st.composite
def layer_norm_case(draw):
    """An input whose last one or two dims (at least 2 distinct elements) are normalised, with an
    affine weight and bias or without."""
    shape = draw(shapes(min_dims=1))
    count = draw(st.integers(1, min(2, len(shape))))
    normalized = shape[len(shape) - count :]
    if math.prod(normalized) < 2:
        shape = shape[: len(shape) - 1] + (2,)
        normalized = shape[len(shape) - count :]
    rng = seeded_rng(draw)
    arrays = [distinct(rng, shape)]
    if draw(st.booleans()):
        arrays += [real(rng, normalized), real(rng, normalized)]
    return Case(tuple(arrays), {"normalized_shape": normalized})


op(
    "F.layer_norm",
    lambda x, *affine, normalized_shape: F.layer_norm(x, normalized_shape, *affine),
    layer_norm_case(),
    lambda x, *affine, normalized_shape: torch.nn.functional.layer_norm(x, normalized_shape, *affine),
    reference=lambda x, *affine, normalized_shape: ref.layer_norm(x, normalized_shape, *affine),
)


@st.composite
def layer_norm_one_affine_case(draw):
    """layer_norm with a weight alone or a bias alone."""
    shape = draw(shapes(min_dims=1))
    if shape[-1] < 2:
        shape = shape[:-1] + (2,)
    rng = seeded_rng(draw)
    params = {"which": draw(st.sampled_from(["weight", "bias"]))}
    return Case((distinct(rng, shape), real(rng, shape[-1:])), params)


op(
    "F.layer_norm_one_affine",
    lambda x, p, which: F.layer_norm(x, x.shape[-1:], **{which: p}),
    layer_norm_one_affine_case(),
    lambda x, p, which: torch.nn.functional.layer_norm(x, x.shape[-1:], **{which: p}),
    reference=lambda x, p, which: ref.layer_norm(x, x.shape[-1:], **{which: p}),
)
