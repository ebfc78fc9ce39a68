"""Matrix products."""

from ..autograd.function import Function


class MatMul(Function):
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
