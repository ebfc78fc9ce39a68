"""The CPU array namespace: NumPy plus the few helpers that backward passes need.

Every op's forward and backward reaches arrays only through a namespace like this one (``ctx.xp``),
so the same op code runs on NumPy, on CuPy, and — for higher-order gradients — on Tensors
(see ``tinygrad_edu/autograd/graph_ops.py``, which provides the same names).
"""

import math

import numpy as np
from numpy import (  # noqa: F401  (re-exported: this module *is* the namespace)
    abs,
    broadcast_to,
    concatenate,
    cos,
    exp,
    expm1,
    flip,
    log,
    log1p,
    matmul,
    maximum,
    minimum,
    ndarray,
    ones_like,
    pad,
    prod,
    reshape,
    sign,
    sin,
    sqrt,
    swapaxes,
    tanh,
    transpose,
    where,
    zeros,
    zeros_like,
)
from numpy import sum as _np_sum

name = "cpu"
random = np.random
asarray = np.asarray
_erf = np.frompyfunc(math.erf, 1, 1)


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis``; always an array, never a NumPy scalar."""
    return np.asarray(_np_sum(x, axis=axis, keepdims=keepdims))


def sum_to(grad, shape):
    """Undo broadcasting: sum ``grad`` down to ``shape`` (the one place backward handles it)."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return _np_sum(grad, axis=axes, keepdims=True).reshape(shape)


def erf(x):
    """The error function, elementwise (exact to double precision via ``math.erf``)."""
    return np.asarray(_erf(x)).astype(x.dtype)  # a 0-d input gives a Python float


def index_add(shape, index, values):
    """A zero array of ``shape`` with ``values`` added at ``index``; repeated indices accumulate."""
    out = np.zeros(shape, dtype=values.dtype)
    if is_basic_index(index):
        out[index] = values  # a plain slice picks each element once: assignment is enough
    else:
        np.add.at(out, index, values)
    return out


def scatter_add(shape, dim, index, values):
    """Inverse of ``take_along_axis``: zeros of ``shape`` with ``values`` added at ``index`` along ``dim``."""
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, _along_axis_index(index, dim), values)
    return out


def take_along_axis(x, index, dim):
    """``x`` gathered at ``index`` along ``dim`` (``torch.gather``)."""
    return np.take_along_axis(x, index, axis=dim)


def _along_axis_index(index, dim):
    """The full fancy index that addresses ``index`` along ``dim`` and every other axis in place."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def astype(x, dtype):
    """``x`` cast to ``dtype`` (no copy when it already has it)."""
    return x.astype(dtype, copy=False)


def is_all_finite(x):
    """True when no element is NaN or infinite."""
    return bool(np.isfinite(x).all())


def tile(x, repeats):
    """``x`` repeated ``repeats`` times along each dim (``Tensor.repeat``)."""
    return np.tile(x, repeats)


def array(x, dtype=None):
    """A fresh copy of ``x`` as an array."""
    return np.array(x, dtype=dtype)


def is_basic_index(index):
    """True when ``index`` uses only ints, slices, None and Ellipsis (each element picked once)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(i, (int, slice, type(None), type(Ellipsis))) and not isinstance(i, bool) for i in items
    )


def to_numpy(x):
    """``x`` as a NumPy array (no copy on the CPU)."""
    return np.asarray(x)


def from_numpy(x):
    """A NumPy array as this backend's array (no copy on the CPU)."""
    return np.asarray(x)


def to_backend(x, backend):
    """``x`` moved to another backend's memory."""
    return backend.from_numpy(np.asarray(x))


isfinite = np.isfinite
allclose = np.allclose
clip = np.clip
rng = np.random.default_rng()


def seed(value):
    """Restart this backend's random stream from ``value``."""
    global rng
    rng = np.random.default_rng(value)


ones = np.ones
full = np.full
eye = np.eye
arange = np.arange
linspace = np.linspace
