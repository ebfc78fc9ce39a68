"""Functions that make new tensors: ``tg.zeros``, ``tg.randn``, ``tg.arange``, ... (PyTorch's signatures)."""

import numpy as np

from . import backend as backends
from . import dtypes
from .tensor import Tensor, _shape_arg


def _new(array, requires_grad):
    tensor = Tensor._make(array)
    return tensor.requires_grad_(True) if requires_grad else tensor


def _sizes(size, op):
    """A shape from ints or one sequence, each size ≥ 0 (NumPy's "negative dimensions are not allowed"
    would not say which function or which size)."""
    shape = _shape_arg(size, op)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"{op}: sizes must be non-negative, got {shape}")
    return shape


def _count(n, what, op):
    """An int ≥ 0 (a matrix side, a number of steps)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"{op}: {what} must be a non-negative int, got {n!r}")
    return int(n)


def _float_or(dtype):
    return dtypes.default_float() if dtype is None else dtypes.to_dtype(dtype)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A tensor holding a copy of ``data`` (lists, numbers, arrays or a tensor)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def from_numpy(array):
    """A CPU tensor that shares memory with the NumPy ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    dtypes.check_supported(array.dtype, "from_numpy")
    return Tensor._make(backends.get_backend("cpu").from_numpy(array))


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros: ``tg.zeros(2, 3)``."""
    xp = backends.get_backend(device)
    return _new(xp.zeros(_sizes(size, "zeros"), dtype=_float_or(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones."""
    xp = backends.get_backend(device)
    return _new(xp.ones(_sizes(size, "ones"), dtype=_float_or(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor (zeros here: reading garbage teaches nothing)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value`` (its dtype follows the value, as in PyTorch)."""
    xp = backends.get_backend(device)
    dtype = dtypes.infer_dtype(fill_value) if dtype is None else dtypes.to_dtype(dtype)
    return _new(xp.full(_sizes((size,), "full"), fill_value, dtype=dtype), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n×m identity matrix."""
    xp = backends.get_backend(device)
    rows, columns = _count(n, "n", "eye"), _count(n if m is None else m, "m", "eye")
    return _new(xp.eye(rows, columns, dtype=_float_or(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values in [start, end): int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: start={start}, end={end} and step={step}: "
            "the bounds are inconsistent with the step's sign"
        )
    if dtype is None:
        whole = all(isinstance(v, int) for v in (start, end, step))
        dtype = dtypes.int64 if whole else dtypes.default_float()
    xp = backends.get_backend(device)
    return _new(xp.arange(start, end, step, dtype=dtypes.to_dtype(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    xp = backends.get_backend(device)
    steps = _count(steps, "steps", "linspace")
    return _new(xp.linspace(start, end, steps, dtype=_float_or(dtype)), requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Samples from U[0, 1)."""
    xp = backends.get_backend(device)
    shape, dtype = _sizes(size, "rand"), _float_or(dtype)
    return _new(xp.astype(xp.rng.random(shape), dtype), requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Samples from the standard normal distribution."""
    xp = backends.get_backend(device)
    shape, dtype = _sizes(size, "randn"), _float_or(dtype)
    return _new(xp.astype(xp.rng.standard_normal(shape), dtype), requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None, requires_grad=False):
    """Random integers in [low, high): ``tg.randint(10, (3,))`` or ``tg.randint(0, 10, (3,))``."""
    if size is None:
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    if not low < high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    xp = backends.get_backend(device)
    dtype = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    return _new(xp.astype(xp.rng.integers(low, high, _sizes((size,), "randint")), dtype), requires_grad)


def randperm(n, dtype=None, device=None):
    """A random permutation of 0 .. n−1."""
    xp = backends.get_backend(device)
    order = xp.argsort(
        xp.rng.random(_count(n, "n", "randperm"))
    )  # sorting uniform keys: a uniformly random permutation
    return _new(xp.astype(order, dtypes.int64 if dtype is None else dtype), False)


def _like(factory, input, dtype, device, requires_grad, *args):
    return factory(
        *args,
        dtype=input.dtype if dtype is None else dtype,
        device=input.device if device is None else device,
        requires_grad=requires_grad,
    )


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    """Zeros with ``input``'s shape, dtype and device."""
    return _like(zeros, input, dtype, device, requires_grad, input.shape)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    """Ones with ``input``'s shape, dtype and device."""
    return _like(ones, input, dtype, device, requires_grad, input.shape)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    """``fill_value`` with ``input``'s shape, dtype and device."""
    return _like(full, input, dtype, device, requires_grad, input.shape, fill_value)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    """An uninitialised (zero) tensor like ``input``."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    """U[0, 1) samples with ``input``'s shape, dtype and device."""
    return _like(rand, input, dtype, device, requires_grad, input.shape)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    """Standard normal samples with ``input``'s shape, dtype and device."""
    return _like(randn, input, dtype, device, requires_grad, input.shape)


def manual_seed(seed):
    """Seed every random source of the library (init, dropout, shuffling, rand*) on every backend."""
    backends.seed_all(seed)
    return seed
