"""Compositions: Tensor methods and ``nn.functional`` functions with no op of their own, built
from the ops of the other modules (var/std, norm, silu, logsigmoid, dropout, sort/topk)."""

from __future__ import annotations

import math

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F

from .. import strategies as st
from . import reference as ref
from .cases import (
    bools,
    distinct,
    distinct_abs,
    nonzero,
    real,
    reduced_dims,
    reduction,
    saturating,
    seeded_rng,
    shapes,
    unary,
    unary_with,
    wide,
)
from .entry import Case, op, torch


def _count(shape, dim):
    return math.prod(shape[d] for d in reduced_dims(dim, len(shape)))


@st.composite
def variance(draw, domain=real, min_count=1, **shape_kw):
    """A reduction with a ``correction`` smaller than the number of reduced elements."""
    case = draw(reduction(domain, **shape_kw))
    count = _count(case.arrays[0].shape, case.params["dim"])
    if count < min_count:  # std needs two elements: sqrt has a kink at variance 0
        shape = tuple(max(n, 2) for n in case.arrays[0].shape) or (2,)
        case = Case((domain(seeded_rng(draw), shape),), {**case.params, "dim": None})
        count = math.prod(shape)
    case.params["correction"] = draw(st.integers(0, min(count - 1, 2)))
    return case


op(
    "var",
    lambda a, dim, keepdim, correction: a.var(dim, keepdim=keepdim, correction=correction),
    variance(real),
    lambda a, dim, keepdim, correction: a.var(dim, keepdim=keepdim, correction=correction),
    ["var"],
    reference=lambda a, dim, keepdim, correction: ref.reduce(np.var, a, dim, keepdim, ddof=correction),
)


op(
    "var_unbiased",
    lambda a, dim, keepdim, unbiased: a.var(dim, unbiased=unbiased, keepdim=keepdim),
    st.builds(
        lambda c, unbiased: Case(
            c.arrays, {"dim": c.params["dim"], "keepdim": c.params["keepdim"], "unbiased": unbiased}
        ),
        variance(real, min_count=2),
        bools,
    ),
    lambda a, dim, keepdim, unbiased: a.var(dim, unbiased=unbiased, keepdim=keepdim),
    ["var"],
    reference=lambda a, dim, keepdim, unbiased: ref.reduce(np.var, a, dim, keepdim, ddof=int(unbiased)),
)


op(
    "std",
    lambda a, dim, keepdim, correction: a.std(dim, keepdim=keepdim, correction=correction),
    variance(distinct, min_count=2),
    lambda a, dim, keepdim, correction: a.std(dim, keepdim=keepdim, correction=correction),
    ["std"],
    reference=lambda a, dim, keepdim, correction: ref.reduce(np.std, a, dim, keepdim, ddof=correction),
)


for _p, _domain in [(2, nonzero), ("fro", nonzero), (1, nonzero), (3, nonzero), (math.inf, distinct_abs)]:
    op(
        f"norm_p{_p}",
        lambda a, dim, keepdim, p=_p: a.norm(p, dim, keepdim),
        reduction(_domain),
        lambda a, dim, keepdim, p=_p: torch.linalg.vector_norm(a, 2 if p == "fro" else p, dim, keepdim),
        ["norm"],
        reference=lambda a, dim, keepdim, p=_p: ref.norm(a, p, dim, keepdim),
    )


def _seeded_dropout(a, p):
    """Dropout with the same mask on every call (finite differences re-run the function)."""
    tg.manual_seed(1234)
    return F.dropout(a, p, training=True)


op(
    "F.silu",
    lambda a: F.silu(a),
    unary(wide),
    lambda a: torch.nn.functional.silu(a),
    reference=lambda a: a * ref.sigmoid(a),
)


op(
    "F.logsigmoid",
    lambda a: F.logsigmoid(a),
    unary(saturating),
    lambda a: torch.nn.functional.logsigmoid(a),
    reference=ref.logsigmoid,
)


op(
    "F.dropout",  # a fixed seed: the same mask on every call (no torch reference: its masks differ)
    _seeded_dropout,
    unary_with(real, p=st.sampled_from([0.0, 0.3, 0.8])),
    reference=lambda a, p: ref.dropout_seeded(a, p, 1234),
)


op(
    "F.dropout_eval",
    lambda a: F.dropout(a, 0.5, training=False) * 1.0,
    unary(real),
    lambda a: torch.nn.functional.dropout(a, 0.5, training=False) * 1.0,
    reference=np.copy,
)


@st.composite
def sort_case(draw):
    """Distinct values (one clear order, so the indices agree with PyTorch's), a dim and a direction."""
    shape = draw(shapes())
    n = max(len(shape), 1)
    params = {"dim": draw(st.integers(-n, n - 1)), "descending": draw(st.booleans())}
    return Case((distinct(seeded_rng(draw), shape),), params)


@st.composite
def topk_case(draw):
    """Distinct values, a dim, ``k`` from 1 to the dim's size, largest or smallest."""
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    dim = draw(st.integers(-n, n - 1))
    params = {"k": draw(st.integers(1, shape[dim])), "dim": dim, "largest": draw(st.booleans())}
    return Case((distinct(seeded_rng(draw), shape),), params)


op(
    "sort",  # the gradient goes back to each value's place (indices: tests/test_sort_einsum.py)
    lambda a, dim, descending: a.sort(dim, descending=descending).values,
    sort_case(),
    lambda a, dim, descending: a.sort(dim, descending=descending).values,
    ["sort"],
    reference=ref.sort,
)


op(
    "sort_function",
    lambda a, dim, descending: tg.sort(a, dim, descending).values,
    sort_case(),
    lambda a, dim, descending: torch.sort(a, dim, descending).values,
    ["tg.sort"],
    reference=ref.sort,
)


op(
    "topk",
    lambda a, k, dim, largest: a.topk(k, dim, largest=largest).values,
    topk_case(),
    lambda a, k, dim, largest: a.topk(k, dim, largest=largest).values,
    ["topk"],
    reference=ref.topk,
)


op(
    "topk_function",
    lambda a, k, dim, largest: tg.topk(a, k, dim=dim, largest=largest).values,
    topk_case(),
    lambda a, k, dim, largest: torch.topk(a, k, dim=dim, largest=largest).values,
    ["tg.topk"],
    reference=ref.topk,
)
