"""Functions that make new tensors: ``tg.zeros``, ``tg.randn``, ``tg.arange``, ... (PyTorch's signatures)."""

import collections

import numpy as np

from . import backend as backends
from . import dtypes
from .arguments import _shape_arg
from .backend.generator import Generator, sampler  # noqa: F401  (tg.Generator)
from .tensor import Tensor

_Histogram = collections.namedtuple("histogram", ["hist", "bin_edges"])


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
    """A tensor holding a copy of ``data`` (lists, numbers, arrays or a tensor), as ``torch.tensor``.

    Args:
        data: nested lists, a number, a NumPy/CuPy array or a Tensor.
        dtype: the element type; default float32 for floats (float64 arrays keep float64), int64 for
            integers, bool for bools.
        device: ``"cpu"`` or ``"cuda"``; default ``tg.get_default_device()``.
        requires_grad: record operations on it for autograd. Default False.
    """
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


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from U[0, 1) (from ``generator`` when given, else the device's stream)."""
    xp = backends.get_backend(device)
    shape, dtype = _sizes(size, "rand"), _float_or(dtype)
    return _new(xp.astype(sampler(xp, generator).random(shape), dtype), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from the standard normal distribution (from ``generator`` when given)."""
    xp = backends.get_backend(device)
    shape, dtype = _sizes(size, "randn"), _float_or(dtype)
    return _new(xp.astype(sampler(xp, generator).standard_normal(shape), dtype), requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Random integers in [low, high): ``tg.randint(10, (3,))`` or ``tg.randint(0, 10, (3,))``."""
    if size is None:
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    xp = backends.get_backend(device)
    dtype = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    shape = _sizes((size,), "randint")
    return _new(xp.astype(sampler(xp, generator).integers(low, high, shape), dtype), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n−1 (from ``generator`` when given)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise RuntimeError(f"randperm: n must be a non-negative int, got {n!r}")
    xp = backends.get_backend(device)
    keys = sampler(xp, generator).random((_count(n, "n", "randperm"),))
    order = xp.argsort(keys, kind="stable")  # sorting uniform keys: a uniformly random permutation
    return _new(xp.astype(order, dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)), requires_grad)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Draw ``num_samples`` category indices per row of ``input`` (1-D, or 2-D: one row per draw),
    each with probability proportional to its weight (weights need not sum to 1).

    With replacement, each draw inverts the cumulative distribution at a uniform sample; without,
    the categories race with exponential clocks of rate pᵢ (the first ``num_samples`` to ring win),
    which draws them one after another proportionally to the weights that remain.

    >>> g = tg.Generator().manual_seed(2147483647)
    >>> tg.multinomial(tg.tensor([0.1, 0.0, 0.9]), 4, replacement=True, generator=g)  # int64 indices
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (1, 2) or input.numel() == 0:
        raise RuntimeError(
            f"multinomial: probabilities must be a non-empty 1-D or 2-D tensor, got {input.shape}"
        )
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
        raise RuntimeError(f"multinomial: num_samples must be a positive int, got {num_samples!r}")
    xp = input._backend()
    weights = xp.astype(input.data, dtypes.float64)
    rows = weights if input.ndim == 2 else xp.reshape(weights, (1, -1))
    if not xp.is_all_finite(rows) or bool((rows < 0).any()):
        raise RuntimeError("multinomial: probability tensor contains either inf, nan or element < 0")
    total = xp.sum(rows, axis=1, keepdims=True)
    if bool((total <= 0).any()):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    categories = rows.shape[1]
    if replacement:
        uniform = sampler(xp, generator).random((rows.shape[0], num_samples))
        cdf = xp.cumsum(rows, axis=1) / total
        drawn = xp.sum(xp.reshape(cdf, (rows.shape[0], 1, categories)) <= uniform[..., None], axis=2)
        drawn = xp.minimum(drawn, categories - 1)  # a uniform sample above the rounded total
    else:
        if num_samples > categories:
            raise RuntimeError(
                f"multinomial: cannot sample n_sample ({num_samples}) > prob_dist.size(-1) ({categories}) "
                "samples without replacement"
            )
        if bool((xp.sum(rows > 0, axis=1) < num_samples).any()):
            raise RuntimeError(
                f"multinomial: fewer non-zero probabilities than num_samples ({num_samples}) "
                "for sampling without replacement"
            )
        uniform = sampler(xp, generator).random(rows.shape)
        positive = rows > 0
        clocks = xp.where(positive, -xp.log1p(-uniform) / xp.where(positive, rows, 1.0), float("inf"))
        drawn = xp.argsort(clocks, axis=1, kind="stable")[:, :num_samples]
    drawn = xp.astype(drawn, dtypes.int64)
    return Tensor._make(drawn if input.ndim == 2 else xp.reshape(drawn, (num_samples,)))


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)``: how many elements fall in each of ``bins`` equal bins over ``range``
    (the elements' min and max when None), or in the bins between the edges of a 1-D tensor ``bins``.
    ``weight`` counts each element with its weight; ``density`` scales to a density (area 1).
    For statistics of activations and gradients; not differentiable.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"histogram: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"histogram: input dtype should be floating point, got {input.dtype}")
    xp = input._backend()
    edges = bins.data if isinstance(bins, Tensor) else bins
    if isinstance(edges, int) and edges <= 0:
        raise RuntimeError(f"histogram: bins must be positive, got {bins}")
    if range is not None and range[0] > range[1]:
        raise RuntimeError(f"histogram: min should not exceed max, got range {tuple(range)}")
    weights = None if weight is None else Tensor(weight, device=input.device).data
    hist, bin_edges = xp.histogram(
        xp.reshape(input.data, (-1,)), bins=edges, range=range, weights=weights, density=density
    )
    return _Histogram(
        Tensor._make(xp.astype(hist, input.dtype)), Tensor._make(xp.astype(bin_edges, input.dtype))
    )


# PyTorch's memory formats, accepted by the *_like factories (optimizer code writes
# ``zeros_like(p, memory_format=torch.preserve_format)``) and ignored: arrays here are always dense.
preserve_format = "preserve_format"
contiguous_format = "contiguous_format"


def _like(factory, input, dtype, device, requires_grad, *args):
    return factory(
        *args,
        dtype=input.dtype if dtype is None else dtype,
        device=input.device if device is None else device,
        requires_grad=requires_grad,
    )


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with ``input``'s shape, dtype and device."""
    return _like(zeros, input, dtype, device, requires_grad, input.shape)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Ones with ``input``'s shape, dtype and device."""
    return _like(ones, input, dtype, device, requires_grad, input.shape)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    """``fill_value`` with ``input``'s shape, dtype and device."""
    return _like(full, input, dtype, device, requires_grad, input.shape, fill_value)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised (zero) tensor like ``input``."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    """U[0, 1) samples with ``input``'s shape, dtype and device."""
    return _like(rand, input, dtype, device, requires_grad, input.shape)


def randn_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Standard normal samples with ``input``'s shape, dtype and device."""
    return _like(randn, input, dtype, device, requires_grad, input.shape)


def manual_seed(seed):
    """Seed every random source of the library (init, dropout, shuffling, rand*) on every backend.

    Returns ``seed``. (In a notebook, end the line with ``;`` or assign the result to keep it from
    being echoed.)
    """
    backends.seed_all(seed)
    return seed
