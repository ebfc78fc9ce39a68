"""PyTorch as the oracle: every registry entry with a reference gives the same values and the same
gradients in float64, and the non-differentiable ops (argmax, all, comparisons, ...) agree too."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu.testing.registry import REGISTRY
from tinygrad_edu.testing.registry.cases import MAX_DIMS, MAX_SIDE, dims, shapes

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-12, 1e-12
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _assert_same(ours, theirs, what):
    ours_np = np.asarray(ours.detach().numpy() if isinstance(ours, tg.Tensor) else ours)
    theirs_np = theirs.detach().numpy()
    assert ours_np.shape == theirs_np.shape, f"{what}: shape {ours_np.shape} vs torch {theirs_np.shape}"
    assert ours_np.dtype == theirs_np.dtype, f"{what}: dtype {ours_np.dtype} vs torch {theirs_np.dtype}"
    np.testing.assert_allclose(ours_np, theirs_np, rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parametrize("entry", [e for e in REGISTRY if e.torch_fn is not None], ids=lambda e: e.name)
@settings(max_examples=8, **SETTINGS)
@given(data=st.data())
def test_values_and_gradients_match_torch(entry, data):
    case = data.draw(entry.cases.hypothesis(), label="case")
    ours_in = entry.tensors(case)
    theirs_in = [torch.tensor(a.astype(entry.dtype), requires_grad=True) for a in case.arrays]
    ours = _as_list(entry(case, ours_in))
    theirs = _as_list(entry.torch_fn(*theirs_in, **case.params))
    assert len(ours) == len(theirs), f"{len(ours)} outputs vs torch's {len(theirs)}"
    for k, (o, t) in enumerate(zip(ours, theirs)):
        _assert_same(o, t, f"output {k}")

    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(t.shape).astype(t.detach().numpy().dtype) for t in theirs]
    differentiable = [k for k, t in enumerate(theirs) if t.requires_grad]
    if not differentiable:
        return
    ours_loss = [(ours[k] * tg.tensor(weights[k])).sum() for k in differentiable]
    theirs_loss = [(theirs[k] * torch.from_numpy(weights[k])).sum() for k in differentiable]
    sum(ours_loss[1:], ours_loss[0]).backward()
    sum(theirs_loss[1:], theirs_loss[0]).backward()
    for i, (x, y) in enumerate(zip(ours_in, theirs_in)):
        if y.grad is None:
            assert x.grad is None or not np.any(x.grad.numpy()), f"input {i}: torch has no gradient"
        else:
            assert x.grad is not None, f"input {i}: no gradient, torch has one"
            _assert_same(x.grad, y.grad, f"gradient of input {i}")


# ---- non-differentiable ops: forward values only ------------------------------------------------------


@st.composite
def _with_ties(draw, min_dims=0):
    """Small integers as floats: many ties (argmax/argmin pick the first, as PyTorch does)."""
    shape = draw(shapes(min_dims=min_dims).hypothesis())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.integers(-2, 3, shape).astype(np.float64)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@settings(max_examples=15, **SETTINGS)
@given(data=st.data())
def test_arg_reductions_match_torch(name, data):
    x = data.draw(_with_ties())
    dim = data.draw(dims(x.ndim, allow_tuple=False).hypothesis())
    keepdim = data.draw(st.booleans())
    ours = getattr(tg.tensor(x), name)(dim, keepdim=keepdim)
    theirs = getattr(torch.from_numpy(x), name)(dim, keepdim=keepdim)
    _assert_same(ours, theirs, f"{name}(dim={dim}, keepdim={keepdim})")


@pytest.mark.parametrize("name", ["max", "min"])
@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_max_min_indices_match_torch(name, data):
    shape = data.draw(shapes().hypothesis())
    x = (
        np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        .permutation(int(np.prod(shape)))
        .reshape(shape)
    )
    x = x.astype(np.float64)
    dim = data.draw(dims(x.ndim, allow_none=False, allow_tuple=False).hypothesis())
    keepdim = data.draw(st.booleans())
    ours = getattr(tg.tensor(x), name)(dim, keepdim)
    theirs = getattr(torch.from_numpy(x), name)(dim, keepdim)
    _assert_same(ours.values, theirs.values, f"{name} values")
    _assert_same(ours.indices, theirs.indices, f"{name} indices")


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("dtype", [np.float64, np.bool_])
@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_logical_reductions_match_torch(name, dtype, data):
    x = np.asarray(data.draw(_with_ties()) > 0) if dtype == np.bool_ else data.draw(_with_ties())
    dim = data.draw(dims(x.ndim, allow_tuple=False).hypothesis())
    keepdim = data.draw(st.booleans())
    if dim is None:
        ours, theirs = getattr(tg.tensor(x), name)(), getattr(torch.from_numpy(x), name)()
    else:
        ours = getattr(tg.tensor(x), name)(dim, keepdim=keepdim)
        theirs = getattr(torch.from_numpy(x), name)(dim, keepdim=keepdim)
    _assert_same(ours, theirs, f"{name}(dim={dim}, keepdim={keepdim})")


COMPARISONS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "eq": lambda a, b: a.eq(b),
    "ne": lambda a, b: a.ne(b),
    "lt": lambda a, b: a.lt(b),
    "le": lambda a, b: a.le(b),
    "gt": lambda a, b: a.gt(b),
    "ge": lambda a, b: a.ge(b),
}


@pytest.mark.parametrize("name", list(COMPARISONS))
@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_comparisons_match_torch(name, data):
    drawn = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    a, b = (rng.integers(-1, 2, s).astype(np.float64) for s in drawn.input_shapes)
    compare = COMPARISONS[name]
    _assert_same(compare(tg.tensor(a), tg.tensor(b)), compare(torch.from_numpy(a), torch.from_numpy(b)), name)
    _assert_same(compare(tg.tensor(a), 0.0), compare(torch.from_numpy(a), 0.0), f"{name} with a scalar")
    # a requires-grad operand: the result is a bool tensor outside the graph
    result = compare(tg.tensor(a, requires_grad=True), tg.tensor(b))
    assert result.dtype == tg.bool and not result.requires_grad


LOGICAL = {
    "&": lambda a, b: a & b,
    "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b,
    "~": lambda a, b: ~a,
    "logical_and": lambda a, b: a.logical_and(b),
    "logical_or": lambda a, b: a.logical_or(b),
    "logical_not": lambda a, b: a.logical_not(),
}


@pytest.mark.parametrize("name", list(LOGICAL))
@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_logical_operators_match_torch(name, data):
    drawn = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    a, b = (np.asarray(rng.random(s) < 0.5) for s in drawn.input_shapes)
    op = LOGICAL[name]
    _assert_same(op(tg.tensor(a), tg.tensor(b)), op(torch.from_numpy(a), torch.from_numpy(b)), name)


# the SPEC: every elementwise, reduction and shape method is also a top-level function with PyTorch's name
TOP_LEVEL = [
    "exp",
    "log",
    "log1p",
    "expm1",
    "sqrt",
    "rsqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sign",
    "clamp",
    "clip",
    "reciprocal",
    "square",
    "maximum",
    "minimum",
    "where",
    "sum",
    "mean",
    "var",
    "std",
    "max",
    "min",
    "amax",
    "amin",
    "prod",
    "logsumexp",
    "norm",
    "argmax",
    "argmin",
    "all",
    "any",
    "softmax",
    "log_softmax",
    "reshape",
    "flatten",
    "squeeze",
    "unsqueeze",
    "transpose",
    "permute",
    "broadcast_to",
    "flip",
    "gather",
    "chunk",
    "split",
    "matmul",
    "mm",
    "cat",
    "stack",
    "unbind",
    "neg",
    "pow",
    "erf",
    "add",
    "sub",
    "mul",
    "div",
    "t",
    "dot",
    "bmm",
]


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_function_exists_as_in_torch(name):
    assert hasattr(torch, name), f"torch.{name} (the list above must only hold PyTorch's names)"
    assert callable(getattr(tg, name, None)), f"tg.{name} is missing"


# ---- at the kinks: the subgradient PyTorch picks ---------------------------------------------------------
# Values drawn from {-1, 0, 1} land exactly on kinks (relu at 0, clamp at its bounds) and on ties
# (max, amax, maximum); the gradcheck entries avoid them, PyTorch fixes a convention there.

KINKS = {
    "relu": (lambda a, b: a.relu(), lambda a, b: a.relu()),
    "abs": (lambda a, b: a.abs(), lambda a, b: a.abs()),
    "sign": (lambda a, b: a.sign(), lambda a, b: a.sign()),
    "leaky_relu": (lambda a, b: a.leaky_relu(0.1), lambda a, b: torch.nn.functional.leaky_relu(a, 0.1)),
    "elu": (lambda a, b: a.elu(0.5), lambda a, b: torch.nn.functional.elu(a, 0.5)),
    "clamp": (lambda a, b: a.clamp(0.0, 1.0), lambda a, b: a.clamp(0.0, 1.0)),
    "clamp_min": (lambda a, b: a.clamp(min=0.0), lambda a, b: a.clamp(min=0.0)),
    "maximum": (lambda a, b: a.maximum(b), lambda a, b: a.maximum(b)),
    "minimum": (lambda a, b: a.minimum(b), lambda a, b: a.minimum(b)),
    "max_all": (lambda a, b: a.max(), lambda a, b: a.max()),
    "min_all": (lambda a, b: a.min(), lambda a, b: a.min()),
    "amax_dim0": (lambda a, b: a.amax(0), lambda a, b: a.amax(0)),
    "amin_all": (lambda a, b: a.amin(), lambda a, b: a.amin(tuple(range(a.ndim)))),
    "max_dim0": (lambda a, b: a.max(0).values, lambda a, b: a.max(0).values),
    "min_dim_last": (
        lambda a, b: a.min(-1, keepdim=True).values,
        lambda a, b: a.min(-1, keepdim=True).values,
    ),
    "prod": (lambda a, b: a.prod(0), lambda a, b: a.prod(0)),
    "norm_p1": (lambda a, b: a.norm(1), lambda a, b: torch.linalg.vector_norm(a, 1)),
    "norm_p2": (lambda a, b: a.norm(), lambda a, b: torch.linalg.vector_norm(a)),
    "norm_p2_dim": (lambda a, b: a.norm(2, 0), lambda a, b: torch.linalg.vector_norm(a, 2, 0)),
    "norm_p3": (lambda a, b: a.norm(3), lambda a, b: torch.linalg.vector_norm(a, 3)),
    "norm_p3_dim": (lambda a, b: a.norm(3, -1, True), lambda a, b: torch.linalg.vector_norm(a, 3, -1, True)),
    "norm_pinf": (lambda a, b: a.norm(float("inf")), lambda a, b: torch.linalg.vector_norm(a, float("inf"))),
}


@pytest.mark.parametrize("name", list(KINKS))
@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_gradient_at_kinks_matches_torch(name, data):
    shape = data.draw(shapes(min_dims=1).hypothesis())
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    a, b = (rng.integers(-1, 2, shape).astype(np.float64) for _ in range(2))
    ours_fn, theirs_fn = KINKS[name]
    ours_in = [tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)]
    theirs_in = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    ours, theirs = ours_fn(*ours_in), theirs_fn(*theirs_in)
    _assert_same(ours, theirs, "value")
    weights = rng.standard_normal(theirs.shape)
    (ours * tg.tensor(weights)).sum().backward()
    (theirs * torch.from_numpy(weights)).sum().backward()
    for i, (x, y) in enumerate(zip(ours_in, theirs_in)):
        if y.grad is not None:
            assert x.grad is not None, f"input {i}: no gradient, torch has one"
            _assert_same(x.grad, y.grad, f"gradient of input {i}")
