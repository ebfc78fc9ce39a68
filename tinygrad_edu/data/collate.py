"""``default_collate``: turn a list of samples into one batch, as ``torch.utils.data.default_collate``.

The batch keeps the structure of a sample and stacks what is inside it along a new first dim:

| each sample is | the batch is |
|---|---|
| a Tensor of shape S | a Tensor of shape (B, *S) |
| an array (NumPy or CuPy) | a Tensor, stacked (its dtype kept) |
| an int / a float / a bool | a 1-D int64 / float64 / bool Tensor (Python floats are doubles, as in PyTorch) |
| a str (or bytes) | a list of them, unchanged |
| a dict | a dict of batches, key by key |
| a tuple / list / namedtuple | the same kind of sequence of batches, field by field |
"""

import collections.abc
import numbers

from .. import dtypes
from ..functions import stack
from ..tensor import Tensor


def default_collate(batch):
    """Stack a list of samples into a batch, recursively through dicts and sequences (table above)."""
    if not isinstance(batch, (list, tuple)) or not batch:
        raise TypeError(f"default_collate: expected a non-empty list of samples, got {batch!r:.80}")
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, bool):
        return Tensor(list(batch), dtype=dtypes.bool)
    if isinstance(first, numbers.Integral):
        return Tensor([int(x) for x in batch], dtype=dtypes.int64)
    if isinstance(first, numbers.Real):
        return Tensor([float(x) for x in batch], dtype=dtypes.float64)
    if hasattr(first, "shape") and hasattr(first, "dtype"):  # an array of NumPy or CuPy
        return stack([Tensor(x) for x in batch])
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, collections.abc.Sequence):
        size = len(first)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(
                "default_collate: each sample in the batch must have the same number of fields"
            )
        fields = [default_collate([sample[k] for sample in batch]) for k in range(size)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(
        "default_collate: batch must contain Tensors, arrays, numbers, strings, dicts or sequences; "
        f"found {type(first).__name__}"
    )
