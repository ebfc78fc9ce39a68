"""The op registry: every differentiable Tensor op of the SPEC, enrolled once.

Each ``OpEntry`` gives a function of Tensors to check; a recipe that draws a ``Case`` (input arrays
plus keyword parameters such as ``dim``; ``tinygrad_edu.testing.strategies``: drawn by hypothesis in
the tests, from a seeded NumPy generator in ``selfcheck``); a NumPy reference forward, written from
the op's definition; whether the op is twice differentiable; and the same function written for
PyTorch (the oracle). The tests in ``tests/ops`` are generated from it (Chainer's
``FunctionTestCase``, minitorch's registry, PyTorch's ``OpInfo``): forward against NumPy, gradcheck,
gradgradcheck, the PyTorch oracle, and the completeness checks that fail when an op or a
``Function`` is not enrolled or an entry has no reference. ``python -m tinygrad_edu selfcheck``
runs the same entries from an installed package (no tests/, no hypothesis).

The modules mirror ``tinygrad_edu/ops/`` (one per op module), plus ``composite`` (Tensor methods and
``nn.functional`` functions built from several ops) and ``autograd`` (in-place changes, user
``Function``s); ``reference`` holds the longer NumPy forwards. Enrolling an op is one ``op(...)``
call in the module of the op it exercises, or one row of a table there whose rows a loop enrolls
(families alike but for the op and its reference: one-input methods, reductions, losses, ...).
"""

import importlib

from .entry import REGISTRY, Case, OpEntry, op

# in the order of a course: one-input ops first, the engine's own mechanics last
MODULES = (
    "elementwise",
    "binary",
    "reduce",
    "movement",
    "linalg",
    "conv",
    "norm",
    "rnn",
    "loss",
    "composite",
    "autograd",
)
for _module in MODULES:
    importlib.import_module(f"{__name__}.{_module}")  # each module enrolls its entries

__all__ = ["MODULES", "REGISTRY", "Case", "OpEntry", "op"]
