"""Ops that move elements around without arithmetic: reshape, permute, expand, index, gather, cat.

Each backward moves the gradient back to where the element came from (summing where one input
element fed several outputs).
"""

from ..autograd.function import Op


class Reshape(Op):
    """y = x with a new shape;  the gradient is reshaped back."""

    view_of_input = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.xp.reshape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.reshape(grad, ctx.in_shape), None


class Expand(Op):
    """y = x broadcast to ``shape`` (a view);  the gradient is summed back over the copies."""

    view_of_input = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.sum_to(grad, ctx.in_shape), None


class SumTo(Op):
    """y = x summed down to ``shape`` (undoes broadcasting);  the gradient is broadcast back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.xp.sum_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.broadcast_to(grad, ctx.in_shape), None


class Permute(Op):
    """y = x with its axes reordered;  the gradient is permuted back by the inverse order."""

    view_of_input = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return ctx.xp.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.transpose(grad, ctx.inverse), None


class Flip(Op):
    """y = x reversed along ``dims``;  the gradient is reversed the same way."""

    view_of_input = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.xp.flip(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.flip(grad, ctx.dims), None


class Repeat(Op):
    """y = x tiled ``repeats`` times per dim;  the gradient sums the tiles."""

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.in_shape = x.shape
        return ctx.xp.tile(x, repeats)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        shape = (1,) * (grad.ndim - len(ctx.in_shape)) + ctx.in_shape
        split = []
        for n, total in zip(shape, grad.shape):
            split += [total // n, n]
        summed = xp.sum(xp.reshape(grad, tuple(split)), axis=tuple(range(0, len(split), 2)))
        return xp.reshape(summed, ctx.in_shape), None


class Pad(Op):
    """y = x surrounded by a constant;  the gradient is the slice where x sits."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.inner = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return ctx.xp.pad(x, widths, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inner], None, None


class Index(Op):
    """y = x[index] (ints, slices, None, ..., integer arrays, masks);  the gradient is scattered back,
    adding up where an element was picked more than once."""

    view_of_input = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape = x.shape
        ctx.view_of_input = ctx.xp.is_basic_index(index)  # integer arrays and masks copy
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.index_add(ctx.in_shape, ctx.inputs[1], grad), None


class SetItem(Op):
    """y = x with y[index] = value (``x[index] = value`` on a tensor of the graph, ``fill_``, ``copy_``);
    dy/dx = 1 where x was kept and 0 where it was overwritten; dy/dvalue = the gradient at index."""

    @staticmethod
    def forward(ctx, x, index, value):
        out = ctx.xp.array(x)
        out[index] = value
        ctx.kept = ctx.xp.ones(x.shape, dtype=bool)
        ctx.kept[index] = False
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_value = grad[ctx.inputs[1]] if ctx.needs_input_grad[2] else None
        return ctx.xp.where(ctx.kept, grad, 0.0), None, grad_value


class IndexAdd(Op):
    """y = zeros(shape) with x added at ``index`` (Index's backward as an op, for double backward);
    the gradient is ``grad[index]``."""

    @staticmethod
    def forward(ctx, x, shape, index):
        return ctx.xp.index_add(shape, index, x)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inputs[2]], None, None


class Gather(Op):
    """``y[i][j] = x[i][index[i][j]]`` along ``dim`` (``torch.gather``);  the gradient is scatter-added."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.in_shape = x.shape
        return ctx.xp.take_along_axis(x, index, dim)

    @staticmethod
    def backward(ctx, grad):
        dim, index = ctx.inputs[1], ctx.inputs[2]
        return ctx.xp.scatter_add(ctx.in_shape, dim, index, grad), None, None


class ScatterAdd(Op):
    """y = zeros(shape) with x added at ``index`` along ``dim`` (Gather's backward, as an op);
    the gradient is gathered back."""

    @staticmethod
    def forward(ctx, x, shape, dim, index):
        return ctx.xp.scatter_add(shape, dim, index, x)

    @staticmethod
    def backward(ctx, grad):
        dim, index = ctx.inputs[2], ctx.inputs[3]
        return ctx.xp.take_along_axis(grad, index, dim), None, None, None


class Cat(Op):
    """y = the inputs joined along ``axis``;  each input's gradient is its slice of the output's."""

    @staticmethod
    def forward(ctx, axis, *arrays):
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return ctx.xp.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [None], 0
        lead = (slice(None),) * ctx.axis
        for size in ctx.sizes:
            grads.append(grad[(*lead, slice(start, start + size))])
            start += size
        return tuple(grads)
