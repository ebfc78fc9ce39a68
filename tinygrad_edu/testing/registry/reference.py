"""NumPy forwards of the registry's entries, written from the ops' definitions without the library.

Each entry's ``reference`` takes the case's arrays and parameters and returns the expected output;
the short ones are lambdas beside their entries, the longer ones (reductions with PyTorch's ``dim``
conventions, convolution and pooling as explicit loops over windows, the losses) are here.
"""

from __future__ import annotations

import math

import numpy as np

# ---- dims ----------------------------------------------------------------------------------------------


def axis(dim, ndim):
    """PyTorch's ``dim`` as NumPy's ``axis``: a 0-d tensor accepts dim 0 or -1 (meaning itself)."""
    return None if ndim == 0 else dim


def reduce(function, a, dim=None, keepdim=False, **kwargs):
    """``function(a, axis, keepdims)`` with PyTorch's dims (None, an int, a tuple; 0-d inputs)."""
    return np.asarray(function(a, axis=axis(dim, a.ndim), keepdims=keepdim, **kwargs))


def along(function, a, dim, **kwargs):
    """``function(a, axis=dim)`` for a shape-keeping op (cumsum, sort, softmax); 0-d stays 0-d."""
    if a.ndim == 0:
        return function(a.reshape(1), axis=0, **kwargs).reshape(())
    return function(a, axis=dim, **kwargs)


# ---- elementwise -------------------------------------------------------------------------------------

erf = np.vectorize(math.erf, otypes=[np.float64])


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def softplus(a, beta=1.0, threshold=20.0):
    """log(1 + e^{βa})/β, and a itself where βa > threshold (PyTorch's cut-off)."""
    stable = (np.maximum(beta * a, 0) + np.log1p(np.exp(-np.abs(beta * a)))) / beta
    return np.where(beta * a > threshold, a, stable)


def gelu(a, approximate="none"):
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))
    return 0.5 * a * (1 + erf(a / math.sqrt(2)))


def leaky_relu(a, slope=0.01):
    return np.where(a > 0, a, slope * a)


def elu(a, alpha=1.0):
    return np.where(a > 0, a, alpha * np.expm1(a))


def logsigmoid(a):
    return np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))


# ---- reductions ------------------------------------------------------------------------------------------


def logsumexp(a, dim=None, keepdim=False):
    """max + log Σ exp(a − max): no overflow for logits around ±1000."""
    biggest = reduce(np.max, a, dim, keepdim=True)
    out = biggest + np.log(reduce(np.sum, np.exp(a - biggest), dim, keepdim=True))
    return out if keepdim else reduce(np.sum, out, dim)  # drop the kept dims (sizes 1)


def softmax(a, dim):
    shifted = np.exp(a - reduce(np.max, a, dim, keepdim=True))
    return shifted / reduce(np.sum, shifted, dim, keepdim=True)


def log_softmax(a, dim):
    return a - logsumexp(a, dim, keepdim=True)


def norm(a, p, dim=None, keepdim=False):
    """The vector p-norm (‖a‖_∞ = max |a|; "fro" is p = 2)."""
    if p == math.inf:
        return reduce(np.max, np.abs(a), dim, keepdim)
    p = 2 if p == "fro" else p
    return reduce(np.sum, np.abs(a) ** p, dim, keepdim) ** (1 / p)


def sort(a, dim, descending=False):
    ascending = along(np.sort, a, dim)
    return along(np.flip, ascending, dim) if descending else ascending


def topk(a, k, dim, largest=True):
    ordered = sort(a, dim, descending=largest)
    return np.take(ordered, np.arange(k), axis=dim % a.ndim)


# ---- shape -------------------------------------------------------------------------------------------


def flatten(a, start_dim, end_dim):
    if a.ndim == 0:
        return a.reshape(1)
    start, end = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:start] + (-1,) + a.shape[end + 1 :])


def squeeze(a, dim):
    """Drop the named dims of size 1 (all of them for ``None``); others stay, as in PyTorch."""
    if a.ndim == 0:
        return a
    named = range(a.ndim) if dim is None else [d % a.ndim for d in np.atleast_1d(dim)]
    return a.reshape(tuple(n for d, n in enumerate(a.shape) if not (d in named and n == 1)))


def expand(a, size):
    """Broadcast to ``size``, where -1 keeps the (right-aligned) size of ``a``."""
    lead = len(size) - a.ndim
    return np.broadcast_to(a, tuple(a.shape[d - lead] if n == -1 else n for d, n in enumerate(size))).copy()


def sum_to_size(a, size):
    """Sum the leading dims and the dims where ``size`` has 1: undo a broadcast to ``a.shape``."""
    lead = a.ndim - len(size)
    summed = a.sum(axis=tuple(range(lead)))
    return summed.sum(axis=tuple(d for d, n in enumerate(size) if n == 1), keepdims=True)


def gather(a, dim, index):
    """out[..., i, ...] = a[..., index[..., i, ...], ...] along ``dim`` (index may be smaller elsewhere)."""
    d = dim % a.ndim
    window = tuple(slice(None) if k == d else slice(0, n) for k, n in enumerate(index.shape))
    return np.take_along_axis(a[window], index, axis=d)


def split(a, split_size_or_sections, dim):
    """Pieces of ``split_size`` along ``dim`` (the last one shorter), or of the given sizes."""
    n = a.shape[dim]
    if isinstance(split_size_or_sections, int):
        cuts = range(split_size_or_sections, n, split_size_or_sections)
    else:
        cuts = np.cumsum(split_size_or_sections)[:-1]
    return tuple(np.split(a, list(cuts), axis=dim))


def chunk(a, chunks, dim):
    return split(a, math.ceil(a.shape[dim] / chunks), dim)


def _widths(a, pad):
    """PyTorch's pad tuple (last dim first, (before, after) each) as per-dim pairs for np.pad."""
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    return [(0, 0)] * (a.ndim - len(pairs)) + pairs[::-1]


def pad(a, pad, mode="constant", value=0.0):
    """F.pad: constant (negative widths crop), reflect, replicate (NumPy's edge), circular (wrap)."""
    widths = _widths(a, pad)
    if mode != "constant":
        return np.pad(a, widths, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])
    grown = np.pad(a, [(max(lo, 0), max(hi, 0)) for lo, hi in widths], constant_values=value)
    return grown[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, grown.shape))]


# ---- convolution and pooling: loops over the windows --------------------------------------------------


def _pair(value):
    return tuple(value) if isinstance(value, tuple) else (value, value)


def _windows(height, width, kernel, stride, dilation):
    """(row, column, the window's row and column indices) for every window position."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    rows = (height - dh * (kh - 1) - 1) // sh + 1
    cols = (width - dw * (kw - 1) - 1) // sw + 1
    for i in range(rows):
        for j in range(cols):
            yield i, j, i * sh + dh * np.arange(kh), j * sw + dw * np.arange(kw)


def _padded_images(x, padding, kernel, dilation, value=0.0):
    """Pad H and W of (N, C, H, W); ``padding`` may be an int, a pair, "valid" or "same"."""
    if padding == "valid":
        padding = (0, 0)
    if padding == "same":  # PyTorch puts the odd unit of padding after
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        widths = [(t // 2, t - t // 2) for t in total]
    else:
        widths = [(p, p) for p in _pair(padding)]
    return np.pad(x, [(0, 0), (0, 0), *widths], constant_values=value)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """out[n, o, i, j] = b[o] + Σ_{c in o's group, u, v} x[n, c, i·s + u·d, j·s + v·d] · w[o, c, u, v]."""
    if x.ndim == 3:
        return conv2d(x[None], w, b, stride, padding, dilation, groups)[0]
    stride, dilation, kernel = _pair(stride), _pair(dilation), w.shape[2:]
    x = _padded_images(x, padding, kernel, dilation)
    out_per_group, in_per_group = w.shape[0] // groups, w.shape[1]
    results = {}
    for i, j, rows, cols in _windows(*x.shape[2:], kernel, stride, dilation):
        window = x[:, :, rows][:, :, :, cols]  # (N, C, kh, kw)
        for o in range(w.shape[0]):
            g = o // out_per_group
            patch = window[:, g * in_per_group : (g + 1) * in_per_group]
            results[i, j, o] = np.einsum("ncuv,cuv->n", patch, w[o]) + (0.0 if b is None else b[o])
    rows, cols = max(k[0] for k in results) + 1, max(k[1] for k in results) + 1
    out = np.empty((x.shape[0], w.shape[0], rows, cols))
    for (i, j, o), value in results.items():
        out[:, o, i, j] = value
    return out


def _pool(x, kernel_size, stride, padding, dilation, value, reduce_window):
    kernel = _pair(kernel_size)
    stride, dilation = _pair(stride if stride is not None else kernel_size), _pair(dilation)
    padded = _padded_images(x, padding, kernel, dilation, value)
    inside = _padded_images(np.ones_like(x), padding, kernel, dilation, 0.0)  # 1 where x is, 0 in padding
    positions = list(_windows(*padded.shape[2:], kernel, stride, dilation))
    out = np.empty(x.shape[:2] + (positions[-1][0] + 1, positions[-1][1] + 1))
    for i, j, rows, cols in positions:
        out[:, :, i, j] = reduce_window(padded[:, :, rows][:, :, :, cols], inside[:, :, rows][:, :, :, cols])
    return out


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """The largest element of each window (padding is -∞: never chosen)."""
    return _pool(x, kernel_size, stride, padding, dilation, -np.inf, lambda w, inside: w.max(axis=(2, 3)))


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True, divisor_override=None):
    """The window's sum over the window's size (or only its elements inside the image, or a given divisor)."""

    def average(window, inside):
        if divisor_override is not None:
            return window.sum(axis=(2, 3)) / divisor_override
        count = window[0, 0].size if count_include_pad else inside.sum(axis=(2, 3))
        return window.sum(axis=(2, 3)) / count

    return _pool(x, kernel_size, stride, padding, 1, 0.0, average)


def unfold(x, kernel_size, stride=1, padding=0, dilation=1):
    """im2col: each window flattened to a column, (N, C·kh·kw, windows), channels slowest."""
    kernel, stride, dilation = _pair(kernel_size), _pair(stride), _pair(dilation)
    padded = _padded_images(x, padding, kernel, dilation)
    columns = [
        padded[:, :, rows][:, :, :, cols].reshape(x.shape[0], -1)
        for _, _, rows, cols in _windows(*padded.shape[2:], kernel, stride, dilation)
    ]
    return np.stack(columns, axis=-1)


def fold(columns, output_size, kernel_size, stride=1, padding=0, dilation=1):
    """col2im: add each column back onto its window of an (N, C, H, W) image (overlaps sum)."""
    kernel, stride, dilation, (ph, pw) = _pair(kernel_size), _pair(stride), _pair(dilation), _pair(padding)
    n, channels = columns.shape[0], columns.shape[1] // (kernel[0] * kernel[1])
    image = np.zeros((n, channels, output_size[0] + 2 * ph, output_size[1] + 2 * pw))
    windows = _windows(*image.shape[2:], kernel, stride, dilation)
    for k, (_, _, rows, cols) in enumerate(windows):
        image[:, :, rows[:, None], cols[None, :]] += columns[:, :, k].reshape(n, channels, *kernel)
    return image[:, :, ph : ph + output_size[0], pw : pw + output_size[1]]


# ---- losses --------------------------------------------------------------------------------------------


def reduced(loss, reduction, total=None):
    """mean (over ``total`` where given: a weighted mean), sum, or none."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    return np.asarray(loss.sum() / (loss.size if total is None else total))


def linear(x, w, b=None):
    return x @ w.T + (0.0 if b is None else b)


def cross_entropy(z, target, weight=None, reduction="mean", label_smoothing=0.0, ignore_index=-100):
    """PyTorch's cross-entropy: class dim 1 (0 unbatched); class-index targets (weighted, ignored,
    smoothed: (1 − ε)·nll + ε/C·Σ_c w_c·(−log p_c)) or probability targets."""
    class_dim = 1 if z.ndim > 1 else 0
    classes = z.shape[class_dim]
    logp = np.moveaxis(log_softmax(z, class_dim), class_dim, -1)  # (..., C)
    w = np.ones(classes) if weight is None else weight
    if target.dtype.kind == "f":  # probabilities, smoothed towards uniform
        t = np.moveaxis(target, class_dim, -1) * (1 - label_smoothing) + label_smoothing / classes
        return reduced(-(t * w * logp).sum(-1), reduction)
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    picked = np.take_along_axis(logp, safe[..., None], -1)[..., 0]
    nll = np.where(kept, -w[safe] * picked, 0.0)
    smooth = np.where(kept, -(w * logp).sum(-1), 0.0)
    total = (w[safe] * kept).sum()  # a mean divides by the kept targets' weights (PyTorch), both terms
    smoothing = label_smoothing / classes
    return (1 - label_smoothing) * reduced(nll, reduction, total) + smoothing * reduced(
        smooth, reduction, total
    )


def binary_cross_entropy(p, y, weight=None, reduction="mean"):
    loss = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return reduced(loss * (1.0 if weight is None else weight), reduction)


def binary_cross_entropy_with_logits(z, target, weight=None, reduction="mean", pos_weight=None):
    """−w·(p_w·y·log σ(z) + (1 − y)·log(1 − σ(z))), with log σ(z) = −softplus(−z) (stable at ±10⁴)."""
    pos = 1.0 if pos_weight is None else pos_weight
    loss = pos * target * softplus(-z, threshold=np.inf) + (1 - target) * softplus(z, threshold=np.inf)
    return reduced(loss * (1.0 if weight is None else weight), reduction)


def hinge(s, target, margin, reduction):
    return reduced(np.maximum(margin - target * s, 0.0), reduction)


def multi_margin(s, target, p, margin, weight, reduction):
    """Per sample: Σ_{j ≠ y} w_y·max(0, margin − s_y + s_j)^p / C."""
    scores = s.reshape(-1, s.shape[-1])
    labels = np.asarray(target).reshape(-1)
    w = np.ones(s.shape[-1]) if weight is None else weight
    losses = []
    for row, y in zip(scores, labels):
        hinge_terms = np.maximum(margin - row[y] + row, 0.0) ** p * w[y]
        losses.append((hinge_terms.sum() - hinge_terms[y]) / row.size)
    loss = np.asarray(losses).reshape(s.shape[:-1])
    return reduced(loss, reduction)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    dims = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    centred = x - x.mean(axis=dims, keepdims=True)
    out = centred / np.sqrt((centred**2).mean(axis=dims, keepdims=True) + eps)
    return out * (1.0 if weight is None else weight) + (0.0 if bias is None else bias)


def lstm_step(x_proj, h, c, weight_hh, bias_hh=None):
    """One LSTM step as ``[c' | σ(o)]`` (``ops/rnn.py``'s LSTMStep): gates i, f, g, o from
    x_proj + h·W_hhᵀ + b_hh, and c' = σ(f)·c + σ(i)·tanh(g)."""
    pre = x_proj + h @ weight_hh.T + (0.0 if bias_hh is None else bias_hh)
    i, f, g, o = np.split(pre, 4, axis=1)
    return np.concatenate([sigmoid(f) * c + sigmoid(i) * np.tanh(g), sigmoid(o)], axis=1)


def dropout_seeded(a, p, seed):
    """Inverted dropout with the mask ``tg.manual_seed(seed)`` gives on the CPU: the first draw of
    ``numpy.random.default_rng(seed)``, kept where ≥ p (p = 0: the identity, no draw)."""
    if p == 0:
        return a.copy()
    keep = np.random.default_rng(seed).random(a.shape) >= p
    return a * keep / (1 - p)
