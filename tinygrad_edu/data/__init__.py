"""``tg.data``: datasets and batching (``torch.utils.data``'s names) plus the course's data sets.

>>> loader = tg.data.DataLoader(tg.data.TensorDataset(x, y), batch_size=32, shuffle=True)
>>> x, y = tg.data.datasets.moons(200, seed=0)
"""

from . import datasets
from .dataset import Dataset, TensorDataset
from .distributed import DistributedSampler
from .loader import DataLoader

__all__ = ["DataLoader", "Dataset", "DistributedSampler", "TensorDataset", "datasets"]
