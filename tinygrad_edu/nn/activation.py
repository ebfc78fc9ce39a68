"""Activation functions as modules (``nn.ReLU()``), so they can sit inside ``nn.Sequential``.

Each one only stores its settings and calls the function of the same name in ``nn.functional``.
``inplace=True`` is accepted for PyTorch compatibility; the result is always a new tensor.
"""

import warnings

from . import functional as F
from .module import Module


def _implicit_dim(module, input):
    """PyTorch's legacy choice for ``dim=None``: dim 0 for 0-, 1- and 3-D inputs, else 1 (with a warning)."""
    if module.dim is not None:
        return module.dim
    warnings.warn(
        f"{type(module).__name__}: implicit dimension choice is deprecated; pass dim= explicitly",
        UserWarning,
        stacklevel=3,
    )
    return 0 if input.ndim in (0, 1, 3) else 1


class ReLU(Module):
    """The rectifier max(0, x), elementwise, as a module (``F.relu``)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        """Max(0, input), elementwise."""
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x ≥ 0, negative_slope · x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        """The leaky ReLU of ``input``."""
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + e^(−x))."""

    def forward(self, input):
        """The logistic sigmoid of ``input``."""
        return F.sigmoid(input)


class Tanh(Module):
    """The hyperbolic tangent."""

    def forward(self, input):
        """Tanh of ``input``."""
        return F.tanh(input)


class ELU(Module):
    """x for x > 0, alpha · (e^x − 1) otherwise (Clevert et al. 2015)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        """The ELU of ``input``."""
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x · Φ(x), Φ the standard normal CDF (Hendrycks & Gimpel 2016); ``approximate="tanh"``: tanh form."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        """The GELU of ``input``."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """(1/β) · log(1 + e^(βx)), and x itself where βx > threshold (for stability)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        """The softplus of ``input``."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """e^(x_i) / Σ_j e^(x_j) along ``dim``: the entries along it are positive and sum to 1."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """The softmax of ``input`` along ``dim``."""
        return F.softmax(input, _implicit_dim(self, input))

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax(x) along ``dim``, computed stably as x − logsumexp(x)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """The log-softmax of ``input`` along ``dim``."""
        return F.log_softmax(input, _implicit_dim(self, input))

    def extra_repr(self):
        return f"dim={self.dim}"
