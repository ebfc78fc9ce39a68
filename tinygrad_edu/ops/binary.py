"""Binary elementwise ops with NumPy broadcasting.

Each backward returns gradients of the broadcast shape; the engine sums them back to each input's
own shape (``sum_to``), so no op here deals with broadcasting. An operand may be a Python number,
whose gradient is None.
"""

from ..autograd.function import Op


class Add(Op):
    """z = a + b;  dz/da = 1, dz/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Op):
    """z = a − b;  dz/da = 1, dz/db = −1."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


class Mul(Op):
    """z = a · b;  dz/da = b, dz/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Op):
    """z = a / b;  dz/da = 1/b, dz/db = −a/b²."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b
        return grad_a, (-grad_a * a / b if ctx.needs_input_grad[1] else None)


class Pow(Op):
    """z = a^b;  dz/da = b·a^(b−1), dz/db = a^b · ln a (taken as 0 where a = 0)."""

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        xp = ctx.xp
        if isinstance(b, (int, float)):
            grad_a = grad * b * a ** (b - 1) if b != 0 else grad * 0
            return grad_a, None
        grad_a = None
        if ctx.needs_input_grad[0]:
            grad_a = xp.where(b == 0, 0, grad * b * a ** xp.where(b == 0, 1, b - 1))
        grad_b = None
        if ctx.needs_input_grad[1]:
            grad_b = grad * out * xp.log(xp.where(a == 0, 1, a))
        return grad_a, grad_b


class Maximum(Op):
    """z = max(a, b);  the gradient goes to the larger input, half to each on a tie (PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_winner(ctx.xp, grad, a > b, a == b)


class Minimum(Op):
    """z = min(a, b);  the gradient goes to the smaller input, half to each on a tie (PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by_winner(ctx.xp, grad, a < b, a == b)


def _split_by_winner(xp, grad, a_wins, tie):
    """(gradient of a, gradient of b) for max/min: the winner takes it, a tie shares it."""
    half = grad * 0.5
    return xp.where(a_wins, grad, xp.where(tie, half, 0)), xp.where(
        a_wins | tie, xp.where(tie, half, 0), grad
    )


class Where(Op):
    """z = a where cond else b;  the gradient follows the branch that was taken."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return ctx.xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        xp = ctx.xp
        return None, xp.where(cond, grad, 0), xp.where(cond, 0, grad)
