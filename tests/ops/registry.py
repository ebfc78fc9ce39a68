"""The op registry: every differentiable Tensor op of the SPEC, enrolled once.

Each ``OpEntry`` gives a function of Tensors to check, a hypothesis strategy that draws a ``Case``
(input arrays plus keyword parameters such as ``dim``), whether the op is twice differentiable, and
the same function written for PyTorch (the oracle). The tests in this folder are generated from it
(Chainer's ``FunctionTestCase`` / minitorch's registry): gradcheck, gradgradcheck, the PyTorch
oracle, and the completeness checks that fail when an op or a ``Function`` is not enrolled.

Shapes are drawn by hypothesis (at most 3 dims of size at most 4, broadcasting included); values come
from a NumPy generator seeded by hypothesis, in the op's domain (positive for ``log``/``sqrt``,
away from 0 for ``relu``/``abs``, distinct for ``max``, away from the bounds for ``clamp``, ...), so
that the finite differences of gradcheck never straddle a kink.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import math
from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu.backend import get_backend
from tinygrad_edu.ops.elementwise import ToDevice
from tinygrad_edu.ops.movement import Pad

MAX_DIMS = 3
MAX_SIDE = 4
FLOAT64 = np.dtype(np.float64)


class _LazyModule:
    """``torch`` imported on first use, so the registry (and gradcheck) never needs PyTorch.

    Where PyTorch is installed, ``torch.nn.functional`` is the real module; where it is not, the
    names the registry mentions while it is built (``torch.from_numpy``, ``torch.nn.functional``)
    stay placeholders that raise ``ModuleNotFoundError`` only if called — and only the oracle test
    calls them, after ``pytest.importorskip("torch")``.
    """

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        try:
            module = importlib.import_module(self._name)
        except ImportError:
            return _LazyModule(f"{self._name}.{attr}")
        return getattr(module, attr)

    def __call__(self, *args, **kwargs):
        importlib.import_module(self._name)  # raises: PyTorch is not installed
        raise ModuleNotFoundError(f"{self._name} needs PyTorch")


torch = _LazyModule("torch")


# ---- what an entry is ------------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    """One drawn input: the arrays that become Tensors (requiring grad) and keyword parameters."""

    arrays: tuple
    params: dict

    def __repr__(self):
        arrays = ", ".join(f"array(shape={a.shape}, {a.tolist()})" for a in self.arrays)
        return f"Case(arrays=({arrays}), params={self.params!r})"


@dataclasses.dataclass(frozen=True)
class OpEntry:
    """An op enrolled for the generated tests.

    ``fn(*tensors, **case.params)`` and ``torch_fn(*torch_tensors, **case.params)`` compute the same
    thing; ``methods`` names the Tensor methods/operators (and ``tg.<name>`` functions) the entry
    exercises, checked by ``test_registry_complete``.
    """

    name: str
    fn: Callable
    cases: st.SearchStrategy
    torch_fn: Callable | None = None
    methods: tuple = ()
    twice_differentiable: bool = True
    dtype: np.dtype = FLOAT64
    eps: float = 1e-6

    def tensors(self, case):
        """The case's arrays as fresh leaf Tensors of the entry's dtype that require grad."""
        return [tg.tensor(a.astype(self.dtype), requires_grad=True) for a in case.arrays]

    def __call__(self, case, tensors):
        return self.fn(*tensors, **case.params)

    def __repr__(self):
        return f"OpEntry({self.name})"


REGISTRY: list[OpEntry] = []


def op(name, fn, cases, torch_fn=None, methods=(), twice=True, dtype=np.float64, eps=1e-6):
    """Enroll an op."""
    if any(e.name == name for e in REGISTRY):
        raise ValueError(f"registry: {name!r} enrolled twice")
    entry = OpEntry(name, fn, cases, torch_fn, tuple(methods), twice, np.dtype(dtype), eps)
    REGISTRY.append(entry)
    return entry


# ---- value domains: (rng, shape) -> float64 array ----------------------------------------------------


def _array(values, shape):
    return np.asarray(values, dtype=np.float64).reshape(shape)


def real(rng, shape):
    return _array(rng.uniform(-2.0, 2.0, shape), shape)


def wide(rng, shape):
    """Far enough out to reach the saturated parts of sigmoid/tanh/softplus."""
    return _array(rng.uniform(-6.0, 6.0, shape), shape)


def positive(rng, shape):
    return _array(rng.uniform(0.5, 2.0, shape), shape)


def nonzero(rng, shape):
    """Away from the kink at 0 (relu, abs, sign, leaky_relu, elu, ...)."""
    return _array(rng.choice((-1.0, 1.0), shape) * rng.uniform(0.2, 2.0, shape), shape)


def large(rng, shape):
    """Logits around +-1000 (one common offset): softmax and logsumexp must not overflow."""
    return _array(rng.uniform(-3.0, 3.0, shape) + rng.choice((-1000.0, 1000.0)), shape)


def saturating(rng, shape):
    """Far into the flat tails of sigmoid/tanh/softplus (clear of softplus's threshold at 20)."""
    return _array(rng.choice((-1.0, 1.0), shape) * rng.uniform(25.0, 45.0, shape), shape)


def above_minus_one(rng, shape):
    return _array(rng.uniform(-0.5, 2.0, shape), shape)


def distinct(rng, shape):
    """All elements at least 0.06 apart: max/min/argmax have one clear winner along every dim."""
    n = math.prod(shape)
    spread = (rng.permutation(n) - (n - 1) / 2) * 0.1 + rng.uniform(-0.02, 0.02, n)
    return _array(spread, shape)


def distinct_abs(rng, shape):
    """Non-zero, with distinct absolute values (the inf-norm's winner is clear)."""
    n = math.prod(shape)
    magnitude = 0.3 + rng.permutation(n) * 0.1 + rng.uniform(-0.02, 0.02, n)
    return _array(rng.choice((-1.0, 1.0), n) * magnitude, shape)


def grid_odd(rng, shape):
    """Near 0.2·k + 0.1: at least 0.04 away from any ``grid_even`` value (maximum, clamp bounds)."""
    return _array(0.2 * rng.integers(-8, 8, shape) + 0.1 + rng.uniform(-0.03, 0.03, shape), shape)


def grid_even(rng, shape):
    """Near 0.2·k."""
    return _array(0.2 * rng.integers(-8, 8, shape) + rng.uniform(-0.03, 0.03, shape), shape)


def unit_scale(rng, shape):
    """Non-zero, of magnitude near 1: products of up to 64 of them stay moderate."""
    return _array(rng.choice((-1.0, 1.0), shape) * rng.uniform(0.6, 1.4, shape), shape)


def with_zeros(rng, shape):
    """``unit_scale`` with one or two elements set to exactly 0 (prod's zero-safe gradient)."""
    values = unit_scale(rng, shape).reshape(-1)
    values[rng.choice(values.size, size=min(values.size, int(rng.integers(1, 3))), replace=False)] = 0.0
    return values.reshape(shape)


# ---- shape and case strategies -------------------------------------------------------------------------


def shapes(min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@st.composite
def unary(draw, domain=real, **shape_kw):
    """One input of any shape (0-d included)."""
    shape = draw(shapes(**shape_kw))
    return Case((domain(_rng(draw), shape),), {})


@st.composite
def broadcasting(draw, *domains):
    """One input per domain, with mutually broadcastable shapes."""
    drawn = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=len(domains), max_dims=MAX_DIMS, max_side=MAX_SIDE)
    )
    rng = _rng(draw)
    return Case(tuple(d(rng, s) for d, s in zip(domains, drawn.input_shapes)), {})


@st.composite
def unary_with(draw, domain=real, shape_kw=None, **params):
    """One input and keyword parameters drawn from the given strategies."""
    shape = draw(shapes(**(shape_kw or {})))
    return Case((domain(_rng(draw), shape),), {k: draw(v) for k, v in params.items()})


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


def _normalized(dim, ndim):
    """``dim`` (None, an int or a tuple) as the set of reduced dims."""
    if dim is None or ndim == 0:
        return set(range(ndim))
    items = dim if isinstance(dim, tuple) else (dim,)
    return {d % ndim for d in items}


def _count(shape, dim):
    return math.prod(shape[d] for d in _normalized(dim, len(shape)))


@st.composite
def reduction(draw, domain=real, keepdim=True, allow_none=True, allow_tuple=True, **shape_kw):
    """One input with a drawn ``dim`` (and ``keepdim``)."""
    shape = draw(shapes(**shape_kw))
    params = {"dim": draw(dims(len(shape), allow_none, allow_tuple))}
    if keepdim:
        params["keepdim"] = draw(st.booleans())
    return Case((domain(_rng(draw), shape),), params)


@st.composite
def variance(draw, domain=real, min_count=1, **shape_kw):
    """A reduction with a ``correction`` smaller than the number of reduced elements."""
    case = draw(reduction(domain, **shape_kw))
    count = _count(case.arrays[0].shape, case.params["dim"])
    if count < min_count:  # std needs two elements: sqrt has a kink at variance 0
        shape = tuple(max(n, 2) for n in case.arrays[0].shape) or (2,)
        case = Case((domain(_rng(draw), shape),), {**case.params, "dim": None})
        count = math.prod(shape)
    case.params["correction"] = draw(st.integers(0, min(count - 1, 2)))
    return case


@st.composite
def matmul_operands(draw, min_batch=0, max_batch=2, vectors=True):
    """Shapes with numpy.matmul's signature ``(n?,k),(k,m?)->(n?,m?)`` and broadcast batch dims."""
    signature = np.matmul.signature if vectors else "(n,k),(k,m)->(n,m)"
    drawn = draw(
        hnp.mutually_broadcastable_shapes(
            signature=signature, min_dims=min_batch, max_dims=max_batch, min_side=1, max_side=3
        )
    )
    rng = _rng(draw)
    return Case(tuple(real(rng, s) for s in drawn.input_shapes), {})


@st.composite
def vector_matmul(draw, kinds=("dot", "vec_mat", "mat_vec")):
    """At least one 1-D operand: (k)@(k), (k)@(..,k,m), (..,n,k)@(k)."""
    k = draw(st.integers(1, 4))
    batch = draw(shapes(min_dims=0, max_dims=1, max_side=3))
    kind = draw(st.sampled_from(kinds))
    left = (k,) if kind != "mat_vec" else batch + (draw(st.integers(1, 3)), k)
    right = (k,) if kind != "vec_mat" else batch + (k, draw(st.integers(1, 3)))
    rng = _rng(draw)
    return Case((real(rng, left), real(rng, right)), {})


@st.composite
def regrouped(draw, shape):
    """A new shape with the same number of elements (one entry may be -1)."""
    factors, n, p = [], math.prod(shape), 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    factors = draw(st.permutations(factors))
    cuts = sorted(draw(st.lists(st.integers(0, len(factors)), max_size=3)))
    bounds = [0, *cuts, len(factors)]
    new = [math.prod(factors[a:b]) for a, b in itertools.pairwise(bounds)]
    if math.prod(shape) == 1 and draw(st.booleans()):
        new = []
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return tuple(new)


@st.composite
def reshaped(draw):
    shape = draw(shapes())
    return Case((real(_rng(draw), shape),), {"shape": draw(regrouped(shape))})


@st.composite
def with_ones(draw, min_dims=0):
    """A shape with many dims of size 1 (squeeze, expand)."""
    return tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=min_dims, max_size=MAX_DIMS)))


@st.composite
def squeezed(draw):
    shape = draw(with_ones())
    dim = draw(st.one_of(st.none(), dims(len(shape), allow_none=False)))
    return Case((real(_rng(draw), shape),), {"dim": dim})


@st.composite
def flattened(draw):
    shape = draw(shapes())
    n = max(len(shape), 1)
    start, end = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2)))
    start = start - n if draw(st.booleans()) else start
    end = end - n if draw(st.booleans()) else end
    return Case((real(_rng(draw), shape),), {"start_dim": start, "end_dim": end})


@st.composite
def transposed(draw):
    shape = draw(shapes())
    n = max(len(shape), 1)
    pair = draw(st.lists(st.integers(-n, n - 1), min_size=2, max_size=2))
    return Case((real(_rng(draw), shape),), {"dim0": pair[0], "dim1": pair[1]})


@st.composite
def permuted(draw):
    shape = draw(shapes())
    order = draw(st.permutations(range(len(shape))))
    order = tuple(d - len(shape) if draw(st.booleans()) else d for d in order)
    return Case((real(_rng(draw), shape),), {"dims": order})


@st.composite
def expanded(draw, allow_minus_one=True):
    """An input with 1s in its shape and a target it broadcasts to (with new leading dims)."""
    shape = draw(with_ones())
    lead = draw(st.lists(st.integers(1, 3), max_size=MAX_DIMS - len(shape)))
    target = [n if n != 1 else draw(st.integers(1, 3)) for n in shape]
    if allow_minus_one:
        target = [-1 if t == n and draw(st.booleans()) else t for t, n in zip(target, shape)]
    return Case((real(_rng(draw), shape),), {"size": tuple(lead + target)})


@st.composite
def summed_to(draw):
    """An input whose shape broadcasts from ``size`` (sum_to_size undoes it)."""
    size = draw(with_ones())
    lead = draw(st.lists(st.integers(1, 3), max_size=MAX_DIMS - len(size)))
    shape = tuple(lead + [n if n != 1 else draw(st.integers(1, 3)) for n in size])
    return Case((real(_rng(draw), shape),), {"size": size})


@st.composite
def repeated(draw):
    shape = draw(shapes(max_side=3))
    extra = draw(st.integers(1 if not shape else 0, 1))
    repeats = draw(st.lists(st.integers(1, 3), min_size=len(shape) + extra, max_size=len(shape) + extra))
    return Case((real(_rng(draw), shape),), {"repeats": tuple(repeats)})


@st.composite
def flipped(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    axes = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    return Case(
        (real(_rng(draw), shape),), {"dims": tuple(d - n if draw(st.booleans()) else d for d in axes)}
    )


@st.composite
def unsqueezed(draw):
    shape = draw(shapes())
    n = len(shape)
    return Case((real(_rng(draw), shape),), {"dim": draw(st.integers(-n - 1, n))})


@st.composite
def basic_index(draw, negative_steps=False):
    """Ints, slices (clamped bounds, steps), None and at most one Ellipsis.

    With ``negative_steps`` the first dim is sliced backwards (NumPy allows it; PyTorch does not).
    """
    shape = draw(shapes(min_dims=1))
    items, dim = [], 0
    if negative_steps:
        n = shape[0]
        bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
        items.append(slice(draw(bound), draw(bound), draw(st.sampled_from([-1, -2, -3]))))
        dim = 1
    while dim < len(shape):
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis", "stop"]))
        if kind == "stop":
            break
        if kind == "none":
            items.append(None)
        elif kind == "ellipsis":
            items.append(Ellipsis)
            dim += draw(st.integers(0, len(shape) - dim))
            for m in shape[dim:]:  # the dims after the ellipsis
                items.append(draw(st.integers(-m, m - 1)) if draw(st.booleans()) else slice(None))
            break
        elif kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
            dim += 1
        else:
            bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
            items.append(slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3]))))
            dim += 1
    index = tuple(items)
    if len(index) == 1 and draw(st.booleans()):
        index = index[0]  # a bare int/slice/None/Ellipsis, not a tuple
    return Case((real(_rng(draw), shape),), {"index": index})


@st.composite
def array_index(draw, max_arrays=1, two_d=False, lead=None):
    """Integer arrays (repeats and negative values) on one or two adjacent dims, after ``lead`` slices."""
    shape = draw(shapes(min_dims=max_arrays))
    if lead is None:
        lead = draw(st.integers(0, len(shape) - max_arrays))
    count = draw(st.integers(1, max_arrays))
    index_shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if two_d else (draw(st.integers(1, 5)),)
    rng = _rng(draw)
    arrays = [rng.integers(-shape[lead + k], shape[lead + k], index_shape) for k in range(count)]
    return Case((real(rng, shape),), {"index": (slice(None),) * lead + tuple(arrays)})


@st.composite
def mixed_index(draw):
    """``x[None, ..., array, ::2]``: an integer array between an Ellipsis and a strided slice."""
    shape = draw(shapes(min_dims=2))
    rng = _rng(draw)
    n = shape[-2]
    array = rng.integers(-n, n, (draw(st.integers(1, 5)),))
    return Case((real(rng, shape),), {"array": array})


@st.composite
def mask_index(draw):
    """A bool mask over the leading dims (all of them, or some)."""
    shape = draw(shapes(min_dims=1))
    k = draw(st.integers(1, len(shape)))
    rng = _rng(draw)
    return Case((real(rng, shape),), {"mask": rng.random(shape[:k]) < 0.5})


@st.composite
def gathered(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    dim = draw(st.integers(-n, n - 1))
    d = dim % n
    index_shape = tuple(
        draw(st.integers(1, 4)) if i == d else draw(st.integers(1, s)) for i, s in enumerate(shape)
    )
    rng = _rng(draw)
    return Case((real(rng, shape),), {"dim": dim, "index": rng.integers(0, shape[d], index_shape)})


@st.composite
def split_case(draw, sections=False):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    dim = draw(st.integers(-n, n - 1))
    size = shape[dim % n]
    if sections:
        cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3)))
        bounds = [0, *cuts, size]
        split = [b - a for a, b in itertools.pairwise(bounds)]
    else:
        split = draw(st.integers(1, 4))
    return Case((real(_rng(draw), shape),), {"split": split, "dim": dim})


@st.composite
def chunk_case(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    return Case(
        (real(_rng(draw), shape),), {"chunks": draw(st.integers(1, 5)), "dim": draw(st.integers(-n, n - 1))}
    )


@st.composite
def joined(draw, same_size):
    """Two or three inputs for cat (sizes differ along ``dim``) or stack (same shapes)."""
    shape = list(draw(shapes(min_dims=0 if same_size else 1)))
    count = draw(st.integers(2, 3))
    n = len(shape) + (1 if same_size else 0)
    dim = draw(st.integers(-n, n - 1))
    rng = _rng(draw)
    arrays = []
    for _ in range(count):
        if not same_size:
            shape[dim % n] = draw(st.integers(1, 3))
        arrays.append(real(rng, tuple(shape)))
    return Case(tuple(arrays), {"dim": dim})


@st.composite
def padded(draw):
    shape = draw(shapes(min_dims=1))
    widths = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape)
    value = draw(st.sampled_from([0.0, 1.5, -2.0]))
    return Case((real(_rng(draw), shape),), {"widths": widths, "value": value})


@st.composite
def where_case(draw, scalar_other=False):
    count = 2 if scalar_other else 3
    drawn = draw(hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = _rng(draw)
    condition = np.asarray(rng.random(drawn.input_shapes[0]) < 0.5)
    arrays = tuple(real(rng, s) for s in drawn.input_shapes[1:])
    return Case(arrays, {"condition": condition})


@st.composite
def clamp_tensor_case(draw):
    """x between tensor bounds: x on the odd grid, bounds on the even grid (never equal)."""
    drawn = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = _rng(draw)
    x_shape, lo_shape, hi_shape = drawn.input_shapes
    low, high = grid_even(rng, lo_shape) - 0.6, grid_even(rng, hi_shape) + 0.6
    return Case((grid_odd(rng, x_shape), _array(low, lo_shape), _array(high, hi_shape)), {})


@st.composite
def const_array_case(draw, domain=real):
    """A tensor and a NumPy array (the left operand of reflected operators), broadcastable."""
    drawn = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    rng = _rng(draw)
    return Case((domain(rng, drawn.input_shapes[0]),), {"c": positive(rng, drawn.input_shapes[1])})


# ---- helpers shared by entries ---------------------------------------------------------------------------


def _torch_index(index):
    """A NumPy-style index with its integer arrays as torch tensors."""
    items = index if isinstance(index, tuple) else (index,)
    return tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in items)


def _tg_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return tuple(tg.tensor(i) if isinstance(i, np.ndarray) else i for i in items)


def _torch_prod(a, dim=None, keepdim=False):
    """torch.prod takes one int dim: reduce a tuple one dim at a time."""
    if dim is None:
        out = a.prod()
        return out.reshape((1,) * a.ndim) if keepdim else out
    axes = sorted(_normalized(dim, a.ndim), reverse=True) if a.ndim else [0]
    for d in axes:
        a = a.prod(d, keepdim=keepdim)
    return a


def _all_dims(dim, ndim):
    """``dim=None`` spelled as the tuple of every dim (torch.logsumexp/amax need a dim)."""
    return tuple(range(ndim)) if dim is None else dim


def _torch_pad_tuple(widths):
    """Per-dim (before, after) widths as PyTorch's pad tuple: last dim first."""
    return tuple(w for pair in reversed(widths) for w in pair)


def _pad(a, widths, value):
    """``nn.functional.pad`` when the library has it; until then its op, ``Pad``, applied directly."""
    try:
        functional = importlib.import_module("tinygrad_edu.nn.functional")
    except ImportError:
        functional = None
    if functional is not None and hasattr(functional, "pad"):
        return functional.pad(a, _torch_pad_tuple(widths), value=value)
    return Pad.apply(a, widths, value)


_bools = st.booleans()


# ======================================================================================================
# arithmetic
# ======================================================================================================

op("add", lambda a, b: a + b, broadcasting(real, real), lambda a, b: a + b, ["__add__"])
op("sub", lambda a, b: a - b, broadcasting(real, real), lambda a, b: a - b, ["__sub__"])
op("mul", lambda a, b: a * b, broadcasting(real, real), lambda a, b: a * b, ["__mul__"])
op("div", lambda a, b: a / b, broadcasting(real, nonzero), lambda a, b: a / b, ["__truediv__"])
op(
    "add_sub_alpha",
    lambda a, b: a.add(b, alpha=2.5).sub(b, alpha=-0.5),
    broadcasting(real, real),
    lambda a, b: a.add(b, alpha=2.5).sub(b, alpha=-0.5),
    ["add", "sub"],
)
op(
    "mul_div_methods",
    lambda a, b, c: a.mul(b).div(c),
    broadcasting(real, real, nonzero),
    lambda a, b, c: a.mul(b).div(c),
    ["mul", "div"],
)
op("pow_tensor", lambda a, b: a**b, broadcasting(positive, real), lambda a, b: a**b, ["__pow__"])
op(
    "pow_method_tensor",
    lambda a, b: a.pow(b),
    broadcasting(positive, real),
    lambda a, b: a.pow(b),
    ["pow"],
)
op(
    "pow_int_exponent",
    lambda a, p: a**p,
    unary_with(nonzero, p=st.sampled_from([0, 1, 2, 3, -1, -2])),
    lambda a, p: a**p,
    ["__pow__"],
)
op(
    "pow_float_exponent",
    lambda a, p: a.pow(p),
    unary_with(positive, p=st.sampled_from([0.5, 1.5, -0.5, 2.5, 1 / 3, 0.0])),
    lambda a, p: a.pow(p),
    ["pow"],
)
op(
    "rpow",
    lambda a, c: c**a,
    unary_with(real, c=st.sampled_from([2.0, 0.5, 3, math.e])),
    lambda a, c: c**a,
    ["__rpow__"],
)
op(
    "scalar_right",
    lambda a: ((a + 1.5) * 2.0 - 0.25) / 4.0,
    unary(real),
    lambda a: ((a + 1.5) * 2.0 - 0.25) / 4.0,
    ["__add__", "__mul__", "__sub__", "__truediv__"],
)
op(
    "scalar_reflected",
    lambda a: (1.5 - a) * (2.5 + a) + 0.5 * a + 3.0 / a + 2 * a,
    unary(nonzero),
    lambda a: (1.5 - a) * (2.5 + a) + 0.5 * a + 3.0 / a + 2 * a,
    ["__rsub__", "__radd__", "__rmul__", "__rtruediv__"],
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
)
op(
    "same_tensor_twice",  # one tensor feeding one op twice: the engine adds both contributions
    lambda a: a * a + a / (a.exp() + 1),
    unary(real),
    lambda a: a * a + a / (a.exp() + 1),
    ["__mul__", "__truediv__", "__add__"],
)
op("neg", lambda a: -a, unary(real), lambda a: -a, ["__neg__"])
op("neg_method", lambda a: a.neg(), unary(real), lambda a: a.neg(), ["neg"])
op("abs", lambda a: a.abs(), unary(nonzero), lambda a: a.abs(), ["abs"])
op("abs_builtin", lambda a: abs(a), unary(nonzero), lambda a: abs(a), ["__abs__"])

# ---- matrix products ---------------------------------------------------------------------------------

op("matmul", lambda a, b: a @ b, matmul_operands(), lambda a, b: a @ b, ["__matmul__"])
op(
    "matmul_vectors",
    lambda a, b: tg.matmul(a, b),
    vector_matmul(),
    lambda a, b: torch.matmul(a, b),
    ["tg.matmul"],
)
op(
    "matmul_batched_broadcast",
    lambda a, b: a.matmul(b),
    matmul_operands(min_batch=1, max_batch=2, vectors=False),
    lambda a, b: a.matmul(b),
    ["matmul"],
)
op(
    "mm",
    lambda a, b: a.mm(b),
    matmul_operands(max_batch=0, vectors=False),
    lambda a, b: a.mm(b),
    ["mm"],
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
)
op("dot", lambda a, b: a.dot(b), vector_matmul(kinds=("dot",)), lambda a, b: a.dot(b), ["dot"])
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
)

# ======================================================================================================
# elementwise
# ======================================================================================================

op("exp", lambda a: a.exp(), unary(real), lambda a: a.exp(), ["exp"])
op("log", lambda a: a.log(), unary(positive), lambda a: a.log(), ["log"])
op("log1p", lambda a: a.log1p(), unary(above_minus_one), lambda a: a.log1p(), ["log1p"])
op("expm1", lambda a: a.expm1(), unary(real), lambda a: a.expm1(), ["expm1"])
op("sqrt", lambda a: a.sqrt(), unary(positive), lambda a: a.sqrt(), ["sqrt"])
op("rsqrt", lambda a: a.rsqrt(), unary(positive), lambda a: a.rsqrt(), ["rsqrt"])
op("sin", lambda a: a.sin(), unary(real), lambda a: a.sin(), ["sin"])
op("cos", lambda a: a.cos(), unary(real), lambda a: a.cos(), ["cos"])
op("tanh", lambda a: a.tanh(), unary(wide), lambda a: a.tanh(), ["tanh"])
op("sigmoid", lambda a: a.sigmoid(), unary(wide), lambda a: a.sigmoid(), ["sigmoid"])
op(
    "saturated_activations",
    lambda a: a.sigmoid() + a.tanh() + a.softplus() + a.exp().reciprocal().log1p(),
    unary(saturating),
    lambda a: a.sigmoid() + a.tanh() + torch.nn.functional.softplus(a) + a.exp().reciprocal().log1p(),
    ["sigmoid", "tanh", "softplus"],
)
op("relu", lambda a: a.relu(), unary(nonzero), lambda a: a.relu(), ["relu"])
op(
    "leaky_relu",
    lambda a, slope: a.leaky_relu(slope),
    unary_with(nonzero, slope=st.sampled_from([0.01, 0.2, 1.5])),
    lambda a, slope: torch.nn.functional.leaky_relu(a, slope),
    ["leaky_relu"],
)
op(
    "leaky_relu_default",
    lambda a: a.leaky_relu(),
    unary(nonzero),
    lambda a: torch.nn.functional.leaky_relu(a),
    ["leaky_relu"],
)
op(
    "elu",
    lambda a, alpha: a.elu(alpha),
    unary_with(nonzero, alpha=st.sampled_from([1.0, 0.5, 2.0])),
    lambda a, alpha: torch.nn.functional.elu(a, alpha),
    ["elu"],
)
op("gelu", lambda a: a.gelu(), unary(wide), lambda a: torch.nn.functional.gelu(a), ["gelu"])
op(
    "gelu_tanh",
    lambda a: a.gelu(approximate="tanh"),
    unary(wide),
    lambda a: torch.nn.functional.gelu(a, approximate="tanh"),
    ["gelu"],
)
op(
    "softplus",
    lambda a, beta: a.softplus(beta),
    unary_with(wide, beta=st.sampled_from([1.0, 2.0, 0.5])),
    lambda a, beta: torch.nn.functional.softplus(a, beta),
    ["softplus"],
)
op(
    "softplus_threshold",  # linear above the threshold (1.0 lies on the even grid: never straddled)
    lambda a: a.softplus(1.0, 1.0),
    unary(grid_odd),
    lambda a: torch.nn.functional.softplus(a, 1.0, 1.0),
    ["softplus"],
)
op("sign", lambda a: a.sign(), unary(nonzero), lambda a: a.sign(), ["sign"])
op("clamp_min", lambda a: a.clamp(min=-0.4), unary(grid_odd), lambda a: a.clamp(min=-0.4), ["clamp"])
op("clamp_max", lambda a: a.clamp(max=0.6), unary(grid_odd), lambda a: a.clamp(max=0.6), ["clamp"])
op(
    "clamp_both",
    lambda a: a.clamp(-0.4, 0.6),
    unary(grid_odd),
    lambda a: a.clamp(-0.4, 0.6),
    ["clamp"],
)
op("clip", lambda a: a.clip(-0.8, 0.4), unary(grid_odd), lambda a: a.clip(-0.8, 0.4), ["clip"])
op(
    "clamp_tensor_bounds",
    lambda a, lo, hi: a.clamp(lo, hi),
    clamp_tensor_case(),
    # clamp's own definition: PyTorch's clamp backward fails when the bounds broadcast the input
    # to a larger shape ("output with shape [] doesn't match the broadcast shape [1]")
    lambda a, lo, hi: torch.minimum(torch.maximum(a, lo), hi),
    ["clamp"],
)
op("reciprocal", lambda a: a.reciprocal(), unary(nonzero), lambda a: a.reciprocal(), ["reciprocal"])
op("square", lambda a: a.square(), unary(real), lambda a: a.square(), ["square"])
op(
    "maximum",
    lambda a, b: a.maximum(b),
    broadcasting(grid_odd, grid_even),
    lambda a, b: a.maximum(b),
    ["maximum"],
)
op(
    "minimum",
    lambda a, b: tg.minimum(a, b),
    broadcasting(grid_even, grid_odd),
    lambda a, b: torch.minimum(a, b),
    ["minimum", "tg.minimum"],
)
op(
    "maximum_function",
    lambda a, b: tg.maximum(a, b),
    broadcasting(grid_even, grid_odd),
    lambda a, b: torch.maximum(a, b),
    ["tg.maximum"],
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
)
op(
    "where",
    lambda a, b, condition: tg.where(tg.tensor(condition), a, b),
    where_case(),
    lambda a, b, condition: torch.where(torch.from_numpy(condition), a, b),
    ["tg.where"],
)
op(
    "where_method",
    lambda a, b, condition: a.where(tg.tensor(condition), b),
    where_case(),
    lambda a, b, condition: a.where(torch.from_numpy(condition), b),
    ["where"],
)
op(
    "where_scalar",
    lambda a, condition: tg.where(tg.tensor(condition), a, 0.5),
    where_case(scalar_other=True),
    lambda a, condition: torch.where(torch.from_numpy(condition), a, 0.5),
    ["tg.where"],
)
op("erf", lambda a: tg.erf(a), unary(real), lambda a: torch.erf(a), ["tg.erf"])

# ======================================================================================================
# reductions
# ======================================================================================================

op(
    "sum",
    lambda a, dim, keepdim: a.sum(dim, keepdim=keepdim),
    reduction(real),
    lambda a, dim, keepdim: a.sum(_all_dims(dim, a.ndim), keepdim=keepdim),
    ["sum"],
)
op("sum_all", lambda a: a.sum(), unary(real), lambda a: a.sum(), ["sum"])
op(
    "mean",
    lambda a, dim, keepdim: a.mean(dim, keepdim=keepdim),
    reduction(real),
    lambda a, dim, keepdim: a.mean(_all_dims(dim, a.ndim), keepdim=keepdim),
    ["mean"],
)
op(
    "var",
    lambda a, dim, keepdim, correction: a.var(dim, keepdim=keepdim, correction=correction),
    variance(real),
    lambda a, dim, keepdim, correction: a.var(dim, keepdim=keepdim, correction=correction),
    ["var"],
)
op(
    "var_unbiased",
    lambda a, dim, keepdim, unbiased: a.var(dim, unbiased=unbiased, keepdim=keepdim),
    st.builds(
        lambda c, unbiased: Case(
            c.arrays, {"dim": c.params["dim"], "keepdim": c.params["keepdim"], "unbiased": unbiased}
        ),
        variance(real, min_count=2),
        _bools,
    ),
    lambda a, dim, keepdim, unbiased: a.var(dim, unbiased=unbiased, keepdim=keepdim),
    ["var"],
)
op(
    "std",
    lambda a, dim, keepdim, correction: a.std(dim, keepdim=keepdim, correction=correction),
    variance(distinct, min_count=2),
    lambda a, dim, keepdim, correction: a.std(dim, keepdim=keepdim, correction=correction),
    ["std"],
)
op("max_all", lambda a: a.max(), unary(distinct), lambda a: a.max(), ["max"])
op("min_all", lambda a: a.min(), unary(distinct), lambda a: a.min(), ["min"])
op(
    "max_dim",
    lambda a, dim, keepdim: a.max(dim, keepdim=keepdim).values,
    reduction(distinct, allow_none=False, allow_tuple=False),
    lambda a, dim, keepdim: a.max(dim, keepdim=keepdim).values,
    ["max"],
)
op(
    "min_dim",
    lambda a, dim, keepdim: a.min(dim, keepdim).values,
    reduction(distinct, allow_none=False, allow_tuple=False),
    lambda a, dim, keepdim: a.min(dim, keepdim).values,
    ["min"],
)
op(
    "max_tensor",  # x.max(other) is maximum
    lambda a, b: a.max(b) - b.min(a),
    broadcasting(grid_odd, grid_even),
    lambda a, b: a.max(b) - b.min(a),
    ["max", "min"],
)
op(
    "amax",
    lambda a, dim, keepdim: a.amax(dim, keepdim),
    reduction(distinct),
    lambda a, dim, keepdim: a.amax(_all_dims(dim, a.ndim), keepdim),
    ["amax"],
)
op(
    "amin",
    lambda a, dim, keepdim: a.amin(dim, keepdim),
    reduction(distinct),
    lambda a, dim, keepdim: a.amin(_all_dims(dim, a.ndim), keepdim),
    ["amin"],
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
)
op(
    "prod",
    lambda a, dim, keepdim: a.prod(dim, keepdim),
    reduction(unit_scale),
    _torch_prod,
    ["prod"],
)
op(
    "prod_with_zeros",
    lambda a, dim, keepdim: a.prod(dim, keepdim),
    reduction(with_zeros),
    _torch_prod,
    ["prod"],
)
op(
    "logsumexp",
    lambda a, dim, keepdim: a.logsumexp(dim, keepdim),
    reduction(wide),
    lambda a, dim, keepdim: a.logsumexp(_all_dims(dim, a.ndim), keepdim),
    ["logsumexp"],
)
for _p, _domain in [(2, nonzero), ("fro", nonzero), (1, nonzero), (3, nonzero), (math.inf, distinct_abs)]:
    op(
        f"norm_p{_p}",
        lambda a, dim, keepdim, p=_p: a.norm(p, dim, keepdim),
        reduction(_domain),
        lambda a, dim, keepdim, p=_p: torch.linalg.vector_norm(a, 2 if p == "fro" else p, dim, keepdim),
        ["norm"],
    )
op(
    "softmax",
    lambda a, dim: a.softmax(dim),
    reduction(wide, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.softmax(dim),
    ["softmax"],
)
op(
    "log_softmax",
    lambda a, dim: a.log_softmax(dim),
    reduction(wide, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.log_softmax(dim),
    ["log_softmax"],
)

# ======================================================================================================
# shape and movement
# ======================================================================================================

op("reshape", lambda a, shape: a.reshape(shape), reshaped(), lambda a, shape: a.reshape(shape), ["reshape"])
op(
    "reshape_varargs",
    lambda a, shape: a.reshape(*shape),
    reshaped(),
    lambda a, shape: a.reshape(*shape) if shape else a.reshape(shape),  # torch needs one argument
    ["reshape"],
)
op("view", lambda a, shape: a.view(shape), reshaped(), lambda a, shape: a.view(shape), ["view"])
op(
    "flatten",
    lambda a, start_dim, end_dim: a.flatten(start_dim, end_dim),
    flattened(),
    lambda a, start_dim, end_dim: a.flatten(start_dim, end_dim),
    ["flatten"],
)
op(
    "squeeze",
    lambda a, dim: a.squeeze(dim),
    squeezed(),
    lambda a, dim: a.squeeze() if dim is None else a.squeeze(dim),
    ["squeeze"],
)
op("unsqueeze", lambda a, dim: a.unsqueeze(dim), unsqueezed(), lambda a, dim: a.unsqueeze(dim), ["unsqueeze"])
op(
    "transpose",
    lambda a, dim0, dim1: a.transpose(dim0, dim1),
    transposed(),
    lambda a, dim0, dim1: a.transpose(dim0, dim1),
    ["transpose"],
)
op("permute", lambda a, dims: a.permute(*dims), permuted(), lambda a, dims: a.permute(dims), ["permute"])
op("permute_tuple", lambda a, dims: a.permute(dims), permuted(), lambda a, dims: a.permute(dims), ["permute"])
op("T", lambda a: a.T, unary(real), lambda a: a.permute(tuple(reversed(range(a.ndim)))), ["T"])
op("t", lambda a: a.t(), unary(real, max_dims=2), lambda a: a.t(), ["t"])
op("mT", lambda a: a.mT, unary(real, min_dims=2), lambda a: a.mT, ["mT"])
op("expand", lambda a, size: a.expand(*size), expanded(), lambda a, size: a.expand(size), ["expand"])
op(
    "broadcast_to",
    lambda a, size: a.broadcast_to(size),
    expanded(allow_minus_one=False),
    lambda a, size: a.broadcast_to(size),
    ["broadcast_to"],
)
op(
    "sum_to_size",
    lambda a, size: a.sum_to_size(size),
    summed_to(),
    lambda a, size: a.sum_to_size(size),
    ["sum_to_size"],
)
op(
    "repeat",
    lambda a, repeats: a.repeat(*repeats),
    repeated(),
    lambda a, repeats: a.repeat(*repeats),
    ["repeat"],
)
op("flip", lambda a, dims: a.flip(dims), flipped(), lambda a, dims: a.flip(dims), ["flip"])
op("clone", lambda a: a.clone(), unary(real), lambda a: a.clone(), ["clone"])
# float32 -> float64: a float32 input needs a wide finite-difference step (the op is linear, so a
# wide step is exact up to float32 rounding, far inside rtol)
op(
    "to_float64",
    lambda a: a.to(tg.float64),
    unary(real),
    lambda a: a.to(torch.float64),
    ["to"],
    dtype=np.float32,
    eps=1e-2,
)
op("double", lambda a: a.double(), unary(real), lambda a: a.double(), ["double"], dtype=np.float32, eps=1e-2)
op("float", lambda a: a.float(), unary(real), lambda a: a.float(), ["float"], eps=1e-2)
op(
    "to_device_roundtrip",  # to the CPU and back, with the op behind .to(device) (a no-op on one device)
    lambda a: ToDevice.apply(ToDevice.apply(a, get_backend("cpu")), a._backend()),
    unary(real),
    lambda a: a.to("cpu"),
)

# ---- indexing ----------------------------------------------------------------------------------------

op(
    "getitem_basic",
    lambda a, index: a[index],
    basic_index(),
    lambda a, index: a[index],
    ["__getitem__"],
)
op(
    "getitem_negative_step",
    lambda a, index: a[index],
    basic_index(negative_steps=True),
    None,
    ["__getitem__"],
)
op(
    "getitem_int_array",
    lambda a, index: a[index],
    array_index(),
    lambda a, index: a[_torch_index(index)],
    ["__getitem__"],
)
op(
    "getitem_int_tensor",
    lambda a, index: a[_tg_index(index)],
    array_index(max_arrays=2, two_d=True),
    lambda a, index: a[_torch_index(index)],
    ["__getitem__"],
)
op(
    "getitem_list",
    lambda a, index: a[index[-1].tolist()],
    array_index(lead=0),
    lambda a, index: a[index[-1].tolist()],
    ["__getitem__"],
)
op(
    "getitem_bool_mask",
    lambda a, mask: a[mask],
    mask_index(),
    lambda a, mask: a[torch.from_numpy(mask)],
    ["__getitem__"],
)
op(
    "getitem_bool_tensor",
    lambda a, mask: a[tg.tensor(mask)],
    mask_index(),
    lambda a, mask: a[torch.from_numpy(mask)],
    ["__getitem__"],
)
op(
    "getitem_mixed",
    lambda a, array: a[None, ..., array, ::2],
    mixed_index(),
    lambda a, array: a[None, ..., torch.from_numpy(array), ::2],
    ["__getitem__"],
)
# ---- in-place changes of tensors in the graph (autograd/inplace.py: SetItem and the rebuilt node) ---------


@st.composite
def setitem_case(draw):
    """An input, a basic index into it, and a value shaped like the indexed part."""
    case = draw(basic_index())
    value = real(_rng(draw), case.arrays[0][case.params["index"]].shape)
    return Case((case.arrays[0], value), case.params)


@st.composite
def same_shape(draw, *domains):
    shape = draw(shapes())
    rng = _rng(draw)
    return Case(tuple(d(rng, shape) for d in domains), {})


def _setitem_in_graph(a, value, index):
    h = a * 1
    h[index] = value * 2
    return h


def _inplace_chain(a, b):
    h = a * 1
    h += b
    h *= b
    h -= 0.5
    h /= b
    h.add_(a, alpha=2)
    h.sub_(b)
    h.mul_(1.5)
    h.div_(a)
    return h


def _view_changed_in_place(a, b):
    h = a * 1
    v = h.reshape(-1)[::2]  # a view of a view: the base is rebuilt
    v.mul_(b.reshape(-1)[::2])
    return h


op("setitem_in_graph", _setitem_in_graph, setitem_case(), _setitem_in_graph, ["__setitem__"])
op(
    "inplace_ops_in_graph",
    _inplace_chain,
    same_shape(nonzero, nonzero),
    _inplace_chain,
    ["__iadd__", "__imul__", "__isub__", "__itruediv__", "add_", "sub_", "mul_", "div_"],
)
op("view_changed_in_place", _view_changed_in_place, same_shape(real, real), _view_changed_in_place, ["mul_"])


class _OnceSquare(tg.autograd.Function):
    """A user's Function whose backward is marked @once_differentiable (its first derivative is checked;
    differentiating it again raises, so it is not gradgradchecked)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @tg.autograd.function.once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


op("Function_once_differentiable", _OnceSquare.apply, unary(real), lambda a: a * a, twice=False)


class _SinCos(tg.autograd.Function):
    """A user's Function with two outputs (their gradients meet at one node: FunctionOutput)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * x.cos() - grad_cos * x.sin()


op("Function_two_outputs", lambda a: _SinCos.apply(a), unary(real), lambda a: (a.sin(), a.cos()))


op(
    "gather",
    lambda a, dim, index: a.gather(dim, tg.tensor(index)),
    gathered(),
    lambda a, dim, index: a.gather(dim, torch.from_numpy(index)),
    ["gather"],
)
op(
    "chunk",
    lambda a, chunks, dim: a.chunk(chunks, dim),
    chunk_case(),
    lambda a, chunks, dim: a.chunk(chunks, dim),
    ["chunk"],
)
op(
    "split",
    lambda a, split, dim: a.split(split, dim),
    split_case(),
    lambda a, split, dim: a.split(split, dim),
    ["split"],
)
op(
    "split_sections",
    lambda a, split, dim: a.split(split, dim),
    split_case(sections=True),
    lambda a, split, dim: a.split(split, dim),
    ["split"],
)
op(
    "unbind",
    lambda a, dim: a.unbind(dim),
    reduction(real, keepdim=False, allow_none=False, allow_tuple=False, min_dims=1),
    lambda a, dim: a.unbind(dim),
    ["unbind"],
)
op(
    "cat",
    lambda *arrays, dim: tg.cat(list(arrays), dim),
    joined(same_size=False),
    lambda *arrays, dim: torch.cat(list(arrays), dim),
    ["tg.cat"],
)
op(
    "stack",
    lambda *arrays, dim: tg.stack(list(arrays), dim),
    joined(same_size=True),
    lambda *arrays, dim: torch.stack(list(arrays), dim),
    ["tg.stack"],
)
op(
    "pad",
    _pad,
    padded(),
    lambda a, widths, value: torch.nn.functional.pad(a, _torch_pad_tuple(widths), value=value),
)

# ---- numerical stability (the same ops far from 0) ---------------------------------------------------

op(
    "softmax_large_logits",
    lambda a, dim: a.softmax(dim),
    reduction(large, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.softmax(dim),
    ["softmax"],
)
op(
    "log_softmax_large_logits",
    lambda a, dim: a.log_softmax(dim),
    reduction(large, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.log_softmax(dim),
    ["log_softmax"],
)
op(
    "logsumexp_large_logits",
    lambda a, dim, keepdim: a.logsumexp(dim, keepdim),
    reduction(large),
    lambda a, dim, keepdim: a.logsumexp(_all_dims(dim, a.ndim), keepdim),
    ["logsumexp"],
)


# ======================================================================================================
# nn.functional: activations, dropout, pad, linear, convolution and pooling (ops/conv.py), losses
# (ops/loss.py and compositions). Small images (N ≤ 2, C ≤ 4, H, W ≤ 5) keep gradgradcheck fast.
# ======================================================================================================

import warnings  # noqa: E402

from tinygrad_edu.nn import functional as F  # noqa: E402

_reductions = st.sampled_from(["mean", "sum", "none"])


def _tg_or_none(array):
    return None if array is None else tg.tensor(array)


def _torch_or_none(array):
    return None if array is None else torch.from_numpy(array)


def _seeded_dropout(a, p):
    """Dropout with the same mask on every call (finite differences re-run the function)."""
    tg.manual_seed(1234)
    return F.dropout(a, p, training=True)


@st.composite
def conv_case(draw, string_padding=False, groups=(1, 2), max_side=5):
    """An image batch, a kernel bank (groups included), sometimes a bias, and the window's
    stride/padding/dilation. At most 4 channels in and out: gradgradcheck of a convolution is costly."""
    n = draw(st.integers(1, 2))
    group_count = draw(st.sampled_from(groups))
    per_group_in, per_group_out = draw(
        st.sampled_from([(1, 1), (1, 2), (2, 1)] + [(2, 2)] * (group_count == 1))
    )
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    params = {
        "stride": draw(st.sampled_from([1, 2, (1, 2)])),
        "padding": draw(st.sampled_from([0, 1, (1, 0)])),
        "dilation": draw(st.sampled_from([1, 1, 2])),
    }
    if string_padding:
        params = {"padding": draw(st.sampled_from(["same", "valid"])), "dilation": params["dilation"]}
    smallest = max(params["dilation"] * (k - 1) + 1 for k in kernel)
    size = tuple(draw(st.integers(smallest, max(smallest, max_side))) for _ in range(2))
    rng = _rng(draw)
    arrays = [
        real(rng, (n, per_group_in * group_count) + size),
        real(rng, (per_group_out * group_count, per_group_in) + kernel),
    ]
    if draw(st.booleans()):
        arrays.append(real(rng, (per_group_out * group_count,)))
    return Case(tuple(arrays), {**params, "groups": group_count})


def _conv2d(functional):
    def call(x, w, *bias, **window):
        with warnings.catch_warnings():  # PyTorch notes that padding="same" may copy the input
            warnings.simplefilter("ignore")
            return functional.conv2d(x, w, bias[0] if bias else None, **window)

    return call


@st.composite
def pool_case(draw, domain=distinct, dilation=False):
    """An image batch and a pooling window; padding at most half the kernel (PyTorch's rule)."""
    kernel = draw(st.integers(1, 3))
    d = draw(st.sampled_from([1, 2])) if dilation else 1
    reach = d * (kernel - 1) + 1
    params = {
        "kernel_size": kernel,
        "stride": draw(st.sampled_from([None, 1, 2])),
        "padding": draw(st.integers(0, kernel // 2)),
    }
    if dilation:
        params["dilation"] = d
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        draw(st.integers(reach, 5)),
        draw(st.integers(reach, 5)),
    )
    return Case((domain(_rng(draw), shape),), params)


@st.composite
def fold_case(draw):
    """Columns (N, C·kh·kw, L) that fold into an image of ``output_size``."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride, padding = draw(st.sampled_from([1, 2])), draw(st.integers(0, 1))
    size = (draw(st.integers(kernel[0], 5)), draw(st.integers(kernel[1], 5)))
    blocks = [(s + 2 * padding - k) // stride + 1 for s, k in zip(size, kernel)]
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)) * kernel[0] * kernel[1], blocks[0] * blocks[1])
    params = {"output_size": size, "kernel_size": kernel, "stride": stride, "padding": padding}
    return Case((real(_rng(draw), shape),), params)


@st.composite
def pad_mode_case(draw, mode):
    """Reflect (pads below the size), replicate or circular (pads up to the size) of the last 1–2 dims."""
    shape = (draw(st.integers(1, 2)), draw(st.integers(2, 4)), draw(st.integers(2, 4)))
    count = draw(st.integers(1, 2))
    limit = [shape[-1 - i] - (1 if mode == "reflect" else 0) for i in range(count)]
    pad = tuple(draw(st.integers(0, limit[i // 2])) for i in range(2 * count))
    return Case((real(_rng(draw), shape),), {"pad": pad, "mode": mode})


@st.composite
def crop_pad_case(draw):
    """Constant padding with negative entries (a crop), as PyTorch allows."""
    shape = (draw(st.integers(1, 3)), draw(st.integers(2, 4)), draw(st.integers(2, 4)))
    pad = tuple(draw(st.integers(-1, 2)) for _ in range(4))
    return Case((real(_rng(draw), shape),), {"pad": pad, "value": draw(st.sampled_from([0.0, -1.5]))})


@st.composite
def linear_case(draw, bias=True):
    lead = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    in_features, out_features = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    rng = _rng(draw)
    arrays = [real(rng, lead + (in_features,)), real(rng, (out_features, in_features))]
    if bias:
        arrays.append(real(rng, (out_features,)))
    return Case(tuple(arrays), {})


@st.composite
def regression_case(draw, prediction=grid_odd, target=grid_even):
    """A prediction and a target of the same shape (grids keep |ŷ − y| off the kinks: 0 and δ = 1)."""
    shape = draw(shapes())
    rng = _rng(draw)
    return Case((prediction(rng, shape), target(rng, shape)), {"reduction": draw(_reductions)})


def extreme(rng, shape):
    """Logits of ±10⁴ (plus a spread): softmax underflows to exact zeros, exp(10⁴) would overflow."""
    return _array(rng.choice((-1e4, 1e4), shape) + rng.uniform(-3.0, 3.0, shape), shape)


@st.composite
def class_case(draw, domain=real, extra_dims=False, probabilities=False, smoothing=True, unbatched=False):
    """Logits (N, C[, d]) or (C,), targets (class indices, some ignored, or probabilities),
    optional class weights, a reduction and a label smoothing."""
    classes = draw(st.integers(2, 4))
    batch = () if unbatched else (draw(st.integers(1, 3)),)
    extra = (draw(st.integers(1, 3)),) if extra_dims else ()
    rng = _rng(draw)
    logits = domain(rng, batch + (classes,) + extra)
    if probabilities:
        target = np.moveaxis(rng.dirichlet(np.ones(classes), size=batch + extra), -1, len(batch))
    else:
        target = rng.integers(0, classes, batch + extra)
        if target.size > 1 and draw(st.booleans()):  # ignore some targets, never all of them
            target.reshape(-1)[rng.random(target.size) < 0.3] = -100
            target.reshape(-1)[0] = rng.integers(0, classes)
    params = {
        "target": target,
        "weight": rng.uniform(0.5, 2.0, classes) if draw(st.booleans()) else None,
        "reduction": draw(_reductions),
        "label_smoothing": draw(st.sampled_from([0.0, 0.1, 0.5])) if smoothing else 0.0,
    }
    return Case((logits,), params)


@st.composite
def binary_case(draw, logits=True, domain=real):
    """Logits (or probabilities) and targets in [0, 1] of one shape, with optional weights."""
    shape = draw(shapes(min_dims=1))
    rng = _rng(draw)
    scores = domain(rng, shape) if logits else _array(rng.uniform(0.05, 0.95, shape), shape)
    params = {
        "weight": positive(rng, shape[-1:]) if draw(st.booleans()) else None,
        "reduction": draw(_reductions),
    }
    if logits:
        params["pos_weight"] = positive(rng, shape[-1:]) if draw(st.booleans()) else None
        params["target"] = rng.integers(0, 2, shape).astype(np.float64)
        return Case((scores,), params)
    return Case((scores, _array(rng.uniform(0.0, 1.0, shape), shape)), params)


@st.composite
def margin_case(draw, multi=False):
    """Scores near a 0.2-grid (±0.03): with margin 1.1, 1.1 ∓ s and 1.1 − s_y + s_j stay at least
    0.04 away from the hinge's kink at 0."""
    rng = _rng(draw)
    reduction = draw(_reductions)
    if not multi:
        shape = draw(shapes())
        labels = rng.choice((-1.0, 1.0), shape).astype(np.float64)
        return Case((grid_even(rng, shape),), {"target": labels, "reduction": reduction})
    classes = draw(st.integers(2, 4))
    shape = (draw(st.integers(1, 3)), classes) if draw(st.booleans()) else (classes,)
    target = rng.integers(0, classes, shape[:-1])
    params = {
        "target": target,
        "p": draw(st.sampled_from([1, 2])),
        "weight": rng.uniform(0.5, 2.0, classes) if draw(st.booleans()) else None,
        "reduction": reduction,
    }
    return Case((grid_odd(rng, shape),), params)


def _cross_entropy(tensor_fn, functional):
    def call(z, target, weight, reduction, label_smoothing):
        return functional.cross_entropy(
            z,
            tensor_fn(target),
            tensor_fn(weight) if weight is not None else None,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    return call


def _nll(tensor_fn, functional):
    def call(z, target, weight, reduction, label_smoothing):
        weight = tensor_fn(weight) if weight is not None else None
        return functional.nll_loss(
            z.log_softmax(1 if z.ndim > 1 else 0), tensor_fn(target), weight, reduction=reduction
        )

    return call


def _bce_logits(tensor_fn, functional, name="binary_cross_entropy_with_logits"):
    def call(z, target, weight, reduction, pos_weight):
        return getattr(functional, name)(
            z,
            tensor_fn(target),
            None if weight is None else tensor_fn(weight),
            reduction=reduction,
            pos_weight=None if pos_weight is None else tensor_fn(pos_weight),
        )

    return call


def _torch_hinge(s, target, reduction):
    loss = (1.1 - torch.from_numpy(target) * s).clamp(min=0)
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


# ---- activations and dropout ---------------------------------------------------------------------------

op("F.relu", lambda a: F.relu(a), unary(nonzero), lambda a: torch.nn.functional.relu(a))
op(
    "F.leaky_relu",
    lambda a, slope: F.leaky_relu(a, slope),
    unary_with(nonzero, slope=st.sampled_from([0.01, 0.2])),
    lambda a, slope: torch.nn.functional.leaky_relu(a, slope),
)
op("F.elu", lambda a: F.elu(a, 0.7), unary(nonzero), lambda a: torch.nn.functional.elu(a, 0.7))
op(
    "F.gelu",
    lambda a, approximate: F.gelu(a, approximate=approximate),
    unary_with(wide, approximate=st.sampled_from(["none", "tanh"])),
    lambda a, approximate: torch.nn.functional.gelu(a, approximate=approximate),
)
op("F.silu", lambda a: F.silu(a), unary(wide), lambda a: torch.nn.functional.silu(a))
op("F.sigmoid", lambda a: F.sigmoid(a), unary(wide), lambda a: torch.sigmoid(a))
op("F.logsigmoid", lambda a: F.logsigmoid(a), unary(saturating), lambda a: torch.nn.functional.logsigmoid(a))
op("F.tanh", lambda a: F.tanh(a), unary(wide), lambda a: torch.tanh(a))
op(
    "F.softplus",
    lambda a, beta: F.softplus(a, beta, 20.0),
    unary_with(wide, beta=st.sampled_from([1.0, 2.0])),
    lambda a, beta: torch.nn.functional.softplus(a, beta, 20.0),
)
op(
    "F.softmax",
    lambda a, dim: F.softmax(a, dim),
    reduction(large, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: torch.nn.functional.softmax(a, dim),
)
op(
    "F.log_softmax",
    lambda a, dim: F.log_softmax(a, dim, dtype=tg.float64),
    reduction(wide, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: torch.nn.functional.log_softmax(a, dim, dtype=torch.float64),
)
op(
    "F.dropout",  # a fixed seed: the same mask on every call (no torch reference: its masks differ)
    _seeded_dropout,
    unary_with(real, p=st.sampled_from([0.0, 0.3, 0.8])),
)
op(
    "F.dropout_eval",
    lambda a: F.dropout(a, 0.5, training=False) * 1.0,
    unary(real),
    lambda a: torch.nn.functional.dropout(a, 0.5, training=False) * 1.0,
)

# ---- pad and linear -------------------------------------------------------------------------------------

for _mode in ("reflect", "replicate", "circular"):
    op(
        f"F.pad_{_mode}",
        lambda a, pad, mode: F.pad(a, pad, mode),
        pad_mode_case(_mode),
        lambda a, pad, mode: torch.nn.functional.pad(a, pad, mode),
    )
op(
    "F.pad_negative",
    lambda a, pad, value: F.pad(a, pad, value=value),
    crop_pad_case(),
    lambda a, pad, value: torch.nn.functional.pad(a, pad, value=value),
)
op(
    "F.linear",
    lambda x, w, b: F.linear(x, w, b),
    linear_case(),
    lambda x, w, b: torch.nn.functional.linear(x, w, b),
)
op(
    "F.linear_no_bias",
    lambda x, w: F.linear(x, w),
    linear_case(bias=False),
    lambda x, w: torch.nn.functional.linear(x, w),
)

# ---- convolution and pooling (ops/conv.py: Convolution, MaxPooling, AvgPooling, Im2col, Col2im) ----

op("F.conv2d", _conv2d(F), conv_case(), _conv2d(torch.nn.functional))
op(
    "F.conv2d_same_valid",
    _conv2d(F),
    conv_case(string_padding=True, groups=(1,), max_side=4),
    _conv2d(torch.nn.functional),
)
op(
    "F.conv2d_unbatched",  # (C, H, W) images, as PyTorch accepts
    _conv2d(F),
    st.builds(lambda c: Case((c.arrays[0][0], *c.arrays[1:]), c.params), conv_case(groups=(1,), max_side=4)),
    _conv2d(torch.nn.functional),
)
op(
    "F.max_pool2d",
    lambda x, **window: F.max_pool2d(x, **window),
    pool_case(dilation=True),
    lambda x, **window: torch.nn.functional.max_pool2d(x, **window),
)
op(
    "F.avg_pool2d",
    lambda x, count_include_pad, **window: F.avg_pool2d(x, count_include_pad=count_include_pad, **window),
    st.builds(
        lambda c, include: Case(c.arrays, {**c.params, "count_include_pad": include}), pool_case(real), _bools
    ),
    lambda x, count_include_pad, **window: torch.nn.functional.avg_pool2d(
        x, count_include_pad=count_include_pad, **window
    ),
)
op(
    "F.avg_pool2d_divisor",
    lambda x, **window: F.avg_pool2d(x, divisor_override=3, **window),
    pool_case(real),
    lambda x, **window: torch.nn.functional.avg_pool2d(x, divisor_override=3, **window),
)
op(
    "F.unfold",
    lambda x, **window: F.unfold(x, **window),
    st.builds(
        lambda c: Case(c.arrays, {**c.params, "stride": c.params["stride"] or 1}),
        pool_case(real, dilation=True),
    ),
    lambda x, **window: torch.nn.functional.unfold(x, **window),
)
op(
    "F.fold",
    lambda cols, **window: F.fold(cols, **window),
    fold_case(),
    lambda cols, **window: torch.nn.functional.fold(cols, **window),
)

# ---- losses ----------------------------------------------------------------------------------------------

op(
    "F.mse_loss",
    lambda a, b, reduction: F.mse_loss(a, b, reduction=reduction),
    regression_case(real, real),
    lambda a, b, reduction: torch.nn.functional.mse_loss(a, b, reduction=reduction),
)
op(
    "F.l1_loss",
    lambda a, b, reduction: F.l1_loss(a, b, reduction=reduction),
    regression_case(),
    lambda a, b, reduction: torch.nn.functional.l1_loss(a, b, reduction=reduction),
)
op(
    "F.huber_loss",
    lambda a, b, reduction: F.huber_loss(a, b, reduction=reduction, delta=1.0),
    regression_case(),
    lambda a, b, reduction: torch.nn.functional.huber_loss(a, b, reduction=reduction, delta=1.0),
)
op(
    "F.cross_entropy",
    _cross_entropy(tg.tensor, F),
    class_case(),
    _cross_entropy(torch.from_numpy, torch.nn.functional),
)
op(
    "F.cross_entropy_spatial",  # (N, C, d1) logits, (N, d1) targets
    _cross_entropy(tg.tensor, F),
    class_case(extra_dims=True),
    _cross_entropy(torch.from_numpy, torch.nn.functional),
)
op(
    "F.cross_entropy_unbatched",
    _cross_entropy(tg.tensor, F),
    class_case(unbatched=True),
    _cross_entropy(torch.from_numpy, torch.nn.functional),
)
op(
    "F.cross_entropy_probabilities",
    _cross_entropy(tg.tensor, F),
    class_case(probabilities=True, extra_dims=True),
    _cross_entropy(torch.from_numpy, torch.nn.functional),
)
op(
    "F.cross_entropy_extreme_logits",
    _cross_entropy(tg.tensor, F),
    class_case(domain=extreme),
    _cross_entropy(torch.from_numpy, torch.nn.functional),
)
op(
    "F.nll_loss",
    _nll(tg.tensor, F),
    class_case(smoothing=False, extra_dims=True),
    _nll(torch.from_numpy, torch.nn.functional),
)
op(
    "F.binary_cross_entropy",
    lambda p, y, weight, reduction: F.binary_cross_entropy(p, y, _tg_or_none(weight), reduction=reduction),
    binary_case(logits=False),
    lambda p, y, weight, reduction: torch.nn.functional.binary_cross_entropy(
        p, y, _torch_or_none(weight), reduction=reduction
    ),
)
op(
    "F.binary_cross_entropy_with_logits",
    _bce_logits(tg.tensor, F),
    binary_case(),
    _bce_logits(torch.from_numpy, torch.nn.functional),
)
op(
    "F.binary_cross_entropy_with_logits_extreme",
    _bce_logits(tg.tensor, F),
    binary_case(domain=extreme),
    _bce_logits(torch.from_numpy, torch.nn.functional),
)
op(
    "F.logistic_loss",  # the same loss under the course's name (PyTorch calls it BCE with logits)
    _bce_logits(tg.tensor, F, "logistic_loss"),
    binary_case(),
    _bce_logits(torch.from_numpy, torch.nn.functional),
)
op(
    "F.hinge_loss",
    lambda s, target, reduction: F.hinge_loss(s, tg.tensor(target), margin=1.1, reduction=reduction),
    margin_case(),
    _torch_hinge,
)
op(
    "F.multi_margin_loss",
    lambda s, target, p, weight, reduction: F.multi_margin_loss(
        s, tg.tensor(target), p, 1.1, _tg_or_none(weight), reduction=reduction
    ),
    margin_case(multi=True),
    lambda s, target, p, weight, reduction: torch.nn.functional.multi_margin_loss(
        s, torch.from_numpy(target), p, 1.1, _torch_or_none(weight), reduction=reduction
    ),
)

# ---- sorting, running sums, logs of other bases, einsum, embedding, layer norm (issue 15) ----------------


@st.composite
def sort_case(draw):
    """Distinct values (one clear order, so the indices agree with PyTorch's), a dim and a direction."""
    shape = draw(shapes())
    n = max(len(shape), 1)
    params = {"dim": draw(st.integers(-n, n - 1)), "descending": draw(st.booleans())}
    return Case((distinct(_rng(draw), shape),), params)


@st.composite
def topk_case(draw):
    """Distinct values, a dim, ``k`` from 1 to the dim's size, largest or smallest."""
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    dim = draw(st.integers(-n, n - 1))
    params = {"k": draw(st.integers(1, shape[dim])), "dim": dim, "largest": draw(st.booleans())}
    return Case((distinct(_rng(draw), shape),), params)


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
    rng = _rng(draw)
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


@st.composite
def embedding_case(draw):
    """A weight (num_embeddings, dim) and integer indices of any shape (repeats included). (The row
    ``padding_idx`` gets no gradient by design, which finite differences would contradict: it is
    compared with PyTorch in tests/nn/test_embedding_layernorm.py.)"""
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    index_shape = draw(shapes(max_dims=2))
    rng = _rng(draw)
    return Case((real(rng, (rows, cols)),), {"index": rng.integers(0, rows, index_shape)})


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
    rng = _rng(draw)
    arrays = [distinct(rng, shape)]
    if draw(st.booleans()):
        arrays += [real(rng, normalized), real(rng, normalized)]
    return Case(tuple(arrays), {"normalized_shape": normalized})


op("log2", lambda a: a.log2(), unary(positive), lambda a: a.log2(), ["log2"])
op("log10", lambda a: a.log10(), unary(positive), lambda a: a.log10(), ["log10"])
op("log2_function", lambda a: tg.log2(a) + tg.log10(a), unary(positive), lambda a: a.log2() + a.log10(),
   ["tg.log2", "tg.log10"])  # fmt: skip
op(
    "cumsum",
    lambda a, dim: a.cumsum(dim),
    reduction(real, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: a.cumsum(dim),
    ["cumsum"],
)
op(
    "cumsum_function",
    lambda a, dim: tg.cumsum(a, dim=dim),
    reduction(real, keepdim=False, allow_none=False, allow_tuple=False),
    lambda a, dim: torch.cumsum(a, dim=dim),
    ["tg.cumsum"],
)
op(
    "sort",  # the gradient goes back to each value's place (indices: tests/test_sort_einsum.py)
    lambda a, dim, descending: a.sort(dim, descending=descending).values,
    sort_case(),
    lambda a, dim, descending: a.sort(dim, descending=descending).values,
    ["sort"],
)
op(
    "sort_function",
    lambda a, dim, descending: tg.sort(a, dim, descending).values,
    sort_case(),
    lambda a, dim, descending: torch.sort(a, dim, descending).values,
    ["tg.sort"],
)
op(
    "topk",
    lambda a, k, dim, largest: a.topk(k, dim, largest=largest).values,
    topk_case(),
    lambda a, k, dim, largest: a.topk(k, dim, largest=largest).values,
    ["topk"],
)
op(
    "topk_function",
    lambda a, k, dim, largest: tg.topk(a, k, dim=dim, largest=largest).values,
    topk_case(),
    lambda a, k, dim, largest: torch.topk(a, k, dim=dim, largest=largest).values,
    ["tg.topk"],
)
op(
    "einsum",
    lambda *arrays, equation: tg.einsum(equation, *arrays),
    einsum_case(),
    lambda *arrays, equation: torch.einsum(equation, *arrays),
    ["tg.einsum"],
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
)
op(
    "sum_axis_keepdims",  # NumPy's spellings of dim and keepdim
    lambda a, dim, keepdim: a.sum(axis=dim, keepdims=keepdim) + tg.mean(a, axis=dim, keepdims=keepdim),
    reduction(real, allow_none=False),
    lambda a, dim, keepdim: a.sum(dim, keepdim=keepdim) + a.mean(dim, keepdim=keepdim),
    ["sum", "mean", "tg.mean"],
)
op(
    "F.embedding",
    lambda w, index: F.embedding(tg.tensor(index), w),
    embedding_case(),
    lambda w, index: torch.nn.functional.embedding(torch.from_numpy(index), w),
)
op(
    "F.layer_norm",
    lambda x, *affine, normalized_shape: F.layer_norm(x, normalized_shape, *affine),
    layer_norm_case(),
    lambda x, *affine, normalized_shape: torch.nn.functional.layer_norm(x, normalized_shape, *affine),
)


# ---- issue 16: new ops (to move into the split registry) ----
from tinygrad_edu.ops.rnn import LSTMStep  # noqa: E402


@st.composite
def lstm_step_case(draw):
    """x_proj (N, 4H), h and c (N, H), W_hh (4H, H) and, or not, b_hh (4H,)."""
    batch, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = _rng(draw)
    arrays = [real(rng, (batch, 4 * hidden)), real(rng, (batch, hidden)), real(rng, (batch, hidden))]
    arrays.append(real(rng, (4 * hidden, hidden)))
    if draw(st.booleans()):
        arrays.append(real(rng, (4 * hidden,)))
    return Case(tuple(arrays), {})


def _torch_lstm_step(x_proj, h, c, weight_hh, bias_hh=None):
    """The same step composed of PyTorch ops: [c' | σ(o)]."""
    pre = x_proj + h @ weight_hh.T + (0 if bias_hh is None else bias_hh)
    i, f, g, o = pre.chunk(4, dim=1)
    return torch.cat([f.sigmoid() * c + i.sigmoid() * g.tanh(), o.sigmoid()], dim=1)


op("LSTMStep", lambda *arrays: LSTMStep.apply(*arrays, *[None] * (5 - len(arrays))), lstm_step_case(),
   _torch_lstm_step)  # fmt: skip


def _torch_lstm_run(x, w_ih, w_hh):
    """nn.LSTM's loop with one hidden unit and no biases, in PyTorch ops: the outputs h_t stacked."""
    h = c = x[0, :, :1] * 0
    outputs = []
    for x_t in x:
        both = _torch_lstm_step(x_t @ w_ih.T, h, c, w_hh)
        c = both[:, :1]
        h = both[:, 1:] * c.tanh()
        outputs.append(h)
    return torch.stack(outputs)


op(
    "nn.LSTM_steps",  # F.linear over the sequence, then LSTMStep twice, as nn.LSTM unrolls it
    lambda x, w_ih, w_hh: tg.nn.rnn._run_direction(
        tg.nn.rnn.lstm_cell, x, (x[0, :, :1] * 0,) * 2, w_ih, w_hh, None, None
    )[0],
    st.builds(
        lambda rng: Case((real(rng, (2, 1, 2)), real(rng, (4, 2)), real(rng, (4, 1))), {}),
        st.builds(np.random.default_rng, st.integers(0, 2**32 - 1)),
    ),
    _torch_lstm_run,
)


@st.composite
def soft_target_case(draw):
    """Logits (N, C) and class-probability targets that are differentiable inputs too."""
    batch, classes = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    rng = _rng(draw)
    target = _array(rng.dirichlet(np.ones(classes), size=batch), (batch, classes))
    params = {
        "weight": rng.uniform(0.5, 2.0, classes) if draw(st.booleans()) else None,
        "reduction": draw(_reductions),
        "label_smoothing": draw(st.sampled_from([0.0, 0.1])),
    }
    return Case((real(rng, (batch, classes)), target), params)


def _soft_cross_entropy(tensor_fn, functional):
    def call(z, target, weight, reduction, label_smoothing):
        weight = None if weight is None else tensor_fn(weight)
        return functional.cross_entropy(
            z, target, weight, reduction=reduction, label_smoothing=label_smoothing
        )

    return call


op("F.cross_entropy_probability_grad", _soft_cross_entropy(tg.tensor, F), soft_target_case(),
   _soft_cross_entropy(torch.from_numpy, torch.nn.functional))  # fmt: skip


@st.composite
def layer_norm_one_affine_case(draw):
    """layer_norm with a weight alone or a bias alone."""
    shape = draw(shapes(min_dims=1))
    if shape[-1] < 2:
        shape = shape[:-1] + (2,)
    rng = _rng(draw)
    return Case(
        (distinct(rng, shape), real(rng, shape[-1:])), {"which": draw(st.sampled_from(["weight", "bias"]))}
    )


op(
    "F.layer_norm_one_affine",
    lambda x, p, which: F.layer_norm(x, x.shape[-1:], **{which: p}),
    layer_norm_one_affine_case(),
    lambda x, p, which: torch.nn.functional.layer_norm(x, x.shape[-1:], **{which: p}),
)
