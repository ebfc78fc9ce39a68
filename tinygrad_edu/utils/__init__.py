"""``tg.utils``: PyTorch's ``torch.utils`` path for what lives elsewhere here.

``tg.utils.data`` *is* ``tg.data`` (the same module object), so PyTorch's imports work unchanged:

>>> from tinygrad_edu.utils.data import DataLoader, TensorDataset
"""

import sys

from .. import data

sys.modules[f"{__name__}.data"] = data  # `import tinygrad_edu.utils.data` finds the same module

__all__ = ["data"]
