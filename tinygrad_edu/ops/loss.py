"""Losses that need their own op for numerical reasons (the others are compositions in
``nn/functional.py``)."""

from ..autograd.function import Op


def clamped_log(xp, p):
    """log p, clamped at −100 (PyTorch's choice for binary cross-entropy), without evaluating log 0."""
    positive = p > 0
    return xp.where(positive, xp.maximum(xp.log(xp.where(positive, p, 1)), -100), -100)


def clamped_log1m(xp, p):
    """log(1 − p), clamped at −100, without evaluating log 0."""
    below_one = p < 1
    return xp.where(below_one, xp.maximum(xp.log1p(-xp.where(below_one, p, 0)), -100), -100)


class BinaryCrossEntropy(Op):
    """ℓ = −[y·log p + (1 − y)·log(1 − p)], logs clamped at −100 as PyTorch does;
    dℓ/dp = (p − y) / max(p(1 − p), 10⁻¹²) (PyTorch's guard, finite at p = 0 and p = 1),
    dℓ/dy = log(1 − p) − log p (the same clamped logs).

    A composition would give dℓ/dp = 0 · ∞ = NaN at p ∈ {0, 1}; this op keeps it finite.
    """

    @staticmethod
    def forward(ctx, p, y):
        xp = ctx.xp
        ctx.save_for_backward(p, y)
        return -(y * clamped_log(xp, p) + (1 - y) * clamped_log1m(xp, p))

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved_tensors
        xp = ctx.xp
        grad_p = grad * (p - y) / xp.maximum(p * (1 - p), 1e-12) if ctx.needs_input_grad[0] else None
        grad_y = grad * (clamped_log1m(xp, p) - clamped_log(xp, p)) if ctx.needs_input_grad[1] else None
        return grad_p, grad_y


class SoftmaxCrossEntropy(Op):
    """ℓ = mean over the batch of logsumexp(zᵢ) − zᵢ[yᵢ], for logits z (N, C) and class indices y;
    dℓ/dz = (softmax(z) − onehot(y)) / N — the classic derivation, as one op.

    ``F.cross_entropy`` takes this path for its most common call (class indices, no weights,
    smoothing or ignored targets, mean reduction); the general one composes ``log_softmax``.
    """

    @staticmethod
    def forward(ctx, logits, target):
        xp = ctx.xp
        rows = xp.arange(logits.shape[0])
        shifted = logits - logits.max(axis=1, keepdims=True)  # log-sum-exp without overflow
        log_total = xp.log(xp.sum(xp.exp(shifted), axis=1))
        onehot = xp.zeros_like(logits)
        onehot[rows, target] = 1
        ctx.save_for_backward(logits, onehot)
        return xp.sum(log_total - shifted[rows, target]) / logits.shape[0]

    @staticmethod
    def backward(ctx, grad):
        logits, onehot = ctx.saved_tensors
        probabilities = ctx.xp.softmax(logits, 1)
        return (probabilities - onehot) * (grad / logits.shape[0]), None
