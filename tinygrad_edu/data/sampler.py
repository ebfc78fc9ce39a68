"""Samplers: the order in which a ``DataLoader`` visits a dataset, as in ``torch.utils.data``.

A sampler is any iterable of dataset indices with a ``__len__``; a batch sampler yields lists of
indices, one list per batch. ``DataLoader(shuffle=True)`` is ``RandomSampler`` under the hood, and
``shuffle=False`` is ``SequentialSampler``; pass ``sampler=`` for any other order.
"""

import numbers

from .. import backend as backends


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and usually ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        """The indices, in the order to visit them."""
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")  # abstract


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) − 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        """The indices in order."""
        return iter(range(len(self.data_source)))

    def __len__(self):
        """The number of indices."""
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation every epoch (or, with ``replacement``, ``num_samples`` uniform draws).

    >>> sampler = tg.data.RandomSampler(dataset, generator=np.random.default_rng(0))
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be a bool, got {replacement!r}")
        if num_samples is not None and (not _is_int(num_samples) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples must be a positive int, got {num_samples!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = _as_generator(generator)

    @property
    def num_samples(self):
        """How many indices one epoch yields (the dataset's size unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        """The indices of one epoch."""
        n = len(self.data_source)
        if self.replacement:  # ⌊n · u⌋ for uniform u: uniform integers in 0..n−1
            draws = uniform(self.generator, self.num_samples) * n
            return iter(int(k) for k in draws.astype("int64").tolist())
        rounds = -(-self.num_samples // n)  # more samples than n: several permutations in a row
        order = [i for _ in range(rounds) for i in permutation(self.generator, n)]
        return iter(order[: self.num_samples])

    def __len__(self):
        """The number of indices per epoch."""
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices``, in a fresh random order every epoch (e.g. a validation split)."""

    def __init__(self, indices, generator=None):
        self.indices = list(indices)
        self.generator = _as_generator(generator)

    def __iter__(self):
        """The indices, shuffled."""
        return iter([self.indices[k] for k in permutation(self.generator, len(self.indices))])

    def __len__(self):
        """The number of indices."""
        return len(self.indices)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last may be short, or dropped).

    >>> list(tg.data.BatchSampler(range(5), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size must be a positive int, got {batch_size!r}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"BatchSampler: drop_last must be a bool, got {drop_last!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        """Lists of indices, one per batch."""
        batch = []
        for index in self.sampler:
            batch.append(int(index))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        """The number of batches."""
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---- random numbers from a generator ---------------------------------------------------------------------


def uniform(generator, n):
    """``n`` uniform numbers in [0, 1) on the host, from ``generator``.

    ``generator`` may be None (the library's stream: ``tg.manual_seed`` makes it repeatable), an int
    (a seed), a random generator of an array library (``numpy.random.default_rng(0)``: anything with
    a ``.random(n)`` method), or a ``tg.Generator`` (anything with ``manual_seed``, used through
    ``tg.rand(n, generator=...)``).
    """
    host = backends.get_backend("cpu")
    if generator is None:
        return host.rng.random(n)
    if _is_int(generator):
        return host.module.random.default_rng(generator).random(n)
    if hasattr(generator, "random"):
        keys = generator.random(n)
        return keys if isinstance(keys, host.ndarray) else backends.backend_of(keys).to_numpy(keys)
    if hasattr(generator, "manual_seed"):  # a tg.Generator: through the library's own rand
        from ..factories import rand

        return rand(n, generator=generator, device="cpu").numpy()
    raise TypeError(
        "expected a generator with a .random(n) method, a tg.Generator, an int seed or None; got "
        f"{type(generator).__name__}"
    )


def permutation(generator, n):
    """A uniformly random order of 0..n−1 (argsort of uniform keys), as a list of ints."""
    return backends.get_backend("cpu").argsort(uniform(generator, n)).tolist()


def _as_generator(generator):
    """An int seed becomes a generator once, so that every epoch draws a new order from it."""
    return (
        backends.get_backend("cpu").module.random.default_rng(generator) if _is_int(generator) else generator
    )


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
