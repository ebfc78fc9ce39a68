"""Errors name the operation and the shapes/dtypes involved, and come from the library, not NumPy."""

import os
import re

import numpy as np
import pytest

import tinygrad_edu as tg

PACKAGE_DIR = os.path.dirname(os.path.abspath(tg.__file__))


def raises_informatively(kind, call, op, *mentions):
    """Run ``call``; check the exception type, that the message names ``op`` and every item of
    ``mentions`` (shapes, dtypes), and that it was raised by tinygrad_edu's own code."""
    with pytest.raises(kind) as info:
        call()
    message = str(info.value)
    assert re.search(op, message, re.IGNORECASE), f"{op!r} not named in: {message}"
    for mention in mentions:
        assert str(mention) in message, f"{mention!r} not in: {message}"
    raised_at = os.path.abspath(str(info.traceback[-1].path))
    assert raised_at.startswith(PACKAGE_DIR), f"raised from {raised_at}, not from tinygrad_edu: {message}"
    assert type(info.value).__module__ == "builtins" or isinstance(info.value, RuntimeError)
    return message


A = tg.ones(2, 3)
B = tg.ones(4, 3)

# (id, exception type, call, the op's name (a regex), what else the message must show)
CASES = [
    # broadcasting mismatch in elementwise arithmetic
    ("add broadcast", (ValueError, RuntimeError), lambda: A + B, "add", "(2, 3)", "(4, 3)"),
    ("mul broadcast", (ValueError, RuntimeError), lambda: A * tg.ones(3, 2), "mul", "(2, 3)", "(3, 2)"),
    ("sub broadcast", (ValueError, RuntimeError), lambda: A - B, "sub", "(2, 3)", "(4, 3)"),
    ("div broadcast", (ValueError, RuntimeError), lambda: A / B, "div", "(2, 3)", "(4, 3)"),
    ("reflected add", (ValueError, RuntimeError), lambda: np.ones((4, 3)) + A, "add", "(2, 3)", "(4, 3)"),
    ("maximum", (ValueError, RuntimeError), lambda: tg.maximum(A, B), "maximum", "(2, 3)", "(4, 3)"),
    ("compare", (ValueError, RuntimeError), lambda: A < B, "lt", "(2, 3)", "(4, 3)"),
    (
        "where",
        (ValueError, RuntimeError),
        lambda: tg.where(tg.ones(5) > 0, A, 0.0),
        "where",
        "(5,)",
        "(2, 3)",
    ),
    # matmul
    ("matmul 2d", RuntimeError, lambda: A @ tg.ones(2, 3), "matmul", "(2, 3)"),
    ("matmul 1d", RuntimeError, lambda: tg.ones(3) @ tg.ones(4), "matmul", "(3,)", "(4,)"),
    (
        "matmul batched",
        RuntimeError,
        lambda: tg.ones(2, 2, 3) @ tg.ones(5, 2),
        "matmul",
        "(2, 2, 3)",
        "(5, 2)",
    ),
    ("matmul 0-d", RuntimeError, lambda: tg.tensor(2.0) @ A, "matmul", "()", "(2, 3)"),
    ("mm", RuntimeError, lambda: A.mm(tg.ones(3)), "mm", "(2, 3)", "(3,)"),
    # bad dims
    ("sum dim", IndexError, lambda: A.sum(2), "sum", "2", "[-2, 1]"),
    ("sum tuple dim", IndexError, lambda: A.sum((0, 3)), "sum", "3"),
    ("mean dim", IndexError, lambda: A.mean(-3), "mean", "-3"),
    ("softmax dim", IndexError, lambda: A.softmax(5), "softmax", "5"),
    ("log_softmax dim", IndexError, lambda: A.log_softmax(2), "log_softmax", "2"),
    ("transpose dim", IndexError, lambda: A.transpose(0, 2), "transpose", "2"),
    ("max dim", IndexError, lambda: A.max(3), r"\bmax\b", "3"),
    ("unsqueeze dim", IndexError, lambda: A.unsqueeze(4), "unsqueeze", "4"),
    ("dim type", TypeError, lambda: A.sum(1.5), "sum", "float"),
    ("permute", RuntimeError, lambda: A.permute(0, 0), "permute", "(2, 3)"),
    # reshape
    ("reshape", RuntimeError, lambda: A.reshape(4, 2), "reshape", "(4, 2)", "(2, 3)"),
    ("reshape two -1", RuntimeError, lambda: A.reshape(-1, -1), "reshape", "(2, 3)"),
    ("view", RuntimeError, lambda: A.view(7), "view", "(7,)", "(2, 3)"),
    ("expand", RuntimeError, lambda: A.expand(3, 3), "(expand|broadcast)", "(2, 3)", "(3, 3)"),
    # indexing
    ("index", IndexError, lambda: A[5], "index", "5", "(2, 3)"),
    ("index 2d", IndexError, lambda: A[0, 3], "index", "3", "(2, 3)"),
    ("index array", IndexError, lambda: A[tg.tensor([0, 9])], "index", "9", "(2, 3)"),
    ("index mask", IndexError, lambda: A[tg.tensor([True, False, True])], "index", "(2, 3)"),
    ("index float", IndexError, lambda: A[tg.tensor([0.0, 1.0])], "index", "float32"),
    # joining
    ("cat", ValueError, lambda: tg.cat([A, tg.ones(2, 4)], 0), "cat", "(2, 3)", "(2, 4)"),
    ("cat ndim", ValueError, lambda: tg.cat([A, tg.ones(3)]), "cat", "(2, 3)", "(3,)"),
    ("cat dim", IndexError, lambda: tg.cat([A, A], 2), "cat", "2"),
    ("stack", ValueError, lambda: tg.stack([A, B]), "stack", "(2, 3)", "(4, 3)"),
    # gather
    ("gather float index", TypeError, lambda: A.gather(1, tg.tensor([[0.0], [1.0]])), "gather", "float32"),
    ("gather range", IndexError, lambda: A.gather(1, tg.tensor([[0], [7]])), "gather", "3"),
    ("gather ndim", RuntimeError, lambda: A.gather(1, tg.tensor([0, 1])), "gather", "1", "2"),
    # dtypes and grad
    (
        "requires_grad int",
        RuntimeError,
        lambda: tg.tensor([1, 2], requires_grad=True),
        "requires_grad",
        "int64",
    ),
    (
        "requires_grad_ bool",
        RuntimeError,
        lambda: tg.tensor([True]).requires_grad_(),
        "requires_grad",
        "bool",
    ),
    ("mean of ints", RuntimeError, lambda: tg.tensor([1, 2]).mean(), "mean", "int64"),
    ("bitwise not float", TypeError, lambda: ~A, "~", "float32"),
    ("and float", TypeError, lambda: A & A, "and", "float32"),
    ("item", RuntimeError, lambda: A.item(), "item", "6", "(2, 3)"),
    ("bool", RuntimeError, lambda: bool(A), "ambiguous", "6"),
    ("backward no grad", RuntimeError, lambda: A.sum().backward(), "backward", "require"),
    (
        "backward non-scalar",
        RuntimeError,
        lambda: (A * tg.ones(3, requires_grad=True)).backward(),
        "backward",
        "(2, 3)",
    ),
    # in-place
    ("add_ broadcast", RuntimeError, lambda: A.clone().add_(B), "add_", "(2, 3)", "(4, 3)"),
    (
        "setitem shape",
        RuntimeError,
        lambda: A.clone().__setitem__(0, tg.ones(4)),
        "setitem",
        "(4,)",
        "(2, 3)",
    ),
    # construction
    ("ragged list", (ValueError, TypeError), lambda: tg.tensor([[1, 2], [3]]), "tensor", "[[1, 2], [3]]"),
    ("string data", TypeError, lambda: tg.tensor("abc"), "tensor"),
    ("bad dtype", TypeError, lambda: tg.zeros(2, dtype="float33"), "dtype", "float33"),
    ("bad device", RuntimeError, lambda: tg.zeros(2, device="tpu"), "device", "tpu"),
    ("bad sizes", TypeError, lambda: tg.zeros(2.5), "zeros", "2.5"),
]


@pytest.mark.parametrize(
    "kind, call, op, mentions", [c[1:4] + (c[4:],) for c in CASES], ids=[c[0] for c in CASES]
)
def test_error_names_the_op_and_what_it_was_given(kind, call, op, mentions):
    global A, B
    A, B = tg.ones(2, 3), tg.ones(4, 3)  # on this run's default device
    raises_informatively(kind, call, op, *mentions)


def test_shape_errors_are_raised_before_anything_is_recorded():
    x = tg.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError):
        x * tg.ones(4, 3)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


def test_an_informative_error_keeps_numpys_message_as_its_cause():
    with pytest.raises(ValueError) as info:
        A + B
    message = str(info.value)
    assert message.startswith("Add")
    assert "broadcast" in message


def test_errors_are_of_the_documented_types():
    kinds = {c[0]: c[1] for c in CASES}
    allowed = (ValueError, TypeError, IndexError, RuntimeError)
    for name, kind in kinds.items():
        for k in kind if isinstance(kind, tuple) else (kind,):
            assert issubclass(k, allowed), name


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(tg.GradcheckError, RuntimeError)
