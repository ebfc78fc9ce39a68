"""``tg.save`` / ``tg.load``: checkpoints as one ``.npz`` file, with no pickle anywhere.

A checkpoint is a zip archive that ``numpy.load`` can open:

    structure.json     the nested dicts / lists / tuples / numbers, with each array replaced by
                       {"kind": "ndarray" | "tensor", "key": "3.npy", ...}
    0.npy, 1.npy, ...  the arrays, in NumPy's own format

Loading reads the JSON and the arrays with ``allow_pickle=False``, so opening a checkpoint from an
untrusted source cannot run code (``torch.load`` of a pickle can). Saving to a path is atomic: the
archive is written to a temporary file in the same directory, flushed to disk, and then renamed over
the target (``os.replace``), so a crash mid-save leaves the previous checkpoint intact.

>>> tg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, "ckpt.npz")
>>> checkpoint = tg.load("ckpt.npz")
>>> model.load_state_dict(checkpoint["model"])
"""

import collections
import contextlib
import json
import os
import uuid
import zipfile

import numpy as np

from . import backend as _backends
from .tensor import Tensor

FORMAT = "tinygrad_edu.checkpoint"
VERSION = 1
STRUCTURE = "structure.json"
_SCALARS = (str, int, float, bool, type(None))


# ---- saving -------------------------------------------------------------------------------------------


class _Encoder:
    """Turns an object into a JSON-able tree, collecting its arrays (as host NumPy arrays) on the side."""

    def __init__(self):
        self.arrays = []  # (member name, NumPy array)
        self._open = set()  # ids of the containers being encoded (to catch cycles)

    def encode(self, obj, where):
        if isinstance(obj, str):
            return str(obj)  # also tg.device, a str subclass
        if isinstance(obj, _SCALARS):
            return obj
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if isinstance(obj, np.generic):
            return {"kind": "scalar", "key": self._array(np.asarray(obj), where)}
        if isinstance(obj, np.ndarray):
            return {"kind": "ndarray", "key": self._array(obj, where)}
        if type(obj) in _backends._BY_ARRAY_TYPE:  # a device array: saved as a host copy
            return {"kind": "ndarray", "key": self._array(_backends.backend_of(obj).to_numpy(obj), where)}
        if isinstance(obj, (dict, list, tuple)):
            return self._container(obj, where)
        if callable(getattr(obj, "state_dict", None)):  # a whole Module or Optimizer: PyTorch pickles it
            kind = type(obj).__name__
            raise TypeError(
                f"save: cannot save a whole {kind} object (at {where}); save its state instead: "
                f"tg.save(model.state_dict(), path), and later model.load_state_dict(tg.load(path)) "
                f"into a freshly built {kind} (a checkpoint holds no code, so loading it cannot run any)"
            )
        raise TypeError(
            f"save: cannot save an object of type {type(obj).__name__} at {where}; a checkpoint holds dicts, "
            "lists, tuples, arrays, tensors, numbers, strings and None"
        )

    def _container(self, obj, where):
        if id(obj) in self._open:
            raise ValueError(f"save: {where} contains itself (a reference cycle cannot be saved)")
        self._open.add(id(obj))
        try:
            if isinstance(obj, dict):
                kind = "OrderedDict" if isinstance(obj, collections.OrderedDict) else "dict"
                items = [[self._key(k, where), self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()]
                return {"kind": kind, "items": items}
            kind = "list" if isinstance(obj, list) else "tuple"
            return {"kind": kind, "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        finally:
            self._open.discard(id(obj))

    def _key(self, key, where):
        if not isinstance(key, _SCALARS):
            raise TypeError(
                "save: dict keys must be strings, numbers or None; "
                f"got a key of type {type(key).__name__} in {where}"
            )
        return str(key) if isinstance(key, str) else key

    def _tensor(self, tensor):
        from .nn.module import Parameter  # here, not on top: nn is imported after this module

        host = tensor._backend().to_numpy(tensor.data)
        return {
            "kind": "tensor",
            "key": self._array(host, "a tensor"),
            "device": str(tensor.device),
            "requires_grad": tensor.requires_grad,
            "parameter": isinstance(tensor, Parameter),
        }

    def _array(self, array, where):
        if array.dtype.hasobject:
            raise TypeError(
                f"save: the array at {where} holds Python objects (dtype {array.dtype}); it would need pickle"
            )
        name = f"{len(self.arrays)}.npy"
        self.arrays.append((name, array))
        return name


def _write_archive(file, header, arrays):
    """Write the zip archive: the JSON structure, then each array as an ``.npy`` member."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(STRUCTURE, header)
        for name, array in arrays:
            with archive.open(name, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def save(obj, f):
    """Save nested dicts / lists / tuples of arrays, tensors and numbers to ``f`` (a path or a binary file).

    A path is written atomically: the old file stays intact until the new one is completely on disk.
    The path is used as given (``numpy.savez`` would append ".npz"; ``torch.save`` does not, nor do we).
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "the saved object")
    header = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    if hasattr(f, "write"):
        _write_archive(f, header, encoder.arrays)
        return
    _atomic_write(os.fspath(f), lambda file: _write_archive(file, header, encoder.arrays))


def _atomic_write(path, write):
    """Run ``write(file)`` on a temporary file next to ``path``, fsync it, and rename it over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # 0o666 minus the umask: the file gets the permissions of any newly created file.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- loading ------------------------------------------------------------------------------------------


class _Decoder:
    """Rebuilds the saved object from the JSON tree and the archive's arrays."""

    def __init__(self, archive, map_location):
        self.archive = archive
        self.map_location = map_location

    def decode(self, node):
        if not isinstance(node, dict):
            return node  # a JSON scalar: str, int, float, bool or None
        kind = node["kind"]
        if kind in ("dict", "OrderedDict"):
            pairs = [(self.decode(k), self.decode(v)) for k, v in node["items"]]
            return collections.OrderedDict(pairs) if kind == "OrderedDict" else dict(pairs)
        if kind == "list":
            return [self.decode(v) for v in node["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if kind == "ndarray":
            return self._array(node["key"])
        if kind == "scalar":
            return self._array(node["key"])[()]
        if kind == "tensor":
            return self._tensor(node)
        raise ValueError(f"unknown entry kind {kind!r}")

    def _array(self, key):
        member = key.removesuffix(".npy")
        if member == key or member not in self.archive.files:  # .files lists .npy members without ".npy"
            raise ValueError(f"the array member {key!r} is missing")
        array = self.archive[member]
        if not isinstance(array, np.ndarray):
            raise ValueError(f"the member {key!r} is not an array")
        return array

    def _tensor(self, node):
        device = node["device"] if self.map_location is None else str(_backends.device(self.map_location))
        try:
            _backends.get_backend(device)
        except RuntimeError as error:
            raise RuntimeError(
                f"load: a tensor was saved on '{device}', which is not usable here; pass map_location='cpu' "
                f"({error})"
            ) from None
        tensor = Tensor(self._array(node["key"]), device=device)
        if node.get("parameter"):
            from .nn.module import Parameter

            return Parameter(tensor, requires_grad=node["requires_grad"])
        return tensor.requires_grad_(True) if node["requires_grad"] else tensor


def load(f, map_location=None, weights_only=True):
    """Load what ``tg.save`` wrote: the same nested structure, arrays as NumPy arrays, tensors as tensors.

    Tensors return to the device they were saved from, or to ``map_location`` ("cpu", "cuda") when given.
    Never unpickles anything: ``weights_only`` is accepted for PyTorch compatibility and always holds.
    """
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "the file")
    not_a_checkpoint = f"load: {name} is not a tinygrad_edu checkpoint"
    try:
        archive = np.load(f, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{not_a_checkpoint} ({error})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{not_a_checkpoint} (it holds a single array, not an archive written by tg.save)")
    with archive:
        if STRUCTURE not in archive.files:
            raise ValueError(
                f"{not_a_checkpoint} (an .npz archive without {STRUCTURE}: written by numpy.savez?)"
            )
        try:
            header = json.loads(bytes(archive[STRUCTURE]).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, TypeError, RecursionError) as error:
            raise ValueError(f"{not_a_checkpoint} (unreadable {STRUCTURE}: {error})") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"{not_a_checkpoint} ({STRUCTURE} does not name the format {FORMAT!r})")
        if header.get("version") != VERSION:
            raise ValueError(
                f"load: checkpoint format version {header.get('version')!r} is not supported "
                f"(expected {VERSION})"
            )
        try:
            return _Decoder(archive, map_location).decode(header["root"])
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as error:
            raise ValueError(
                f"load: the checkpoint {name} is corrupt ({type(error).__name__}: {error})"
            ) from None
