"""``SGD``: stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""

from .optimizer import Optimizer, Rule, hyperparameters, nonnegative
from .shared_steps import effective_gradient


def sgd(
    xp,
    param,
    grad,
    momentum_buffer=None,
    *,
    lr,
    momentum,
    dampening,
    weight_decay,
    nesterov,
    maximize,
):
    """One SGD step on arrays, PyTorch's documented algorithm; returns the momentum buffer to keep.

    g ← −g (maximize);  g ← g + λθ;  b ← μb + (1−τ)g (b₁ = g);  g ← g + μb (Nesterov) or b;  θ ← θ − γg
    """
    grad = effective_gradient(param, grad, weight_decay, maximize)
    if momentum:
        if momentum_buffer is None:
            momentum_buffer = xp.array(grad)  # b₁ = g₁ (a copy): the first step has no history to dampen
        else:
            momentum_buffer *= momentum
            momentum_buffer += (1 - dampening) * grad if dampening else grad
        grad = grad + momentum * momentum_buffer if nesterov else momentum_buffer
    param -= lr * grad
    return {"momentum_buffer": momentum_buffer} if momentum else None  # the buffer to keep


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
    as ``torch.optim.SGD``.

    For each parameter θ with gradient g (b is the momentum buffer; at the first step b ← g):

        g ← g + λθ                          (weight decay λ)
        b ← μb + (1 − τ)g                   (momentum μ, dampening τ; b₁ = g)
        g ← g + μb  if nesterov,  else g ← b
        θ ← θ − γg

    With μ = 0 this is plain gradient descent, θ ← θ − γg. This is PyTorch's form, not Sutskever et
    al.'s (2013) v ← μv − γ∇f(θ + μv), θ ← θ + v: here the learning rate multiplies the buffer
    when it is applied, not when it is accumulated (the two agree for a constant γ but not when a
    schedule changes γ), and ``nesterov=True`` uses the gradient at θ, a rewrite of the look-ahead.
    The buffer *sums* gradients, so the steady-state step is γ/(1 − μ) times the gradient;
    ``optim.Momentum`` averages them instead.

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: γ, the learning rate. Default 1e-3.
        momentum: μ, the momentum factor (0: no momentum). Default 0.
        dampening: τ, the share of the new gradient left out of the buffer. Default 0.
        weight_decay: λ, the L2 penalty added to the gradient. Default 0.
        nesterov: use Nesterov momentum (needs μ > 0 and τ = 0). Default False.
        maximize: ascend the objective instead of descending it (g ← −g first). Default False.

    Example:
        >>> opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    update = staticmethod(sgd)
    rules = (
        nonnegative("lr", "momentum", "weight_decay"),
        Rule(
            "nesterov",
            lambda nesterov, group: not nesterov or (group["momentum"] > 0 and group["dampening"] == 0),
            "False unless momentum > 0 and dampening = 0, got momentum={momentum}, dampening={dampening}",
        ),
    )

    def __init__(
        self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False
    ):
        super().__init__(params, hyperparameters(locals()))
