"""Normalisation layers' ops."""

import math

from ..autograd.function import Op


def _normalized(xp, x, axes, eps):
    """(x̂, 1/σ): x centred and scaled over ``axes`` (the biased variance, as PyTorch), and the scale."""
    count = math.prod(x.shape[axis] for axis in axes)
    centered = x - xp.sum(x, axis=axes, keepdims=True) / count
    inverse_std = 1 / xp.sqrt(xp.sum(centered * centered, axis=axes, keepdims=True) / count + eps)
    return centered * inverse_std, inverse_std


def _sum_leading(xp, values, lead):
    """``values`` summed over its first ``lead`` axes (the batch axes of a per-feature parameter)."""
    return xp.sum(values, axis=tuple(range(lead))) if lead else values


class LayerNormalization(Op):
    """y = x̂ · γ + β with x̂ = (x − μ) / σ, μ and σ² = mean((x − μ)²) + ε over the last ``dims`` axes
    (Ba, Kiros & Hinton 2016); ``weight`` γ and ``bias`` β (of those axes' shape) may be None.

    With g = dy · γ and means over the normalised axes:
        dx = (g − mean(g) − x̂ · mean(g · x̂)) / σ,   dγ = Σ dy · x̂,   dβ = Σ dy   (Σ over the batch axes)
    Backward recomputes x̂ from x (with ``ctx.xp``) rather than saving it, so it is differentiable again.
    Reached from ``F.layer_norm`` and ``nn.LayerNorm``.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, dims, eps):
        ctx.axes, ctx.eps = tuple(range(x.ndim - dims, x.ndim)), eps
        ctx.save_for_backward(x, weight)
        out, _ = _normalized(ctx.xp, x, ctx.axes, eps)
        if weight is not None:
            out = out * weight
        return out if bias is None else out + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        xp, axes = ctx.xp, ctx.axes
        normalized, inverse_std = _normalized(xp, x, axes, ctx.eps)
        lead = x.ndim - len(axes)
        need_x, need_weight, need_bias = ctx.needs_input_grad[:3]
        grad_x = grad_weight = grad_bias = None
        if need_x:
            g = grad if weight is None else grad * weight
            count = math.prod(x.shape[lead:])
            mean_g = xp.sum(g, axis=axes, keepdims=True) / count
            mean_g_normalized = xp.sum(g * normalized, axis=axes, keepdims=True) / count
            grad_x = (g - mean_g - normalized * mean_g_normalized) * inverse_std
        if need_weight:
            grad_weight = _sum_leading(xp, grad * normalized, lead)
        if need_bias:
            grad_bias = _sum_leading(xp, grad, lead)
        return grad_x, grad_weight, grad_bias, None, None
