"""``DataLoader``: walk a dataset in (shuffled) batches — batch, stochastic or mini-batch descent.

``batch_size=len(dataset)`` gives one batch per epoch (batch gradient descent), ``batch_size=1``
one sample per step (stochastic gradient descent), anything between mini-batches.
"""

import math
import numbers

from .. import backend as backends
from ..functions import stack
from ..tensor import Tensor
from .dataset import TensorDataset


class DataLoader:
    """Iterate over ``dataset`` in batches; each batch is a tuple of stacked Tensors, one per field.

    >>> loader = tg.data.DataLoader(tg.data.TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
    >>> for xb, yb in loader:        # a new order every epoch
    ...     loss = loss_fn(model(xb), yb)

    Shuffling draws a permutation from ``generator`` (a random generator of the array library, e.g.
    ``np.random.default_rng(0)`` on the CPU), else from a private one seeded with ``seed``, else from
    the library's own stream, so ``tg.manual_seed`` makes it reproducible.
    """

    def __init__(
        self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, seed=None, device=None
    ):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if len(dataset) == 0:
            raise ValueError(f"DataLoader: dataset is empty (len(dataset) = {len(dataset)})")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.device = None if device is None else backends.device(device)
        self._fast = isinstance(dataset, TensorDataset)  # rows of tensors: slice them directly
        self._xp = self._index_backend()
        self._rng = generator
        if generator is None and seed is not None:
            self._rng = self._xp.module.random.default_rng(seed)

    def _index_backend(self):
        """The array library the batch indices live in: the dataset tensors' own."""
        if self._fast:
            return self.dataset.tensors[0]._backend()
        return backends.get_backend("cpu")  # Python indices for __getitem__

    def __len__(self):
        """The number of batches per epoch."""
        n, b = len(self.dataset), self.batch_size
        return n // b if self.drop_last else math.ceil(n / b)

    def _order(self):
        """The sample order of one epoch: 0..n−1, or a fresh random permutation."""
        xp, n = self._xp, len(self.dataset)
        if not self.shuffle:
            return xp.arange(n)
        keys = (self._rng or xp.rng).random(n)  # argsort of uniform keys: a uniform permutation
        if not isinstance(keys, xp.ndarray):  # a generator of another library: move its keys here
            keys = xp.from_numpy(backends.backend_of(keys).to_numpy(keys))
        return xp.argsort(keys)

    def __iter__(self):
        """Yield the batches of one epoch."""
        order = self._order()
        for start in range(0, len(self.dataset), self.batch_size):
            index = order[start : start + self.batch_size]
            if self.drop_last and len(index) < self.batch_size:
                return
            batch = self._take(index) if self._fast else self._collate(index)
            yield batch if self.device is None else _to(batch, self.device)

    def _take(self, index):
        """Rows ``index`` of every tensor of a TensorDataset: one fancy-index per tensor, no loop."""
        return tuple(_rows(t, index) for t in self.dataset.tensors)

    def _collate(self, index):
        """Stack the samples ``dataset[i]`` field by field (any Dataset)."""
        samples = [self.dataset[int(i)] for i in backends.get_backend("cpu").to_numpy(index)]
        if isinstance(samples[0], (tuple, list)):
            return tuple(stack([_as_tensor(s[k]) for s in samples]) for k in range(len(samples[0])))
        return stack([_as_tensor(s) for s in samples])

    def __repr__(self):
        return (
            f"DataLoader(batches={len(self)}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last})"
        )


def _rows(tensor, index):
    """``tensor[index]``; without a graph to record, straight on the array (saves the op's overhead)."""
    if tensor.requires_grad:
        return tensor[Tensor._make(index)]  # e.g. learnable inputs: keep the gradient path
    return Tensor._make(tensor.data[index])


def _as_tensor(value):
    """A sample field as a Tensor (numbers become 0-d tensors)."""
    return value if isinstance(value, Tensor) else Tensor(value)


def _to(batch, device):
    """A batch (a Tensor or a tuple of them) moved to ``device``."""
    if isinstance(batch, tuple):
        return tuple(t.to(device) for t in batch)
    return batch.to(device)
