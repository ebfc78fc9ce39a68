"""``Dataset`` and ``TensorDataset``: indexable collections of samples, as in ``torch.utils.data``."""

import math

from ..tensor import Tensor


class Dataset:
    """A collection of samples: subclasses define ``__getitem__(i)`` (one sample) and ``__len__``.

    >>> class Squares(tg.data.Dataset):
    ...     def __len__(self):
    ...         return 10
    ...     def __getitem__(self, i):
    ...         return tg.tensor([float(i)]), tg.tensor([float(i * i)])
    """

    def __getitem__(self, index):
        """The sample at ``index`` (a tuple of fields, e.g. ``(x, y)``)."""
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")  # abstract

    def __len__(self):
        """The number of samples."""
        raise NotImplementedError(f"{type(self).__name__} must define __len__")  # abstract


class TensorDataset(Dataset):
    """Samples made of rows of tensors that share their first dimension.

    >>> ds = tg.data.TensorDataset(x, y)    # x: (n, features), y: (n,)
    >>> ds[0]                               # (x[0], y[0])
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {i} must be a Tensor, got {type(t).__name__}")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is a 0-d tensor; samples are its rows")
        sizes = [t.shape[0] for t in tensors]
        if any(n != sizes[0] for n in sizes):
            bad = next(i for i, n in enumerate(sizes) if n != sizes[0])
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: argument {bad} has {sizes[bad]} rows, "
                f"argument 0 has {sizes[0]} (first dimensions: {sizes})"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        """The ``index``-th row of every tensor, as a tuple."""
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        """The number of rows."""
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, [0, 2])[1]`` is ``ds[2]``.

    >>> train = tg.data.Subset(dataset, range(0, 800))
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        """The sample ``dataset[indices[index]]`` (a list of indices gives a list of samples)."""
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        """The number of indices."""
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` at random into non-overlapping ``Subset``s of the given ``lengths``.

    ``lengths`` are counts that add up to ``len(dataset)``, or fractions that add up to 1: then each
    split gets ⌊fraction · n⌋ samples and the samples left over go one each to the splits in turn
    (round robin from the first), as PyTorch does.

    >>> train, val = tg.data.random_split(dataset, [0.8, 0.2], generator=np.random.default_rng(0))

    ``generator``: None (the library's stream: ``tg.manual_seed``), an int seed, a NumPy-style
    generator (``.random(n)``) or a ``tg.Generator`` (see ``sampler.uniform``).
    """
    from .sampler import permutation  # the one helper for random orders

    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:  # fractions
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1: {fraction!r}")
        counts = [int(fraction * n) for fraction in lengths]  # floor
        for i in range(n - sum(counts)):  # the remainder, round robin
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(k, int) or isinstance(k, bool) or k < 0 for k in lengths):
        raise ValueError(
            f"random_split: lengths must be non-negative counts, or fractions that sum to 1; got {lengths}"
        )
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of the input "
            f"dataset ({n})"
        )
    order = permutation(generator, n)
    splits, start = [], 0
    for length in lengths:
        splits.append(Subset(dataset, order[start : start + length]))
        start += length
    return splits
