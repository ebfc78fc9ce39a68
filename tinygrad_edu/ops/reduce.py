"""Reductions over ``axis`` (None, an int or a tuple of ints, already normalised) with ``keepdims``.

Backward first restores the reduced axes as size-1 dims (``_kept``) and then broadcasts or
weights the gradient back over them.
"""

from ..autograd.function import Op


def _kept_shape(shape, axis):
    """``shape`` with the reduced axes set to 1 (what ``keepdims=True`` gives)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _kept(xp, grad, shape, axis, keepdims):
    """The output gradient reshaped so it broadcasts against the input."""
    return grad if keepdims else xp.reshape(grad, _kept_shape(shape, axis))


class Sum(Op):
    """y = Σ x over axis;  dy/dx = 1 (the gradient is broadcast back)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return ctx.xp.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        grad = _kept(xp, grad, ctx.shape, ctx.axis, ctx.keepdims)
        return xp.broadcast_to(grad, ctx.shape), None, None


class Mean(Op):
    """y = Σ x / n over axis;  dy/dx = 1/n."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        ctx.count = _count(x.shape, axis)
        return ctx.xp.sum(x, axis=axis, keepdims=keepdims) / ctx.count

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        grad = _kept(xp, grad, ctx.shape, ctx.axis, ctx.keepdims)
        return xp.broadcast_to(grad / ctx.count, ctx.shape), None, None


def _count(shape, axis):
    """How many elements each output of a reduction over ``axis`` sums."""
    count = 1
    for i, n in enumerate(shape):
        if axis is None or i in axis:
            count *= n
    return count


class Amax(Op):
    """y = max x over axis;  dy/dx = 1 at the maximum, shared evenly between ties."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        xp = ctx.xp
        top = x.max(axis=axis, keepdims=True)
        winners = xp.astype(x == top, x.dtype)
        ctx.save_for_backward(winners / xp.sum(winners, axis=axis, keepdims=True))
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return top if keepdims else xp.reshape(top, _reduced_shape(x.shape, axis))

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_tensors
        return _kept(ctx.xp, grad, ctx.shape, ctx.axis, ctx.keepdims) * share, None, None


class Amin(Op):
    """y = min x over axis;  dy/dx = 1 at the minimum, shared evenly between ties."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        return Amax.forward(ctx, -x, axis, keepdims) * -1

    @staticmethod
    def backward(ctx, grad):
        return Amax.backward(ctx, grad)


def _reduced_shape(shape, axis):
    if axis is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axis)


class CumSum(Op):
    """yᵢ = Σ_{j≤i} xⱼ along axis;  dxⱼ = Σ_{i≥j} dyᵢ: the running sum of the gradient taken from the end."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return ctx.xp.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        xp, axis = ctx.xp, ctx.axis
        return xp.flip(xp.cumsum(xp.flip(grad, (axis,)), axis=axis), (axis,)), None


class Prod(Op):
    """y = Π x over axis;  dy/dxᵢ = Π_{j≠i} xⱼ, computed without dividing by zero."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdims = axis, keepdims
        return ctx.xp.prod(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp, axis = ctx.xp, ctx.axis
        zero = x == 0
        nonzero_x = xp.where(zero, 1, x)
        prod_nonzero = xp.prod(nonzero_x, axis=axis, keepdims=True)
        zeros_count = xp.sum(zero, axis=axis, keepdims=True)
        # Π_{j≠i} xⱼ, written so that its own derivative is right too (double backward): at a
        # non-zero xᵢ it is (product of the zeros) · Π/xᵢ, which keeps the dependence on the zeros;
        # at a zero it is the product of the non-zeros, times the other zero when there are two
        zeros_prod = xp.prod(xp.where(zero, x, 1), axis=axis, keepdims=True)
        other_zero = xp.sum(xp.where(zero, x, 0), axis=axis, keepdims=True) - x
        at_zero = xp.where(zeros_count == 2, prod_nonzero * other_zero, 0)
        others = xp.where(
            zero,
            xp.where(zeros_count == 1, prod_nonzero, at_zero),
            zeros_prod * prod_nonzero / nonzero_x,
        )
        return _kept(xp, grad, x.shape, axis, ctx.keepdims) * others, None, None


class LogSumExp(Op):
    """y = log Σ e^x (shifted by the max, so it never overflows);  dy/dx = e^(x − y) = softmax(x)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        xp = ctx.xp
        top = x.max(axis=axis, keepdims=True)
        top = xp.where(xp.abs(top) == float("inf"), 0, top)  # rows of -inf (or +inf) stay exact
        out = xp.log(xp.sum(xp.exp(x - top), axis=axis, keepdims=True)) + top
        if not keepdims:
            out = xp.reshape(out, _reduced_shape(x.shape, axis))
        ctx.save_for_backward(x, out)
        ctx.axis, ctx.keepdims = axis, keepdims
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        xp = ctx.xp
        out = _kept(xp, out, x.shape, ctx.axis, ctx.keepdims)
        return _kept(xp, grad, x.shape, ctx.axis, ctx.keepdims) * xp.exp(x - out), None, None


def softmax(xp, x, axis):
    """e^x / Σ e^x along ``axis``, shifted by the max so it never overflows.

    The one definition of softmax (``SoftmaxOp`` calls it; ``CrossEntropy`` in ops/loss.py takes the
    exp of ``log_softmax`` below). Both work on arrays (``xp`` the array library) or, while a backward
    pass is recorded, on Tensors (``xp`` graph_ops).
    """
    e = xp.exp(x - xp.amax(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def log_softmax(xp, x, axis):
    """x − log Σ e^x along ``axis``, shifted by the max so it never overflows (arrays or graph_ops);
    ``LogSoftmaxOp`` and ``CrossEntropy`` call it."""
    shifted = x - xp.amax(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


class SoftmaxOp(Op):
    """y = softmax(x) = e^x / Σ e^x along axis;  dx = y · (dy − Σ dy·y).

    Reached from ``Tensor.softmax``, ``tg.softmax``, ``F.softmax`` and ``nn.Softmax``.
    """

    @staticmethod
    def forward(ctx, x, axis):
        out = softmax(ctx.xp, x, axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - ctx.xp.sum(grad * out, axis=ctx.axis, keepdims=True)), None


class LogSoftmaxOp(Op):
    """y = log softmax(x) = x − logsumexp(x) along axis;  dx = dy − e^y · Σ dy."""

    @staticmethod
    def forward(ctx, x, axis):
        out = log_softmax(ctx.xp, x, axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        xp = ctx.xp
        return grad - xp.exp(out) * xp.sum(grad, axis=ctx.axis, keepdims=True), None
