"""``RMSprop``: divide the gradient by a running RMS of recent gradients (Hinton, Coursera lecture 6e)."""

from .optimizer import Optimizer, buffer_like, hyperparameters, nonnegative
from .shared_steps import effective_gradient, running_mean_


def rmsprop(
    xp,
    param,
    grad,
    square_avg,
    grad_avg=None,
    momentum_buffer=None,
    *,
    lr,
    alpha,
    eps,
    weight_decay,
    momentum,
    centered,
    maximize,
):
    """One RMSprop step on arrays (PyTorch's documented algorithm; ``centered`` as Graves 2013).

    v ← αv + (1−α)g²;  centered: ḡ ← αḡ + (1−α)g, v̂ = v − ḡ²;  b ← μb + g / (√v̂ + ε);  θ ← θ − γb
    (without momentum, θ ← θ − γ g / (√v̂ + ε))
    """
    grad = effective_gradient(param, grad, weight_decay, maximize)
    running_mean_(square_avg, grad * grad, alpha)
    if centered:
        running_mean_(grad_avg, grad, alpha)
        avg = xp.sqrt(square_avg - grad_avg * grad_avg)  # the variance of g, not its raw second moment
    else:
        avg = xp.sqrt(square_avg)
    avg += eps
    if momentum > 0:
        momentum_buffer *= momentum
        momentum_buffer += grad / avg
        param -= lr * momentum_buffer
    else:
        param -= lr * grad / avg


class RMSprop(Optimizer):
    """RMSprop (Hinton, lecture 6e), as ``torch.optim.RMSprop``: g divided by a running RMS of g.

    For each parameter θ with gradient g (v₀ = ḡ₀ = b₀ = 0):

        g ← g + λθ                        (weight decay λ)
        v ← αv + (1 − α)g²                a running mean of g²
        ḡ ← αḡ + (1 − α)g,  v̂ = v − ḡ²   if centered (Graves 2013), else v̂ = v
        b ← μb + g / (√v̂ + ε),  θ ← θ − γb      if momentum μ > 0
        θ ← θ − γ · g / (√v̂ + ε)               otherwise

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: γ, the learning rate. Default 1e-2.
        alpha: α, the smoothing constant of the running mean. Default 0.99.
        eps: ε, added to the denominator for numerical stability. Default 1e-8.
        weight_decay: λ, the L2 penalty added to the gradient. Default 0.
        momentum: μ, the momentum factor. Default 0.
        centered: divide by an estimate of the gradient's standard deviation, not its RMS.
            Default False.
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.
    """

    update = staticmethod(rmsprop)
    rules = (nonnegative("lr", "alpha", "eps", "weight_decay", "momentum"),)

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        *,
        maximize=False,
    ):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        state = {"step": 0, "square_avg": buffer_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = buffer_like(param)
        if group["centered"]:
            state["grad_avg"] = buffer_like(param)
        return state
