"""``ArrayBackend``: one array library (NumPy, CuPy, the strict stand-in) seen through the names ops use.

Every op's forward and backward reaches arrays only through ``ctx.xp``, an ``ArrayBackend``. It
copies the library's own functions (``exp``, ``where``, ``matmul``, ...) onto itself, so a call is
one attribute lookup, and adds the few helpers the library lacks (``sum_to``, ``index_add``, ...),
written once for every library. ``autograd/graph_ops.py`` offers the same names over Tensors, for
higher-order gradients.
"""

import math

import numpy as np

# The functions ops call, taken from the array library unchanged.
LIBRARY_FUNCTIONS = (
    "abs allclose arange argsort broadcast_to clip concatenate cos cumsum einsum exp expm1 eye flip "
    "full isfinite linspace "
    "log log1p matmul maximum minimum ones ones_like pad prod reshape sign sin sqrt swapaxes "
    "take_along_axis tanh tile transpose where zeros zeros_like"
).split()


def is_basic_index(index):
    """True when ``index`` uses only ints, slices, None and Ellipsis (each element picked once)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(i, (int, slice, type(None), type(Ellipsis))) and not isinstance(i, bool) for i in items
    )


class ArrayBackend:
    """The array namespace of one device: the library's functions plus the helpers below."""

    def __init__(self, module, name, to_numpy, from_numpy, erf=None, scatter_add_at=None, seed=None):
        self.module = module
        self.name = name
        self.ndarray = module.ndarray
        for function in LIBRARY_FUNCTIONS:
            setattr(self, function, getattr(module, function))
        self.to_numpy = to_numpy  # device → host copy (no copy on the CPU)
        self.from_numpy = from_numpy  # host → device copy
        self.erf = erf or self._erf_from_math
        self._add_at = scatter_add_at or module.add.at
        self.seed(seed)

    # ---- the library's array constructors, always returning arrays --------------------------------

    def asarray(self, value, dtype=None):
        """``value`` as an array of this library (no copy when it already is one)."""
        return self.module.asarray(value, dtype=dtype)

    def array(self, value, dtype=None):
        """A fresh copy of ``value`` as an array of this library."""
        return self.module.array(value, dtype=dtype)

    def astype(self, x, dtype):
        """``x`` cast to ``dtype`` (no copy when it already has it)."""
        return x.astype(dtype, copy=False)

    def sum(self, x, axis=None, keepdims=False):
        """Sum over ``axis``; always an array (NumPy would return a scalar for a full sum). The
        array's own method: it skips NumPy's dispatch layer, a third of the cost on small arrays."""
        return self.module.asarray(x.sum(axis=axis, keepdims=keepdims))

    def amax(self, x, axis=None, keepdims=False):
        """The maximum over ``axis`` (the array's method, as ``sum``)."""
        return x.max(axis=axis, keepdims=keepdims)

    # ---- helpers for backward passes --------------------------------------------------------------

    def sum_to(self, grad, shape):
        """Undo broadcasting: sum ``grad`` down to ``shape`` (the one place backward handles it)."""
        if grad.shape == shape:
            return grad
        lead = grad.ndim - len(shape)
        stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
        if stretched:  # dims of size 1 that were broadcast: sum them, keeping them
            grad = self.module.sum(grad, axis=stretched, keepdims=True)
        if lead:  # dims that broadcasting added in front: sum them away
            grad = self.module.sum(grad, axis=tuple(range(lead)))
        return grad

    def index_add(self, shape, index, values):
        """Zeros of ``shape`` with ``values`` added at ``index``; repeated indices accumulate."""
        out = self.module.zeros(shape, dtype=values.dtype)
        if is_basic_index(index):
            out[index] = values  # ints and slices pick each element once: assignment is enough
        else:
            self._add_at(out, index, values)
        return out

    def scatter_add(self, shape, dim, index, values):
        """Zeros of ``shape`` with ``values`` added at ``index`` along ``dim`` (undoes ``gather``)."""
        out = self.module.zeros(shape, dtype=values.dtype)
        self._add_at(out, self._along_axis(index, dim), values)
        return out

    def _along_axis(self, index, dim):
        """The fancy index that addresses ``index`` along ``dim`` and every other axis in place."""
        ndim = index.ndim
        grids = [
            self.module.arange(n).reshape((1,) * axis + (n,) + (1,) * (ndim - axis - 1))
            for axis, n in enumerate(index.shape)
        ]
        grids[dim] = index
        return tuple(grids)

    def to_backend(self, x, backend):
        """``x`` copied to another backend's memory (through the host)."""
        return backend.from_numpy(self.to_numpy(x))

    def is_all_finite(self, x):
        """True when no element is NaN or infinite."""
        return bool(self.module.isfinite(x).all())

    def _erf_from_math(self, x):
        """The error function, elementwise, exact to double precision via ``math.erf``."""
        host = np.vectorize(math.erf, otypes=[np.float64])(self.to_numpy(x))
        return self.from_numpy(host.astype(x.dtype))

    is_basic_index = staticmethod(is_basic_index)

    # ---- randomness ---------------------------------------------------------------------------

    def seed(self, value=None):
        """Restart this backend's random stream (``tg.manual_seed`` calls it on every backend)."""
        self.rng = self.module.random.default_rng(value)

    def __getattr__(self, name):
        """Any other function of the library (``ctx.xp.round`` in a custom op), looked up on use."""
        return getattr(self.module, name)

    def __repr__(self):
        return f"<ArrayBackend {self.name!r} ({self.module.__name__})>"


def numpy_backend():
    """The CPU backend."""
    return ArrayBackend(np, "cpu", to_numpy=np.asarray, from_numpy=np.asarray)


def cupy_backend():
    """The GPU backend (imports CuPy; raises a clear error where it or a GPU is missing)."""
    try:
        import cupy
        import cupyx
        from cupyx.scipy.special import erf
    except ImportError as error:
        raise RuntimeError(
            "device 'cuda' needs CuPy: install it with  pip install cupy-cuda12x  (from a checkout of "
            'tinygrad_edu: pip install ".[gpu]")  '
            f"(import failed: {error})"
        ) from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDA driver missing or broken
        raise RuntimeError(f"device 'cuda': CuPy is installed but no GPU is usable ({error})") from None
    if count == 0:
        raise RuntimeError("device 'cuda': CuPy is installed but found no GPU")
    return ArrayBackend(
        cupy,
        "cuda",
        to_numpy=cupy.asnumpy,
        from_numpy=cupy.asarray,
        erf=erf,
        scatter_add_at=cupyx.scatter_add,
    )


def strict_backend(name="cuda"):
    """The strict stand-in (see ``strict.py``), registered as a fake GPU by the test suite."""
    from .strict import strict_module

    return ArrayBackend(
        strict_module, name, to_numpy=strict_module.to_numpy, from_numpy=strict_module.from_numpy
    )
