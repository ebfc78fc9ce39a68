"""``tg.nn.functional`` (``F``): stateless neural-network functions, with PyTorch's names and signatures.

>>> import tinygrad_edu.nn.functional as F
>>> logits = tg.randn(4, 3, requires_grad=True)
>>> F.cross_entropy(logits, tg.tensor([0, 2, 1, 2])).backward()

Most are compositions of Tensor ops, so they are differentiable to any order for free. Where speed
or numerical stability asks for one, a function checks and prepares its arguments here and calls one
op, whose forward and backward sit side by side in ``ops/``: ``linear`` (``Affine``, ``ops/linalg.py``),
``layer_norm`` (``ops/norm.py``), convolution and pooling (``ops/conv.py``, im2col), ``cross_entropy``
and ``binary_cross_entropy`` (``ops/loss.py``). ``tinygrad_edu.ops.INDEX`` lists which op each reaches.

Where PyTorch's losses still have the deprecated ``size_average`` / ``reduce`` positional slots,
the arguments after them (``reduction``, ``ignore_index``, ...) are keyword-only here: a call that
works here means the same in PyTorch.
"""

import numbers

from ..arguments import _dim, _few
from ..dtypes import _floating
from ..factories import arange
from ..ops.conv import AvgPooling, Col2im, Convolution, Im2col, MaxPooling, Window, im2col, pair
from ..ops.elementwise import Dropout
from ..ops.linalg import Affine
from ..ops.loss import BinaryCrossEntropy, ClassCoefficients, CountedWeight, CrossEntropy, check_class_range
from ..ops.movement import Pad
from ..ops.norm import LayerNormalization
from ..ops.reduce import LogSoftmaxOp, SoftmaxOp
from ..tensor import Tensor, _promoted, _same_float_dtype, where

# ======================================================================================================
# activations (the Tensor methods, in PyTorch's functional spelling)
# ======================================================================================================
# PyTorch's ``inplace=True`` is accepted for compatibility; the result is always a new tensor.


def relu(input, inplace=False):
    """The rectifier max(x, 0), elementwise; derivative 1 where x > 0, else 0."""
    return input.relu()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope · x."""
    return input.leaky_relu(negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha · (eˣ − 1)  (Clevert et al. 2015)."""
    return input.elu(alpha)


def gelu(input, approximate="none"):
    """x · Φ(x); ``approximate="tanh"`` uses the tanh formula (Hendrycks & Gimpel 2016)."""
    return input.gelu(approximate=approximate)


def silu(input, inplace=False):
    """x · sigmoid(x) (also called swish)."""
    return input * input.sigmoid()


def sigmoid(input):
    """1 / (1 + e⁻ˣ), computed without overflow."""
    return input.sigmoid()


def logsigmoid(input):
    """log sigmoid(x) = −softplus(−x), exact for large |x|."""
    return -(-input).softplus(1.0, float("inf"))


def tanh(input):
    """The hyperbolic tangent."""
    return input.tanh()


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^{βx}) / β, linear where βx > threshold."""
    return input.softplus(beta, threshold)


def softmax(input, dim, dtype=None):
    """e^x / Σ e^x along ``dim`` (stable for large logits); ``dtype`` casts first. One op:
    ``SoftmaxOp`` in ops/reduce.py."""
    x = _floating(input if dtype is None else input.to(dtype))
    return SoftmaxOp.apply(x, _dim(dim, x.ndim, "softmax"))


def log_softmax(input, dim, dtype=None):
    """x − logsumexp(x) along ``dim`` (stable for large logits); ``dtype`` casts first. One op:
    ``LogSoftmaxOp`` in ops/reduce.py."""
    x = _floating(input if dtype is None else input.to(dtype))
    return LogSoftmaxOp.apply(x, _dim(dim, x.ndim, "log_softmax"))


def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Inverted dropout (Srivastava et al. 2014): zero each element with probability ``p`` and scale
    the rest by 1/(1 − p), so the expected value is unchanged; the identity when not ``training``.

    The mask comes from ``generator`` (a ``tg.Generator``) when given, else from the input's backend
    stream (``tg.manual_seed`` makes it repeatable). The op, mask and derivative: ``ops/elementwise.py``.
    """
    if not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p!r}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    return Dropout.apply(input, p, generator)


def one_hot(tensor, num_classes=-1):
    """Class indices (any shape) as one-hot rows: shape + (num_classes,), dtype int64."""
    _require_tensor(tensor, "one_hot", "tensor")
    if tensor.dtype.kind not in "iu":
        raise ValueError(f"one_hot: expected an integer tensor of class indices, got {tensor.dtype}")
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1 if tensor.numel() else 0
    if tensor.numel() and (bool((tensor < 0).any()) or bool((tensor >= num_classes).any())):
        raise ValueError(f"one_hot: class values must be in [0, {num_classes}), got {_few(tensor)}")
    return (tensor.unsqueeze(-1) == arange(num_classes, device=tensor.device)).long()


# ======================================================================================================
# padding and linear
# ======================================================================================================


def pad(input, pad, mode="constant", value=None):
    """Pad ``input`` with PyTorch's pad tuple: (left, right) of the last dim, then (top, bottom) of
    the one before, and so on. ``mode``: "constant" (``value``, 0 by default; negative pads crop),
    "reflect" (mirror without the edge), "replicate" (repeat the edge) or "circular" (wrap around).

    >>> F.pad(tg.ones(2, 2), (1, 0, 0, 2)).shape     # one column on the left, two rows at the bottom
    (4, 3)
    """
    _require_tensor(input, "pad", "input")
    widths = _pad_widths(input, pad)
    if mode == "constant":
        cropped = _crop_negative(input, widths, pad)
        positive = tuple((max(a, 0), max(b, 0)) for a, b in widths)
        return Pad.apply(cropped, positive, 0 if value is None else value)
    if mode not in _INDEX_PADDERS:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if value not in (None, 0):
        raise ValueError(f"pad: mode {mode!r} does not take a value (got {value!r})")
    out = input
    for dim, (before, after) in enumerate(widths):
        if before or after:
            out = out[(slice(None),) * dim + (_INDEX_PADDERS[mode](input.shape[dim], before, after, pad),)]
    return out


def _pad_widths(input, pad):
    """PyTorch's flat pad tuple as one (before, after) pair per dim of ``input``."""
    if not isinstance(pad, (tuple, list)) or not all(
        isinstance(w, numbers.Integral) and not isinstance(w, bool) for w in pad
    ):
        raise TypeError(f"pad: pad must be a tuple of ints, got {pad!r}")
    if len(pad) % 2:
        raise ValueError(f"pad: the pad tuple must have an even length, got {len(pad)}: {tuple(pad)}")
    if len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad: {tuple(pad)} pads {len(pad) // 2} dims, but the input has shape {input.shape}"
        )
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]  # last dim first
    return tuple([(0, 0)] * (input.ndim - len(pairs)) + pairs[::-1])


def _crop_negative(input, widths, pad):
    """Negative pads cut elements off (PyTorch's constant mode)."""
    if all(a >= 0 and b >= 0 for a, b in widths):
        return input
    index = []
    for n, (before, after) in zip(input.shape, widths):
        start, stop = -min(before, 0), n + min(after, 0)
        if stop - start + max(before, 0) + max(after, 0) < 0:
            raise ValueError(f"pad: {tuple(pad)} would give a negative size to a dim of size {n}")
        index.append(slice(start, max(stop, start)))
    return input[tuple(index)]


def _reflect(n, before, after, pad):
    if not (0 <= before < n and 0 <= after < n):
        raise ValueError(f"pad: reflect padding {tuple(pad)} must be non-negative and below the size {n}")
    return [-i if i < 0 else (2 * (n - 1) - i if i >= n else i) for i in range(-before, n + after)]


def _replicate(n, before, after, pad):
    if n == 0 or before < 0 or after < 0:
        raise ValueError(f"pad: replicate padding {tuple(pad)} needs a non-empty dim and non-negative pads")
    return [min(max(i, 0), n - 1) for i in range(-before, n + after)]


def _circular(n, before, after, pad):
    if before > n or after > n or before < 0 or after < 0:
        raise ValueError(f"pad: circular padding {tuple(pad)} must be non-negative and at most the size {n}")
    return [i % n for i in range(-before, n + after)]


_INDEX_PADDERS = {"reflect": _reflect, "replicate": _replicate, "circular": _circular}


def linear(input, weight, bias=None):
    """y = x Wᵀ + b, with W of shape (out_features, in_features) as in PyTorch: the op ``Affine``
    (``ops/linalg.py``, PyTorch's addmm, next to ``MatMul``); a 1-D input or weight uses matmul's rules."""
    _require_tensor(input, "linear", "input")
    _require_tensor(weight, "linear", "weight")
    if weight.ndim not in (1, 2) or input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: input of shape {input.shape} does not fit weight of shape {weight.shape} "
            "(weight is (out_features, in_features); the input's last dim must be in_features)"
        )
    _same_float_dtype(input, weight, "linear")
    if weight.ndim == 1 or input.ndim == 1:  # vector forms: matmul's rules
        out = input.matmul(weight.t())
        return out if bias is None else out + bias
    input, weight = _promoted(input, weight)
    if bias is not None and bias.dtype != input.dtype:
        bias = bias.to(input.dtype)
    return Affine.apply(input, weight, bias)


def embedding(input, weight, padding_idx=None, max_norm=None, *, _op="embedding"):
    """The rows of ``weight`` (num_embeddings, embedding_dim) that the integer ``input`` picks:
    ``weight[input]``, of shape input.shape + (embedding_dim,). Its gradient adds each output row's
    gradient into the row it came from (repeated indices accumulate); the row ``padding_idx`` gets
    none, as in PyTorch.
    """
    _require_tensor(input, _op, "input")
    _require_tensor(weight, _op, "weight")
    if max_norm is not None:
        raise NotImplementedError(f"{_op}: max_norm is not supported")
    if input.dtype.kind not in "iu":
        raise TypeError(f"{_op}: expected an integer tensor of indices (int64 or int32), got {input.dtype}")
    if weight.ndim != 2:
        raise ValueError(
            f"{_op}: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}"
        )
    rows = weight.shape[0]
    if input.numel():
        low, high = int(input.min().item()), int(input.max().item())
        if low < 0 or high >= rows:
            bad = high if high >= rows else low
            raise IndexError(
                f"{_op}: index {bad} is out of range for {rows} embeddings (num_embeddings={rows}; "
                f"indices must lie in [0, {rows - 1}])"
            )
    out = weight[input]
    if padding_idx is not None:
        padding_idx = _padding_index(padding_idx, rows, _op)
        if weight.requires_grad:  # the same values, but the padding row's copies carry no gradient
            keep = (input != padding_idx).unsqueeze(-1)
            out = where(keep, out, weight.detach()[input])
    return out


def _padding_index(padding_idx, rows, op):
    """``padding_idx`` as a row number in [0, rows) (negative counts from the end, as in PyTorch)."""
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{op}: padding_idx {padding_idx} must be within num_embeddings ({rows})")
    return padding_idx % rows


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims (Ba, Kiros & Hinton 2016):
    y = (x − μ) / √(σ² + ε) · γ + β, with μ and the biased σ² of each sample's last dims.

    One op, ``LayerNormalization`` (ops/norm.py), with its backward written out.
    """
    _require_tensor(input, "layer_norm", "input")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or input.shape[input.ndim - len(shape) :] != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"layer_norm: input of shape {input.shape} does not end in normalized_shape {shape} "
            "(it normalises over the last dims, which must have exactly these sizes)"
        )
    _check_float(input, "layer_norm", "input")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != shape:
            raise RuntimeError(
                f"layer_norm: {name} has shape {value.shape}, expected normalized_shape {shape}"
            )
    return LayerNormalization.apply(input, weight, bias, len(shape), eps)


# ======================================================================================================
# convolution and pooling (ops/conv.py)
# ======================================================================================================


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of (N, C, H, W) images with (O, C/groups, kh, kw) kernels,
    as one matrix product over im2col columns. ``padding`` may be an int, a pair, "valid" or "same".

    >>> F.conv2d(tg.randn(1, 3, 8, 8), tg.randn(4, 3, 3, 3), padding=1).shape
    (1, 4, 8, 8)
    """
    _require_tensor(input, "conv2d", "input")
    _require_tensor(weight, "conv2d", "weight")
    if weight.ndim != 4:
        raise ValueError(
            f"conv2d: weight must be 4-D (out_channels, in_channels/groups, kh, kw), got {weight.shape}"
        )
    x, unbatched = _batched(input, "conv2d")
    _check_float(x, "conv2d", "input")
    if weight.dtype != x.dtype or (bias is not None and bias.dtype != x.dtype):
        raise RuntimeError(
            f"conv2d: input ({x.dtype}), weight ({weight.dtype}) and bias "
            f"({None if bias is None else bias.dtype}) must have the same dtype"
        )
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    out_channels, in_per_group = weight.shape[:2]
    if x.shape[1] != in_per_group * groups or out_channels % groups:
        raise ValueError(
            f"conv2d: input of shape {input.shape} has {x.shape[1]} channels, but weight of shape "
            f"{weight.shape} with groups={groups} expects {in_per_group * groups} (and out_channels "
            "divisible by groups)"
        )
    if bias is not None:
        _require_tensor(bias, "conv2d", "bias")
        if bias.shape != (out_channels,):
            raise ValueError(f"conv2d: bias must have shape ({out_channels},), got {bias.shape}")
    kernel = weight.shape[2:]
    if isinstance(padding, str):
        x, padding = _string_padding(x, padding, kernel, stride, dilation)
    window = _window("conv2d", x, kernel, stride, padding, dilation)
    out = Convolution.apply(x, weight, bias, window, int(groups))
    return out.squeeze(0) if unbatched else out


def _string_padding(x, padding, kernel, stride, dilation):
    """ "valid" is no padding; "same" keeps H×W at stride 1 (the odd extra pixel goes bottom/right)."""
    if padding == "valid":
        return x, 0
    if padding != "same":
        raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    if pair(stride, "conv2d", "stride") != (1, 1):
        raise ValueError(f"conv2d: padding='same' needs stride 1, got stride={stride!r}")
    totals = [d * (k - 1) for d, k in zip(pair(dilation, "conv2d", "dilation"), kernel)]
    if all(t % 2 == 0 for t in totals):
        return x, tuple(t // 2 for t in totals)
    (top, left) = (totals[0] // 2, totals[1] // 2)
    return pad(x, (left, totals[1] - left, top, totals[0] - top)), 0


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each kernel_size window (padding counts as −∞); ``stride`` defaults to the
    kernel size. The gradient goes to the first maximum of each window, as in PyTorch."""
    _require_tensor(input, "max_pool2d", "input")
    if ceil_mode or return_indices:
        raise ValueError("max_pool2d: ceil_mode=True and return_indices=True are not supported")
    x, unbatched = _batched(input, "max_pool2d")
    _check_float(x, "max_pool2d", "input")
    window = _window(
        "max_pool2d", x, kernel_size, kernel_size if stride is None else stride, padding, dilation
    )
    _check_half_kernel("max_pool2d", window)
    out = MaxPooling.apply(x, window)
    return out.squeeze(0) if unbatched else out


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """The mean of each kernel_size window; ``stride`` defaults to the kernel size. With
    ``count_include_pad`` (the default) padded zeros count in the mean, as in PyTorch."""
    _require_tensor(input, "avg_pool2d", "input")
    if ceil_mode:
        raise ValueError("avg_pool2d: ceil_mode=True is not supported")
    x, unbatched = _batched(input, "avg_pool2d")
    _check_float(x, "avg_pool2d", "input")
    window = _window("avg_pool2d", x, kernel_size, kernel_size if stride is None else stride, padding, 1)
    _check_half_kernel("avg_pool2d", window)
    if divisor_override is not None:
        if not isinstance(divisor_override, numbers.Integral) or divisor_override < 1:
            raise ValueError(f"avg_pool2d: divisor_override must be a positive int, got {divisor_override!r}")
        divisor = int(divisor_override)
    elif count_include_pad:
        divisor = window.kernel[0] * window.kernel[1]
    else:  # the number of real (unpadded) pixels under each window
        xp = x._backend()
        ones = xp.ones((1, 1) + x.shape[2:], dtype=x.dtype)
        divisor = xp.sum(im2col(xp, ones, window), axis=(2, 3))
    out = AvgPooling.apply(x, window, divisor)
    return out.squeeze(0) if unbatched else out


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) → (N, C·kh·kw, L), one column per window position (L = OH·OW)."""
    _require_tensor(input, "unfold", "input")
    x, unbatched = _batched(input, "unfold")
    window = _window("unfold", x, kernel_size, stride, padding, dilation)
    cols = Im2col.apply(x, window)
    n, c, kh, kw, oh, ow = cols.shape
    out = cols.reshape(n, c * kh * kw, oh * ow)
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the adjoint of ``unfold``: (N, C·kh·kw, L) columns summed back into (N, C, H, W)."""
    _require_tensor(input, "fold", "input")
    unbatched = input.ndim == 2
    cols = input.unsqueeze(0) if unbatched else input
    if cols.ndim != 3:
        raise ValueError(f"fold: expected a 2-D or 3-D input (N, C·kh·kw, L), got shape {input.shape}")
    height, width = pair(output_size, "fold", "output_size")
    window = _make_window("fold", kernel_size, stride, padding, dilation)
    (kh, kw), (oh, ow) = window.kernel, window.output_size(height, width)
    n, rows, length = cols.shape
    if rows % (kh * kw) or length != oh * ow or oh < 1 or ow < 1:
        raise ValueError(
            f"fold: input of shape {input.shape} does not fit output_size {(height, width)} with "
            f"kernel {(kh, kw)}: expected (N, C·{kh * kw}, {oh * ow})"
        )
    channels = rows // (kh * kw)
    out = Col2im.apply(cols.reshape(n, channels, kh, kw, oh, ow), (n, channels, height, width), window)
    return out.squeeze(0) if unbatched else out


def _make_window(op, kernel_size, stride, padding, dilation):
    """A ``Window`` from PyTorch's arguments (ints or pairs), checked: positive sizes, padding ≥ 0."""
    kernel = pair(kernel_size, op, "kernel_size")
    stride, dilation, padding = (
        pair(stride, op, "stride"),
        pair(dilation, op, "dilation"),
        pair(padding, op, "padding"),
    )
    for name, sizes in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if min(sizes) < 1:
            raise ValueError(f"{op}: {name} must be positive, got {sizes}")
    if min(padding) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding}")
    return Window(kernel, stride, padding, dilation)


def _window(op, x, kernel_size, stride, padding, dilation):
    """The sliding window of ``op`` over ``x`` (N, C, H, W), checked to give an output of ≥ 1×1."""
    window = _make_window(op, kernel_size, stride, padding, dilation)
    oh, ow = window.output_size(*x.shape[2:])
    if oh < 1 or ow < 1:
        raise ValueError(
            f"{op}: input of size {x.shape[2:]} with padding {window.padding} is smaller than the "
            f"kernel {window.kernel} (dilation {window.dilation}): the output would be {oh}×{ow}"
        )
    return window


def _check_half_kernel(op, window):
    """PyTorch's rule: padding at most half the kernel size, so no window is all padding."""
    for p, k in zip(window.padding, window.kernel):
        if p > k // 2:
            raise ValueError(
                f"{op}: padding {window.padding} must be at most half the kernel size {window.kernel}"
            )


def _batched(input, op):
    """(N, C, H, W) as is, or an unbatched (C, H, W) with a batch dim of 1 added."""
    if input.ndim == 4:
        return input, False
    if input.ndim == 3:
        return input.unsqueeze(0), True
    raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {input.shape}")


def _check_float(x, op, name):
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating-point tensor, got {x.dtype}")


# ======================================================================================================
# losses
# ======================================================================================================


def mse_loss(input, target, *, reduction="mean"):
    """Mean squared error: (ŷ − y)² per element.

    Args:
        input: ŷ, the predictions, any shape.
        target: y, the targets, the shape of ``input``.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """
    input, target = _regression_pair(input, target, "mse_loss", reduction)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, *, reduction="mean"):
    """Mean absolute error: |ŷ − y| per element.

    Args:
        input: ŷ, the predictions, any shape.
        target: y, the targets, the shape of ``input``.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """
    input, target = _regression_pair(input, target, "l1_loss", reduction)
    return _reduce((input - target).abs(), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber (1964): ½(ŷ − y)² where |ŷ − y| ≤ δ, else δ(|ŷ − y| − ½δ) — quadratic near 0, linear
    in the tails, so outliers pull with a bounded force.

    Args:
        input: ŷ, the predictions, any shape.
        target: y, the targets, the shape of ``input``.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
        delta: δ > 0, where the loss turns from quadratic to linear. Default 1.0.
    """
    input, target = _regression_pair(input, target, "huber_loss", reduction)
    if not isinstance(delta, numbers.Real) or delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta!r}")
    diff = input - target
    size = diff.abs()
    return _reduce(where(size <= delta, diff * diff * 0.5, (size - 0.5 * delta) * delta), reduction)


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits ``input`` (N, C) or (N, C, d1, ...) — or (C,) — against
    class indices (N, d1, ...) (an integer tensor) or class probabilities (``input``'s shape).

    Per sample: −log softmax(z)[y], computed as ``log_softmax`` (log-sum-exp shifted by the max), so
    logits of ±10⁴ give finite values and gradients. ``weight`` (C,) rescales classes (a weighted
    mean divides by the total weight of the counted targets, as PyTorch does); targets equal to
    ``ignore_index`` count for nothing; ``label_smoothing`` ε mixes the target with the uniform
    distribution: (1 − ε)·onehot + ε/C (Szegedy et al. 2016).

    Every case is one op, ``CrossEntropy`` (ops/loss.py, forward and backward): this function moves
    the class axis last and turns target, weight, ignore_index and smoothing into its coefficients.

    Args:
        input: z, the logits (unnormalised scores), (N, C), (N, C, d₁, ...) or (C,).
        target: the class indices y (integers in [0, C)), (N,) or (N, d₁, ...); or class probabilities of
            ``input``'s shape.
        weight: a rescaling weight per class, shape (C,); None: all 1.
        ignore_index: targets equal to it contribute nothing and are left out of the mean. Default −100.
        reduction: ``"mean"`` (default): the weighted mean, Σ w[yᵢ]ℓᵢ / Σ w[yᵢ] over the targets not ignored;
            ``"sum"``: the sum; ``"none"``: one loss per sample.
        label_smoothing: ε in [0, 1]: the target becomes (1 − ε)·one-hot(y) + ε/C. Default 0.
    """
    _require_tensor(input, "cross_entropy", "input")
    _require_tensor(target, "cross_entropy", "target")
    _check_reduction(reduction, "cross_entropy")
    _check_logits(input, "cross_entropy")
    if not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    weight = _class_weight(weight, input, "cross_entropy")
    logits = _classes_last(input)  # (M, C): one row per sample (and position)
    if target.dtype.kind == "f":
        coefficients, count = _probability_coefficients(input, target, weight, label_smoothing), len(logits)
        divisor = float(count) if reduction == "mean" else 1.0
    else:  # targets, weight and ignored indices as coefficients, by ops (the values vary by batch)
        _check_class_indices(input, target, ignore_index, "cross_entropy", values=False)
        indices, classes = target.reshape(-1), logits.shape[1]
        weights = None if weight is None else weight.data
        coefficients = ClassCoefficients.apply(
            indices, classes, logits.dtype, weights, ignore_index, label_smoothing
        )
        divisor = (
            CountedWeight.apply(indices, weights, ignore_index, logits.dtype) if reduction == "mean" else 1.0
        )
    losses = CrossEntropy.apply(logits, coefficients, divisor, reduction != "none")
    if reduction != "none":
        return losses
    return losses.reshape(input.shape[:1] + input.shape[2:] if input.ndim > 1 else ())


def _classes_last(values):
    """(N, C, d1, ...) → (N·d1·..., C); (C,) → (1, C): the class axis last, one row per prediction."""
    if values.ndim == 2:
        return values
    if values.ndim == 1:
        return values.reshape(1, -1)
    values = values.permute(0, *range(2, values.ndim), 1)
    return values.reshape(-1, values.shape[-1])


def _probability_coefficients(input, target, weight, label_smoothing):
    """a = w · ((1 − ε)·t + ε/C) for class probabilities t, as a Tensor: t may require grad."""
    if target.shape != input.shape:
        raise ValueError(
            f"cross_entropy: float targets are class probabilities and must have the input's shape "
            f"{input.shape}, got {target.shape} (class indices must be an integer tensor)"
        )
    target = _classes_last(target.to(input.dtype))
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / target.shape[1]
    return target if weight is None else target * weight


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C, ...) at class indices ``target``:
    −w[y]·logp[y] per sample; the mean divides by Σ w[y] over the targets not ignored.

    Args:
        input: log-probabilities log p, (N, C), (N, C, d₁, ...) or (C,) (a ``log_softmax`` output).
        target: the class indices y (integers in [0, C)), (N,) or (N, d₁, ...).
        weight: a rescaling weight per class, shape (C,); None: all 1.
        ignore_index: targets equal to it contribute nothing and are left out of the mean. Default −100.
        reduction: ``"mean"`` (default): the weighted mean, Σ w[yᵢ]ℓᵢ / Σ w[yᵢ] over the targets not ignored;
            ``"sum"``: the sum; ``"none"``: one loss per sample.
    """
    _require_tensor(input, "nll_loss", "input")
    _require_tensor(target, "nll_loss", "target")
    _check_reduction(reduction, "nll_loss")
    _check_logits(input, "nll_loss")
    weight = _class_weight(weight, input, "nll_loss")
    _check_class_indices(input, target, ignore_index, "nll_loss")
    return _nll(input, target, weight, ignore_index, reduction)


def _nll(log_probs, target, weight, ignore_index, reduction):
    """−w[y]·logp[y] per sample (0 where ignored), reduced with PyTorch's weighted mean."""
    class_dim = 1 if log_probs.ndim > 1 else 0
    ignored = target == ignore_index
    safe = where(ignored, 0, target)  # any valid class: its pick is zeroed out below
    picked = log_probs.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
    if weight is None:
        weights = (~ignored).to(log_probs.dtype)
    else:
        weights = _target_weights(weight, target, ignored)
    losses = -picked * weights
    if reduction == "mean":
        return losses.sum() / weights.sum()
    return losses.sum() if reduction == "sum" else losses


def _target_weights(weight, target, ignored):
    """w[y] for each target, 0 where it is ignored."""
    return where(ignored, 0.0, weight[where(ignored, 0, target)])


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """−[y·log p + (1 − y)·log(1 − p)] for probabilities p in [0, 1]; the logs are clamped at −100 (as
    PyTorch does), so p = 0 or 1 gives a large finite loss, not ∞. Prefer
    ``binary_cross_entropy_with_logits`` on raw scores: it is exact where this one saturates.

    Args:
        input: p, probabilities in [0, 1] (a ``sigmoid`` output), any shape.
        target: y, targets in [0, 1], the shape of ``input``.
        weight: a rescaling weight per class, shape (C,); None: all 1.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """
    input, target = _regression_pair(input, target, "binary_cross_entropy", reduction)
    _check_unit_interval(input, "binary_cross_entropy", "input probabilities")
    _check_unit_interval(target, "binary_cross_entropy", "targets")
    loss = BinaryCrossEntropy.apply(input, target)
    return _reduce(_weighted(loss, weight, "binary_cross_entropy"), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean", pos_weight=None):
    """Binary cross-entropy of logits z: log(1 + eᶻ) − y·z, computed stably as
    (1 − y)·z + softplus(−z) with softplus(−z) = log(1 + e^−|z|) + max(−z, 0), which never overflows
    (logits of ±10⁴ give finite values and gradients). ``pos_weight`` (per class, last dim)
    multiplies the positive term: (1 − y)·z + (1 + (pos_weight − 1)·y)·softplus(−z), as PyTorch.

    Args:
        input: z, the logits, any shape.
        target: y, targets in [0, 1], the shape of ``input``.
        weight: a rescaling weight per class, shape (C,); None: all 1.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
        pos_weight: a weight w₊ on the positive term, per class (the last dimension): ℓ = −[w₊·y·log σ(z) + (1
            − y)·log(1 − σ(z))]. Default None (1).
    """
    return _bce_with_logits(input, target, weight, reduction, pos_weight, "binary_cross_entropy_with_logits")


def logistic_loss(input, target, weight=None, *, reduction="mean", pos_weight=None):
    """The logistic loss of logistic regression: exactly ``binary_cross_entropy_with_logits``
    (targets in {0, 1}; for ±1 labels, log(1 + e^{−y·s}) is the same loss with y' = (y + 1)/2).

    Args:
        input: z, the logits (scores), any shape.
        target: y, targets in {0, 1}, the shape of ``input``.
        weight: a rescaling weight per class, shape (C,); None: all 1.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
        pos_weight: a weight w₊ on the positive term, per class (the last dimension): ℓ = −[w₊·y·log σ(z) + (1
            − y)·log(1 − σ(z))]. Default None (1).
    """
    return _bce_with_logits(input, target, weight, reduction, pos_weight, "logistic_loss")


def _bce_with_logits(input, target, weight, reduction, pos_weight, name):
    input, target = _regression_pair(input, target, name, reduction)
    _check_unit_interval(target, name, "targets")
    log_one_plus_exp_neg = (-input).softplus(1.0, float("inf"))  # no threshold: exact everywhere
    if pos_weight is not None:
        _require_tensor(pos_weight, name, "pos_weight")
        log_one_plus_exp_neg = log_one_plus_exp_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + log_one_plus_exp_neg
    return _reduce(_weighted(loss, weight, name), reduction)


def hinge_loss(input, target, margin=1.0, reduction="mean"):
    """The SVM hinge loss: max(0, margin − y·s) for scores s and labels y in {−1, +1}.

    Args:
        input: s, the scores, any shape.
        target: y, labels in {−1, +1}, the shape of ``input``.
        margin: the margin m the right score must win by. Default 1.0.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """
    input, target = _regression_pair(input, target, "hinge_loss", reduction)
    if bool(((target != 1) & (target != -1)).any()):
        raise ValueError(
            f"hinge_loss: targets must be -1 or +1, got {_few(target, (target != 1) & (target != -1))}"
        )
    return _reduce((margin - target * input).relu(), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, *, reduction="mean"):
    """The multi-class hinge loss (Weston & Watkins / Crammer–Singer style, PyTorch's form):
    Σ_{j≠y} w[y]·max(0, margin − s_y + s_j)^p / C per sample, for scores (N, C) or (C,).

    Args:
        input: s, the scores, (N, C) or (C,).
        target: the class indices y, (N,) or ().
        p: the exponent on each violated margin, 1 or 2. Default 1.
        margin: the margin m the right score must win by. Default 1.0.
        weight: a rescaling weight per class, shape (C,); None: all 1.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """
    name = "multi_margin_loss"
    _require_tensor(input, name, "input")
    _require_tensor(target, name, "target")
    _check_reduction(reduction, name)
    if p not in (1, 2):
        raise ValueError(f"{name}: only p == 1 and p == 2 are supported, got {p!r}")
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: expected scores of shape (N, C) or (C,), got {input.shape}")
    _check_logits(input, name)
    weight = _class_weight(weight, input, name)
    _check_class_indices(input, target, None, name)
    class_dim = input.ndim - 1
    classes = input.shape[class_dim]
    index = target.unsqueeze(-1)
    margins = (margin - input.gather(class_dim, index) + input).relu()
    if p == 2:
        margins = margins * margins
    is_target = arange(classes, device=input.device) == index
    per_sample = where(is_target, 0.0, margins).sum(class_dim) / classes
    if weight is not None:
        per_sample = per_sample * weight[target]
    return _reduce(per_sample, reduction)


# ---- shared checks and helpers of the losses ------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction, loss):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{loss}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss, reduction):
    """Apply ``reduction`` ("mean", "sum" or "none") to per-element losses."""
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _require_tensor(value, op, name):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")


def _regression_pair(input, target, loss, reduction):
    """Check an elementwise loss's operands: Tensors, float input, same shapes (PyTorch only warns
    when they broadcast, which silently computes something else); the target cast to the input's dtype."""
    _require_tensor(input, loss, "input")
    _require_tensor(target, loss, "target")
    _check_reduction(reduction, loss)
    if input.dtype.kind != "f":
        raise ValueError(f"{loss}: input must be a floating-point tensor, got {input.dtype}")
    if target.dtype.kind not in "biuf":
        raise ValueError(f"{loss}: target must be a real-valued tensor, got {target.dtype}")
    if input.shape != target.shape:
        raise ValueError(
            f"{loss}: target shape {target.shape} does not match input shape {input.shape} "
            "(they must be equal; reshape the target, e.g. target.view(input.shape))"
        )
    return input, target if target.dtype == input.dtype else target.to(input.dtype)


def _check_unit_interval(values, loss, what):
    outside = (values < 0) | (values > 1)
    if bool(outside.any()):
        raise ValueError(f"{loss}: {what} must lie in [0, 1], got {_few(values, outside)}")


def _check_logits(input, loss):
    if input.dtype.kind != "f":
        raise ValueError(f"{loss}: input must be a floating-point tensor, got {input.dtype}")
    if input.ndim == 0:
        raise ValueError(f"{loss}: input needs a class dimension, got a 0-d tensor")


def _check_class_indices(input, target, ignore_index, loss, values=True):
    """Integer targets of shape (N, d1, ...) for input (N, C, d1, ...) — () for (C,) — in [0, C)
    (the values are checked here if ``values``, else by the op that reads them)."""
    if target.dtype.kind not in "iu":
        raise ValueError(
            f"{loss}: class-index targets must be an integer tensor (int64), got {target.dtype} of shape "
            f"{target.shape}"
        )
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if target.shape != expected:
        raise ValueError(
            f"{loss}: for input of shape {input.shape} the target must have shape {expected}, "
            f"got {target.shape}"
        )
    if values:  # raw array comparisons: this check runs on every call
        check_class_range(target.data, input.shape[1 if input.ndim > 1 else 0], ignore_index, loss)


def _class_weight(weight, input, loss):
    """A per-class weight (C,), in the input's dtype."""
    if weight is None:
        return None
    _require_tensor(weight, loss, "weight")
    classes = input.shape[1 if input.ndim > 1 else 0]
    if weight.shape != (classes,):
        raise ValueError(f"{loss}: weight must have shape ({classes},) (one per class), got {weight.shape}")
    return weight if weight.dtype == input.dtype else weight.to(input.dtype)


def _weighted(loss, weight, name):
    if weight is None:
        return loss
    _require_tensor(weight, name, "weight")
    return loss * weight
