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
    """Mean squared error: (ŷ − y)².

    Called as ``loss(input, target)`` with the arguments of ``F.mse_loss``.

    Args:
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """

    def forward(self, input, target):
        """The squared errors, reduced."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: |ŷ − y|.

    Called as ``loss(input, target)`` with the arguments of ``F.l1_loss``.

    Args:
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """

    def forward(self, input, target):
        """The absolute errors, reduced."""
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """½(ŷ − y)² where |ŷ − y| ≤ δ, δ(|ŷ − y| − ½δ) beyond: quadratic near 0, linear for outliers.

    Called as ``loss(input, target)`` with the arguments of ``F.huber_loss``.

    Args:
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
        delta: δ > 0, where the loss turns from quadratic to linear. Default 1.0.
    """

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

    Called as ``loss(input, target)`` with the arguments of ``F.cross_entropy``.

    Args:
        weight: a rescaling weight per class, shape (C,); None: all 1.
        ignore_index: targets equal to it contribute nothing and are left out of the mean. Default −100.
        reduction: ``"mean"`` (default): the weighted mean, Σ w[yᵢ]ℓᵢ / Σ w[yᵢ] over the targets not ignored;
            ``"sum"``: the sum; ``"none"``: one loss per sample.
        label_smoothing: ε in [0, 1]: the target becomes (1 − ε)·one-hot(y) + ε/C. Default 0.
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
    """−logp[y] for log-probabilities (N, C) (a ``LogSoftmax`` output) and class indices y.

    Called as ``loss(input, target)`` with the arguments of ``F.nll_loss``.

    Args:
        weight: a rescaling weight per class, shape (C,); None: all 1.
        ignore_index: targets equal to it contribute nothing and are left out of the mean. Default −100.
        reduction: ``"mean"`` (default): the weighted mean, Σ w[yᵢ]ℓᵢ / Σ w[yᵢ] over the targets not ignored;
            ``"sum"``: the sum; ``"none"``: one loss per sample.
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        """The negative log-likelihood, reduced."""
        return F.nll_loss(
            input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCELoss(_WeightedLoss):
    """−[y log p + (1 − y) log(1 − p)] for probabilities p (a ``Sigmoid`` output), logs clamped at −100.

    Called as ``loss(input, target)`` with the arguments of ``F.binary_cross_entropy``.

    Args:
        weight: a rescaling weight per class, shape (C,); None: all 1.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(weight, reduction)

    def forward(self, input, target):
        """The binary cross-entropy, reduced."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy on logits z: log(1 + e^z) − y z, computed stably (no separate sigmoid).

    Called as ``loss(input, target)`` with the arguments of ``F.binary_cross_entropy_with_logits``.

    Args:
        weight: a rescaling weight per class, shape (C,); None: all 1.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
        pos_weight: a weight w₊ on the positive term, per class (the last dimension): ℓ = −[w₊·y·log σ(z) + (1
            − y)·log(1 − σ(z))]. Default None (1).
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        """The binary cross-entropy of the logits, reduced."""
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class LogisticLoss(BCEWithLogitsLoss):
    """The logistic-regression loss log(1 + e^z) − y z on logits z (BCEWithLogitsLoss, the course's name).

    Called as ``loss(input, target)`` with the arguments of ``F.logistic_loss``.

    Args:
        weight: a rescaling weight per class, shape (C,); None: all 1.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
        pos_weight: a weight w₊ on the positive term, per class (the last dimension): ℓ = −[w₊·y·log σ(z) + (1
            − y)·log(1 − σ(z))]. Default None (1).
    """

    def forward(self, input, target):
        """The logistic losses, reduced."""
        return F.logistic_loss(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class HingeLoss(_Loss):
    """The SVM loss max(0, margin − y·s) for scores s and targets y in {−1, +1}.

    Called as ``loss(input, target)`` with the arguments of ``F.hinge_loss``.

    Args:
        margin: the margin m the right score must win by. Default 1.0.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input, target):
        """The hinge losses, reduced."""
        return F.hinge_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge loss Σ_{j≠y} max(0, margin − s_y + s_j) / C for scores (N, C).

    Called as ``loss(input, target)`` with the arguments of ``F.multi_margin_loss``.

    Args:
        p: the exponent on each violated margin, 1 or 2. Default 1.
        margin: the margin m the right score must win by. Default 1.0.
        weight: a rescaling weight per class, shape (C,); None: all 1.
        reduction: ``"mean"`` (default): the mean of the per-element losses; ``"sum"``: their sum; ``"none"``:
            the losses themselves, one per element.
    """

    def __init__(self, p=1, margin=1.0, weight=None, reduction="mean"):
        super().__init__(weight, reduction)
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        """The multi-class hinge losses, reduced."""
        return F.multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight, reduction=self.reduction
        )
