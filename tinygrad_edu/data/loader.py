"""``DataLoader``: walk a dataset in (shuffled) batches — batch, stochastic or mini-batch descent.

``batch_size=len(dataset)`` gives one batch per epoch (batch gradient descent), ``batch_size=1``
one sample per step (stochastic gradient descent), anything between mini-batches.

Where the indices come from: ``shuffle`` (a fresh permutation each epoch), a ``sampler`` (any
iterable of indices) or a ``batch_sampler`` (lists of indices). How a batch is made from them:
``collate_fn(list of dataset[i])``, ``default_collate`` unless given — except that a
``TensorDataset`` with the default collate takes its rows with one fancy-index per tensor.
Who makes it: this process (``num_workers=0``) or worker processes (``workers.py``).
"""

import math
import numbers

from .. import backend as backends
from ..tensor import Tensor
from .collate import default_collate
from .dataset import TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .workers import WorkerPool


class DataLoader:
    """Iterate over ``dataset`` in batches; each batch is a tuple of stacked Tensors, one per field.

    >>> loader = tg.data.DataLoader(tg.data.TensorDataset(x, y), batch_size=32, shuffle=True)
    >>> for xb, yb in loader:        # a new order every epoch
    ...     loss = loss_fn(model(xb), yb)

    Arguments as in ``torch.utils.data.DataLoader``:

    - ``shuffle``: draws a permutation each epoch from ``generator`` (a random generator of the
      array library, e.g. ``np.random.default_rng(0)``, an int seed, or a ``tg.Generator``), else from
      a private one seeded with ``seed`` (beyond PyTorch), else from the library's stream, so
      ``tg.manual_seed`` makes it reproducible;
    - ``sampler`` (instead of ``shuffle``): any iterable of indices with a length;
      ``batch_sampler`` (instead of ``batch_size``, ``shuffle``, ``sampler``, ``drop_last``): lists
      of indices;
    - ``collate_fn``: makes a batch from a list of samples (``default_collate``: stacks Tensors,
      numbers, tuples and dicts of them);
    - ``num_workers > 0``: the batches are made in that many worker processes (started each epoch,
      ``multiprocessing_context`` "fork" — the default on Linux — "spawn" or "forkserver"; under
      "spawn" the dataset and ``collate_fn`` must be picklable) and yielded in order, the same batches
      as with ``num_workers=0``. An exception in a worker is raised here, naming the batch;
      ``timeout`` (seconds, 0: no limit) bounds the wait for one batch;
    - ``pin_memory``: accepted (page-locked host memory only matters for CUDA copies; ignored);
    - ``device`` (beyond PyTorch): move every batch there.
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=False,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        seed=None,
        device=None,
    ):
        _check_int(batch_size, "batch_size", batch_size is None and batch_sampler is not None)
        _check_int(num_workers, "num_workers", True, minimum=0)
        if len(dataset) == 0:
            raise ValueError(f"DataLoader: dataset is empty (len(dataset) = {len(dataset)})")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError(
                "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler "
                "and drop_last"
            )
        if num_workers == 0 and (prefetch_factor is not None or persistent_workers):
            raise ValueError("DataLoader: prefetch_factor and persistent_workers need num_workers > 0")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout must be >= 0, got {timeout!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be a function, got {type(collate_fn).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_sampler is not None else int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.num_workers = int(num_workers)
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.pin_memory = pin_memory  # accepted, no effect (see the docstring)
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers  # accepted; workers are started each epoch
        self.generator = generator
        self.device = None if device is None else backends.device(device)
        self._fetcher = _Fetcher(
            dataset, self.collate_fn, fast=isinstance(dataset, TensorDataset) and collate_fn is None
        )
        self._xp = self._index_backend()
        self._rng = generator
        if generator is None and seed is not None:
            self._rng = self._xp.module.random.default_rng(seed)
        # the built-in order (shuffle or not) is drawn as one array of indices, on the data's device
        self._builtin_order = sampler is None and batch_sampler is None
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None:
            batch_sampler = BatchSampler(sampler, self.batch_size, drop_last)
        self.batch_sampler = batch_sampler

    def _index_backend(self):
        """The array library the batch indices live in: the dataset tensors' own."""
        if isinstance(self.dataset, TensorDataset):
            return self.dataset.tensors[0]._backend()
        return backends.get_backend("cpu")  # Python indices for __getitem__

    def __len__(self):
        """The number of batches per epoch."""
        if not self._builtin_order:
            return len(self.batch_sampler)
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

    def _batch_indices(self):
        """The indices of each batch of one epoch (arrays for the built-in order, else lists)."""
        if not self._builtin_order:
            yield from self.batch_sampler
            return
        if self.shuffle and self._rng is not None and not hasattr(self._rng, "random"):
            order = list(self.sampler)  # a tg.Generator or an int seed: through the sampler
        else:
            order = self._order()
        for start in range(0, len(self.dataset), self.batch_size):
            index = order[start : start + self.batch_size]
            if self.drop_last and len(index) < self.batch_size:
                return
            yield index

    def __iter__(self):
        """Yield the batches of one epoch."""
        batches = self._batch_indices()
        if self.num_workers > 0:
            batches = WorkerPool(self).run(batches)
        else:
            batches = (self._fetcher(index) for index in batches)
        for batch in batches:
            yield batch if self.device is None else _to(batch, self.device)

    def __repr__(self):
        return (
            f"DataLoader(batches={len(self)}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, num_workers={self.num_workers})"
        )


class _Fetcher:
    """Makes the batch of the samples at some indices — in this process or in a worker (picklable)."""

    def __init__(self, dataset, collate_fn, fast):
        self.dataset, self.collate_fn, self.fast = dataset, collate_fn, fast

    def __call__(self, index):
        """The batch of ``index`` (a list of ints, or an array of the dataset's library)."""
        if self.fast:  # a TensorDataset and the default collate: one fancy-index per tensor, no loop
            rows = self.dataset.tensors[0]._backend().asarray(index, dtype="int64")
            return tuple(_rows(t, rows) for t in self.dataset.tensors)
        if not isinstance(index, list):
            index = backends.backend_of(index).to_numpy(index).tolist()
        return self.collate_fn([self.dataset[int(i)] for i in index])


def _check_int(value, name, allowed_none, minimum=1):
    if allowed_none and value is None:
        return
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        what = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"DataLoader: {name} must be {what}, got {value!r}")


def _rows(tensor, index):
    """``tensor[index]``; without a graph to record, straight on the array (saves the op's overhead)."""
    if tensor.requires_grad:
        return tensor[Tensor._make(index)]  # e.g. learnable inputs: keep the gradient path
    return Tensor._make(tensor.data[index])


def _to(batch, device):
    """A batch (Tensors inside tuples, lists and dicts) moved to ``device``."""
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {key: _to(value, device) for key, value in batch.items()}
    if isinstance(batch, (tuple, list)):
        moved = [_to(value, device) for value in batch]
        return type(batch)(*moved) if hasattr(batch, "_fields") else type(batch)(moved)
    return batch
