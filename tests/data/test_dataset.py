"""TensorDataset: rows of tensors, and its size check."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import Dataset, TensorDataset


def test_tensor_dataset_rows_and_len():
    x = tg.arange(12).reshape(6, 2)
    y = tg.arange(6) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    np.testing.assert_array_equal(np.asarray(xi), np.asarray(x)[4])
    assert yi.item() == 40


def test_tensor_dataset_size_mismatch_names_argument_and_sizes():
    with pytest.raises(ValueError, match=r"argument 1 has 4 rows.*\[5, 4\]"):
        TensorDataset(tg.zeros(5, 2), tg.zeros(4))


def test_tensor_dataset_rejects_no_tensors_and_scalars():
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="argument 0 is a 0-d"):
        TensorDataset(tg.tensor(1.0))
    with pytest.raises(TypeError, match="argument 0 must be a Tensor"):
        TensorDataset([1, 2, 3])


def test_dataset_base_is_abstract():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


# ---- Subset and random_split ------------------------------------------------------------------------

from tinygrad_edu.data import Subset, random_split  # noqa: E402


def _labels_of(subset):
    return [int(subset[i][1].item()) for i in range(len(subset))]


def test_subset_picks_the_indices_in_order():
    ds = TensorDataset(tg.arange(10) * 2, tg.arange(10))
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and _labels_of(sub) == [7, 2, 5]
    assert sub[0][0].item() == 14
    with pytest.raises(IndexError):
        sub[3]


@pytest.mark.parametrize(
    "lengths, sizes",
    [
        ([3, 7], [3, 7]),
        ([0.5, 0.5], [5, 5]),
        ([0.33, 0.33, 0.34], [4, 3, 3]),
        ([0.25, 0.75], [3, 7]),
        ([10], [10]),
    ],
)
def test_random_split_sizes_as_pytorch(lengths, sizes):
    """Counts are taken as given; fractions are floored and the rest goes round robin from the first."""
    splits = random_split(
        TensorDataset(tg.arange(10), tg.arange(10)), lengths, generator=np.random.default_rng(0)
    )
    assert [len(s) for s in splits] == sizes
    everything = sorted(label for s in splits for label in _labels_of(s))
    assert everything == list(range(10)), "the splits partition the dataset"


def test_random_split_sizes_match_torch():
    torch = pytest.importorskip("torch")
    for lengths in ([0.33, 0.33, 0.34], [0.1, 0.2, 0.7], [0.5, 0.5], [0.3, 0.3, 0.4]):
        for n in (7, 10, 13):
            ours = [len(s) for s in random_split(TensorDataset(tg.arange(n)), lengths)]
            theirs = [len(s) for s in torch.utils.data.random_split(range(n), lengths)]
            assert ours == theirs, (lengths, n)


def test_random_split_is_reproducible_with_a_generator_or_manual_seed():
    ds = TensorDataset(tg.arange(20), tg.arange(20))

    def split(**kwargs):
        return [_labels_of(s) for s in random_split(ds, [15, 5], **kwargs)]

    assert split(generator=np.random.default_rng(3)) == split(generator=np.random.default_rng(3))
    assert split(generator=3) == split(generator=3)
    assert split(generator=3) != split(generator=4)
    tg.manual_seed(1)
    first = split()
    tg.manual_seed(1)
    assert split() == first and first[0] != list(range(15))


@pytest.mark.parametrize(
    "lengths, words",
    [
        (
            [3, 3],
            r"random_split: sum of input lengths \(6\) does not equal the length of the input dataset \(10\)",
        ),
        ([12, -2], "non-negative counts"),
        ([0.5, 0.6], "non-negative counts, or fractions that sum to 1"),
        ([], "lengths is empty"),
    ],
)
def test_random_split_errors(lengths, words):
    with pytest.raises(ValueError, match=words):
        random_split(TensorDataset(tg.arange(10)), lengths)
