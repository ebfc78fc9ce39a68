"""Hostile, truncated, bit-flipped, oversized and pickled checkpoints: ``tg.load`` refuses each with
``ValueError("load: <the file> ...")`` naming what is wrong, without running code from the file and
without reading much more memory than the file's own size. A hypothesis test flips bytes of a real
checkpoint: the load gives identical data or that error, nothing else."""

import contextlib
import io
import json
import os
import pickle
import random
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import serialization

pytestmark = pytest.mark.cpu_only  # about files; the device plays no part

HEADER = {"format": "tinygrad_edu.checkpoint", "version": 1}


def npy_bytes(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_header(shape, descr="<f8"):
    """Just the header of a .npy file declaring ``shape`` (the data is up to the caller)."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    """A zip archive of ``{name: bytes or str}``."""
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def structure(root):
    return json.dumps({**HEADER, "root": root})


def checkpoint_with(path, root, **arrays):
    """A checkpoint whose structure is ``root`` and whose members are the given .npy payloads."""
    members = {"structure.json": structure(root)}
    members.update({f"{name}.npy": data for name, data in arrays.items()})
    return write_zip(path, members)


def one_array(key="0.npy"):
    return {"kind": "dict", "items": [["w", {"kind": "ndarray", "key": key}]]}


def refuse(path, *phrases):
    """tg.load(path) raises the ``load:`` ValueError naming the file and each phrase."""
    with pytest.raises(ValueError) as info:
        tg.load(path)
    message = str(info.value)
    assert message.startswith("load:"), message
    assert str(path) in message, message
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in: {message}"
    return message


def needs_zip_version(path, version):
    """Claim in the central directory that the members need zip version ``version`` to extract."""
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        struct.pack_into("<H", data, start + 6, version)
        start += 4
    path.write_bytes(bytes(data))
    return path


def encrypted_flag(path):
    """Set the 'encrypted' bit of every member, in the local and the central headers."""
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            flags = struct.unpack_from("<H", data, start + flag_offset)[0]
            struct.pack_into("<H", data, start + flag_offset, flags | 1)
            start += 4
    path.write_bytes(bytes(data))
    return path


class Exploit:
    """Unpickling this would run code; loading must never get that far."""

    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def hostile_files(tmp):
    """(id, path, phrases the error must contain) for each hostile file, written into ``tmp``."""
    good = np.arange(6.0).reshape(2, 3)
    files = []

    def add(name, path, *phrases):
        files.append((name, path, phrases))

    add(
        "compressed structure",
        write_zip(tmp / "a.npz", {"structure.json": structure(one_array())}, zipfile.ZIP_DEFLATED),
        "compressed",
    )
    add(
        "whitespace bomb",
        write_zip(tmp / "b.npz", {"structure.json": " " * 2**24 + structure(None)}, zipfile.ZIP_DEFLATED),
        "compressed",
    )
    add(
        "zeros bomb",
        write_zip(
            tmp / "c.npz",
            {"structure.json": structure(one_array()), "0.npy": npy_bytes(np.zeros(2**22))},
            zipfile.ZIP_DEFLATED,
        ),
        "compressed",
    )
    add(
        "bzip2 member",
        write_zip(tmp / "d.npz", {"structure.json": structure(None)}, zipfile.ZIP_BZIP2),
        "compressed",
    )
    refs = {"kind": "list", "items": [{"kind": "ndarray", "key": "0.npy"}] * 1000}
    add(
        "one array referenced 1000 times",
        checkpoint_with(tmp / "e.npz", refs, **{"0": npy_bytes(good)}),
        "referenced twice",
    )
    add(
        "encrypted",
        encrypted_flag(checkpoint_with(tmp / "f.npz", one_array(), **{"0": npy_bytes(good)})),
        "encrypted",
    )
    add(
        "oversized shape",
        checkpoint_with(tmp / "g.npz", one_array(), **{"0": npy_header((10**10,)) + bytes(32)}),
        "declares shape",
    )
    add(
        "negative shape",
        checkpoint_with(tmp / "h.npz", one_array(), **{"0": npy_header((-2, -2)) + bytes(32)}),
        "negative",
    )
    add(
        "short array data",
        checkpoint_with(tmp / "i.npz", one_array(), **{"0": npy_bytes(good)[:-8]}),
        "declares shape",
    )
    add(
        "bytes after the array",
        checkpoint_with(tmp / "j.npz", one_array(), **{"0": npy_bytes(good) + b"\0" * 8}),
        "declares shape",
    )
    add(
        "pickled object array",
        checkpoint_with(
            tmp / "k.npz", one_array(), **{"0": npy_bytes(np.array([Exploit()]), allow_pickle=True)}
        ),
        "object",
    )
    add(
        "string array",
        checkpoint_with(tmp / "l.npz", one_array(), **{"0": npy_bytes(np.array(["a"]))}),
        "<U1",
    )
    add(
        "datetime array",
        checkpoint_with(
            tmp / "m.npz", one_array(), **{"0": npy_bytes(np.array(["2020"], dtype="datetime64[Y]"))}
        ),
        "datetime64",
    )
    add(
        "record array",
        checkpoint_with(tmp / "n.npz", one_array(), **{"0": npy_bytes(np.zeros(2, dtype=[("a", "f4")]))}),
        "refused",
    )
    add(
        "complex array",
        checkpoint_with(tmp / "o.npz", one_array(), **{"0": npy_bytes(np.ones(2, "c16"))}),
        "complex128",
    )
    add(
        "npy version 9",
        checkpoint_with(tmp / "p.npz", one_array(), **{"0": b"\x93NUMPY\x09\x00" + npy_bytes(good)[8:]}),
        "version",
    )
    add("missing member", checkpoint_with(tmp / "q.npz", one_array("7.npy")), "missing")
    add(
        "member outside the archive's names", checkpoint_with(tmp / "r.npz", one_array("../0.npy")), "missing"
    )
    add("unknown kind", checkpoint_with(tmp / "s.npz", {"kind": "pickle", "items": []}), "unknown")
    add(
        "unknown device",
        checkpoint_with(
            tmp / "t.npz",
            {"kind": "tensor", "key": "0.npy", "device": "tpu", "requires_grad": False},
            **{"0": npy_bytes(good)},
        ),
        "tpu",
    )
    add(
        "int tensor that requires grad",
        checkpoint_with(
            tmp / "u.npz",
            {"kind": "tensor", "key": "0.npy", "device": "cpu", "requires_grad": True},
            **{"0": npy_bytes(np.arange(3))},
        ),
        "corrupt",
    )
    add(
        "zip version 10.9",
        needs_zip_version(checkpoint_with(tmp / "fa.npz", one_array(), **{"0": npy_bytes(good)}), 109),
        "not a tinygrad_edu checkpoint",
    )
    deep = "[" * 100_000 + "]" * 100_000
    add("deeply nested structure", write_zip(tmp / "v.npz", {"structure.json": deep}), "structure.json")
    add(
        "huge integer",
        write_zip(tmp / "w.npz", {"structure.json": '{"format": 1' + "1" * 10_000 + "}"}),
        "structure.json",
    )
    add("structure not utf-8", write_zip(tmp / "x.npz", {"structure.json": b"\xff\xfe{}"}), "structure.json")
    add(
        "wrong format name",
        write_zip(tmp / "y.npz", {"structure.json": json.dumps({"format": "x"})}),
        "format",
    )
    add(
        "future version",
        write_zip(tmp / "z.npz", {"structure.json": json.dumps({**HEADER, "version": 99})}),
        "version 99",
    )
    add("no structure", write_zip(tmp / "aa.npz", {"0.npy": npy_bytes(good)}), "structure.json")
    add("empty zip", write_zip(tmp / "ab.npz", {}), "structure.json")
    savez = tmp / "ac.npz"
    np.savez_compressed(savez, a=good)
    add("numpy savez_compressed", savez, "compressed")
    pickled = tmp / "ad.npz"
    pickled.write_bytes(pickle.dumps(Exploit()))
    add("a pickle", pickled, "not a tinygrad_edu checkpoint")
    text = tmp / "ae.npz"
    text.write_text("not a zip file")
    add("a text file", text, "not a tinygrad_edu checkpoint")
    empty = tmp / "af.npz"
    empty.write_bytes(b"")
    add("an empty file", empty, "not a tinygrad_edu checkpoint")
    single = tmp / "ag.npy"
    np.save(single, good)
    add("a single .npy", single, "not a tinygrad_edu checkpoint")
    add("items not a list", checkpoint_with(tmp / "ah.npz", {"kind": "list", "items": 5}), "corrupt")
    add(
        "unhashable dict key",
        checkpoint_with(tmp / "ai.npz", {"kind": "dict", "items": [[[1], 2]]}),
        "corrupt",
    )
    return files


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return {
        name: (path, phrases) for name, path, phrases in hostile_files(tmp_path_factory.mktemp("hostile"))
    }


def _hostile_names():
    import pathlib
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return [name for name, _, _ in hostile_files(pathlib.Path(tmp))]


HOSTILE_NAMES = _hostile_names()


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_checkpoint_is_refused(name, hostile, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the Exploit would write, if it ever ran
    path, phrases = hostile[name]
    refuse(path, *phrases)
    assert not (tmp_path / "pwned.txt").exists()


def test_there_are_at_least_thirty_hostile_files():
    assert len(HOSTILE_NAMES) >= 30


# ---- a real checkpoint, truncated and bit-flipped ---------------------------------------------------


def real_checkpoint(path):
    """A small but real training checkpoint: model, optimizer, numbers."""
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2))
    optimizer = tg.optim.Adam(model.parameters())
    model(tg.randn(5, 3)).sum().backward()
    optimizer.step()
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": 3,
        "w": tg.tensor([1.0, 2.0], requires_grad=True),
    }
    tg.save(state, path)
    return path


def same(a, b):
    """Deep equality of loaded checkpoints (type, keys, dtypes, values)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, tg.Tensor):
        return a.requires_grad == b.requires_grad and same(a.detach().numpy(), b.detach().numpy())
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a == b


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    path = real_checkpoint(tmp_path_factory.mktemp("real") / "ckpt.npz")
    return path, path.read_bytes(), tg.load(path)


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
def test_truncated_checkpoint_is_refused(fraction, original, tmp_path):
    _, data, _ = original
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: int(len(data) * fraction)])
    refuse(cut)


def test_checkpoint_missing_its_last_byte_is_refused(original, tmp_path):
    _, data, _ = original
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[:-1])
    refuse(cut)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=3)
)
def test_bit_flipped_checkpoint_loads_identically_or_is_refused(flips, original, tmp_path):
    _, data, expected = original
    damaged = bytearray(data)
    for where, mask in flips:
        damaged[int(where * len(data))] ^= mask
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(damaged))
    try:
        loaded = tg.load(path)
    except ValueError as error:
        assert str(error).startswith("load:") and str(path) in str(error), error
        return
    assert same(loaded, expected), "a damaged checkpoint loaded different data without an error"


def test_every_byte_of_the_structure_is_covered_by_a_check(original, tmp_path):
    """Flip each byte of structure.json's member in turn: never a silent change, never a raw error."""
    _, data, expected = original
    start = data.find(b'{"format"')
    end = data.find(b"PK", start)
    path = tmp_path / "flipped.npz"
    silent = []
    for i in range(start, end, 7):  # every 7th byte keeps it quick
        damaged = bytearray(data)
        damaged[i] ^= 0x20
        path.write_bytes(bytes(damaged))
        try:
            loaded = tg.load(path)
        except ValueError as error:
            assert str(error).startswith("load:"), error
            continue
        if not same(loaded, expected):
            silent.append(i)
    assert not silent, f"flipping these bytes changed the data silently: {silent}"


def corrupted_copies(data, count, seed=14):
    """``count`` random corruptions of ``data``: flipped bits, overwritten runs, truncations, garbage."""
    rng = random.Random(seed)
    for _ in range(count):
        damaged = bytearray(data)
        kind = rng.randrange(4)
        if kind == 0:
            for _ in range(rng.randint(1, 4)):
                damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        elif kind == 1:
            start = rng.randrange(len(damaged))
            damaged[start : start + rng.randint(1, 64)] = rng.randbytes(rng.randint(1, 64))
        elif kind == 2:
            del damaged[rng.randrange(len(damaged)) :]
        else:
            damaged += rng.randbytes(rng.randint(1, 256))
        yield bytes(damaged)


def test_random_corruptions_load_identically_or_are_refused(original, tmp_path):
    _, data, expected = original
    path = tmp_path / "damaged.npz"
    outcomes = {"identical": 0, "refused": 0}
    for damaged in corrupted_copies(data, 400):
        path.write_bytes(damaged)
        try:
            loaded = tg.load(path)
        except ValueError as error:
            assert str(error).startswith("load:"), error
            outcomes["refused"] += 1
            continue
        assert same(loaded, expected), "a damaged checkpoint loaded different data without an error"
        outcomes["identical"] += 1
    assert outcomes["refused"] > 200, outcomes  # most corruptions are caught, not ignored


# ---- memory: loading never needs much more than the largest legitimate array ---------------------------


def peak_bytes_of(call):
    tracemalloc.start()
    with contextlib.suppress(ValueError):  # the hostile files are refused: measured all the same
        call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_amplification_files_are_refused_within_bounded_memory(tmp_path):
    legitimate = np.ones((256, 256))  # 0.5 MB: the largest legitimate array of each file
    bound = 2 * legitimate.nbytes
    whitespace = write_zip(
        tmp_path / "ws.npz",
        {
            "structure.json": structure(one_array())
            + " " * 2**26,  # 64 MiB of whitespace, deflated to 64 KiB
            "0.npy": npy_bytes(legitimate),
        },
        zipfile.ZIP_DEFLATED,
    )
    zeros = write_zip(
        tmp_path / "zeros.npz",
        {
            "structure.json": structure(
                {
                    "kind": "list",
                    "items": [{"kind": "ndarray", "key": "0.npy"}, {"kind": "ndarray", "key": "1.npy"}],
                }
            ),
            "0.npy": npy_bytes(legitimate),
            "1.npy": npy_bytes(np.zeros(2**23)),
        },
        zipfile.ZIP_DEFLATED,
    )
    many = checkpoint_with(
        tmp_path / "refs.npz",
        {
            "kind": "list",
            "items": [{"kind": "tensor", "key": "0.npy", "device": "cpu", "requires_grad": False}] * 1000,
        },
        **{"0": npy_bytes(legitimate)},
    )
    for path in (whitespace, zeros, many):
        assert peak_bytes_of(lambda path=path: tg.load(path)) < bound, path.name


def test_loading_a_legitimate_checkpoint_needs_about_its_size(tmp_path):
    array = np.random.default_rng(0).standard_normal((512, 512))  # 2 MiB
    path = tmp_path / "big.npz"
    tg.save({"w": array, "t": tg.tensor(array)}, path)
    peak = peak_bytes_of(lambda: tg.load(path))
    assert peak < 2 * 2 * array.nbytes + 2**21, peak  # the two arrays, plus a chunk and bookkeeping


def test_structure_size_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "MAX_STRUCTURE_BYTES", 1000)
    path = write_zip(tmp_path / "big.npz", {"structure.json": structure([0] * 1000)})
    refuse(path, "over the limit")
