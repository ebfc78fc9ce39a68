"""Weight initialisation, with PyTorch's names, formulas and gains: ``nn.init.kaiming_uniform_(w)``.

Each function fills a tensor in place (under ``no_grad``, so it works on parameters) with samples
from the tensor's backend random generator — ``tg.manual_seed`` makes it reproducible — and returns
the tensor. Why the scales: a layer's output variance is fan_in · Var(w) · Var(x), so choosing
Var(w) ∝ 1/fan keeps activations (and gradients) from growing or vanishing layer after layer.
"""

import math

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


def calculate_gain(nonlinearity, param=None):
    """The factor by which ``nonlinearity`` shrinks the std of its input (PyTorch's table).

    linear, conv, sigmoid: 1;  tanh: 5/3;  relu: √2;  leaky_relu(a): √(2 / (1 + a²));  selu: 3/4.
    """
    linear_like = (
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    )
    if nonlinearity in linear_like or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4  # the value PyTorch chose to keep self-normalising networks stable
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: (in, out) features times the kernel size for convolutions.

    Linear weight (out, in): fan_in = in, fan_out = out.  Conv2d weight (out, in, kh, kw):
    fan_in = in·kh·kw, fan_out = out·kh·kw.
    """
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tensor.shape})"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode):
    """Fan_in or fan_out, as ``mode`` asks."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples from U(a, b) (from ``generator``, a ``tg.Generator``, when given)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples from N(mean, std²) (from ``generator``, a ``tg.Generator``, when given)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    """Fill with the value ``val``."""
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def xavier_uniform_(tensor, gain=1.0):
    """Glorot & Bengio (2010): U(−a, a) with a = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(−a, a) has std a/√3
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """Glorot & Bengio (2010): N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He et al. (2015): U(−b, b) with b = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a)."""
    if 0 in tensor.shape:
        return tensor  # nothing to fill (PyTorch warns and does the same)
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He et al. (2015): N(0, std²) with std = gain / √fan, gain = calculate_gain(nonlinearity, a)."""
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """N(mean, std²) restricted to [a, b]: samples outside are drawn again until all fit."""
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    with no_grad():
        tensor.normal_(mean, std)
        outside = (tensor < a) | (tensor > b)
        while outside.any().item():  # each round keeps the fraction inside: terminates fast
            fresh = tensor.detach().clone().normal_(mean, std)
            tensor[outside] = fresh[outside]
            outside = (tensor < a) | (tensor > b)
    return tensor


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (keeps the input of a linear layer)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {tensor.shape}")
    xp = tensor._backend()
    with no_grad():
        return tensor.copy_(Tensor._make(xp.eye(*tensor.shape, dtype=tensor.dtype)))
