"""Loss functions as modules: ``criterion = nn.MSELoss(); loss = criterion(prediction, target)``.

Each module stores its settings and calls the function of ``nn.functional`` that holds the math.
``reduction`` says what to do with the per-element losses: ``"mean"`` (default), ``"sum"``, or
``"none"`` (return them all).
"""

from . import functional as F
from .module import Module

REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    """What every loss module shares: the ``reduction`` setting, checked once here."""

    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: {reduction!r} is not a valid value for reduction {REDUCTIONS}"
            )
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with optional per-class weights, kept as a buffer (so ``to(device)`` moves them)."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error: (ŷ − y)²."""

    def forward(self, input, target):
        """The squared errors, reduced."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: |ŷ − y|."""

    def forward(self, input, target):
        """The absolute errors, reduced."""
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """½(ŷ − y)² where |ŷ − y| ≤ δ, δ(|ŷ − y| − ½δ) beyond: quadratic near 0, linear for outliers."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        """The Huber losses, reduced."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """−log softmax(z)[y] for logits z (N, C) and class indices y (N,) — or class probabilities (N, C).

    >>> criterion = nn.CrossEntropyLoss()
    >>> criterion(model(x), labels)        # model outputs raw scores: no softmax layer needed
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        """The cross-entropy, reduced."""
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """−logp[y] for log-probabilities (N, C) (a ``LogSoftmax`` output) and class indices y."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        """The negative log-likelihood, reduced."""
        return F.nll_loss(
            input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCELoss(_WeightedLoss):
    """−[y log p + (1 − y) log(1 − p)] for probabilities p (a ``Sigmoid`` output), logs clamped at −100."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(weight, reduction)

    def forward(self, input, target):
        """The binary cross-entropy, reduced."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy on logits z: log(1 + e^z) − y z, computed stably (no separate sigmoid)."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        """The binary cross-entropy of the logits, reduced."""
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class LogisticLoss(BCEWithLogitsLoss):
    """The logistic-regression loss log(1 + e^z) − y z on logits z (BCEWithLogitsLoss, the course's name)."""

    def forward(self, input, target):
        """The logistic losses, reduced."""
        return F.logistic_loss(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class HingeLoss(_Loss):
    """The SVM loss max(0, margin − y·s) for scores s and targets y in {−1, +1}."""

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input, target):
        """The hinge losses, reduced."""
        return F.hinge_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge loss Σ_{j≠y} max(0, margin − s_y + s_j) / C for scores (N, C)."""

    def __init__(self, p=1, margin=1.0, weight=None, reduction="mean"):
        super().__init__(weight, reduction)
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        """The multi-class hinge losses, reduced."""
        return F.multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight, reduction=self.reduction
        )
