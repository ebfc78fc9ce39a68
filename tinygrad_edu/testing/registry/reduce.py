"""Entries of ``ops/reduce.py``: Sum, Mean, Amax/Amin (and max/min), Prod, CumSum, LogSumExp,
SoftmaxOp, LogSoftmaxOp, with the numerically hard cases (logits around ±1000)."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F

from .. import strategies as st
from . import reference as ref
from .cases import (
    along_one_dim,
    distinct,
    large,
    real,
    reduced_dims,
    reduction,
    unary,
    unit_scale,
    wide,
    with_zeros,
)
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


def _over_every_dim(fn):
    """``fn(a, dim, keepdim)`` for PyTorch: ``dim=None`` spelled as the tuple of every dim
    (torch.logsumexp/amax need a dim)."""
    return lambda a, dim, keepdim: fn(a, tuple(range(a.ndim)) if dim is None else dim, keepdim)


def _reduced_by(np_reduce):
    """The NumPy reference of a reduction: ``np_reduce`` over ``dim``, as ``ref.reduce`` spells it."""
    return lambda a, dim, keepdim: ref.reduce(np_reduce, a, dim, keepdim)


def _logsumexp(a, dim, keepdim):
    return a.logsumexp(dim, keepdim)


# reductions over a drawn dim (None, an int or a tuple) with keepdim: (name, fn(a, dim, keepdim),
# values, methods, reference); PyTorch makes the same call, dim=None spelled as every dim
REDUCTIONS = (
    ("sum", lambda a, dim, keepdim: a.sum(dim, keepdim=keepdim), real, ["sum"], _reduced_by(np.sum)),
    ("mean", lambda a, dim, keepdim: a.mean(dim, keepdim=keepdim), real, ["mean"], _reduced_by(np.mean)),
    ("amax", lambda a, dim, keepdim: a.amax(dim, keepdim), distinct, ["amax"], _reduced_by(np.max)),
    ("amin", lambda a, dim, keepdim: a.amin(dim, keepdim), distinct, ["amin"], _reduced_by(np.min)),
    ("logsumexp", _logsumexp, wide, ["logsumexp"], ref.logsumexp),
    ("logsumexp_large_logits", _logsumexp, large, ["logsumexp"], ref.logsumexp),
)
for _name, _fn, _values, _methods, _reference in REDUCTIONS:
    op(_name, _fn, reduction(_values), _over_every_dim(_fn), _methods, reference=_reference)


# the whole tensor at once: (name, fn(a), values, methods, reference), the same call in PyTorch
WHOLE_REDUCTIONS = (
    ("sum_all", lambda a: a.sum(), real, ["sum"], lambda a: np.asarray(a.sum())),
    ("max_all", lambda a: a.max(), distinct, ["max"], lambda a: np.asarray(a.max())),
    ("min_all", lambda a: a.min(), distinct, ["min"], lambda a: np.asarray(a.min())),
)
for _name, _fn, _values, _methods, _reference in WHOLE_REDUCTIONS:
    op(_name, _fn, unary(_values), _fn, _methods, reference=_reference)


# along one int dim, no keepdim: (name, fn(a, dim), values, methods, reference), the same call in PyTorch
ALONG_ONE_DIM = (
    ("softmax", lambda a, dim: a.softmax(dim), wide, ["softmax"], ref.softmax),
    ("log_softmax", lambda a, dim: a.log_softmax(dim), wide, ["log_softmax"], ref.log_softmax),
    ("softmax_large_logits", lambda a, dim: a.softmax(dim), large, ["softmax"], ref.softmax),
    ("log_softmax_large_logits", lambda a, dim: a.log_softmax(dim), large, ["log_softmax"], ref.log_softmax),
    ("cumsum", lambda a, dim: a.cumsum(dim), real, ["cumsum"], lambda a, dim: ref.along(np.cumsum, a, dim)),
)
for _name, _fn, _values, _methods, _reference in ALONG_ONE_DIM:
    op(_name, _fn, along_one_dim(_values), _fn, _methods, reference=_reference)


# max/min along one int dim with keepdim, as (values, indices): the same call in PyTorch
ALONG_ONE_DIM_KEEPDIM = (
    ("max_dim", lambda a, dim, keepdim: a.max(dim, keepdim=keepdim).values, ["max"], np.max),
    ("min_dim", lambda a, dim, keepdim: a.min(dim, keepdim).values, ["min"], np.min),
)
for _name, _fn, _methods, _np_reduce in ALONG_ONE_DIM_KEEPDIM:
    _cases = reduction(distinct, allow_none=False, allow_tuple=False)
    op(_name, _fn, _cases, _fn, _methods, reference=_reduced_by(_np_reduce))


# prod on values near 1, and with exact zeros (its zero-safe gradient)
for _name, _values in (("prod", unit_scale), ("prod_with_zeros", with_zeros)):
    _cases = reduction(_values)
    op(
        _name,
        lambda a, dim, keepdim: a.prod(dim, keepdim),
        _cases,
        _torch_prod,
        ["prod"],
        reference=_reduced_by(np.prod),
    )


# the same along one dim through functions, which PyTorch spells differently
op(
    "F.softmax",
    lambda a, dim: F.softmax(a, dim),
    along_one_dim(large),
    lambda a, dim: torch.nn.functional.softmax(a, dim),
    reference=ref.softmax,
)
op(
    "F.log_softmax",
    lambda a, dim: F.log_softmax(a, dim, dtype=tg.float64),
    along_one_dim(wide),
    lambda a, dim: torch.nn.functional.log_softmax(a, dim, dtype=torch.float64),
    reference=ref.log_softmax,
)
op(
    "cumsum_function",
    lambda a, dim: tg.cumsum(a, dim=dim),
    along_one_dim(real),
    lambda a, dim: torch.cumsum(a, dim=dim),
    ["tg.cumsum"],
    reference=lambda a, dim: ref.along(np.cumsum, a, dim),
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
    "sum_axis_keepdims",  # NumPy's spellings of dim and keepdim
    lambda a, dim, keepdim: a.sum(axis=dim, keepdims=keepdim) + tg.mean(a, axis=dim, keepdims=keepdim),
    reduction(real, allow_none=False),
    lambda a, dim, keepdim: a.sum(dim, keepdim=keepdim) + a.mean(dim, keepdim=keepdim),
    ["sum", "mean", "tg.mean"],
    reference=lambda a, dim, keepdim: (
        ref.reduce(np.sum, a, dim, keepdim) + ref.reduce(np.mean, a, dim, keepdim)
    ),
)
