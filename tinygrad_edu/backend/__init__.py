"""The backend seam: which array library holds a tensor's data, chosen by its device.

``"cpu"`` is NumPy (``numpy_backend``). Ops never import an array library themselves; they call the
namespace this module hands out (``ctx.xp`` inside a ``Function``).
"""

import numpy as np

from . import numpy_backend

_BACKENDS = {"cpu": numpy_backend}
_BY_ARRAY_TYPE = {np.ndarray: numpy_backend}
_default_device = "cpu"


class device(str):
    """A device name that compares equal to its string: ``tg.device("cpu") == "cpu"``."""

    def __new__(cls, name="cpu"):
        name = str(name)
        kind = name.split(":")[0]
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"device: expected 'cpu' or 'cuda', got {name!r}")
        return super().__new__(cls, kind)

    @property
    def type(self):
        """The device kind, as ``torch.device.type``."""
        return str(self)

    def __repr__(self):
        return f"device(type='{self}')"


def get_backend(dev=None):
    """The array namespace for ``dev`` (a name or ``device``; None means the default device)."""
    name = _default_device if dev is None else device(dev)
    backend = _BACKENDS.get(name)
    if backend is None:
        backend = _load(name)
    return backend


def _load(name):
    """Import an optional backend on first use, with an install hint when it is missing."""
    if name == "cuda":
        raise RuntimeError(
            "device 'cuda' needs CuPy and an NVIDIA GPU; this build of tinygrad_edu only ships the "
            "'cpu' backend so far"
        )
    raise RuntimeError(f"unknown device {name!r}")


def backend_of(array):
    """The namespace whose arrays ``array`` belongs to (a NumPy scalar counts as NumPy)."""
    backend = _BY_ARRAY_TYPE.get(type(array))
    if backend is None:
        if isinstance(array, (np.ndarray, np.generic)):
            return numpy_backend
        raise TypeError(f"not a backend array: {type(array).__name__}")
    return backend


def set_default_device(dev):
    """Make ``dev`` the device of new tensors that name none (``tg.set_default_device("cuda")``)."""
    global _default_device
    get_backend(dev)  # fail now, not at the first tensor
    _default_device = str(device(dev))


def get_default_device():
    """The device new tensors go to when none is named."""
    return device(_default_device)


def is_cuda_available():
    """True when the CUDA backend can be used."""
    try:
        get_backend("cuda")
    except RuntimeError:
        return False
    return True


def loaded_backends():
    """The backends imported so far (all of them are seeded by ``tg.manual_seed``)."""
    return list(_BACKENDS.values())
