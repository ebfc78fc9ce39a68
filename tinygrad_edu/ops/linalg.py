"""Matrix products."""

from ..autograd.function import Op


class MatMul(Op):
    """C = A @ B (batched, broadcasting batch dims);  dA = dC @ Bᵀ, dB = Aᵀ @ dC.

    Operands are at least 2-D here (``Tensor.matmul`` lifts 1-D ones); the engine sums the
    gradients over broadcast batch dims.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xp = ctx.xp
        grad_a = grad @ xp.swapaxes(b, -1, -2) if ctx.needs_input_grad[0] else None
        grad_b = xp.swapaxes(a, -1, -2) @ grad if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Linear(Op):
    """y = x Wᵀ + b, with W of shape (out, in) as in PyTorch;  dx = dy W, dW = dyᵀ x, db = Σ dy.

    One op instead of transpose, matmul and add (PyTorch's ``addmm``): the weight's gradient comes
    out contiguous, in the weight's own layout, and the bias needs no broadcasting undone. Leading
    dims of x are batch dims; ``bias`` may be None.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        out = x @ ctx.xp.swapaxes(weight, 0, 1)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        xp = ctx.xp
        need_x, need_weight, need_bias = ctx.needs_input_grad
        rows, x_rows = _as_rows(xp, grad), _as_rows(xp, x)  # every batch position is one row
        grad_x = grad @ weight if need_x else None
        grad_weight = xp.swapaxes(rows, 0, 1) @ x_rows if need_weight else None
        grad_bias = xp.sum(rows, axis=0) if need_bias else None
        return grad_x, grad_weight, grad_bias


def _as_rows(xp, array):
    """A (…, n) array as a matrix with n columns (a 2-D array as it is)."""
    return array if array.ndim == 2 else xp.reshape(array, (-1, array.shape[-1]))
