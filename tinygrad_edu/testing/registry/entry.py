"""What a registry entry is: ``Case`` (one drawn input), ``OpEntry`` and ``op(...)``, which enrolls one."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable

import numpy as np

import tinygrad_edu as tg

from .. import strategies as st

FLOAT64 = np.dtype(np.float64)
FORWARD_TOLERANCES = {
    FLOAT64: {"rtol": 1e-10, "atol": 1e-12},
    np.dtype(np.float32): {"rtol": 1e-6, "atol": 1e-6},
}


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

    ``fn(*tensors, **case.params)``, ``torch_fn(*torch_tensors, **case.params)`` and
    ``reference(*arrays, **case.params)`` compute the same thing: the last with NumPy alone, written
    from the op's definition independently of the library, so forward values are checked without
    PyTorch. ``methods`` names the Tensor methods/operators (and ``tg.<name>`` functions) the entry
    exercises, checked by ``test_registry_complete``.
    """

    name: str
    fn: Callable
    cases: st.Strategy
    torch_fn: Callable | None = None
    methods: tuple = ()
    twice_differentiable: bool = True
    dtype: np.dtype = FLOAT64
    eps: float = 1e-6
    reference: Callable | None = None

    def example(self, seed):
        """One case drawn from a generator seeded with ``seed`` (no hypothesis needed: ``selfcheck``)."""
        return self.cases.example(np.random.default_rng(seed))

    def arrays(self, case):
        """The case's arrays as copies of the entry's dtype (the reference's inputs)."""
        return [a.astype(self.dtype) for a in case.arrays]

    def tensors(self, case):
        """The case's arrays as fresh leaf Tensors of the entry's dtype that require grad."""
        return [tg.tensor(a.astype(self.dtype), requires_grad=True) for a in case.arrays]

    def check_forward(self, case):
        """Raise ``AssertionError`` unless the forward on ``case`` matches ``reference``: as many
        outputs, and each of the same shape, dtype and values (float64: to 1e-10; float32: 1e-6)."""
        ours = _as_list(self(case, self.tensors(case)))
        expected = _as_list(self.reference(*self.arrays(case), **case.params))
        if len(ours) != len(expected):
            raise AssertionError(f"{len(ours)} outputs, the reference has {len(expected)}")
        for k, (tensor, array) in enumerate(zip(ours, expected)):
            got, array = tensor.detach().numpy(), np.asarray(array)
            if (got.shape, got.dtype) != (array.shape, array.dtype):
                raise AssertionError(
                    f"output {k}: {got.shape} {got.dtype}, the reference's {array.shape} {array.dtype}"
                )
            np.testing.assert_allclose(got, array, **FORWARD_TOLERANCES[got.dtype], err_msg=f"output {k}")

    def __call__(self, case, tensors):
        return self.fn(*tensors, **case.params)

    def __repr__(self):
        return f"OpEntry({self.name})"


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


REGISTRY: list[OpEntry] = []


def op(name, fn, cases, torch_fn=None, methods=(), twice=True, dtype=np.float64, eps=1e-6, reference=None):
    """Enroll an op: ``op("exp", lambda a: a.exp(), unary(real), lambda a: a.exp(), ["exp"],
    reference=np.exp)``. ``cases`` is a recipe of ``tinygrad_edu.testing.strategies``; ``reference``
    (the forward in NumPy) is required by ``test_registry_complete``; ``twice=False`` skips
    gradgradcheck; a float32 ``dtype`` needs a wider finite-difference step ``eps``."""
    if any(e.name == name for e in REGISTRY):
        raise ValueError(f"registry: {name!r} enrolled twice")
    entry = OpEntry(name, fn, cases, torch_fn, tuple(methods), twice, np.dtype(dtype), eps, reference)
    REGISTRY.append(entry)
    return entry
