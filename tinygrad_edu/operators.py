"""How Tensor's operators meet their other operand: arithmetic (a tensor, a Python number, a list
or an array, promoted to one dtype, then one ``Op``) and comparisons and logic (no gradient)."""

import numpy as np

from .dtypes import _promoted
from .tensor import Tensor


def _binary(op, tensor, other, reflected=False):
    """Apply a binary ``Op`` to a tensor and a tensor, number or array (in either order)."""
    if isinstance(other, Tensor):
        a, b = _promoted(tensor, other)
    elif isinstance(other, (int, float)):  # a Python number keeps the tensor's dtype (PyTorch's rule)
        a, b = tensor, other
        if isinstance(other, float) and tensor._data.dtype.kind != "f":  # np.float64 too
            a = tensor.float()
    elif isinstance(other, complex) or other is None or isinstance(other, str):
        raise TypeError(f"{op.__name__}: unsupported operand of type {type(other).__name__}")
    else:
        a, b = _promoted(tensor, tensor._like(other))
    return op.apply(b, a) if reflected else op.apply(a, b)


def _true_division_operands(tensor, other):
    """Division of integers gives float32, as in PyTorch."""
    other_is_int = not (isinstance(other, float) or (isinstance(other, Tensor) and other.dtype.kind == "f"))
    if tensor.data.dtype.kind != "f" and other_is_int:
        tensor = tensor.float()
    return tensor, other


_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
}


def _compare(tensor, other, name):
    """An elementwise comparison or logical op; the result is a bool tensor without gradient."""
    if other is None or isinstance(other, str):
        if name in ("eq", "ne"):
            return name == "ne"
        raise TypeError(f"{name}: cannot compare a tensor with {type(other).__name__}")
    if not isinstance(other, (Tensor, int, float)):
        other = tensor._like(other)  # lists and host arrays move to the tensor's device
    b = other.data if isinstance(other, Tensor) else other
    if isinstance(other, Tensor) and type(b) is not type(tensor.data):
        raise RuntimeError(
            f"{name}: expected all tensors to be on the same device, but found "
            f"{tensor.device} and {other.device}"
        )
    if name in ("and", "or", "xor") and (
        tensor.dtype.kind not in "biu" or getattr(b, "dtype", np.dtype(bool)).kind not in "biu"
    ):
        raise TypeError(f"{name}: logical operators need bool or integer tensors, got {tensor.dtype}")
    try:
        result = _COMPARE[name](tensor.data, b)
    except ValueError as error:
        raise RuntimeError(
            f"{name}: {error} (shapes {tensor.shape} and {getattr(other, 'shape', ())})"
        ) from None
    return Tensor._make(tensor._backend().asarray(result))


def _invert(tensor):
    """``~tensor``: bitwise not of bool and integer tensors (no gradient)."""
    if tensor.dtype.kind not in "biu":
        raise TypeError(f"~: bitwise not is only defined for bool and integer tensors, got {tensor.dtype}")
    return Tensor._make(tensor._backend().asarray(~tensor._data))  # 0-d: NumPy gives a scalar
