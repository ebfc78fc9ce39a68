"""Convolution and pooling over NCHW images, built on one idea: im2col.

``im2col`` copies, for every kernel tap (i, j), the input pixels that tap meets as the window slides:
an array of shape (N, C, kh, kw, OH, OW). A loop over the kh·kw taps does it with strided slices
(no loop over pixels). Then

- convolution is one matrix product: weight (O, C·kh·kw) @ columns (N, C·kh·kw, OH·OW);
- max pooling takes the max over the kh·kw taps, average pooling their mean.

Backward runs the same taps in reverse: ``col2im`` adds each tap's gradient back onto the pixels it
came from (pixels shared by overlapping windows add up). ``Im2col`` and ``Col2im``
are each other's adjoint, so each is the other's backward; every backward below is written with
them, operators and ``ctx.xp`` functions, which makes all these ops differentiable to any order.
"""

import dataclasses
import numbers

from ..autograd.function import Op
from ..tensor import Tensor


def pair(value, op, name):
    """An int or a pair of ints as a pair of ints (kernel sizes, strides, paddings, dilations), or
    a TypeError naming ``op`` and the argument. ``F.conv2d`` and friends and ``nn.Conv2d`` use it."""
    both = (value, value) if isinstance(value, numbers.Integral) else value
    if (
        not isinstance(both, (tuple, list))
        or len(both) != 2
        or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in both)
    ):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return int(both[0]), int(both[1])


@dataclasses.dataclass(frozen=True)
class Window:
    """How a kernel slides over an image: sizes as (rows, cols) pairs."""

    kernel: tuple
    stride: tuple = (1, 1)
    padding: tuple = (0, 0)
    dilation: tuple = (1, 1)

    def output_size(self, height, width):
        """(OH, OW): out = ⌊(in + 2·pad − dilation·(k − 1) − 1) / stride⌋ + 1 per axis."""
        return tuple(
            (n + 2 * p - d * (k - 1) - 1) // s + 1
            for n, k, s, p, d in zip((height, width), self.kernel, self.stride, self.padding, self.dilation)
        )


# ---- the two array routines (arrays in, arrays out) -------------------------------------------------------


def im2col(xp, x, window, fill=0.0):
    """(N, C, H, W) → (N, C, kh, kw, OH, OW): for each kernel tap, the pixels it meets at each
    output position. Padding is filled with ``fill`` (0 for convolution, −∞ for max pooling)."""
    kh, kw = window.kernel
    oh, ow = window.output_size(x.shape[2], x.shape[3])
    x = _pad_image(xp, x, window.padding, fill)
    cols = xp.empty(x.shape[:2] + (kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[_tap(window, i, j, oh, ow)]
    return cols


def col2im(xp, cols, image_shape, window):
    """The adjoint of ``im2col``: add each tap's values back onto the pixels they came from."""
    n, c, height, width = image_shape
    (kh, kw), (ph, pw) = window.kernel, window.padding
    oh, ow = cols.shape[-2:]
    image = xp.zeros((n, c, height + 2 * ph, width + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            image[_tap(window, i, j, oh, ow)] += cols[:, :, i, j]  # overlapping windows add up
    return image[:, :, ph : ph + height, pw : pw + width]


def _tap(window, i, j, oh, ow):
    """The slice of the padded image that kernel tap (i, j) meets: every stride-th pixel from its offset."""
    (sh, sw), (dh, dw) = window.stride, window.dilation
    top, left = i * dh, j * dw
    return (
        slice(None),
        slice(None),
        slice(top, top + sh * (oh - 1) + 1, sh),
        slice(left, left + sw * (ow - 1) + 1, sw),
    )


def _pad_image(xp, x, padding, fill):
    """``x`` framed by ``padding`` rows/columns of ``fill`` (a slice assignment: cheaper than ``pad``)."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    n, c, height, width = x.shape
    framed = xp.full((n, c, height + 2 * ph, width + 2 * pw), fill, dtype=x.dtype)
    framed[:, :, ph : ph + height, pw : pw + width] = x
    return framed


# ---- im2col / col2im as ops: arrays for a plain backward, Tensors (the op itself) under create_graph ----


def to_columns(xp, x, window):
    """``im2col`` of an array, or the ``Im2col`` op of a Tensor (a backward being recorded)."""
    if isinstance(x, Tensor):
        return Im2col.apply(x, window)
    return im2col(xp, x, window)


def from_columns(xp, cols, image_shape, window):
    """``col2im`` of an array, or the ``Col2im`` op of a Tensor (a backward being recorded)."""
    if isinstance(cols, Tensor):
        return Col2im.apply(cols, image_shape, window)
    return col2im(xp, cols, image_shape, window)


class Im2col(Op):
    """cols = im2col(x), shape (N, C, kh, kw, OH, OW);  dx = col2im(dcols)."""

    @staticmethod
    def forward(ctx, x, window):
        ctx.image_shape, ctx.window = x.shape, window
        return im2col(ctx.xp, x, window)

    @staticmethod
    def backward(ctx, grad):
        return from_columns(ctx.xp, grad, ctx.image_shape, ctx.window), None


class Col2im(Op):
    """x = col2im(cols) (sum of the overlapping taps);  backward: dcols = im2col(dx)."""

    @staticmethod
    def forward(ctx, cols, image_shape, window):
        ctx.window = window
        return col2im(ctx.xp, cols, image_shape, window)

    @staticmethod
    def backward(ctx, grad):
        return to_columns(ctx.xp, grad, ctx.window), None, None


# ---- convolution -----------------------------------------------------------------------------------------


class Convolution(Op):
    """y = W ⋆ x + b as one product per group: y[n, g] = W[g] (O/G, K) @ cols[n, g] (K, OH·OW),
    with K = C/G · kh · kw;  dW = Σₙ dy · colsᵀ,  dcols = Wᵀ · dy → dx = col2im(dcols),  db = Σ dy.

    (Cross-correlation, as in every deep-learning library: the kernel is not flipped.) Reached from
    ``F.conv2d`` and ``nn.Conv2d``; ``im2col`` and ``col2im`` are above, in this file.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, window, groups):
        xp = ctx.xp
        n, out_channels = x.shape[0], weight.shape[0]
        cols = im2col(xp, x, window)
        oh, ow = cols.shape[-2:]
        out = _grouped_weight(xp, weight, groups) @ _grouped_cols(xp, cols, groups)  # (N, G, O/G, L)
        out = xp.reshape(out, (n, out_channels, oh, ow))
        if bias is not None:
            out += xp.reshape(bias, (1, out_channels, 1, 1))  # in place: ``out`` is a fresh array
        ctx.save_for_backward(x, weight, cols)  # the columns spare backward a second im2col
        ctx.window, ctx.groups = window, groups
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, cols = ctx.saved_tensors
        xp, groups, window = ctx.xp, ctx.groups, ctx.window
        if isinstance(grad, Tensor):  # recording the backward: rebuild the columns as an op of x
            cols = Im2col.apply(x, window)
        n, out_channels, oh, ow = grad.shape
        dy = xp.reshape(grad, (n, groups, out_channels // groups, oh * ow))  # (N, G, O/G, L)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            w = _grouped_weight(xp, weight, groups)  # (G, O/G, K)
            grad_cols = xp.swapaxes(w, -1, -2) @ dy  # (N, G, K, L)
            grad_x = from_columns(xp, xp.reshape(grad_cols, cols.shape), x.shape, window)
        if ctx.needs_input_grad[1]:
            per_image = dy @ xp.swapaxes(_grouped_cols(xp, cols, groups), -1, -2)  # (N, G, O/G, K)
            grad_weight = xp.reshape(xp.sum(per_image, axis=0), weight.shape)
        if ctx.needs_input_grad[2]:
            grad_bias = xp.sum(grad, axis=(0, 2, 3))
        return grad_x, grad_weight, grad_bias, None, None


def _grouped_weight(xp, weight, groups):
    """(O, C/G, kh, kw) → (G, O/G, C/G·kh·kw)."""
    return xp.reshape(weight, (groups, weight.shape[0] // groups, -1))


def _grouped_cols(xp, cols, groups):
    """(N, C, kh, kw, OH, OW) → (N, G, C/G·kh·kw, OH·OW) (channels are the slowest axis: no copy)."""
    n, c, kh, kw, oh, ow = cols.shape
    return xp.reshape(cols, (n, groups, (c // groups) * kh * kw, oh * ow))


# ---- pooling -------------------------------------------------------------------------------------------


class MaxPooling(Op):
    """y = the max of each window (padding counts as −∞);  dx = dy at the window's first maximum
    (PyTorch's choice among ties), added up where windows overlap.

    Forward works on strided slices of the image, one per kernel tap (no im2col copy): first the
    maximum over the taps (``maximum`` propagates NaN, as PyTorch does), then, walking the taps
    backwards, the first tap that holds it.
    """

    @staticmethod
    def forward(ctx, x, window):
        xp = ctx.xp
        (kh, kw), (oh, ow) = window.kernel, window.output_size(x.shape[2], x.shape[3])
        padded = _pad_image(xp, x, window.padding, -float("inf"))
        taps = [padded[_tap(window, t // kw, t % kw, oh, ow)] for t in range(kh * kw)]
        best = xp.array(taps[0])  # a copy: the output must not share memory with x
        for values in taps[1:]:
            best = xp.maximum(best, values)
        first = xp.zeros(best.shape, dtype="int32")
        for t in range(kh * kw - 1, -1, -1):  # backwards, so the earliest tap holding the max wins
            first = xp.where(taps[t] == best, t, first)
        n, c = x.shape[:2]
        winner = xp.reshape(first, (n, c, 1, oh, ow)) == xp.reshape(xp.arange(kh * kw), (1, 1, -1, 1, 1))
        ctx.save_for_backward(winner)
        ctx.image_shape, ctx.window = x.shape, window
        return best

    @staticmethod
    def backward(ctx, grad):
        (winner,) = ctx.saved_tensors
        xp = ctx.xp
        n, c, oh, ow = grad.shape
        kh, kw = ctx.window.kernel
        taps = xp.where(winner, xp.reshape(grad, (n, c, 1, oh, ow)), 0)  # dy to the winning tap only
        return from_columns(xp, xp.reshape(taps, (n, c, kh, kw, oh, ow)), ctx.image_shape, ctx.window), None


class AvgPooling(Op):
    """y = Σ window / divisor (kh·kw, or a count per output position);  dx = dy / divisor, spread
    evenly over the window and added up where windows overlap."""

    @staticmethod
    def forward(ctx, x, window, divisor):
        xp = ctx.xp
        cols = im2col(xp, x, window)
        ctx.image_shape, ctx.window, ctx.divisor = x.shape, window, divisor
        return xp.sum(cols, axis=(2, 3)) / divisor

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        n, c, oh, ow = grad.shape
        kh, kw = ctx.window.kernel
        share = xp.reshape(grad / ctx.divisor, (n, c, 1, 1, oh, ow))
        cols = xp.broadcast_to(share, (n, c, kh, kw, oh, ow))
        return from_columns(xp, cols, ctx.image_shape, ctx.window), None, None
