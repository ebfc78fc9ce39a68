"""Matrix products: ``Tensor.matmul`` (``@``, ``mm``, ``bmm``, ``dot``) as ``matmul`` below and its op
``MatMul``; ``F.linear`` as ``Affine``; ``tg.einsum`` as ``Einsum``."""

from ..autograd.function import Op
from ..dtypes import _promoted, _same_float_dtype


def matmul(tensor, other):
    """``numpy.matmul``'s rules on ``MatMul`` (batches of matrices): a 1-D operand is lifted to a
    matrix, and the lifted dim dropped from the result."""
    other = tensor._like(other)
    if tensor.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got shapes {tensor.shape} and {other.shape}"
        )
    if tensor.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
        raise RuntimeError(
            f"matmul: shapes {tensor.shape} and {other.shape} cannot be multiplied "
            f"({tensor.shape[-1]} != {other.shape[-2 if other.ndim > 1 else 0]})"
        )
    a, b = _promoted(*_same_float_dtype(tensor, other, "matmul"))
    a_vector, b_vector = a.ndim == 1, b.ndim == 1
    out = MatMul.apply(a.unsqueeze(0) if a_vector else a, b.unsqueeze(1) if b_vector else b)
    if a_vector or b_vector:  # drop the dims that lifted the vectors to matrices
        shape = out.shape[:-2] + out.shape[-2:][a_vector : 1 if b_vector else 2]
        out = out.reshape(shape)
    return out


def fixed_rank_product(tensor, other, ndim, op, what):
    """``mm`` / ``bmm`` / ``dot``: ``matmul`` of two ``ndim``-D tensors, refusing any other rank."""
    other = tensor._like(other)
    if tensor.ndim != ndim or other.ndim != ndim:
        raise RuntimeError(f"{op}: expected two {what}, got shapes {tensor.shape} and {other.shape}")
    return matmul(tensor, other)


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


class Affine(Op):
    """y = x Wᵀ + b, with W of shape (out, in) as in PyTorch;  dx = dy W, dW = dyᵀ x, db = Σ dy.

    One op instead of transpose, matmul and add (PyTorch's ``addmm``): the weight's gradient comes
    out contiguous, in the weight's own layout, and the bias needs no broadcasting undone. Leading
    dims of x are batch dims; ``bias`` may be None. It is what ``F.linear`` and ``nn.Linear`` call:
    the same derivatives as ``MatMul`` above, with W transposed.
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


class Einsum(Op):
    """y = einsum(equation, a, b, ...);  the gradient of each operand is the einsum of the output's
    gradient with the other operands, e.g. for "ij,jk->ik": da = einsum("ik,jk->ij", dy, b).

    ``tg.einsum`` hands over a canonical equation: explicit output, no ellipsis, no subscript twice in
    one operand, and one size per subscript. An operand's subscript that appears nowhere else was
    summed over: its gradient is broadcast back along it.
    """

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.save_for_backward(*operands)
        ctx.equation = equation
        return ctx.xp.einsum(equation, *operands)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        xp = ctx.xp
        inputs, output = ctx.equation.split("->")
        terms = inputs.split(",")
        grads = [None]
        for i, (term, operand) in enumerate(zip(terms, operands)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(terms) if j != i]
            kept = "".join(c for c in term if c in output or any(c in t for t in others))
            rest = [o for j, o in enumerate(operands) if j != i]
            g = xp.einsum(",".join([output, *others]) + "->" + kept, grad, *rest)
            if kept != term:  # subscripts summed within this operand alone: broadcast back along them
                shape = tuple(n if c in kept else 1 for c, n in zip(term, operand.shape))
                g = xp.broadcast_to(xp.reshape(g, shape), operand.shape)
            grads.append(g)
        return tuple(grads)
