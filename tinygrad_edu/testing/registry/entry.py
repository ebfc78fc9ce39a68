"""What a registry entry is: ``Case`` (one drawn input), ``OpEntry`` and ``op(...)``, which enrolls one."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu as tg

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
