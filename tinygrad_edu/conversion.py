"""Values in and out of a Tensor: Python numbers, lists and arrays of any backend become a tensor's
array; NumPy's ufuncs and CuPy's array interface see a tensor's values."""

import reprlib

from . import backend as _backends
from . import dtypes
from .arguments import _plain
from .tensor import Tensor


def to_array(data, dtype, device):
    """The backend array a new ``Tensor(data, dtype=, device=)`` holds (always a copy)."""
    if isinstance(data, Tensor):
        data = data.data
    source = _backends.of_array(data)  # the backend of an array argument, if any
    if device is not None:
        target = _backends.get_backend(device)
    elif source is not None and source.name != "cpu":
        target = source  # a device array stays on its device
    else:
        target = _backends.get_backend()  # host data goes to the default device
    dtype = None if dtype is None else dtypes.to_dtype(dtype)
    if hasattr(data, "dtype"):  # arrays: no object, string, date or record arrays
        dtypes.check_supported(data.dtype, "tensor")
    if source is not None and source is not target:
        data = source.to_numpy(data)  # moving between devices goes through the host
    elif not hasattr(data, "dtype"):  # Python numbers and (nested) lists
        data = _plain(data)
        dtype = dtype or dtypes.infer_dtype(data)
    try:
        return target.array(data, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as error:  # ragged lists, unconvertible values
        raise type(error)(
            f"tensor: cannot build a {dtype} tensor from {reprlib.repr(data)}: {error}"
        ) from None


def data_array(value):
    """What ``t.data = value`` stores: another tensor's array (shared, as in PyTorch) or a backend array.
    Anything else (a list, a number) is refused, as PyTorch refuses it."""
    if isinstance(value, Tensor):
        value = value._data
    elif _backends.of_array(value) is None:
        raise TypeError(
            f"data: expected a Tensor or an array, got {type(value).__name__} {reprlib.repr(value)}; "
            "write t.data = tg.tensor(...) or t.copy_(...)"
        )
    dtypes.check_supported(value.dtype, "data")
    return value


# NumPy ufuncs (by name) that are Tensor operators: (method when the tensor is on the left, on the right).
_UFUNC_OPERATORS = {
    "add": ("__add__", "__radd__"),
    "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"),
    "divide": ("__truediv__", "__rtruediv__"),  # np.true_divide is np.divide
    "true_divide": ("__truediv__", "__rtruediv__"),
    "power": ("__pow__", "__rpow__"),
    "matmul": ("__matmul__", "__rmatmul__"),
    "equal": ("__eq__", "__eq__"),
    "not_equal": ("__ne__", "__ne__"),
    "less": ("__lt__", "__gt__"),
    "less_equal": ("__le__", "__ge__"),
    "greater": ("__gt__", "__lt__"),
    "greater_equal": ("__ge__", "__le__"),
    "bitwise_and": ("__and__", "__rand__"),
    "bitwise_or": ("__or__", "__ror__"),
    "maximum": ("maximum", "maximum"),
    "minimum": ("minimum", "minimum"),
}


def array_ufunc(ufunc, method, inputs, out, kwargs):
    """NumPy meeting a Tensor: ``array + tensor`` is the Tensor operator (so ``np_array * t`` is a
    Tensor), and NumPy's in-place operators on an array — ``p.data += -lr * p.grad`` — update that array
    with the tensor's values. Any other ufunc works on the values and returns an array, as NumPy does
    for array-likes."""
    operators = _UFUNC_OPERATORS.get(ufunc.__name__)
    if out is None and method == "__call__" and not kwargs and operators and len(inputs) == 2:
        left, right = inputs
        if isinstance(left, Tensor):
            return getattr(left, operators[0])(right)
        return getattr(right, operators[1])(left)
    values = tuple(_host_values(x) for x in inputs)
    if out is not None:
        kwargs["out"] = tuple(_host_values(x) for x in out)
    return getattr(ufunc, method)(*values, **kwargs)


def _host_values(value):
    """A ufunc operand as NumPy sees it: a tensor's values on the host (its own array on the CPU)."""
    if isinstance(value, Tensor):
        return value._backend().to_numpy(value._data)
    return value
