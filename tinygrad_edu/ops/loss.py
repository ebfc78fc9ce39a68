"""Losses that are ops of their own: cross-entropy (every form of ``F.cross_entropy``, one backward)
and binary cross-entropy on probabilities (for its finite gradient at 0 and 1). The other losses are
compositions in ``nn/functional.py``.

``ClassCoefficients`` and ``CountedWeight`` turn class indices into cross-entropy's coefficients and
divisor. They have no gradient (indices are integers); they are ops so that everything computed from a
batch's values is an op — which ``tg.compile`` replays with each new batch — and so is their check.
"""

from ..arguments import _few
from ..autograd.function import InputValueError, Op
from .reduce import log_softmax


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


def check_class_range(indices, classes, ignore_index, loss):
    """Raise ValueError naming ``loss`` unless every index is in [0, classes) or ``ignore_index``."""
    bad = (indices < 0) | (indices >= classes)
    if ignore_index is not None:
        bad &= indices != ignore_index
    if bool(bad.any()):
        ignoring = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
        raise InputValueError(
            f"{loss}: target class indices must be in [0, {classes - 1}]{ignoring}, got {_few(indices, bad)}"
        )


class ClassCoefficients(Op):
    """CrossEntropy's coefficients for class indices y (M,) of C classes, class weights w and label
    smoothing ε:  a_mc = w_c · ((1 − ε)·[c = y_m] + ε/C), a row of zeros where y_m = ignore_index.
    No gradient (y are integers, w is a constant). It checks that y are class indices first."""

    differentiable = False

    @staticmethod
    def forward(ctx, indices, classes, dtype, weight, ignore_index, smoothing):
        xp = ctx.xp
        check_class_range(indices, classes, ignore_index, "cross_entropy")
        counted = indices != ignore_index
        all_counted = bool(counted.all())  # the common case: no row to blank
        coefficients = xp.zeros((len(indices), classes), dtype=dtype)
        columns = indices if all_counted else xp.where(counted, indices, 0)
        coefficients[xp.arange(len(indices)), columns] = 1 - smoothing
        if smoothing:
            coefficients += smoothing / classes
        if weight is not None:
            coefficients *= weight
        if not all_counted:
            coefficients *= xp.reshape(counted, (-1, 1))  # ignored targets: a row of zeros
        return coefficients

    @staticmethod
    def backward(ctx, grad):
        return (None,) * 6  # never called: computed from integers and constants


class CountedWeight(Op):
    """d = Σ_m w[y_m] over the class indices y_m that are not ``ignore_index`` (without weights:
    their count), in ``dtype``: the divisor of CrossEntropy's weighted mean. No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, indices, weight, ignore_index, dtype):
        xp = ctx.xp
        counted = indices != ignore_index
        if weight is None:
            return xp.astype(xp.asarray(xp.sum(counted)), dtype)
        return xp.sum(weight[xp.where(counted, indices, 0)] * counted)

    @staticmethod
    def backward(ctx, grad):
        return (None,) * 4  # never called: computed from integers and constants


class CrossEntropy(Op):
    """Softmax cross-entropy of logits z (M, C), class axis last, weighted by coefficients a (M, C):

        ℓₘ = −Σ_c a_mc · log softmax(zₘ)_c / d          (``reduce``: the sum over m, a scalar)
        dℓₘ/dzₘ = (softmax(zₘ) · Σ_c a_mc − aₘ) / d     dℓₘ/daₘ = −log softmax(zₘ) / d

    Every call of ``F.cross_entropy`` is this op; ``nn/functional.py`` moves the class axis last and
    builds a and d. For class indices y (weight w, label smoothing ε), ``ClassCoefficients`` above:
    a_mc = w_c · ((1 − ε)·[c = y_m] + ε/C), a row of zeros where y_m is ignored, and for the mean
    ``CountedWeight``: d = Σₘ w[y_m] over the counted targets (else 1). For class probabilities t:
    a = w · ((1 − ε)·t + ε/C) and d = M for the mean. With a = onehot(y) and d = M it is the classic
    dℓ/dz = (softmax(z) − onehot(y)) / M. ``log_softmax`` is ``ops/reduce.py``'s (softmax = its exp).
    """

    @staticmethod
    def forward(ctx, logits, coefficients, divisor, reduce):
        xp = ctx.xp
        log_probs = log_softmax(xp, logits, 1)
        losses = -xp.sum(coefficients * log_probs, axis=1)
        ctx.save_for_backward(logits, coefficients, log_probs, divisor)  # d may be an array: freed with them
        ctx.reduce = reduce
        return (xp.sum(losses) if reduce else losses) / divisor

    @staticmethod
    def backward(ctx, grad):
        logits, coefficients, log_probs, divisor = ctx.saved_tensors
        xp = ctx.xp
        if ctx.graph_output is not None:  # recording the backward: log_probs as a function of the logits
            log_probs = log_softmax(xp, logits, 1)
        scale = (grad if ctx.reduce else xp.reshape(grad, (-1, 1))) / divisor
        grad_logits = grad_coefficients = None
        if ctx.needs_input_grad[0]:
            total = xp.sum(coefficients, axis=1, keepdims=True)
            grad_logits = (xp.exp(log_probs) * total - coefficients) * scale  # e^{log softmax} = softmax
        if ctx.needs_input_grad[1]:
            grad_coefficients = -log_probs * scale
        return grad_logits, grad_coefficients, None, None
