"""Entries of ``ops/reduce.py``: Sum, Mean, Amax/Amin (and max/min), Prod, CumSum, LogSumExp,
SoftmaxOp, LogSoftmaxOp, with the numerically hard cases (logits around ±1000)."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F

from .. import strategies as st
from . import reference as ref
from .cases import distinct, large, real, reduced_dims, reduction, unary, unit_scale, wide, with_zeros
from .entry import Case, op, torch


def _torch_prod(a, dim=None, keepdim=False):
    """torch.prod takes one int dim: reduce a tuple one dim at a time."""
    if dim is None:
        out = a.prod()
        return out.reshape((1,) * a.ndim) if keepdim else out
    axes = sorted(reduced_dims(dim, a.ndim), reverse=True) if a.ndim else [0]
    for d in axes:
        a = a.prod(d, keepdim=keepdim)
    return a


def _all_dims(dim, ndim):
    """``dim=None`` spelled as the tuple of every dim (torch.logsumexp/amax need a dim)."""
    return tuple(range(ndim)) if dim is None else dim


op(
    "sum",
    lambda a, dim, keepdim: a.sum(dim, keepdim=keepdim),
    reduction(real),
    lambda a, dim, keepdim: a.sum(_all_dims(dim, a.ndim), keepdim=keepdim),
    ["sum"],
    reference=lambda a, dim, keepdim: ref.reduce(np.sum, a, dim, keepdim),
)


op(
    "sum_all",
    lambda a: a.sum(),
    unary(real),
    lambda a: a.sum(),
    ["sum"],
    reference=lambda a: np.asarray(a.sum()),
)


op(
    "mean",
    lambda a, dim, keepdim: a.mean(dim, keepdim=keepdim),
    reduction(real),
    lambda a, dim, keepdim: a.mean(_all_dims(dim, a.ndim), keepdim=keepdim),
    ["mean"],
    reference=lambda a, dim, keepdim: ref.reduce(np.mean, a, dim, keepdim),
)


op(
    "max_all",
    lambda a: a.max(),
    unary(distinct),
    lambda a: a.max(),
    ["max"],
    reference=lambda a: np.asarray(a.max()),
)


op(
    "min_all",
    lambda a: a.min(),
    unary(distinct),
    lambda a: a.min(),
    ["min"],
    reference=lambda a: np.asarray(a.min()),
)


op(
    "max_dim",
    lambda a, dim, keepdim: a.max(dim, keepdim=keepdim).values,
    reduction(distinct, allow_none=False, allow_tuple=False),
    lambda a, dim, keepdim: a.max(dim, keepdim=keepdim).values,
    ["max"],
    reference=lambda a, dim, keepdim: ref.reduce(np.max, a, dim, keepdim),
)


op(
    "min_dim",
    lambda a, dim, keepdim: a.min(dim, keepdim).values,
    reduction(distinct, allow_none=False, allow_tuple=False),
    lambda a, dim, keepdim: a.min(dim, keepdim).values,
    ["min"],
    reference=lambda a, dim, keepdim: ref.reduce(np.min, a, dim, keepdim),
)


op(
    "amax",
    lambda a, dim, keepdim: a.amax(dim, keepdim),
    reduction(distinct),
    lambda a, dim, keepdim: a.amax(_all_dims(dim, a.ndim), keepdim),
    ["amax"],
    reference=lambda a, dim, keepdim: ref.reduce(np.max, a, dim, keepdim),
)


op(
    "amin",
    lambda a, dim, keepdim: a.amin(dim, keepdim),
    reduction(distinct),
    lambda a, dim, keepdim: a.amin(_all_dims(dim, a.ndim), keepdim),
    ["amin"],
    reference=lambda a, dim, keepdim: ref.reduce(np.min, a, dim, keepdim),
)


# full max/min and amax/amin share the gradient evenly between tied elements; with two tied elements
# that is exactly what central differences measure
op(
    "max_all_tie_pair",
    lambda a: a.max() + a.amin(),
    st.builds(
        lambda c: Case((np.concatenate([c.arrays[0], [c.arrays[0].max(), c.arrays[0].min()]]),), {}),
        unary(distinct, min_dims=1, max_dims=1, min_side=2),
    ),
    lambda a: a.max() + a.amin(),
    ["max", "amin"],
    twice=False,
    reference=lambda a: np.asarray(a.max() + a.min()),
)


op(
    "prod",
    lambda a, dim, keepdim: a.prod(dim, keepdim),
    reduction(unit_scale),
    _torch_prod,
    ["prod"],
    reference=lambda a, dim, keepdim: ref.reduce(np.prod, a, dim, keepdim),
)


op(
    "prod_with_zeros",
    lambda a, dim, keepdim: a.prod(dim, keepdim),
    reduction(with_zeros),
    _torch_prod,
    ["prod"],
    reference=lambda a, dim, keepdim: ref.reduce(np.prod, a, dim, keepdim),
)


op(
    "logsumexp",
    lambda a, dim, keepdim: a.logsumexp(dim, keepdim),
    reduction(wide),
    lambda a, dim, keepdim: a.logsumexp(_all_dims(dim, a.ndim), keepdim),
    ["logsumexp"],
    reference=ref.logsumexp,
)


op(
    "softmax",
    lambda a, dim: a.softmax(dim),
    reduction(wide, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.softmax(dim),
    ["softmax"],
    reference=ref.softmax,
)


op(
    "log_softmax",
    lambda a, dim: a.log_softmax(dim),
    reduction(wide, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.log_softmax(dim),
    ["log_softmax"],
    reference=ref.log_softmax,
)


op(
    "softmax_large_logits",
    lambda a, dim: a.softmax(dim),
    reduction(large, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.softmax(dim),
    ["softmax"],
    reference=ref.softmax,
)


op(
    "log_softmax_large_logits",
    lambda a, dim: a.log_softmax(dim),
    reduction(large, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.log_softmax(dim),
    ["log_softmax"],
    reference=ref.log_softmax,
)


op(
    "logsumexp_large_logits",
    lambda a, dim, keepdim: a.logsumexp(dim, keepdim),
    reduction(large),
    lambda a, dim, keepdim: a.logsumexp(_all_dims(dim, a.ndim), keepdim),
    ["logsumexp"],
    reference=ref.logsumexp,
)


op(
    "F.softmax",
    lambda a, dim: F.softmax(a, dim),
    reduction(large, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: torch.nn.functional.softmax(a, dim),
    reference=ref.softmax,
)


op(
    "F.log_softmax",
    lambda a, dim: F.log_softmax(a, dim, dtype=tg.float64),
    reduction(wide, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: torch.nn.functional.log_softmax(a, dim, dtype=torch.float64),
    reference=ref.log_softmax,
)


op(
    "cumsum",
    lambda a, dim: a.cumsum(dim),
    reduction(real, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.cumsum(dim),
    ["cumsum"],
    reference=lambda a, dim: ref.along(np.cumsum, a, dim),
)


op(
    "cumsum_function",
    lambda a, dim: tg.cumsum(a, dim=dim),
    reduction(real, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: torch.cumsum(a, dim=dim),
    ["tg.cumsum"],
    reference=lambda a, dim: ref.along(np.cumsum, a, dim),
)


op(
    "sum_axis_keepdims",  # NumPy's spellings of dim and keepdim
    lambda a, dim, keepdim: a.sum(axis=dim, keepdims=keepdim) + tg.mean(a, axis=dim, keepdims=keepdim),
    reduction(real, allow_none=False),
    lambda a, dim, keepdim: a.sum(dim, keepdim=keepdim) + a.mean(dim, keepdim=keepdim),
    ["sum", "mean", "tg.mean"],
    reference=lambda a, dim, keepdim: (
        ref.reduce(np.sum, a, dim, keepdim) + ref.reduce(np.mean, a, dim, keepdim)
    ),
)
