"""tg.save / tg.load: round trips, no pickle, atomic writes, clear errors."""

import collections
import io
import json
import math
import os
import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, serialization


def optimizer_like_state():
    """The shape of an optimizer's state dict: int keys, index lists, tuples of hyperparameters."""
    return {
        "state": {
            0: {"step": 3, "exp_avg": np.arange(6.0).reshape(2, 3), "exp_avg_sq": np.ones(3, np.float32)},
            2: {"step": 3.0, "momentum_buffer": None},
        },
        "param_groups": [
            {
                "lr": 1e-3,
                "betas": (0.9, 0.999),
                "eps": 1e-8,
                "amsgrad": False,
                "params": [0, 1, 2],
                "name": "all",
            }
        ],
    }


def assert_same(a, b):
    """Deep equality that also checks the container and array types."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def test_round_trip_of_an_optimizer_like_state(tmp_path):
    state = optimizer_like_state()
    tg.save(state, tmp_path / "opt.npz")
    assert_same(tg.load(tmp_path / "opt.npz"), state)


def test_round_trip_of_scalars_strings_and_containers(tmp_path):
    obj = {
        "int": -(2**62),
        "float": 0.1,
        "inf": float("inf"),
        "nan": float("nan"),
        "bool": True,
        "none": None,
        "text": 'héllo \n "quoted"',
        "nested": [[], (), {}, [1, (2, [3.5])]],
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
        "keys": {1: "one", 2.5: "two and a half", None: "none", False: "false", "1": "string one"},
        "numpy scalars": [np.float32(1.5), np.int64(7), np.bool_(True)],
        "arrays": [
            np.zeros((0, 3)),
            np.array(5, np.int32),
            np.arange(4, dtype=np.uint8),
            np.array([True, False]),
        ],
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "strided": np.arange(10.0)[::3],
    }
    tg.save(obj, str(tmp_path / "all.npz"))
    loaded = tg.load(str(tmp_path / "all.npz"))
    assert_same(loaded, obj)
    assert isinstance(loaded["numpy scalars"][0], np.float32)


def test_module_state_dict_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model(tg.randn(5, 3))
    tg.save(model.state_dict(), tmp_path / "model.npz")
    loaded = tg.load(tmp_path / "model.npz")
    assert_same(loaded, model.state_dict())
    assert loaded["1.num_batches_tracked"].shape == () and loaded["1.num_batches_tracked"].dtype == np.int64


def test_tensors_come_back_as_tensors_on_their_device(tmp_path, device):
    t = tg.randn(2, 3)
    g = tg.ones(2, requires_grad=True)
    p = nn.Parameter(tg.zeros(3))
    other = "cpu" if device == "cuda" else "cuda"
    elsewhere = tg.randn(2, device=other)
    tg.save({"t": t, "g": g, "p": p, "elsewhere": elsewhere, "array": np.ones(2)}, tmp_path / "t.npz")
    loaded = tg.load(tmp_path / "t.npz")
    assert type(loaded["t"]) is tg.Tensor and loaded["t"].device == device and not loaded["t"].requires_grad
    np.testing.assert_array_equal(np.asarray(loaded["t"]), np.asarray(t))
    assert loaded["g"].requires_grad and loaded["g"].is_leaf
    assert isinstance(loaded["p"], nn.Parameter) and loaded["p"].requires_grad
    assert loaded["elsewhere"].device == other
    assert isinstance(loaded["array"], np.ndarray)
    moved = tg.load(tmp_path / "t.npz", map_location="cpu")
    assert all(moved[k].device == "cpu" for k in ("t", "g", "p", "elsewhere"))


def test_training_resumes_exactly_from_a_checkpoint(tmp_path):
    """Model + optimizer saved mid-run and restored continue as if never interrupted."""
    x, y = tg.randn(16, 3), tg.randn(16, 1)

    def step(model, optimizer):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()

    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = tg.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(3):
        step(model, optimizer)
    tg.save(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, tmp_path / "c.npz"
    )
    for _ in range(3):
        step(model, optimizer)

    checkpoint = tg.load(tmp_path / "c.npz")
    restored = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer = tg.optim.Adam(restored.parameters(), lr=0.01)
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    assert checkpoint["epoch"] == 3
    for _ in range(3):
        step(restored, restored_optimizer)
    assert_same(restored.state_dict(), model.state_dict())


def test_file_objects(tmp_path):
    buffer = io.BytesIO()
    tg.save({"x": np.arange(3)}, buffer)
    buffer.seek(0)
    assert_same(tg.load(buffer), {"x": np.arange(3)})


def test_file_is_an_npz_with_a_json_structure(tmp_path):
    path = tmp_path / "c.npz"
    tg.save({"w": np.ones(2), "step": 4}, path)
    with np.load(path, allow_pickle=False) as archive:  # numpy itself reads it, no pickle
        np.testing.assert_array_equal(archive["0"], np.ones(2))
        header = json.loads(archive["structure.json"].decode())
    assert header["format"] == "tinygrad_edu.checkpoint"
    assert header["root"]["items"][1] == ["step", 4]


# ---- atomicity --------------------------------------------------------------------------------------


def test_a_failed_save_keeps_the_old_checkpoint_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    tg.save({"version": 1, "w": np.ones(3)}, path)
    original_bytes = path.read_bytes()
    calls = []
    real_write_array = np.lib.format.write_array

    def fail_on_second_array(file, array, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real_write_array(file, array, **kwargs)

    monkeypatch.setattr(serialization.np.lib.format, "write_array", fail_on_second_array)
    with pytest.raises(OSError, match="disk full"):
        tg.save({"version": 2, "w": np.zeros(3), "b": np.zeros(2)}, path)
    assert len(calls) == 2  # it really failed midway, after writing part of the file
    assert path.read_bytes() == original_bytes
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    monkeypatch.undo()
    assert_same(tg.load(path), {"version": 1, "w": np.ones(3)})


def test_a_failed_fsync_also_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    tg.save([1], path)

    def broken_fsync(fd):
        raise OSError("I/O error (simulated)")

    monkeypatch.setattr(serialization.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="I/O error"):
        tg.save([2], path)
    monkeypatch.undo()
    assert tg.load(path) == [1]
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_unsupported_type_fails_before_touching_the_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    tg.save({"a": 1}, path)
    with pytest.raises(TypeError, match=r"type set at .*\['bad'\]"):
        tg.save({"a": 2, "bad": {1, 2}}, path)
    assert tg.load(path) == {"a": 1}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_new_file_permissions_follow_the_umask(tmp_path):
    path = tmp_path / "ckpt.npz"
    tg.save({}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# ---- errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj",
    [{1, 2}, object(), nn.Linear(1, 1), np.array([object()]), b"bytes", {(1, 2): "tuple key"}, 1 + 2j],
)
def test_unsupported_types_raise_type_error(tmp_path, obj):
    with pytest.raises(TypeError, match="save"):
        tg.save({"x": obj}, tmp_path / "bad.npz")


def test_reference_cycles_are_refused(tmp_path):
    cycle = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="cycle"):
        tg.save(cycle, tmp_path / "cycle.npz")
    shared = [1]
    tg.save([shared, shared], tmp_path / "shared.npz")  # the same list twice is not a cycle
    assert tg.load(tmp_path / "shared.npz") == [[1], [1]]


def test_loading_files_that_are_not_checkpoints(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ValueError, match="not a tinygrad_edu checkpoint"):
        tg.load(garbage)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.ones(2))
    with pytest.raises(ValueError, match="not a tinygrad_edu checkpoint"):
        tg.load(plain)
    single = tmp_path / "single.npy"
    np.save(single, np.ones(2))
    with pytest.raises(ValueError, match="not a tinygrad_edu checkpoint"):
        tg.load(single)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a tinygrad_edu checkpoint"):
        tg.load(empty)
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "missing.npz")


class Exploit:
    """Unpickling this would run code; loading must never get that far."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_pickled_payloads_are_never_unpickled(tmp_path):
    pickled = tmp_path / "pickle.npz"
    pickled.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(ValueError, match="not a tinygrad_edu checkpoint"):
        tg.load(pickled)
    # a checkpoint whose array member was replaced by an object array (pickled inside the .npy)
    path = tmp_path / "evil.npz"
    tg.save({"w": np.ones(2)}, path)
    with zipfile.ZipFile(path) as archive:
        structure = archive.read("structure.json")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("structure.json", structure)
        with archive.open("0.npy", "w") as member:
            np.lib.format.write_array(member, np.array([Exploit()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="corrupt"):
        tg.load(path)


def test_corrupt_structure_is_reported(tmp_path):
    path = tmp_path / "corrupt.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "structure.json",
            json.dumps(
                {
                    "format": "tinygrad_edu.checkpoint",
                    "version": 1,
                    "root": {"kind": "ndarray", "key": "7.npy"},
                }
            ),
        )
    with pytest.raises(ValueError, match="corrupt"):
        tg.load(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("structure.json", json.dumps({"format": "tinygrad_edu.checkpoint", "version": 99}))
    with pytest.raises(ValueError, match="version 99"):
        tg.load(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("structure.json", "{not json")
    with pytest.raises(ValueError, match="not a tinygrad_edu checkpoint"):
        tg.load(path)
