"""A process killed while ``tg.save`` writes leaves the previous checkpoint intact and loadable, and
its temporary file is removed by the next save of the same path, so temporaries never pile up."""

import os
import random
import signal
import time
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

pytestmark = [
    pytest.mark.cpu_only,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked child process (POSIX)"),
]

KILLS = 20
SIDE = 1024  # a 4 MiB float32 array: each save takes long enough to be killed in the middle


def checkpoint(version):
    """Checkpoint ``version``: every value in it says which version it is, so a mix would show."""
    return {"version": version, "w": np.full((SIDE, SIDE), version, np.float32), "b": [version] * 3}


def temporaries(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def save_forever_in_a_child(path, ready):
    """Fork a child that saves versions 1, 2, 3, ... to ``path`` until it is killed; it writes one byte
    to the pipe ``ready`` once its first save is complete."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the child only saves
        pid = os.fork()
    if pid:
        return pid
    try:  # the child: never returns into pytest
        version = 1
        while True:
            tg.save(checkpoint(version), path)
            if version == 1:
                os.write(ready, b"1")
            version += 1
    finally:
        os._exit(0)


def test_killed_saves_keep_the_previous_checkpoint_and_leave_no_temporaries(tmp_path):
    path = tmp_path / "ckpt.npz"
    rng = random.Random(14)
    killed_mid_save = 0
    for _ in range(KILLS):
        read_end, write_end = os.pipe()
        pid = save_forever_in_a_child(path, write_end)
        os.close(write_end)
        assert os.read(read_end, 1) == b"1"  # the first save of this child is complete
        os.close(read_end)
        time.sleep(rng.uniform(0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

        loaded = tg.load(path)  # the last complete save, whole
        version = loaded["version"]
        assert version >= 1
        np.testing.assert_array_equal(loaded["w"], checkpoint(version)["w"])
        assert loaded["b"] == [version] * 3
        left = temporaries(tmp_path)
        assert len(left) <= 1, left  # at most the killed child's own; the earlier ones were removed
        killed_mid_save += len(left)

    assert killed_mid_save >= 1, "no kill landed inside a save: the test did not test anything"
    if temporaries(tmp_path):  # the last kill landed inside a save: the next save says it cleaned up
        with pytest.warns(UserWarning, match="removed 1 temporary file"):
            tg.save(checkpoint(0), path)
    else:
        tg.save(checkpoint(0), path)
    assert temporaries(tmp_path) == [] and os.listdir(tmp_path) == ["ckpt.npz"]
    assert tg.load(path)["version"] == 0


def test_a_live_saver_keeps_its_temporary(tmp_path):
    """Only the temporaries of finished processes are removed: a save in progress elsewhere is not
    disturbed (here: a temporary named after this very process, which is alive)."""
    path = tmp_path / "ckpt.npz"
    mine = tmp_path / f".ckpt.npz.{os.getpid()}.0123456789ab.tmp"
    mine.write_bytes(b"in progress")
    other_live = tmp_path / f".ckpt.npz.{os.getppid()}.0123456789ab.tmp"
    other_live.write_bytes(b"in progress")
    unrelated = tmp_path / ".other.npz.999999999.0123456789ab.tmp"
    unrelated.write_bytes(b"another target")
    tg.save({"x": 1}, path)
    assert mine.exists() and other_live.exists() and unrelated.exists()
    assert tg.load(path) == {"x": 1}
