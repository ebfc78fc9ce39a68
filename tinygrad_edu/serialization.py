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
import math
import os
import re
import struct
import uuid
import warnings
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
        if _backends.of_array(obj) is not None:  # a device array: saved as a host copy
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
        if array.dtype.kind not in "biuf" or array.dtype.fields is not None:
            raise TypeError(
                f"save: the array at {where} has dtype {array.dtype}; a checkpoint holds arrays of "
                "numbers and bools (tg.load refuses anything else)"
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
    """Run ``write(file)`` on a temporary file next to ``path``, fsync it, and rename it over ``path``.

    The temporary file is named ``.<name>.<pid>.<random>.tmp``. A save killed midway cannot remove
    it, so each save first removes the temporaries of the same target whose process has ended.
    """
    directory = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(directory, os.path.basename(path))
    temporary = os.path.join(
        directory, f".{os.path.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp"
    )
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


def _remove_stale_temporaries(directory, name):
    """Delete ``.<name>.<pid>.<random>.tmp`` files left by saves of ``name`` whose process is gone.

    A temporary of a process still running (another save in progress) is left alone. Warns with
    the count, so that a user who wondered where the disk space went learns about it.
    """
    pattern = re.compile(re.escape(f".{name}.") + r"(\d+)\.[0-9a-f]+\.tmp")
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    removed = 0
    for entry in entries:
        match = pattern.fullmatch(entry)
        if match and not _process_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, entry))
                removed += 1
    if removed:
        warnings.warn(
            f"save: removed {removed} temporary file(s) left in {directory} by an interrupted save of {name}",
            stacklevel=4,
        )


def _process_alive(pid):
    """Whether process ``pid`` exists (ours counts as alive: one of our own threads may be saving)."""
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would end the process: keep the file
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # it exists but is not ours, or we cannot tell: keep its file
    return True


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
#
# A checkpoint may come from anywhere, so loading trusts nothing in it. Before a byte of an array is
# read, every claim the file makes is checked against the file itself:
#   - members are stored, never compressed or encrypted (tg.save writes none; a compressed member is
#     how a small file claims gigabytes), and each lies inside the archive;
#   - structure.json is at most MAX_STRUCTURE_BYTES;
#   - each .npy header declares numbers or bools (no objects, strings, dates or records) and exactly as
#     many bytes as its member holds, so no array is bigger than the file;
#   - each member is referenced once (a structure naming one array a thousand times would otherwise
#     copy it a thousand times), and is read in chunks straight into its array, CRC-checked.
# Whatever goes wrong inside the file surfaces as one ValueError, "load: <file> ...", never as a raw
# zipfile or NumPy exception.

MAX_STRUCTURE_BYTES = 16 * 2**20  # thousands of tensors need well under 1 MiB of JSON
_CHUNK = 2**16  # arrays are read 64 KiB at a time: the only memory beyond the array itself


class CheckpointError(ValueError):
    """A file that is not a readable checkpoint; the message names the file and what is wrong."""


def _corrupt(name, what):
    """The error for a checkpoint damaged (or crafted) inside: ``load: the checkpoint X is corrupt (...)``."""
    return CheckpointError(f"load: the checkpoint {name} is corrupt ({what})")


# The exceptions that a damaged or hostile zip/npy file can make the standard library raise.
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,  # "compression method is not supported", "zip file version 10.9"
    RuntimeError,  # "File is encrypted", and similar refusals inside zipfile
    EOFError,
    OSError,
    MemoryError,
    ValueError,
    KeyError,
    TypeError,
    OverflowError,
    struct.error,
)


class _Archive:
    """The members of a checkpoint's zip file, each checked before it is read."""

    def __init__(self, zip_file, size, name):
        self.name = name
        self.zip = zip_file
        self.members = {}
        for info in self.zip.infolist():
            self._check_member(info, size)
            self.members[info.filename] = info
        self.used = set()

    def _check_member(self, info, size):
        """Refuse an encrypted or compressed member, or one that claims more bytes than the file has."""
        if info.flag_bits & 0x1:
            raise _corrupt(self.name, f"member {info.filename!r} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED:
            raise _corrupt(
                self.name,
                f"member {info.filename!r} is compressed (method {info.compress_type}); tg.save writes "
                "stored members only, and a compressed one can expand without bound",
            )
        if info.file_size != info.compress_size or info.header_offset + info.compress_size > size:
            raise _corrupt(
                self.name,
                f"member {info.filename!r} declares {info.file_size} bytes, "
                f"more than the {size}-byte file holds",
            )

    def structure(self):
        """The parsed structure.json."""
        info = self.members.get(STRUCTURE)
        if info is None:
            raise CheckpointError(
                f"load: {self.name} is not a tinygrad_edu checkpoint "
                f"(an archive without {STRUCTURE}: written by numpy.savez?)"
            )
        if info.file_size > MAX_STRUCTURE_BYTES:
            raise _corrupt(
                self.name, f"{STRUCTURE} is {info.file_size} bytes, over the limit of {MAX_STRUCTURE_BYTES}"
            )
        try:
            return json.loads(self.zip.read(info).decode("utf-8"))
        # Bad UTF-8 or JSON, a 10,000-digit number, deep nesting:
        except (ValueError, RecursionError) as error:
            raise CheckpointError(
                f"load: {self.name} is not a tinygrad_edu checkpoint (unreadable {STRUCTURE}: {error})"
            ) from None

    def array(self, key):
        """The array stored in member ``key`` ("3.npy"), read once."""
        info = self.members.get(key) if isinstance(key, str) and key.endswith(".npy") else None
        if info is None:
            raise _corrupt(self.name, f"the array member {key!r} is missing")
        if key in self.used:
            raise _corrupt(
                self.name, f"the array member {key!r} is referenced twice; tg.save writes each array once"
            )
        self.used.add(key)
        with self.zip.open(info) as member:
            return _read_npy(member, info.file_size, self.name, key)


def _read_npy(member, size, name, key):
    """Read one ``.npy`` member after checking its header against the member's size."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise _corrupt(name, f"member {key!r} has .npy format version {version}")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.hasobject:
        raise _corrupt(
            name,
            f"member {key!r} holds dtype {dtype}; a checkpoint holds only numbers and bools "
            "(string, object, date and record arrays are refused)",
        )
    if any(n < 0 for n in shape):
        raise _corrupt(name, f"member {key!r} declares the negative shape {shape}")
    count = math.prod(shape)
    header = member.tell()
    if header + count * dtype.itemsize != size:
        raise _corrupt(
            name,
            f"member {key!r} declares shape {shape} of {dtype} ({count * dtype.itemsize} bytes) "
            f"but holds {size - header} bytes of data",
        )
    flat = np.empty(count, dtype)
    _read_into(member, memoryview(flat.view(np.uint8)), name, key)
    return flat.reshape(shape, order="F" if fortran else "C")


def _read_into(member, buffer, name, key):
    """Fill ``buffer`` from ``member`` in chunks; reading to the end makes zipfile check the CRC."""
    filled = 0
    while filled < len(buffer):
        chunk = member.read(min(_CHUNK, len(buffer) - filled))
        if not chunk:
            raise _corrupt(name, f"member {key!r} ends early")
        buffer[filled : filled + len(chunk)] = chunk
        filled += len(chunk)
    if member.read(1):
        raise _corrupt(name, f"member {key!r} has bytes after its array")


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
            return self.archive.array(node["key"])
        if kind == "scalar":
            return self.archive.array(node["key"])[()]
        if kind == "tensor":
            return self._tensor(node)
        raise ValueError(f"unknown entry kind {kind!r}")

    def _tensor(self, node):
        device = node["device"] if self.map_location is None else str(_backends.device(self.map_location))
        if device not in ("cpu", "cuda"):  # not a device name tg.save writes: the file is damaged
            raise ValueError(f"a tensor names the unknown device {device!r}")
        try:
            backend = _backends.get_backend(device)
        except RuntimeError as error:
            raise RuntimeError(
                f"load: a tensor was saved on '{device}', which is not usable here; pass map_location='cpu' "
                f"({error})"
            ) from None
        array = self.archive.array(node["key"])
        # On the CPU the freshly read array becomes the tensor's data: no second copy.
        tensor = (
            Tensor._make(backend.from_numpy(array)) if backend.name == "cpu" else Tensor(array, device=device)
        )
        if node.get("parameter"):
            from .nn.module import Parameter

            return Parameter(tensor, requires_grad=bool(node["requires_grad"]))
        return tensor.requires_grad_(True) if node["requires_grad"] else tensor


def load(f, map_location=None, weights_only=True):
    """Load what ``tg.save`` wrote: the same nested structure, arrays as NumPy arrays, tensors as tensors.

    Tensors return to the device they were saved from, or to ``map_location`` ("cpu", "cuda") when given.
    Never unpickles anything: ``weights_only`` is accepted for PyTorch compatibility and always holds.
    A file that is damaged, hostile or not a checkpoint raises ``ValueError("load: <file> ...")``; it
    never makes loading use much more memory than the file's own size (see the notes above).
    """
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:  # a missing file is FileNotFoundError, as for torch.load
            return _load_file(file, os.fspath(f), os.fstat(file.fileno()).st_size, map_location)
    name = getattr(f, "name", "the file")
    start = f.tell()
    size = f.seek(0, os.SEEK_END) - start
    f.seek(start)
    return _load_file(f, name, size, map_location)


def _load_file(file, name, size, map_location):
    """Open the archive, check its header, decode it; any failure inside the file is a CheckpointError."""
    try:
        zip_file = zipfile.ZipFile(file)
    except _ARCHIVE_ERRORS as error:  # not a zip file, or one too damaged to list its members
        raise CheckpointError(
            f"load: {name} is not a tinygrad_edu checkpoint ({type(error).__name__}: {error})"
        ) from None
    try:
        archive = _Archive(zip_file, size, name)
        header = archive.structure()
        _check_header(header, name)
        return _Decoder(archive, map_location).decode(header["root"])
    except CheckpointError:
        raise
    except RuntimeError as error:
        if str(error).startswith("load:"):  # a tensor saved on a device that is not usable here
            raise
        raise _corrupt(name, error) from None
    except (*_ARCHIVE_ERRORS, AttributeError, RecursionError) as error:
        raise _corrupt(name, f"{type(error).__name__}: {error}") from None
    finally:
        zip_file.close()  # (a file object passed in by the caller stays open)


def _check_header(header, name):
    """structure.json must name this format and version."""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(
            f"load: {name} is not a tinygrad_edu checkpoint ({STRUCTURE} does not name the format {FORMAT!r})"
        )
    if header.get("version") != VERSION:
        raise CheckpointError(
            f"load: checkpoint format version {header.get('version')!r} is not supported "
            f"(expected {VERSION}) in {name}"
        )
