"""Tensor's second-class ops: compositions of first-class ones (``ops/``), so they need no backward
of their own — the gradient flows through the ops they are made of. Early tinygrad draws the same
line (DESIGN.md). Also here: the checks that give a method PyTorch's error before its op runs.
"""

import numbers

import numpy as np

from . import backend as _backends
from . import dtypes
from .arguments import _axes, _check_reshape, _dim, _shape_arg
from .dtypes import _floating, _promoted, _require_float
from .ops.binary import Where
from .ops.elementwise import Cast, Clamp, Gelu, ToDevice
from .ops.movement import Expand, Gather, Permute, Repeat, Reshape, SumTo
from .ops.reduce import Amax, Amin, CumSum
from .tensor import Tensor, ValuesIndices


def where(condition, input, other):
    """``input`` where ``condition`` else ``other`` (numbers allowed for either branch)."""
    anchor = next((t for t in (input, other, condition) if isinstance(t, Tensor)), None)
    if anchor is None:
        anchor = Tensor(condition)
    condition = anchor._like(condition)
    if condition.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got {condition.dtype}")
    a = anchor._like(input) if not isinstance(input, (int, float)) else input
    b = anchor._like(other) if not isinstance(other, (int, float)) else other
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        a, b = _promoted(a, b)
    elif isinstance(a, Tensor) and isinstance(b, float) and a.dtype.kind != "f":
        a = a.float()
    elif isinstance(b, Tensor) and isinstance(a, float) and b.dtype.kind != "f":
        b = b.float()
    elif not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two numbers: a float makes float32
        a = Tensor(float(a) if isinstance(b, float) else a, device=anchor.device)
    return Where.apply(condition, a, b)


# ---- conversion --------------------------------------------------------------------------------------


def to(tensor, args, dtype, device):
    """``tensor.to(*args, dtype=, device=)``: ``ToDevice`` and/or ``Cast`` (integers carry no gradient)."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, device = arg.dtype, arg.device
        elif isinstance(arg, str):
            device = arg
        else:
            dtype = arg
    out = tensor
    if device is not None and _backends.device(device) != tensor.device:
        out = ToDevice.apply(out, _backends.get_backend(device))
    if dtype is not None and dtypes.to_dtype(dtype) != out.dtype:
        dtype = dtypes.to_dtype(dtype)
        if dtypes.is_floating(dtype):
            out = Cast.apply(out, dtype)
        else:
            out = Tensor._make(out._backend().astype(out.data, dtype))
    return out


def view_as_dtype(tensor, dtype):
    """``view(dtype)``: the same bytes read as another dtype (PyTorch's bit reinterpretation, not a
    cast: ``tg.tensor([1.0]).view(tg.int32)`` is 1065353216). It shares memory and the version counter
    with ``tensor``, and does not require grad (bits have no gradient)."""
    dtype = dtypes.to_dtype(dtype)
    if dtype == tensor.dtype:
        return tensor.view(tensor.shape)
    try:
        data = tensor.data.view(dtype)
    except (ValueError, TypeError) as error:
        raise RuntimeError(
            f"view: cannot view a {tensor.dtype} tensor of shape {tensor.shape} as {dtype}: {error}"
        ) from None
    return Tensor._make(data, version_cell=tensor._version_cell)


# ---- products ----------------------------------------------------------------------------------------


# ---- elementwise -------------------------------------------------------------------------------------


def gelu(x, approximate):
    """x · Φ(x) by the ``Gelu`` op, or by the tanh formula of Hendrycks & Gimpel (2016):
    x · (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    if approximate == "none":
        return Gelu.apply(x)
    inner = (x + x * x * x * 0.044715) * float(np.sqrt(2 / np.pi))
    return x * (inner.tanh() + 1) * 0.5


def clamp(tensor, min, max):
    """The ``Clamp`` op between numbers; with a tensor bound, ``maximum`` with ``min``, then ``minimum``
    with ``max``."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return Clamp.apply(tensor, min, max)
    out = tensor if min is None else tensor.maximum(tensor._like(min))
    return out if max is None else out.minimum(tensor._like(max))


def isclose(tensor, other, rtol, atol, equal_nan):
    """Where |tensor − other| ≤ atol + rtol · |other|, as a bool tensor (no gradient)."""
    other = tensor._like(other)
    if type(other._data) is not type(tensor._data):
        raise RuntimeError(f"isclose: tensors on {tensor.device} and {other.device}")
    close = tensor._backend().isclose(tensor._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return Tensor._make(tensor._backend().asarray(close))


def equal(tensor, other):
    """True when both tensors have the same shape and elements."""
    other = tensor._like(other)
    return tensor.shape == other.shape and bool((tensor._data == other.data).all())


# ---- reductions --------------------------------------------------------------------------------------


def var(tensor, dim, keepdim, unbiased, correction):
    """Σ (x − mean)² / (n − correction) over ``dim`` (correction 1 by default, as PyTorch)."""
    _require_float(tensor, "var")
    if isinstance(unbiased, (int, tuple)) and not isinstance(unbiased, bool):  # var(dim, unbiased)
        raise TypeError("var: pass unbiased= or correction= by keyword")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = _axes(dim, tensor.ndim, "var")
    centered = tensor - tensor.mean(axes, keepdim=True)
    count = tensor.numel() if axes is None else int(np.prod([tensor.shape[a] for a in axes]))
    return (centered * centered).sum(axes, keepdim=keepdim) / max(count - correction, 0)


def std(tensor, dim, keepdim, unbiased, correction):
    """√var; where the input is constant (var = 0) the gradient is 0, as PyTorch's, not ∞ · 0 = NaN."""
    return zero_safe_root(var(tensor, dim, keepdim, unbiased, correction), 2)


def norm(tensor, p, dim, keepdim):
    """The p-norm (Σ |x|^p)^(1/p) over ``dim``; 2 / "fro", 1, ±inf and 0 by their own formulas."""
    x = _floating(tensor)
    if p in ("fro", 2):
        return zero_safe_root((x * x).sum(dim, keepdim=keepdim), 2)
    if p == 1:
        return x.abs().sum(dim, keepdim=keepdim)
    if p == float("inf"):
        return x.abs().amax(dim, keepdim=keepdim)
    if p == float("-inf"):
        return x.abs().amin(dim, keepdim=keepdim)
    if p == 0:
        return (x != 0).sum(dim, keepdim=keepdim).to(x.dtype)
    if not isinstance(p, numbers.Real):
        raise ValueError(f"norm: unsupported p={p!r}")
    return zero_safe_root((x.abs() ** p).sum(dim, keepdim=keepdim), p)


def zero_safe_root(total, p):
    """total^(1/p) for ``norm`` and ``std``, with gradient 0 where total is 0 (PyTorch's subgradient of
    a zero norm) instead of ∞ · 0 = NaN."""
    zero = total == 0
    safe = where(zero, 1.0, total)
    return where(zero, 0.0, safe.sqrt() if p == 2 else safe ** (1 / p))


def extreme(tensor, dim, keepdim, name):
    """``max`` / ``min``: of all elements (``Amax``/``Amin``), elementwise with a tensor, or
    ``(values, indices)`` along ``dim``, where the values are gathered at the indices (the gradient
    goes to the returned index)."""
    if isinstance(dim, Tensor):
        return tensor.maximum(dim) if name == "max" else tensor.minimum(dim)
    if dim is None:
        return (Amax if name == "max" else Amin).apply(tensor, None, False)
    d = _dim(dim, tensor.ndim, name)
    indices = arg_reduce(tensor, dim, True, "argmax" if name == "max" else "argmin")
    values = tensor.gather(d, indices) if tensor.ndim else tensor
    if not keepdim and tensor.ndim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return ValuesIndices(values, indices)


def arg_reduce(tensor, dim, keepdim, name):
    """argmax/argmin as an int64 tensor."""
    if tensor.numel() == 0:
        raise RuntimeError(f"{name}: expected a non-empty tensor")
    data = tensor.data
    if dim is None:
        result = getattr(data.reshape(-1), name)()
        if keepdim:
            result = tensor._backend().asarray(result).reshape((1,) * tensor.ndim)
    else:
        d = _dim(dim, tensor.ndim, name)
        result = (
            getattr(data, name)(axis=d, keepdims=keepdim)
            if tensor.ndim
            else getattr(data.reshape(-1), name)()
        )
    return Tensor._make(tensor._backend().astype(tensor._backend().asarray(result), dtypes.int64))


def truth_reduce(tensor, dim, keepdim, name):
    """``all`` / ``any`` over ``dim``, as a bool tensor (no gradient)."""
    axes = _axes(dim, tensor.ndim, name)
    return Tensor._make(tensor._backend().asarray(getattr(tensor._data, name)(axis=axes, keepdims=keepdim)))


def cumsum(tensor, dim, dtype):
    """``CumSum`` along ``dim``; integers and bools sum as int64, as in PyTorch."""
    if dim is None:
        raise TypeError("cumsum: missing the dim to sum along (cumsum(dim))")
    x = tensor if dtype is None else tensor.to(dtype)
    if x.dtype.kind in "biu":
        x = x.long()
    if x.ndim == 0:
        _dim(dim, 0, "cumsum")
        return x.clone() if x.requires_grad else x
    return CumSum.apply(x, _dim(dim, x.ndim, "cumsum"))


# ---- sorting -----------------------------------------------------------------------------------------


def argsort(tensor, dim, descending):
    """The indices of a stable sort along ``dim`` (no gradient: indices are integers)."""
    d = _dim(dim, tensor.ndim, "argsort")
    xp = tensor._backend()
    if tensor.ndim == 0:
        return Tensor._make(xp.zeros((), dtype=dtypes.int64))
    keys = tensor._data
    if descending:
        if keys.dtype.kind in "bu":  # negating unsigned values would wrap around
            keys = xp.astype(keys, dtypes.int64)
        keys = -keys
    return Tensor._make(xp.astype(xp.argsort(keys, axis=d, kind="stable"), dtypes.int64))


def sort(tensor, dim, descending):
    """``(values, indices)``; the values are ``tensor.gather(dim, indices)``, so the gradient (and the
    second derivative) flows back to each element's original place."""
    indices = argsort(tensor, dim, descending)
    values = tensor.gather(dim, indices) if tensor.ndim else tensor.clone()
    return ValuesIndices(values, indices)


def topk(tensor, k, dim, largest):
    """The first ``k`` of a (descending, when ``largest``) sort along ``dim``."""
    d = _dim(dim, tensor.ndim, "topk")
    size = tensor.shape[d] if tensor.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError(
            f"topk: k={k} is out of range for dim {dim} of size {size} (tensor of shape {tensor.shape})"
        )
    indices = argsort(tensor, d, largest)
    if tensor.ndim:
        indices = Tensor._make(indices._data[(slice(None),) * d + (slice(0, k),)])
        return ValuesIndices(tensor.gather(d, indices), indices)
    return ValuesIndices(tensor.clone() if k else tensor.reshape(1)[:0].reshape(()), indices)


# ---- shape -------------------------------------------------------------------------------------------


def view(tensor, shape):
    """``view(*shape)``: ``Reshape``; given one dtype, the same bytes read as it (``view_as_dtype``)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        return view_as_dtype(tensor, shape[0])
    return Reshape.apply(tensor, _check_reshape(tensor, _shape_arg(shape, "view"), "view"))


def unflatten(tensor, dim, sizes):
    """``reshape`` with dim ``dim`` split into ``sizes``."""
    d = _dim(dim, tensor.ndim, "unflatten")
    return tensor.reshape(tensor.shape[:d] + tuple(sizes) + tensor.shape[d + 1 :])


def unsqueeze(tensor, dim):
    """``reshape`` with a dim of size 1 inserted at ``dim``."""
    d = _dim(dim, tensor.ndim + 1, "unsqueeze")
    return tensor.reshape(tensor.shape[:d] + (1,) + tensor.shape[d:])


def t(tensor):
    """``transpose(0, 1)`` of a matrix; a 0-D or 1-D tensor as it is."""
    if tensor.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got {tensor.ndim}")
    return tensor if tensor.ndim < 2 else tensor.transpose(0, 1)


def sum_to_size(tensor, shape):
    """``SumTo``: broadcast dims summed away (the inverse of ``expand``)."""
    return tensor if shape == tensor.shape else SumTo.apply(tensor, shape)


def flatten(tensor, start_dim, end_dim):
    """``reshape`` with dims ``start_dim`` .. ``end_dim`` merged into one."""
    if tensor.ndim == 0:
        return tensor.reshape(1)
    start, end = _dim(start_dim, tensor.ndim, "flatten"), _dim(end_dim, tensor.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = tensor.shape
    merged = 1
    for n in shape[start : end + 1]:
        merged *= n
    return tensor.reshape(shape[:start] + (merged,) + shape[end + 1 :])


def squeeze(tensor, dim):
    """``reshape`` without the size-1 dims (only those in ``dim``, when given)."""
    axes = range(tensor.ndim) if dim is None else _axes(dim, tensor.ndim, "squeeze")
    shape = tuple(n for i, n in enumerate(tensor.shape) if not (i in axes and n == 1))
    return tensor if shape == tensor.shape else tensor.reshape(shape)


def transpose(tensor, dim0, dim1):
    """``permute`` with two dims swapped (a 0-d tensor accepts dims 0 and -1, as in PyTorch)."""
    order = list(range(tensor.ndim))
    a, b = _dim(dim0, tensor.ndim, "transpose"), _dim(dim1, tensor.ndim, "transpose")
    if tensor.ndim:
        order[a], order[b] = order[b], order[a]
    return tensor.permute(*order)


def permute(tensor, dims):
    """``Permute``, after checking that ``dims`` is a permutation of the tensor's dims."""
    order = tuple(_dim(d, tensor.ndim, "permute") for d in dims)
    if sorted(order) != list(range(tensor.ndim)):
        raise RuntimeError(
            f"permute: dims {dims} are not a permutation of the {tensor.ndim} dims of shape {tensor.shape}"
        )
    return Permute.apply(tensor, order)


def expand(tensor, sizes):
    """``broadcast_to`` with -1 meaning "keep this dim"."""
    lead = len(sizes) - tensor.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes {sizes} must be at least the tensor's dims {tensor.shape}"
        )
    return broadcast_to(tensor, tuple(tensor.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes)))


def broadcast_to(tensor, shape):
    """``Expand`` to ``shape``, after checking NumPy's broadcasting rules allow it."""
    try:
        np.broadcast_shapes(tensor.shape, shape)
    except ValueError:
        raise RuntimeError(
            f"broadcast_to: cannot broadcast a tensor of shape {tensor.shape} to {shape}"
        ) from None
    return tensor if shape == tensor.shape else Expand.apply(tensor, shape)


def repeat(tensor, repeats):
    """``Repeat``, after checking there is a count for every dim."""
    if len(repeats) < tensor.ndim:
        raise RuntimeError(
            f"repeat: number of repeat dims {len(repeats)} can not be smaller than "
            f"the tensor's dims {tensor.ndim}"
        )
    return Repeat.apply(tensor, repeats)


def gather(tensor, dim, index):
    """``Gather`` along ``dim``, after PyTorch's checks (an index smaller than the input outside
    ``dim`` reads the matching corner of the input; negative indices count from the end)."""
    d = _dim(dim, tensor.ndim, "gather")
    index = tensor._like(index)
    if type(index.data) is not type(tensor._data):
        raise RuntimeError(f"gather: the input is on {tensor.device} but the index is on {index.device}")
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got {index.dtype}")
    if index.ndim != tensor.ndim:
        raise RuntimeError(f"gather: index has {index.ndim} dims but the input has {tensor.ndim}")
    x = tensor
    if any(i != d and index.shape[i] != n for i, n in enumerate(tensor.shape)):
        if any(i != d and index.shape[i] > n for i, n in enumerate(tensor.shape)):
            raise RuntimeError(
                f"gather: index shape {index.shape} is larger than input shape {tensor.shape} outside dim {d}"
            )
        x = tensor[tuple(slice(None) if i == d else slice(0, m) for i, m in enumerate(index.shape))]
    if index.numel() and (
        int(index.data.max()) >= tensor.shape[d] or int(index.data.min()) < -tensor.shape[d]
    ):
        raise IndexError(f"gather: index out of range for dim {d} of size {tensor.shape[d]}")
    return Gather.apply(x, d, index.data % tensor.shape[d] if tensor.shape[d] else index.data)


def chunk(tensor, chunks, dim):
    """``split`` into pieces of ⌈n / chunks⌉ along ``dim``."""
    d = _dim(dim, tensor.ndim, "chunk")
    size = -(-tensor.shape[d] // chunks) if chunks > 0 else 0
    if size <= 0:
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        size = 1
    return split(tensor, size, d)


def split(tensor, split_size_or_sections, dim):
    """Slices (``Index``) along ``dim``, of one size or of the listed sizes."""
    d = _dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the size of dim {d}")
    lead, start, pieces = (slice(None),) * d, 0, []
    for size in sizes:
        pieces.append(tensor[(*lead, slice(start, start + size))])
        start += size
    return tuple(pieces)


def unbind(tensor, dim):
    """The slices (``Index``) along ``dim``, each without that dim."""
    d = _dim(dim, tensor.ndim, "unbind")
    lead = (slice(None),) * d
    return tuple(tensor[(*lead, i)] for i in range(tensor.shape[d]))
