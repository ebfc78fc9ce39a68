"""``tg.data``: datasets and batching (``torch.utils.data``'s names) plus the course's data sets.

Also importable as ``tinygrad_edu.utils.data`` (the same module), as in PyTorch.

>>> loader = tg.data.DataLoader(tg.data.TensorDataset(x, y), batch_size=32, shuffle=True)
>>> train, val = tg.data.random_split(tg.data.TensorDataset(x, y), [0.8, 0.2])
>>> x, y = tg.data.datasets.moons(200, seed=0)
"""

from . import datasets
from .collate import default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler
from .loader import DataLoader
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler

__all__ = [
    "BatchSampler",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "datasets",
    "default_collate",
    "random_split",
]
