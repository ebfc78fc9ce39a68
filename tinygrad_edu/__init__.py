"""tinygrad_edu: a from-scratch reverse-mode autodiff framework with PyTorch's API, for learning.

import tinygrad_edu as tg
w = tg.randn(3, requires_grad=True)
loss = ((w * 2 - 1) ** 2).sum()
loss.backward()          # w.grad now holds d loss / d w
"""

from .tensor import Tensor  # first: see the end of tensor.py (Tensor and the ops import each other)

# isort: split
from . import autograd, data, distributed, dtypes, nn, optim, train, utils, viz
from . import backend as _backend
from .autograd import Function, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .backend import device, get_default_device, set_default_device
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .factories import (
    Generator,
    arange,
    contiguous_format,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    histogram,
    linspace,
    manual_seed,
    multinomial,
    ones,
    ones_like,
    preserve_format,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .functions import *  # noqa: F403  (tg.exp, tg.sum, tg.cat, ... : see functions.py)
from .functions import where
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .jit.compiled import compile
from .serialization import load, save

__version__ = "0.1.0"


class cuda:
    """``tg.cuda.is_available()``: whether a GPU backend can be used."""

    @staticmethod
    def is_available():
        """True when CuPy imports and sees a GPU."""
        return _backend.is_cuda_available()


class accelerator:
    """PyTorch 2.6+'s device-neutral queries."""

    @staticmethod
    def is_available():
        """True when a GPU is usable."""
        return _backend.is_cuda_available()

    @staticmethod
    def current_accelerator():
        """``device("cuda")`` when a GPU is usable, else None."""
        return device("cuda") if _backend.is_cuda_available() else None
