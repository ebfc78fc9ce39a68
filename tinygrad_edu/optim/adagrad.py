"""``Adagrad``: per-coordinate steps that shrink with the sum of squared gradients (Duchi et al. 2011)."""

from .optimizer import Optimizer, buffer_like, hyperparameters, nonnegative
from .shared_steps import effective_gradient


def adagrad(xp, param, grad, sum, *, step, lr, lr_decay, weight_decay, eps, maximize):
    """One Adagrad step on arrays (PyTorch's documented algorithm).

    γₜ = γ / (1 + (t−1)η);  G ← G + g²;  θ ← θ − γₜ · g / (√G + ε)
    """
    grad = effective_gradient(param, grad, weight_decay, maximize)
    step_lr = lr / (1 + (step - 1) * lr_decay)
    sum += grad * grad
    std = xp.sqrt(sum)
    std += eps
    param -= step_lr * grad / std


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011), as ``torch.optim.Adagrad``: large past gradients, smaller steps.

    For each parameter θ with gradient g, at step t = 1, 2, ... (G₀ = the initial accumulator value):

        g ← g + λθ                       (weight decay λ)
        γₜ = γ / (1 + (t − 1)η)          (learning-rate decay η)
        G ← G + g²                       the sum of squared gradients, per coordinate
        θ ← θ − γₜ · g / (√G + ε)

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: γ, the learning rate. Default 1e-2.
        lr_decay: η, how fast the learning rate decays with t. Default 0.
        weight_decay: λ, the L2 penalty added to the gradient. Default 0.
        initial_accumulator_value: G₀, the starting value of the sum. Default 0.
        eps: ε, added to the denominator for numerical stability. Default 1e-10.
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.
    """

    update = staticmethod(adagrad)
    rules = (nonnegative("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"),)

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        *,
        maximize=False,
    ):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        return {"step": 0, "sum": buffer_like(param, group["initial_accumulator_value"])}
