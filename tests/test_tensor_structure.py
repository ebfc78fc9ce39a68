"""How Tensor is put together: its slots named once, the function forms being the methods, the one
import cycle (Tensor ↔ the ops) holding whichever module is imported first, and ``backend.of_array``."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend, nn
from tinygrad_edu.tensor import _STATE

pytestmark = pytest.mark.cpu_only  # about the code's structure, not a device

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "make",
    [
        lambda: tg.Tensor([1.0, 2.0]),
        lambda: tg.Tensor._make(np.zeros(2)),
        lambda: nn.Parameter(tg.zeros(2)),
        lambda: tg.ones(2, requires_grad=True) * 2,
    ],
    ids=["constructor", "_make", "Parameter", "op output"],
)
def test_every_slot_has_a_value_however_the_tensor_was_made(make):
    tensor = make()
    assert set(_STATE) | {"__weakref__"} == set(tg.Tensor.__slots__)
    missing = [name for name in _STATE if not hasattr(tensor, name)]
    assert not missing, f"slots left unset: {missing}"


def test_a_parameter_shares_the_data_and_version_counter_of_what_it_wraps():
    data = tg.zeros(3)
    weight = nn.Parameter(data)
    assert weight.data is data.data and weight._version_cell is data._version_cell
    assert weight.requires_grad and weight.is_leaf and weight.grad is None


@pytest.mark.parametrize("name", ["exp", "sum", "reshape", "max", "clamp", "eq", "topk"])
def test_function_forms_are_the_methods_themselves(name):
    assert getattr(tg, name) is getattr(tg.Tensor, name)
    assert getattr(tg, name).__doc__


@pytest.mark.parametrize("function", [tg.exp, tg.log, tg.tanh, tg.relu, tg.abs, tg.erf])
def test_function_forms_refuse_a_list_with_a_type_error_naming_what_they_got(function):
    with pytest.raises(TypeError, match="list"):
        function([0.5, 1.0])


def test_erf_is_a_method_too():
    x = tg.tensor([0.0, 0.5], requires_grad=True)
    x.erf().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 / np.sqrt(np.pi) * np.exp(-np.array([0.0, 0.25])), rtol=1e-6)


@pytest.mark.parametrize(
    "module",
    [
        "tinygrad_edu.tensor",
        "tinygrad_edu.compositions",
        "tinygrad_edu.operators",
        "tinygrad_edu.arguments",
        "tinygrad_edu.conversion",
        "tinygrad_edu.functions",
        "tinygrad_edu.autograd.function",
        "tinygrad_edu.autograd.inplace",
        "tinygrad_edu.autograd.engine",
        "tinygrad_edu.ops.movement",
        "tinygrad_edu.ops.conv",
    ],
)
def test_any_module_can_be_imported_first(module):
    """The package imports tensor.py first, whose last lines import the ops: whichever module a
    program names first, the cycle resolves the same way."""
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}; import tinygrad_edu as tg; (tg.ones(2) * 2).sum()"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_of_array_names_the_backend_of_an_array_or_none():
    assert backend.of_array(np.zeros(2)) is backend.get_backend("cpu")
    assert backend.of_array([1.0]) is None
    assert backend.of_array(3.0) is None
