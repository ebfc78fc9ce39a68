"""``Adadelta``: steps from the ratio of two running RMS values, no learning rate needed (Zeiler 2012)."""

from .optimizer import Optimizer, buffer_like, hyperparameters, in_interval, nonnegative
from .shared_steps import effective_gradient, running_mean_


def adadelta(xp, param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta step on arrays (PyTorch's documented algorithm).

    v ← ρv + (1−ρ)g²;  Δ ← √(u + ε) / √(v + ε) · g;  u ← ρu + (1−ρ)Δ²;  θ ← θ − γΔ
    """
    grad = effective_gradient(param, grad, weight_decay, maximize)
    running_mean_(square_avg, grad * grad, rho)
    delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
    running_mean_(acc_delta, delta * delta, rho)
    param -= lr * delta


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012), as ``torch.optim.Adadelta``: steps from the ratio of two running RMS values.

    For each parameter θ with gradient g (v₀ = u₀ = 0):

        g ← g + λθ                        (weight decay λ)
        v ← ρv + (1 − ρ)g²                a running mean of g²
        Δ = √(u + ε) / √(v + ε) · g       the step, in the units of θ
        u ← ρu + (1 − ρ)Δ²                a running mean of the squared steps
        θ ← θ − γΔ

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: γ, a factor on the step (the method itself needs none). Default 1.0.
        rho: ρ, the decay rate of both running means. Default 0.9.
        eps: ε, inside both square roots (it also sets the size of the first steps). Default 1e-6.
        weight_decay: λ, the L2 penalty added to the gradient. Default 0.
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.
    """

    update = staticmethod(adadelta)
    rules = (nonnegative("lr", "eps", "weight_decay"), in_interval("rho", 0, 1, closed=True))

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        return {"step": 0, "square_avg": buffer_like(param), "acc_delta": buffer_like(param)}
