"""DataLoader: batch counts and shapes, drop_last, seeded shuffling, devices, errors."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, Dataset, TensorDataset

N = 10


def _data():
    x = tg.arange(N * 3).reshape(N, 3).float()
    y = tg.arange(N)
    return TensorDataset(x, y)


def _labels(loader):
    return [np.asarray(yb).tolist() for _, yb in loader]


@pytest.mark.parametrize(
    ("batch_size", "drop_last", "sizes"),
    [
        (N, False, [N]),  # batch gradient descent: one batch
        (1, False, [1] * N),  # stochastic: one sample per batch
        (4, False, [4, 4, 2]),  # mini-batch, last one short
        (4, True, [4, 4]),  # ... or dropped
        (5, True, [5, 5]),
    ],
)
def test_batch_counts_and_shapes(batch_size, drop_last, sizes):
    loader = DataLoader(_data(), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == len(sizes)
    assert [xb.shape for xb, _ in batches] == [(s, 3) for s in sizes]
    assert [yb.shape for _, yb in batches] == [(s,) for s in sizes]
    assert all(isinstance(b, tuple) and len(b) == 2 for b in batches)


def test_unshuffled_order_and_values():
    ds = _data()
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    np.testing.assert_array_equal(np.asarray(xb), np.asarray(ds.tensors[0])[:4])
    assert np.asarray(yb).tolist() == [0, 1, 2, 3]


def test_shuffle_is_a_permutation_reproducible_with_seed_and_new_each_epoch():
    loader = DataLoader(_data(), batch_size=3, shuffle=True, seed=7)
    first, second = _labels(loader), _labels(loader)
    assert sorted(y for batch in first for y in batch) == list(range(N))  # every sample once
    assert first != second  # a new permutation every epoch
    again = DataLoader(_data(), batch_size=3, shuffle=True, seed=7)
    assert _labels(again) == first and _labels(again) == second
    other = DataLoader(_data(), batch_size=3, shuffle=True, seed=8)
    assert _labels(other) != first


def test_shuffled_rows_stay_together():
    for xb, yb in DataLoader(_data(), batch_size=4, shuffle=True, seed=0):
        np.testing.assert_array_equal(np.asarray(xb)[:, 0], np.asarray(yb) * 3)


def test_shuffle_follows_manual_seed():
    tg.manual_seed(3)
    first = _labels(DataLoader(_data(), batch_size=4, shuffle=True))
    tg.manual_seed(3)
    assert _labels(DataLoader(_data(), batch_size=4, shuffle=True)) == first


@pytest.mark.cpu_only
def test_shuffle_with_a_generator():
    a = _labels(DataLoader(_data(), batch_size=4, shuffle=True, generator=np.random.default_rng(1)))
    b = _labels(DataLoader(_data(), batch_size=4, shuffle=True, generator=np.random.default_rng(1)))
    assert a == b and sorted(y for batch in a for y in batch) == list(range(N))


def test_generic_dataset_is_collated_by_stacking():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return tg.tensor([float(i)]), i * i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert [xb.shape for xb, _ in batches] == [(2, 1), (2, 1), (1, 1)]
    assert [np.asarray(yb).tolist() for _, yb in batches] == [[0, 1], [4, 9], [16]]


def test_batches_on_dataset_device_by_default_and_on_request(device):
    xb, yb = next(iter(DataLoader(_data(), batch_size=2)))
    assert xb.device == tg.device(device) and yb.device == tg.device(device)
    xb, _ = next(iter(DataLoader(_data(), batch_size=2, device="cpu")))
    assert xb.device == tg.device("cpu")


@pytest.mark.parametrize("bad", [0, -2, 2.5, "4", True])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match=f"batch_size.*{bad!r}"):
        DataLoader(_data(), batch_size=bad)


def test_empty_dataset():
    with pytest.raises(ValueError, match=r"dataset is empty.*0"):
        DataLoader(TensorDataset(tg.zeros(0, 2)), batch_size=1)


def test_batches_of_learnable_tensors_keep_the_gradient_path():
    x = tg.arange(6).float().reshape(6, 1).requires_grad_()
    xb, _ = next(iter(DataLoader(TensorDataset(x, tg.arange(6)), batch_size=4, shuffle=True, seed=0)))
    xb.sum().backward()
    assert np.asarray(x.grad).sum() == 4  # each of the 4 picked rows got gradient 1
    assert sorted(np.asarray(x.grad).ravel().tolist()) == [0, 0, 1, 1, 1, 1]
