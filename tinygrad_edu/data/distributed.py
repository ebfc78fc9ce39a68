"""``DistributedSampler``: give each of N ranks its own share of a dataset, as ``torch.utils.data``'s.

Every rank draws the *same* permutation of the dataset (from ``seed + epoch``, so no communication is
needed), pads it to a multiple of N by repeating its start (or, with ``drop_last``, cuts it), and keeps
every N-th index starting at its rank::

    permutation  7 2 9 0 4 1 8 3 6 5 | 7 2      (10 samples, 4 ranks: padded to 12)
    rank 0       7 . . . 4 . . . 6 . | . .   →  [7, 4, 6]
    rank 1       . 2 . . . 1 . . . 5 | . .   →  [2, 1, 5]
    rank 2       . . 9 . . . 8 . . . | 7 .   →  [9, 8, 7]
    rank 3       . . . 0 . . . 3 . . | . 2   →  [0, 3, 2]

So the i-th batches of B indices of the N ranks together are the i-th batch of N·B indices of the
permutation: N ranks with batches of B see exactly what one process with batches of N·B sees.
Call ``set_epoch(epoch)`` at the start of every epoch, or every epoch has the same order.
"""

import math
import numbers

from .. import backend as backends

__all__ = ["DistributedSampler"]


class DistributedSampler:
    """The indices of ``dataset`` that this rank takes, one epoch at a time (iterate over it).

    >>> sampler = tg.data.DistributedSampler(dataset)             # ranks from tg.distributed
    >>> loader = tg.data.DataLoader(dataset, batch_size=32, sampler=sampler)
    >>> for epoch in range(epochs):
    ...     sampler.set_epoch(epoch)                              # a new shuffle each epoch
    ...     for x, y in loader: ...
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from .. import distributed as dist

            if not dist.is_initialized():
                raise RuntimeError(
                    "DistributedSampler: pass num_replicas and rank, or call "
                    "tg.distributed.init_process_group() first"
                )
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not _is_int(num_replicas) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive int, got {num_replicas!r}")
        if not _is_int(rank) or not 0 <= rank < num_replicas:
            raise ValueError(
                f"DistributedSampler: invalid rank {rank!r}, rank should be in the interval "
                f"[0, {num_replicas - 1}]"
            )
        if not _is_int(seed):
            raise TypeError(f"DistributedSampler: seed must be an int, got {seed!r}")
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.shuffle = shuffle
        self.seed = int(seed)
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % self.num_replicas != 0:
            self.num_samples = n // self.num_replicas  # drop the tail so every rank has as many
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        """Use the permutation of ``epoch`` (seeded with ``seed + epoch``, the same on every rank)."""
        self.epoch = int(epoch)

    def _permutation(self):
        """All indices of the dataset, in this epoch's order (the same on every rank)."""
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        cpu = backends.get_backend("cpu")
        rng = cpu.module.random.default_rng(self.seed + self.epoch)
        return rng.permutation(n).tolist()

    def __iter__(self):
        """This rank's indices: every ``num_replicas``-th of the padded (or cut) permutation."""
        indices = self._permutation()
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            padding = self.total_size - len(indices)
            if padding > 0:  # repeat the start (several times over for a tiny dataset)
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        mine = indices[self.rank : self.total_size : self.num_replicas]
        assert len(mine) == self.num_samples
        return iter(mine)

    def __len__(self):
        """The number of indices this rank takes per epoch (the same on every rank)."""
        return self.num_samples

    def __repr__(self):
        return (
            f"DistributedSampler(rank={self.rank}, num_replicas={self.num_replicas}, "
            f"num_samples={self.num_samples}, shuffle={self.shuffle}, seed={self.seed}, "
            f"drop_last={self.drop_last})"
        )


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
