"""The backend seam: which array library holds a tensor's data, chosen by its device.

``"cpu"`` is NumPy and ``"cuda"`` is CuPy, each seen through an ``ArrayBackend``
(``array_backend.py``). Nothing outside this package touches an array library for array math:
ops call ``ctx.xp``, tensors call ``tensor._backend()``. CuPy is imported on first use of
``"cuda"`` only, so ``import tinygrad_edu`` never needs it.
"""

from .array_backend import ArrayBackend, cupy_backend, numpy_backend, strict_backend

_BACKENDS = {"cpu": numpy_backend()}
_BY_ARRAY_TYPE = {backend.ndarray: backend for backend in _BACKENDS.values()}
_LOADERS = {"cuda": cupy_backend}
_default_device = "cpu"
_seed = None  # the last tg.manual_seed, applied to backends loaded after it too

__all__ = ["ArrayBackend", "backend_of", "device", "get_backend", "register_backend", "strict_backend"]


class device(str):
    """A device name that compares equal to its string: ``tg.device("cpu") == "cpu"``."""

    def __new__(cls, name="cpu", index=None):
        if not isinstance(name, str):
            raise TypeError(f"device: expected a device name such as 'cpu' or 'cuda', got {name!r}")
        kind, _, number = name.partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"device: expected 'cpu' or 'cuda', got {name!r}")
        if number and index is not None:
            raise RuntimeError(f"device: {name!r} already names an index; got index={index!r} too")
        if number and not number.isdigit():
            raise RuntimeError(f"device: {name!r} has a malformed index {number!r} (expected e.g. 'cuda:0')")
        if number:
            index = int(number)
        # One GPU at most: "cuda:0" is "cuda"; "cuda:1" would silently run on GPU 0, so it is refused.
        if index is not None and index != 0:
            raise RuntimeError(
                f"device: {name if number else f'{name}:{index}'!r} is not available; tinygrad_edu uses "
                "one device of each kind, index 0 ('cpu', 'cuda' or 'cuda:0')"
            )
        return super().__new__(cls, kind)

    @property
    def type(self):
        """The device kind, as ``torch.device.type``."""
        return str(self)

    def __repr__(self):
        return f"device(type='{self}')"


def get_backend(dev=None):
    """The ``ArrayBackend`` of ``dev`` (a name or ``device``; None means the default device)."""
    name = _default_device if dev is None else str(device(dev))
    backend = _BACKENDS.get(name)
    if backend is None:
        register_backend(name, _LOADERS[name]())
        backend = _BACKENDS[name]
    return backend


def register_backend(name, backend):
    """Serve device ``name`` from ``backend`` (the test suite puts the strict stand-in on "cuda")."""
    previous = _BACKENDS.pop(name, None)
    if previous is not None:
        _BY_ARRAY_TYPE.pop(previous.ndarray, None)
    if backend is not None:
        _BACKENDS[name] = backend
        _BY_ARRAY_TYPE[backend.ndarray] = backend
        if _seed is not None:  # tg.manual_seed reaches backends loaded after it
            backend.seed(_seed)
    return previous


def of_array(array):
    """The backend whose arrays ``array`` belongs to, or None (a list, a number, a foreign array)."""
    return _BY_ARRAY_TYPE.get(type(array))


def backend_of(array):
    """The backend whose arrays ``array`` belongs to."""
    backend = _BY_ARRAY_TYPE.get(type(array))
    if backend is None:
        raise TypeError(f"not an array of any loaded backend: {type(array).__name__}")
    return backend


def set_default_device(dev):
    """Make ``dev`` the device of new tensors that name none (``tg.set_default_device("cuda")``)."""
    global _default_device
    get_backend(dev)  # fail now, with the install hint, not at the first tensor
    _default_device = str(device(dev))


def get_default_device():
    """The device new tensors go to when none is named."""
    return device(_default_device)


def is_cuda_available():
    """True when the "cuda" device can be used (CuPy imports and sees a GPU)."""
    try:
        get_backend("cuda")
    except RuntimeError:
        return False
    return True


def seed_all(seed):
    """Seed every backend in use now, and every backend loaded later (``tg.manual_seed``)."""
    global _seed
    _seed = seed
    for backend in _BACKENDS.values():
        backend.seed(seed)
