"""``DistributedSampler``: each rank's share of the dataset, as ``torch.utils.data.DistributedSampler``."""

import math

import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DistributedSampler


class Numbers(tg.data.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def shares(n, replicas, **kwargs):
    return [
        list(DistributedSampler(Numbers(n), num_replicas=replicas, rank=r, **kwargs)) for r in range(replicas)
    ]


@pytest.mark.parametrize("n, replicas", [(12, 4), (10, 4), (3, 4), (1, 3), (7, 1)])
def test_padding_gives_every_rank_the_same_count_and_covers_the_dataset(n, replicas):
    parts = shares(n, replicas)
    assert {len(p) for p in parts} == {math.ceil(n / replicas)}
    assert set().union(*parts) == set(range(n))
    together = sum(len(p) for p in parts)
    assert together - n == math.ceil(n / replicas) * replicas - n  # the padding, and nothing else repeated


@pytest.mark.parametrize("n, replicas", [(12, 4), (10, 4), (7, 3)])
def test_drop_last_cuts_the_tail_and_repeats_nothing(n, replicas):
    parts = shares(n, replicas, drop_last=True)
    assert {len(p) for p in parts} == {n // replicas}
    flat = [i for p in parts for i in p]
    assert len(flat) == len(set(flat)) == n // replicas * replicas


def test_rank_r_takes_every_nth_index_of_one_shared_permutation():
    """So batch i of the N ranks together is batch i (of N·B) of one process: the lesson's equivalence."""
    n, replicas, batch = 24, 3, 2
    whole = list(DistributedSampler(Numbers(n), num_replicas=1, rank=0, seed=5))
    parts = shares(n, replicas, seed=5)
    for r, part in enumerate(parts):
        assert part == whole[r::replicas]
    for i in range(n // (replicas * batch)):
        big = whole[i * replicas * batch : (i + 1) * replicas * batch]
        small = [j for part in parts for j in part[i * batch : (i + 1) * batch]]
        assert sorted(small) == sorted(big)


def test_without_shuffle_the_order_is_the_dataset_order():
    assert shares(6, 2, shuffle=False) == [[0, 2, 4], [1, 3, 5]]
    assert shares(5, 2, shuffle=False) == [[0, 2, 4], [1, 3, 0]]  # padded with the start, as PyTorch


def test_set_epoch_reshuffles_the_same_way_on_every_rank():
    sampler = DistributedSampler(Numbers(50), num_replicas=2, rank=0, seed=1)
    other = DistributedSampler(Numbers(50), num_replicas=2, rank=1, seed=1)
    first = list(sampler)
    assert list(sampler) == first  # no set_epoch: the same order again
    sampler.set_epoch(1)
    other.set_epoch(1)
    second = list(sampler)
    assert second != first
    assert sorted(second + list(other)) == list(range(50))
    assert list(DistributedSampler(Numbers(50), num_replicas=2, rank=0, seed=2)) != first  # the seed matters


def test_len_and_repr():
    sampler = DistributedSampler(Numbers(10), num_replicas=4, rank=3)
    assert len(sampler) == 3 and "rank=3" in repr(sampler) and "num_replicas=4" in repr(sampler)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(num_replicas=2, rank=2), ValueError, "invalid rank 2, rank should be in the interval [0, 1]"),
        (dict(num_replicas=2, rank=-1), ValueError, "invalid rank -1"),
        (dict(num_replicas=0, rank=0), ValueError, "num_replicas must be a positive int, got 0"),
        (dict(num_replicas=2, rank=0, seed=1.5), TypeError, "seed must be an int, got 1.5"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, words):
    with pytest.raises(error) as info:
        DistributedSampler(Numbers(4), **kwargs)
    assert words in str(info.value)


def test_without_a_process_group_num_replicas_and_rank_are_needed():
    assert not tg.distributed.is_initialized()
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(Numbers(4))
