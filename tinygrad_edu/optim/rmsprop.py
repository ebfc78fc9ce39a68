"""``RMSprop``: divide the gradient by a running RMS of recent gradients (Hinton, Coursera lecture 6e)."""

from .optimizer import Optimizer, buffer_like


def rmsprop(
    xp,
    param,
    grad,
    square_avg,
    grad_avg,
    momentum_buffer,
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
    if maximize:
        grad = -grad
    if weight_decay:
        grad = grad + weight_decay * param
    square_avg *= alpha
    square_avg += (1 - alpha) * grad * grad
    if centered:
        grad_avg *= alpha
        grad_avg += (1 - alpha) * grad
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
    """RMSprop, as ``torch.optim.RMSprop``."""

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
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        self._check_nonnegative(group, "lr", "alpha", "eps", "weight_decay", "momentum")

    def _init_state(self, param, group):
        state = {"step": 0, "square_avg": buffer_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = buffer_like(param)
        if group["centered"]:
            state["grad_avg"] = buffer_like(param)
        return state

    def _update(self, param, grad, state, group):
        state["step"] += 1
        grad_avg, buf = state.get("grad_avg"), state.get("momentum_buffer")
        rmsprop(
            param._backend(),
            param.data,
            grad,
            state["square_avg"].data,
            None if grad_avg is None else grad_avg.data,
            None if buf is None else buf.data,
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            centered=group["centered"],
            maximize=group["maximize"],
        )
