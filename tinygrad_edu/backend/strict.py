"""A strict stand-in for a GPU array library, to prove the backend seam without a GPU.

``StrictArray`` holds a NumPy array behind a wall: it offers only the operators and the few
methods that CuPy arrays share with NumPy arrays, and — like a CuPy array — it refuses to be
turned into a NumPy array implicitly. Any code that reaches past the seam (``np.exp(t.data)``,
``np.asarray(t.data)``) raises ``TypeError`` instead of silently working on the CPU.

``strict_module`` is the matching namespace (the names ``ArrayBackend`` takes from an array
library). The test suite registers ``ArrayBackend(strict_module)`` as the "cuda" device when no
real GPU is present, and runs every op, gradcheck and device test against it.
"""

import math

import numpy as np


def _unwrap(value):
    """The NumPy array inside a StrictArray (numbers, tuples and None pass through)."""
    if isinstance(value, StrictArray):
        return value._array
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def _wrap(value):
    """A NumPy result as a StrictArray (0-d results too: device libraries never return scalars)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return StrictArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    return value


def _refuse(*args, **kwargs):
    raise TypeError(
        "strict backend: implicit conversion of a device array to a NumPy array; the code reached "
        "past the backend seam (use the backend's to_numpy, or ctx.xp functions)"
    )


def _binary(name):
    def method(self, other):
        if isinstance(other, np.ndarray):
            _refuse()
        return _wrap(getattr(self._array, name)(_unwrap(other)))

    method.__name__ = name
    return method


def _unary(name):
    def method(self):
        return _wrap(getattr(self._array, name)())

    method.__name__ = name
    return method


class StrictArray:
    """A device-like array: operators, indexing and CuPy's common methods; no implicit NumPy."""

    __slots__ = ("__weakref__", "_array")
    __array_ufunc__ = None  # NumPy ufuncs refuse it (np.exp(strict) raises TypeError)
    __array_function__ = None
    __array__ = _refuse
    __hash__ = None

    def __init__(self, array):
        self._array = array

    # attributes
    shape = property(lambda self: self._array.shape)
    ndim = property(lambda self: self._array.ndim)
    dtype = property(lambda self: self._array.dtype)
    size = property(lambda self: self._array.size)
    T = property(lambda self: StrictArray(self._array.T))
    base = property(lambda self: None if self._array.base is None else self._array.base)

    def __getitem__(self, index):
        return _wrap(self._array[_unwrap(index)])

    def __setitem__(self, index, value):
        self._array[_unwrap(index)] = _unwrap(value)

    def __len__(self):
        return len(self._array)

    def __bool__(self):
        return bool(self._array)

    def __float__(self):
        return float(self._array)

    def __int__(self):
        return int(self._array)

    def __index__(self):
        return self._array.__index__()

    def __repr__(self):
        return f"StrictArray({self._array!r})"

    # the methods CuPy arrays share with NumPy arrays that the library uses
    def item(self):
        return self._array.item()

    def tolist(self):
        return self._array.tolist()

    def copy(self):
        return StrictArray(self._array.copy())

    def astype(self, dtype, copy=True):
        return StrictArray(self._array.astype(dtype, copy=copy))

    def reshape(self, *shape):
        return StrictArray(self._array.reshape(*shape))

    def view(self, dtype):
        return StrictArray(self._array.view(dtype))

    def fill(self, value):
        self._array.fill(value)


_BINARY_OPERATORS = (
    "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __pow__ __rpow__ "
    "__matmul__ __rmatmul__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__ __and__ __rand__ __or__ "
    "__ror__ __xor__ __rxor__ __floordiv__ __mod__"
).split()
for _name in _BINARY_OPERATORS:
    setattr(StrictArray, _name, _binary(_name))
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(StrictArray, _name, _unary(_name))


def _inplace(name):
    def method(self, other):
        getattr(self._array, name)(_unwrap(other))  # NumPy updates the array in place
        return self

    method.__name__ = name
    return method


def _reduction(name):
    def method(self, axis=None, keepdims=False):
        return _wrap(getattr(self._array, name)(axis=axis, keepdims=keepdims))

    method.__name__ = name
    return method


for _name in ("__iadd__", "__isub__", "__imul__", "__itruediv__"):
    setattr(StrictArray, _name, _inplace(_name))
for _name in ("max", "min", "sum", "all", "any", "argmax", "argmin"):  # CuPy's reductions we use
    setattr(StrictArray, _name, _reduction(_name))


def _function(numpy_function):
    """A NumPy function lifted to StrictArrays: unwrap the arguments, wrap the result."""

    def lifted(*args, **kwargs):
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        return _wrap(numpy_function(*_unwrap(args), **kwargs))

    lifted.__name__ = numpy_function.__name__
    return lifted


class _StrictRandom:
    """A seeded generator with only the methods CuPy's ``Generator`` shares with NumPy's."""

    def __init__(self, seed=None):
        rng = np.random.default_rng(seed)
        self.random = _function(rng.random)
        self.standard_normal = _function(rng.standard_normal)
        self.integers = _function(rng.integers)


class _StrictModule:
    """The namespace of the strict library: NumPy's functions over StrictArrays."""

    __name__ = "strict"
    ndarray = StrictArray

    def __init__(self):
        self.add = _StrictUfuncAt(np.add)

    def __getattr__(self, name):
        """Any other NumPy function, lifted to StrictArrays on first use."""
        if name.startswith("__"):
            raise AttributeError(name)
        lifted = _function(getattr(np, name))
        setattr(self, name, lifted)
        return lifted

    def erf(self, x):
        return _wrap(np.vectorize(math.erf, otypes=[x.dtype])(x._array))

    def asarray(self, value, dtype=None):
        if isinstance(value, StrictArray):
            return value if dtype is None else value.astype(dtype, copy=False)
        return StrictArray(np.array(value, dtype=dtype))  # host data is copied in, as by CuPy

    def array(self, value, dtype=None):
        return StrictArray(np.array(_unwrap(value), dtype=dtype))

    def to_numpy(self, x):
        return np.array(x._array) if isinstance(x, StrictArray) else np.asarray(x)

    def from_numpy(self, x):
        return StrictArray(np.array(x))

    class random:
        """``strict_module.random.default_rng(seed)``, as in NumPy and CuPy."""

        default_rng = _StrictRandom


class _StrictUfuncAt:
    """``xp.add.at(out, index, values)``: unbuffered in-place addition."""

    def __init__(self, ufunc):
        self._ufunc = ufunc

    def at(self, out, index, values):
        self._ufunc.at(out._array, _unwrap(index), _unwrap(values))


strict_module = _StrictModule()
