"""Dtypes are NumPy dtype objects, named as in PyTorch (``tg.float32``, ``tg.long``, ...)."""

import reprlib
import sys

import numpy as np

float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
float16 = half = np.dtype("float16")
int64 = long = np.dtype("int64")
int32 = int = np.dtype("int32")
int16 = short = np.dtype("int16")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
bool = np.dtype("bool")

_DEFAULT_FLOAT = float32


def to_dtype(dtype):
    """Normalise anything NumPy accepts as a dtype (``tg.float64``, ``np.float32``, ``"int64"``) that a
    tensor can hold."""
    try:
        result = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype: cannot interpret {dtype!r} as a dtype") from error
    return check_supported(result, "dtype")


def check_supported(dtype, op):
    """``dtype`` if tensors can hold it (bools, ints, floats); else a TypeError naming ``op``.

    NumPy also has object, string, date, complex and record dtypes; math on them either fails deep
    inside an op or silently means something else, so they are refused at the door, as PyTorch does.
    """
    if dtype.kind not in "biuf" or dtype.fields is not None:
        raise TypeError(
            f"{op}: dtype {dtype} is not supported; tensors hold bools, integers and floats "
            "(object, string, datetime, complex and structured arrays are refused)"
        )
    return dtype


def is_floating(dtype):
    """True for the float dtypes, the only ones that can carry gradients."""
    return dtype.kind == "f"


def default_float():
    """The dtype Python floats become: float32, as in PyTorch."""
    return _DEFAULT_FLOAT


def infer_dtype(data):
    """PyTorch's choice for nested Python data: float32 for floats, int64 for ints, bool for bools."""
    try:
        kind = np.asarray(data).dtype.kind
    except ValueError as error:  # a ragged nested list
        raise ValueError(f"tensor: cannot build a tensor from {reprlib.repr(data)}: {error}") from None
    if kind == "f":
        return _DEFAULT_FLOAT
    if kind in "iu":
        return int64
    if kind == "b":
        return bool
    raise TypeError(
        f"tensor: cannot build a tensor from {reprlib.repr(data)} (NumPy reads it as dtype "
        f"{np.asarray(data).dtype}; integers beyond int64, strings and objects are not supported)"
    )


def _conversion(name, target, doc):
    """The method ``Tensor.<name>`` (``float``, ``long``, ``cpu``, ...): ``t.to(target)``, a dtype or
    a device."""

    def convert(self):
        return self.to(target)

    convert.__name__, convert.__qualname__, convert.__doc__ = name, f"Tensor.{name}", doc
    return convert


# ---- promotion: the dtype an op computes in (used by Tensor's methods and the ops' callers) ------------


def _floating(tensor):
    """Integer and bool tensors become float32 before float math, as in PyTorch."""
    try:
        kind = tensor._data.dtype.kind
    except AttributeError:  # tg.exp([1.0]): PyTorch's functions take tensors only
        op = sys._getframe(1).f_code.co_name  # the method that called: its name is the op's
        raise TypeError(
            f"{op}: expected a Tensor, got {type(tensor).__name__} {reprlib.repr(tensor)}"
        ) from None
    return tensor if kind == "f" else tensor.float()


def _require_float(tensor, op):
    """``tensor``, or a RuntimeError naming ``op`` unless it holds floating-point values."""
    if tensor._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: input dtype should be floating point, got {tensor.dtype}")
    return tensor


def _promoted(a, b):
    """Two tensors cast to PyTorch's common dtype: a float beats an int of any width, and a 0-d
    tensor does not widen a tensor with dims of its own kind (it acts like a Python number)."""
    da, db = a._data.dtype, b._data.dtype
    if da == db:
        return a, b
    float_a, float_b = da.kind == "f", db.kind == "f"
    if float_a != float_b:
        target = da if float_a else db
    elif (a.ndim == 0) != (b.ndim == 0) and "b" not in (da.kind, db.kind):
        target = db if a.ndim == 0 else da
    else:
        target = np.promote_types(da, db)
    return (a if da == target else a.to(target)), (b if db == target else b.to(target))


def _same_float_dtype(a, b, op):
    """``a`` and ``b``; a RuntimeError when both are floating but of different dtypes (PyTorch's rule
    for matrix products: a float32 model fed float64 data is a bug to report, not to promote)."""
    da, db = a._data.dtype, b._data.dtype
    if da != db and da.kind == "f" and db.kind == "f":
        raise RuntimeError(
            f"{op}: expected both operands to have the same dtype, but got {da} and {db} "
            f"(shapes {a.shape} and {b.shape}); convert one with .to(), .float() or .double()"
        )
    return a, b
