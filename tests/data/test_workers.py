"""DataLoader(num_workers > 0): the same batches in the same order as in one process, under "fork" and
"spawn"; errors in a worker surface in the main process naming the batch; nothing hangs."""

import multiprocessing
import os

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, Dataset, TensorDataset

FORK = "fork" in multiprocessing.get_all_start_methods()


class Noisy(Dataset):
    """A map-style dataset whose samples draw random numbers (an "augmentation") and carry a dict."""

    def __len__(self):
        return 23

    def __getitem__(self, i):
        if i == 13 and os.environ.get("NOISY_FAIL"):
            raise KeyError(f"sample {i} is broken")
        return {"x": tg.full((3,), float(i)), "noise": tg.rand(2)}, i


def batches_as_arrays(loader):
    out = []
    for sample, label in loader:
        out.append((np.asarray(sample["x"]), np.asarray(label)))
    return out


@pytest.mark.skipif(not FORK, reason="no fork start method here")
@pytest.mark.parametrize("shuffle", [False, True])
def test_two_workers_give_the_same_batches_in_the_same_order_as_none(shuffle):
    def run(workers):
        tg.manual_seed(0)
        loader = DataLoader(
            Noisy(), batch_size=4, shuffle=shuffle, num_workers=workers, multiprocessing_context="fork"
        )
        return batches_as_arrays(loader)

    alone, pooled = run(0), run(2)
    assert len(alone) == len(pooled) == 6
    for (x0, y0), (x2, y2) in zip(alone, pooled):
        np.testing.assert_array_equal(x0, x2)
        np.testing.assert_array_equal(y0, y2)
    labels = np.concatenate([y for _, y in pooled]).tolist()
    assert sorted(labels) == list(range(23)) and (labels != sorted(labels)) == shuffle


@pytest.mark.skipif(not FORK, reason="no fork start method here")
def test_worker_randomness_is_fixed_by_the_seed_and_differs_between_batches():
    def noise():
        tg.manual_seed(5)
        return [
            np.asarray(s["noise"])
            for s, _ in DataLoader(Noisy(), batch_size=4, num_workers=3, multiprocessing_context="fork")
        ]

    first, again = noise(), noise()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], first[1]), "each batch seeds the worker differently"


@pytest.mark.cpu_only  # a spawned worker starts a fresh interpreter: only the built-in "cpu" device exists
def test_spawn_workers_give_the_same_batches():
    x, y = tg.randn(30, 4), tg.arange(30)
    ds = TensorDataset(x, y)
    alone = list(DataLoader(ds, batch_size=7, shuffle=True, generator=np.random.default_rng(1)))
    spawned = list(
        DataLoader(
            ds,
            batch_size=7,
            shuffle=True,
            generator=np.random.default_rng(1),
            num_workers=2,
            multiprocessing_context="spawn",
        )
    )
    assert len(alone) == len(spawned) == 5
    for (xa, ya), (xs, ys) in zip(alone, spawned):
        np.testing.assert_array_equal(np.asarray(xa), np.asarray(xs))
        np.testing.assert_array_equal(np.asarray(ya), np.asarray(ys))
        assert xs.dtype == tg.float32 and ys.dtype == tg.int64


@pytest.mark.skipif(not FORK, reason="no fork start method here")
def test_tensor_dataset_batches_come_back_on_the_dataset_device(device):
    ds = TensorDataset(tg.arange(12).reshape(6, 2).float(), tg.arange(6))
    batches = list(DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="fork"))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5]]
    assert batches[0][0].device == tg.device(device)


@pytest.mark.skipif(not FORK, reason="no fork start method here")
def test_an_exception_in_a_worker_is_raised_here_naming_the_batch(monkeypatch):
    monkeypatch.setenv("NOISY_FAIL", "1")
    loader = DataLoader(Noisy(), batch_size=4, num_workers=2, multiprocessing_context="fork")
    seen = []
    with pytest.raises(
        RuntimeError,
        match=r"worker 1 raised an exception while preparing batch 3 \(dataset "
        r"indices \[12, 13, 14, 15\]\)(.|\n)*KeyError(.|\n)*sample 13 is broken",
    ):
        for batch in loader:
            seen.append(batch)
    assert len(seen) == 3  # the batches before the broken one arrived, in order


@pytest.mark.skipif(not FORK, reason="no fork start method here")
def test_a_worker_that_dies_is_reported_not_waited_for():
    class Dies(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 5:
                os._exit(3)  # a crash: no exception, no message
            return tg.tensor(float(i))

    with pytest.raises(
        RuntimeError,
        match=r"worker 0 .* exited unexpectedly with exit code 3 while preparing batch (0 or )?2 ",
    ):
        list(DataLoader(Dies(), batch_size=2, num_workers=2, multiprocessing_context="fork"))


@pytest.mark.skipif(not FORK, reason="no fork start method here")
def test_timeout_bounds_the_wait_for_a_batch():
    import time

    class Slow(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(5)
            return tg.tensor(float(i))

    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0\.5 s waiting for batch 0"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.5, multiprocessing_context="fork"))
    assert time.monotonic() - start < 4, "the workers are terminated, not waited for"


@pytest.mark.skipif(not FORK, reason="no fork start method here")
def test_stopping_early_stops_the_workers_and_a_custom_collate_runs_in_them():
    pids = []
    loader = DataLoader(
        range(40),
        batch_size=5,
        num_workers=2,
        collate_fn=lambda s: (os.getpid(), sum(s)),
        multiprocessing_context="fork",
    )
    for pid, total in loader:
        pids.append(pid)
        assert total in (10, 35)
        if len(pids) == 2:
            break
    assert os.getpid() not in pids and len(set(pids)) == 2  # each batch from a different worker
    children = multiprocessing.active_children()
    assert not any(child.pid in pids for child in children), "the workers are gone after the loop stopped"


@pytest.mark.skipif(not FORK, reason="no fork start method here")
def test_worker_init_fn_runs_in_each_worker_and_its_errors_surface():
    def init(worker_id):
        if worker_id == 1:
            raise ValueError("no GPU for worker 1")

    with pytest.raises(RuntimeError, match=r"worker 1: worker_init_fn raised(.|\n)*no GPU for worker 1"):
        list(
            DataLoader(
                range(10), batch_size=2, num_workers=2, worker_init_fn=init, multiprocessing_context="fork"
            )
        )


@pytest.mark.cpu_only  # the platform's default start method may be "spawn": only "cpu" exists there
def test_the_default_start_method_works_with_a_tensor_dataset():
    ds = TensorDataset(tg.arange(10).float(), tg.arange(10))
    batches = list(DataLoader(ds, batch_size=3, num_workers=2))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
