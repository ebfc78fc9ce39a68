"""Entries of ``ops/linalg.py``: MatMul (every spelling of a matrix product), Affine (``F.linear``)
and Einsum."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F

from .. import strategies as st
from . import reference as ref
from .cases import real, seeded_rng, shapes
from .entry import Case, op, torch


@st.composite
def matmul_operands(draw, min_batch=0, max_batch=2, vectors=True):
    """``(.., n, k) @ (.., k, m)`` with broadcast batch dims; with ``vectors`` either operand may be
    the vector ``(k,)`` instead (numpy.matmul's signature ``(n?,k),(k,m?)->(n?,m?)``)."""
    n, k, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batches = draw(st.broadcastable_shapes(2, min_dims=min_batch, max_dims=max_batch, max_side=3))
    left, right = batches[0] + (n, k), batches[1] + (k, m)
    if vectors and draw(st.booleans()):
        left = (k,)
    if vectors and draw(st.booleans()):
        right = (k,)
    rng = seeded_rng(draw)
    return Case((real(rng, left), real(rng, right)), {})


@st.composite
def vector_matmul(draw, kinds=("dot", "vec_mat", "mat_vec")):
    """At least one 1-D operand: (k)@(k), (k)@(..,k,m), (..,n,k)@(k)."""
    k = draw(st.integers(1, 4))
    batch = draw(shapes(min_dims=0, max_dims=1, max_side=3))
    kind = draw(st.sampled_from(kinds))
    left = (k,) if kind != "mat_vec" else batch + (draw(st.integers(1, 3)), k)
    right = (k,) if kind != "vec_mat" else batch + (k, draw(st.integers(1, 3)))
    rng = seeded_rng(draw)
    return Case((real(rng, left), real(rng, right)), {})


op("matmul", lambda a, b: a @ b, matmul_operands(), lambda a, b: a @ b, ["__matmul__"], reference=np.matmul)


op(
    "matmul_vectors",
    lambda a, b: tg.matmul(a, b),
    vector_matmul(),
    lambda a, b: torch.matmul(a, b),
    ["tg.matmul"],
    reference=np.matmul,
)


op(
    "matmul_batched_broadcast",
    lambda a, b: a.matmul(b),
    matmul_operands(min_batch=1, max_batch=2, vectors=False),
    lambda a, b: a.matmul(b),
    ["matmul"],
    reference=np.matmul,
)


op(
    "mm",
    lambda a, b: a.mm(b),
    matmul_operands(max_batch=0, vectors=False),
    lambda a, b: a.mm(b),
    ["mm"],
    reference=np.matmul,
)


op(
    "rmatmul_array",
    lambda b, c: c @ b,
    st.builds(
        lambda k, m, n, seed: Case(
            (real(np.random.default_rng(seed), (k, m)),),
            {"c": real(np.random.default_rng(seed + 1), (n, k))},
        ),
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(0, 2**31),
    ),
    lambda b, c: torch.from_numpy(c) @ b,
    ["__rmatmul__"],
    reference=lambda b, c: c @ b,
)


op(
    "dot",
    lambda a, b: a.dot(b),
    vector_matmul(kinds=("dot",)),
    lambda a, b: a.dot(b),
    ["dot"],
    reference=lambda a, b: np.asarray(np.dot(a, b)),
)


op(
    "bmm",
    lambda a, b: a.bmm(b),
    st.builds(
        lambda b, n, k, m, seed: Case(
            (real(np.random.default_rng(seed), (b, n, k)), real(np.random.default_rng(seed + 1), (b, k, m))),
            {},
        ),
        *[st.integers(1, 3)] * 4,
        st.integers(0, 2**31),
    ),
    lambda a, b: a.bmm(b),
    ["bmm"],
    reference=np.matmul,
)


@st.composite
def linear_case(draw, bias=True):
    lead = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    in_features, out_features = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    rng = seeded_rng(draw)
    arrays = [real(rng, lead + (in_features,)), real(rng, (out_features, in_features))]
    if bias:
        arrays.append(real(rng, (out_features,)))
    return Case(tuple(arrays), {})


op(
    "F.linear",
    lambda x, w, b: F.linear(x, w, b),
    linear_case(),
    lambda x, w, b: torch.nn.functional.linear(x, w, b),
    reference=ref.linear,
)


op(
    "F.linear_no_bias",
    lambda x, w: F.linear(x, w),
    linear_case(bias=False),
    lambda x, w: torch.nn.functional.linear(x, w),
    reference=ref.linear,
)


# equation -> letters whose sizes are drawn (a letter of size "1" broadcasts against a larger one)
EINSUM_EQUATIONS = [
    "ij,jk->ik",  # matmul
    "bij,bjk->bik",  # batched matmul
    "i,i->",  # dot
    "i,j->ij",  # outer product
    "ij->ji",  # transpose
    "ij->",  # sum of everything
    "ij",  # implicit output: "ij"
    "ij,jk",  # implicit output: "ik"
    "ii->i",  # diagonal
    "ii",  # trace
    "iij->ij",  # a diagonal inside a bigger operand
    "ab,cd->ad",  # b and c are summed within one operand each
    "...ij,...jk->...ik",  # broadcast batch dims
    "bi,i,bj->bj",  # three operands
    "i,->i",  # a 0-d operand
]


@st.composite
def einsum_case(draw):
    """An equation of ``EINSUM_EQUATIONS`` and operands of sizes that fit it (sizes 1 to 3; under
    ``...`` a batch dim of size 1 meets a larger one)."""
    equation = draw(st.sampled_from(EINSUM_EQUATIONS))
    sizes = {c: draw(st.integers(1, 3)) for c in sorted(set(equation) - set(",.->"))}
    rng = seeded_rng(draw)
    lhs = equation.split("->")[0]
    arrays = []
    for term in lhs.split(","):
        lead = ()
        if "..." in term:
            lead = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
        shape = lead + tuple(sizes[c] for c in term.replace("...", ""))
        arrays.append(real(rng, shape))
    if "..." in equation and arrays[0].ndim > 2 and arrays[1].ndim == arrays[0].ndim:
        arrays[1] = real(rng, (1,) * (arrays[1].ndim - 2) + arrays[1].shape[-2:])  # broadcast a batch
    return Case(tuple(arrays), {"equation": equation})


op(
    "einsum",
    lambda *arrays, equation: tg.einsum(equation, *arrays),
    einsum_case(),
    lambda *arrays, equation: torch.einsum(equation, *arrays),
    ["tg.einsum"],
    reference=lambda *arrays, equation: np.asarray(np.einsum(equation, *arrays)),
)


op(
    "einsum_list",  # operands as one list, as torch.einsum also takes them
    lambda a, b: tg.einsum("ij,kj->ik", [a, b]),
    st.builds(
        lambda rng, n, k, m: Case((real(rng, (n, k)), real(rng, (m, k))), {}),
        st.builds(np.random.default_rng, st.integers(0, 2**32 - 1)),
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(1, 3),
    ),
    lambda a, b: torch.einsum("ij,kj->ik", [a, b]),
    ["tg.einsum"],
    reference=lambda a, b: np.einsum("ij,kj->ik", a, b),
)
