"""The registry must keep up with the library: every ``Function`` of the package and every Tensor
method of the SPEC is enrolled, and every entry really exercises what it claims to."""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.autograd.function import Op
from tinygrad_edu.testing.registry import REGISTRY

# ---- the SPEC's "Tensor" section, transcribed --------------------------------------------------------

SPEC_ATTRIBUTES = [
    "data", "grad", "requires_grad", "is_leaf", "grad_fn", "shape", "ndim", "dtype", "device",
    "T", "size", "numel", "nelement",
]  # fmt: skip
SPEC_CONVERSION = [
    "numpy", "item", "tolist", "to", "cpu", "cuda", "float", "double", "long", "detach", "clone",
    "requires_grad_", "__repr__", "__format__",
]  # fmt: skip
SPEC_AUTOGRAD = ["backward", "retain_grad", "register_hook"]
SPEC_INPLACE = [
    "__iadd__", "__isub__", "__imul__", "__itruediv__", "add_", "sub_", "mul_", "div_", "zero_",
    "fill_", "clamp_", "__setitem__",
]  # fmt: skip
SPEC_NOT_DIFFERENTIABLE = [
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__or__", "__invert__",
    "argmax", "argmin", "all", "any", "argsort", "isclose", "allclose", "multinomial", "histogram",
]  # fmt: skip
SPEC_DIFFERENTIABLE = [
    # arithmetic and its reflected forms
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "mm", "__neg__", "abs",
    "pow",
    # elementwise
    "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu",
    "leaky_relu", "elu", "gelu", "softplus", "sign", "clamp", "clip", "reciprocal", "square",
    "maximum", "minimum", "where", "log2", "log10",
    # reductions
    "sum", "mean", "var", "std", "max", "min", "prod", "logsumexp", "norm", "softmax", "log_softmax",
    "cumsum", "sort", "topk",
    # shape
    "reshape", "view", "flatten", "squeeze", "unsqueeze", "transpose", "permute", "expand",
    "broadcast_to", "repeat", "flip", "__getitem__", "gather", "chunk", "split", "matmul",
    # differentiable conversions and attributes
    "T", "to", "float", "double", "clone",
]  # fmt: skip
# the functional forms the SPEC's top level names (differentiable ones)
SPEC_FUNCTIONS = ["tg.cat", "tg.stack", "tg.where", "tg.maximum", "tg.minimum", "tg.matmul", "tg.einsum"]

# ---- running every entry once (a few drawn cases) and recording what it touched ------------------------


def _all_functions():
    """Every ``Op`` subclass defined inside the package (all its modules imported first; the public
    ``Function`` base itself is a protocol, not an op)."""
    for module in pkgutil.walk_packages(tg.__path__, "tinygrad_edu."):
        try:
            importlib.import_module(module.name)
        except ImportError as error:  # an optional backend (CuPy) that is not installed
            if "cupy" not in str(error).lower():
                raise
    found, stack = set(), [Op]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("tinygrad_edu.") and sub is not tg.autograd.Function:
                found.add(sub)
    return found


def _graph_functions(roots):
    """The ``Function`` classes of every node reachable from ``roots`` through ``grad_fn``."""
    found, seen = set(), set()
    stack = [t for t in roots if isinstance(t, tg.Tensor)]
    while stack:
        tensor = stack.pop()
        ctx = tensor._ctx  # the engine's node (grad_fn shows a Function for each of its outputs)
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        found.add(type(ctx))
        stack.extend(t for t in ctx.inputs or () if isinstance(t, tg.Tensor))
    return found


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _recording(function, name, calls):
    def wrapper(*args, **kwargs):
        calls.add(name)
        return function(*args, **kwargs)

    return wrapper


def _calling_method(method):
    return lambda *args, **kwargs: getattr(tg.Tensor, method)(*args, **kwargs)


def _patch_for_tracing(monkeypatch, names, calls):
    """Wrap the named Tensor methods/properties and ``tg.<name>`` functions to record calls."""
    for name in names:
        if name.startswith("tg."):
            function, method = getattr(tg, name[3:]), name[3:]
            if getattr(function, "__qualname__", "") == f"Tensor.{method}":  # tg.exp is Tensor.exp
                function = _calling_method(method)  # through the method, so that its call is recorded too
            monkeypatch.setattr(tg, name[3:], _recording(function, name, calls))
            continue
        original = inspect.getattr_static(tg.Tensor, name)
        if isinstance(original, property):
            monkeypatch.setattr(tg.Tensor, name, property(_recording(original.fget, name, calls)))
        else:
            monkeypatch.setattr(tg.Tensor, name, _recording(original, name, calls))


def _recording_ops(monkeypatch, applied):
    """Add to ``applied`` every op class whose forward runs: ops without a gradient (the class
    coefficients of cross_entropy) are in no graph, but their entry runs them."""
    original = Op.run_forward.__func__

    def run_forward(cls, ctx, arrays, args):
        applied.add(cls)
        return original(cls, ctx, arrays, args)

    monkeypatch.setattr(Op, "run_forward", classmethod(run_forward))


def _exercise(entry, calls, applied):
    """Run ``entry`` on a few drawn cases: (Function classes of its graphs and forward, methods it called).

    The graph of the backward pass (``create_graph=True``, seeds that require grad) is walked too:
    some ops (IndexAdd, ScatterAdd, SumTo) only appear there.
    """
    functions, called = set(), set()
    applied.clear()

    @settings(
        max_examples=3,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        case = data.draw(entry.cases.hypothesis())
        tensors = entry.tensors(case)
        calls.clear()
        outputs = [o for o in _outputs(entry(case, tensors)) if o.requires_grad]
        called.update(calls)
        functions.update(_graph_functions(outputs))
        if outputs:
            rng = np.random.default_rng(0)
            seeds = [
                tg.tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True) for o in outputs
            ]
            grads = tg.autograd.grad(outputs, tensors, seeds, create_graph=True, allow_unused=True)
            functions.update(_graph_functions([g for g in grads if g is not None]))

    run()
    return functions | {cls for cls in applied if not cls.differentiable}, called


@pytest.fixture(scope="module")
def exercised():
    """entry name -> (Function classes in its forward and double-backward graphs, methods called)."""
    names = sorted({name for entry in REGISTRY for name in entry.methods})
    calls, applied = set(), set()
    with pytest.MonkeyPatch.context() as monkeypatch:
        _patch_for_tracing(monkeypatch, names, calls)
        _recording_ops(monkeypatch, applied)
        return {entry.name: _exercise(entry, calls, applied) for entry in REGISTRY}


def test_every_function_is_exercised(exercised):
    covered = set().union(*(functions for functions, _ in exercised.values()))
    missing = sorted(f"{cls.__module__}.{cls.__name__}" for cls in _all_functions() - covered)
    assert not missing, f"Op subclasses no registry entry exercises (enroll them): {missing}"


def test_entries_exercise_the_methods_they_claim(exercised):
    wrong = {
        entry.name: sorted(set(entry.methods) - exercised[entry.name][1])
        for entry in REGISTRY
        if set(entry.methods) - exercised[entry.name][1]
    }
    assert not wrong, f"entries that never call methods they list: {wrong}"


def test_entries_record_a_graph(exercised):
    empty = [name for name, (functions, _) in exercised.items() if not functions]
    assert not empty, f"entries whose outputs do not depend on their inputs: {empty}"


@pytest.mark.parametrize(
    "name",
    SPEC_ATTRIBUTES
    + SPEC_CONVERSION
    + SPEC_AUTOGRAD
    + SPEC_INPLACE
    + SPEC_NOT_DIFFERENTIABLE
    + SPEC_DIFFERENTIABLE,
)
def test_spec_tensor_name_exists(name):
    assert hasattr(tg.Tensor, name), f"Tensor.{name} is in the SPEC but missing"
    assert hasattr(tg.tensor([1.0]), name)


@pytest.mark.parametrize("name", SPEC_DIFFERENTIABLE + SPEC_FUNCTIONS)
def test_spec_differentiable_name_is_enrolled(name):
    enrolled = {method for entry in REGISTRY for method in entry.methods}
    assert name in enrolled, f"{name} is differentiable per the SPEC but no registry entry exercises it"


def test_registry_names_are_unique():
    names = [entry.name for entry in REGISTRY]
    assert len(names) == len(set(names))


def test_every_entry_has_a_numpy_reference():
    missing = [entry.name for entry in REGISTRY if entry.reference is None]
    assert not missing, f"entries without a NumPy reference forward (reference=...): {missing}"
