"""Values in and out of a Tensor: Python numbers, lists and arrays of any backend become a tensor's
array; NumPy's ufuncs and CuPy's array interface see a tensor's values."""

import reprlib

import numpy as np

from . import backend as _backends
from . import dtypes
from .arguments import _plain
from .jit import tape
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


def read_by_python(op):
    """A tensor's values go to Python (``item``, ``bool``, ``print``): a step that tg.compile records
    could decide by them, which a replay would not repeat, so the recording stops there."""
    if tape.recorder is not None:
        tape.refuse(f"{op}() reads a tensor's values into Python, which a replay would not do again")


def tensor_repr(tensor):
    """``tensor([1., 2.], shape=(2,), dtype=float32, device='cpu', grad_fn=<MulBackward>)``."""
    read_by_python("repr")
    values = tensor._backend().to_numpy(tensor._data)
    body = np.array2string(values, separator=", ", prefix="tensor(", threshold=100, edgeitems=3)
    extras = [f"shape={tensor.shape}", f"dtype={tensor.dtype}", f"device='{tensor.device}'"]
    if tensor._ctx is not None:
        extras.append(f"grad_fn={tensor._ctx!r}")
    elif tensor._requires_grad:
        extras.append("requires_grad=True")
    return f"tensor({body}, {', '.join(extras)})"


def host_array(tensor, op):
    """``numpy()``: the data as a NumPy array (shared on "cpu"; a host copy for "cuda")."""
    read_by_python(op)
    if tensor._requires_grad:
        raise RuntimeError(
            f"{op}: can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
        )
    return tensor._backend().to_numpy(tensor._data)


def single_value(tensor, op):
    """The one element of ``tensor`` as a Python number (``item``, ``bool``, ``index``), or PyTorch's
    error."""
    read_by_python(op)
    if op == "index" and tensor.dtype.kind not in "iub":
        raise TypeError(
            f"only integer tensors of a single element can be used as an index, got {tensor.dtype}"
        )
    size = tensor._data.size
    if size == 1:
        value = tensor._data.item()
        return int(value) if op == "index" else value
    if op == "bool":
        raise RuntimeError(f"Boolean value of Tensor with {size} values is ambiguous (use .any() or .all())")
    raise RuntimeError(
        f"{op}: a Tensor with {size} elements (shape {tensor.shape}) cannot be converted to a Python scalar"
    )


def cuda_array_interface(tensor):
    """CuPy's view of a "cuda" tensor's data (so ``cupy_array += tensor`` works, as on the CPU)."""
    try:
        return tensor._data.__cuda_array_interface__
    except AttributeError:
        raise AttributeError("__cuda_array_interface__: only for tensors on a CuPy device") from None


# NumPy ufuncs (by name) that are Tensor operators: (method when the tensor is on the left, on the right).
# An arithmetic operator's right-hand method is its reflected one (np.add → __add__, __radd__) ...
_ARITHMETIC_UFUNCS = {
    "add": "add",
    "subtract": "sub",
    "multiply": "mul",
    "divide": "truediv",  # np.true_divide is np.divide
    "true_divide": "truediv",
    "power": "pow",
    "matmul": "matmul",
    "bitwise_and": "and",
    "bitwise_or": "or",
}
_UFUNC_OPERATORS = {ufunc: (f"__{op}__", f"__r{op}__") for ufunc, op in _ARITHMETIC_UFUNCS.items()}
# ... a comparison's is its mirror image (x < t is t > x); maximum and minimum are symmetric.
_UFUNC_OPERATORS.update(
    equal=("__eq__", "__eq__"),
    not_equal=("__ne__", "__ne__"),
    less=("__lt__", "__gt__"),
    less_equal=("__le__", "__ge__"),
    greater=("__gt__", "__lt__"),
    greater_equal=("__ge__", "__le__"),
    maximum=("maximum", "maximum"),
    minimum=("minimum", "minimum"),
)


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
