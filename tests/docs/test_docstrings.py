"""Every public name has a docstring, and the ones the API reference promises more of keep it.

The API reference (``docs/api/``) is generated from these docstrings, so a missing or thin one is a
hole in the documentation. The public names are those a user reaches from the documented namespaces:
``tg``, ``tg.Tensor``, ``tg.autograd``, ``tg.nn`` (with ``functional``, ``init``, ``utils``),
``tg.optim`` (with ``lr_scheduler``), ``tg.data``, ``tg.train``, ``tg.viz``.
Optimizers must give their update rule (a line with ``←``) and schedules and losses their formula
(a line with ``=``), and all three must describe every argument of their signature in an ``Args:``
section; every op of ``tinygrad_edu/ops/`` states its derivative.
"""

import importlib
import inspect
import pkgutil
import re

import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd.function import Op
from tinygrad_edu.optim import lr_scheduler

pytestmark = pytest.mark.cpu_only  # about the source, not about a device

NAMESPACES = [
    tg,
    tg.autograd,
    tg.autograd.functional,
    tg.nn,
    tg.nn.functional,
    tg.nn.init,
    tg.nn.utils,
    tg.optim,
    tg.optim.lr_scheduler,
    tg.data,
    tg.data.datasets,
    tg.train,
    tg.viz,
]


def _public_callables():
    """``{"tinygrad_edu.nn.layers.Linear": obj, ...}``: every public function, class and method, once.

    A name counts once, under the module that defines it, however many namespaces export it.
    """
    found = {}
    for namespace in NAMESPACES:
        names = getattr(namespace, "__all__", None) or [n for n in vars(namespace) if not n.startswith("_")]
        for name in names:
            obj = getattr(namespace, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue  # modules, dtypes (NumPy's types), constants
            if not getattr(obj, "__module__", "").startswith("tinygrad_edu"):
                continue
            found[f"{obj.__module__}.{obj.__qualname__}"] = obj
            if inspect.isclass(obj):
                for attribute, value in vars(obj).items():
                    if attribute.startswith("_"):
                        continue
                    if isinstance(value, (staticmethod, classmethod)):
                        value = value.__func__
                    if inspect.isfunction(value) or isinstance(value, property):
                        found[f"{obj.__module__}.{obj.__qualname__}.{attribute}"] = getattr(obj, attribute)
    return found


PUBLIC = _public_callables()


def test_the_public_names_are_found():
    """The walk above must see the API, or the next test would pass on nothing."""
    assert len(PUBLIC) > 400
    for name in (
        "tinygrad_edu.tensor.Tensor.backward",
        "tinygrad_edu.optim.adam.Adam",
        "tinygrad_edu.nn.functional.mse_loss",
    ):
        assert name in PUBLIC


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_name_has_a_docstring(name):
    doc = inspect.getdoc(PUBLIC[name]) or ""
    short = name.rsplit(".", 1)[-1]
    assert len(doc.split()) >= 3 and doc.strip(" .`") != short, (
        f"{name} needs a docstring that says what it does"
    )


def _documented_arguments(doc):
    """The names listed in the docstring's ``Args:`` section."""
    if "Args:" not in doc:
        return set()
    section = doc.split("Args:", 1)[1]
    names = set()
    for line in section.splitlines()[1:]:
        if line.strip() and not line.startswith(" "):
            break  # the next section
        match = re.match(r"^    (\*{0,2}\w+):", line)
        if match:
            names.add(match.group(1))
    return names


def _arguments(fn):
    return [p for p in inspect.signature(fn).parameters if p != "self"]


def _check_formula_and_arguments(name, obj, signature_of, marker):
    doc = inspect.getdoc(obj) or ""
    assert marker in doc, f"{name}'s docstring must state its formula (a line with {marker!r})"
    missing = set(_arguments(signature_of)) - _documented_arguments(doc)
    assert not missing, (
        f"{name}'s docstring must describe its arguments under Args: {sorted(missing)} missing"
    )


OPTIMIZERS = [n for n in tg.optim.__all__ if inspect.isclass(getattr(tg.optim, n)) and n != "Optimizer"]
SCHEDULES = [
    n
    for n, c in vars(lr_scheduler).items()
    if inspect.isclass(c)
    and issubclass(c, lr_scheduler.LRScheduler)
    and not n.startswith("_")
    and n != "LRScheduler"
]
LOSS_FUNCTIONS = [
    n for n in dir(F) if n.endswith(("_loss", "entropy", "_with_logits")) and not n.startswith("_")
]
LOSS_MODULES = [n for n in tg.nn.__all__ if n.endswith("Loss")]


def test_the_lists_are_complete():
    assert (
        len(OPTIMIZERS) >= 13
        and len(SCHEDULES) >= 10
        and len(LOSS_FUNCTIONS) >= 10
        and len(LOSS_MODULES) >= 10
    )


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_give_their_update_rule_and_arguments(name):
    cls = getattr(tg.optim, name)
    _check_formula_and_arguments(f"optim.{name}", cls, cls.__init__, "←")


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedules_give_their_formula_and_arguments(name):
    cls = getattr(lr_scheduler, name)
    marker = "←" if name in ("ReduceLROnPlateau",) else "="
    if name == "SequentialLR":
        marker = "milestone"  # a schedule of schedules: no formula of its own
    _check_formula_and_arguments(f"lr_scheduler.{name}", cls, cls.__init__, marker)


@pytest.mark.parametrize("name", LOSS_FUNCTIONS)
def test_loss_functions_give_their_formula_and_arguments(name):
    fn = getattr(F, name)
    doc = inspect.getdoc(fn)
    assert any(symbol in doc for symbol in ("=", "²", "|", "log", "max(")), f"F.{name} must state its formula"
    _check_formula_and_arguments(f"F.{name}", fn, fn, "Args:")


@pytest.mark.parametrize("name", LOSS_MODULES)
def test_loss_modules_give_their_formula_and_arguments(name):
    cls = getattr(tg.nn, name)
    doc = inspect.getdoc(cls)
    assert any(symbol in doc for symbol in ("=", "²", "|", "log", "max(")), (
        f"nn.{name} must state its formula"
    )
    _check_formula_and_arguments(f"nn.{name}", cls, cls.__init__, "Args:")


def _ops():
    package = importlib.import_module("tinygrad_edu.ops")
    for info in pkgutil.iter_modules(package.__path__, "tinygrad_edu.ops."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            defined_here = inspect.isclass(obj) and obj.__module__ == module.__name__
            if defined_here and issubclass(obj, Op) and not name.startswith("_"):
                yield name, obj


OPS = dict(_ops())


def test_ops_are_found():
    assert len(OPS) > 50


# A derivative in any of the forms the ops use: dy/dx, dz/da, ∂, dA = ..., "gradient", "backward".
_DERIVATIVE = re.compile(r"d\w+/d\w+|∂|\bd[A-Zx-z]\w* =|gradient|backward|derivative")


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_states_its_derivative(name):
    doc = inspect.getdoc(OPS[name]) or ""
    assert _DERIVATIVE.search(doc), f"ops.{name}'s docstring must state its derivative: {doc[:80]!r}"
