"""``Dataset`` and ``TensorDataset``: indexable collections of samples, as in ``torch.utils.data``."""

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
