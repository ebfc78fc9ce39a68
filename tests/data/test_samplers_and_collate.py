"""DataLoader's PyTorch habits: samplers, batch samplers, collate_fn, default_collate, tg.utils.data."""

import collections

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
)


def _data(n=10):
    return TensorDataset(tg.arange(n * 2).reshape(n, 2).float(), tg.arange(n))


def _labels(loader):
    return [np.asarray(b[1]).tolist() for b in loader]


def test_utils_data_is_the_same_module():
    import tinygrad_edu.utils.data as utils_data
    from tinygrad_edu.utils.data import DataLoader as FromUtils

    assert utils_data is tg.data and tg.utils.data is tg.data and FromUtils is DataLoader


def test_a_sampler_sets_the_order_and_the_number_of_batches():
    loader = DataLoader(_data(), batch_size=3, sampler=[9, 0, 8, 1, 7])
    assert len(loader) == 2 and _labels(loader) == [[9, 0, 8], [1, 7]]
    assert len(DataLoader(_data(), batch_size=3, sampler=[9, 0, 8, 1, 7], drop_last=True)) == 1


def test_random_sampler_draws_a_new_permutation_each_epoch_from_its_generator():
    sampler = RandomSampler(range(8), generator=np.random.default_rng(0))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == list(range(8)) and first != second
    again = RandomSampler(range(8), generator=np.random.default_rng(0))
    assert list(again) == first and list(again) == second
    assert list(RandomSampler(range(8), generator=5)) == list(RandomSampler(range(8), generator=5))


def test_random_sampler_with_replacement_and_num_samples():
    draws = list(RandomSampler(range(3), replacement=True, num_samples=200, generator=0))
    assert len(draws) == 200 and set(draws) == {0, 1, 2}
    many = list(RandomSampler(range(4), num_samples=10, generator=0))  # more than n: permutations in a row
    assert len(many) == 10 and sorted(many[:4]) == [0, 1, 2, 3] and sorted(many[4:8]) == [0, 1, 2, 3]


def test_sequential_subset_random_and_batch_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    picked = list(SubsetRandomSampler([10, 20, 30], generator=1))
    assert sorted(picked) == [10, 20, 30] and len(SubsetRandomSampler([1, 2])) == 2
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, drop_last=True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2


def test_batch_sampler_option():
    loader = DataLoader(_data(), batch_sampler=[[1, 2], [5], [0, 3, 4]])
    assert loader.batch_size is None and len(loader) == 3
    assert _labels(loader) == [[1, 2], [5], [0, 3, 4]]


def test_default_samplers_are_visible_as_attributes():
    assert isinstance(DataLoader(_data()).sampler, SequentialSampler)
    assert isinstance(DataLoader(_data(), shuffle=True).sampler, RandomSampler)


def test_shuffle_with_an_int_generator_changes_every_epoch_and_repeats_with_the_seed():
    loader = DataLoader(_data(), batch_size=4, shuffle=True, generator=3)
    first, second = _labels(loader), _labels(loader)
    assert first != second
    assert _labels(DataLoader(_data(), batch_size=4, shuffle=True, generator=3)) == first


class Records(Dataset):
    """Samples as dicts, with a string and a number in them."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": tg.full((2,), float(i)), "label": i, "weight": 0.5 * i, "name": f"r{i}"}


def test_default_collate_of_dicts_numbers_and_strings_as_pytorch():
    batch = next(iter(DataLoader(Records(), batch_size=3)))
    assert set(batch) == {"x", "label", "weight", "name"}
    assert batch["x"].shape == (3, 2) and batch["x"].dtype == tg.float32
    assert batch["label"].dtype == tg.int64 and batch["label"].tolist() == [0, 1, 2]
    assert batch["weight"].dtype == tg.float64  # Python floats are doubles, as in PyTorch
    assert batch["name"] == ["r0", "r1", "r2"]


def test_default_collate_keeps_tuples_namedtuples_and_lists_and_stacks_arrays():
    Point = collections.namedtuple("Point", "x y")
    batch = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(batch, Point) and batch.x.tolist() == [1, 3] and batch.y.tolist() == [2.0, 4.0]
    assert isinstance(default_collate([(1, 2), (3, 4)]), tuple)
    assert isinstance(default_collate([[1, 2], [3, 4]]), list)
    stacked = default_collate([np.zeros((2, 3)), np.ones((2, 3))])
    assert stacked.shape == (2, 2, 3) and stacked.dtype == tg.float64
    assert default_collate([True, False]).dtype == tg.bool


def test_default_collate_agrees_with_torch():
    torch = pytest.importorskip("torch")
    samples = [{"a": (i, float(i)), "b": [np.full(2, i, dtype=np.float32)]} for i in range(3)]
    ours, theirs = default_collate(samples), torch.utils.data.default_collate(samples)
    assert np.asarray(ours["a"][0]).tolist() == theirs["a"][0].tolist()
    assert str(ours["a"][1].dtype) == str(theirs["a"][1].dtype).replace("torch.", "")
    np.testing.assert_array_equal(np.asarray(ours["b"][0]), theirs["b"][0].numpy())


def test_default_collate_errors():
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match=r"default_collate: each sample .* same number of fields"):
        default_collate([(1, 2), (3,)])


def test_a_custom_collate_fn_gets_the_list_of_samples():
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return sum(int(y.item()) for _, y in samples)

    assert list(DataLoader(_data(), batch_size=4, collate_fn=collate)) == [6, 22, 17]
    assert seen == [4, 4, 2]


def test_pin_memory_is_accepted():
    loader = DataLoader(_data(), batch_size=5, pin_memory=True)
    assert loader.pin_memory is True and _labels(loader) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (
            {"sampler": [0, 1], "shuffle": True},
            ValueError,
            "sampler option is mutually exclusive with shuffle",
        ),
        ({"batch_sampler": [[0]], "batch_size": 4}, ValueError, "batch_sampler option is mutually exclusive"),
        ({"num_workers": -1}, ValueError, "num_workers must be an int >= 0, got -1"),
        ({"prefetch_factor": 2}, ValueError, "prefetch_factor and persistent_workers need num_workers > 0"),
        ({"collate_fn": 3}, TypeError, "collate_fn must be a function"),
        ({"timeout": -1}, ValueError, "timeout must be >= 0"),
    ],
)
def test_bad_options_raise(kwargs, error, words):
    with pytest.raises(error, match=words):
        DataLoader(_data(), **kwargs)


def test_an_unusable_generator_is_named():
    with pytest.raises(TypeError, match=r"expected a generator with a \.random"):
        list(DataLoader(_data(), shuffle=True, generator=object()))
